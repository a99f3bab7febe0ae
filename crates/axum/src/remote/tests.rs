//! The verifier against key sets served on a local port, on a clock the tests move.

use jsonwebtoken::Algorithm;
use jsonwebtoken::jwk::JwkSet;
use quill_domain::testing::FixedClock;

use super::keys::usable_keys;
use super::*;

/// The tests' clock, standing still at its default time until a test moves it.
fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::default())
}

/// Now by a fresh [`clock`], in Unix seconds: what the tokens' times count from.
fn start() -> i64 {
    clock().now().timestamp()
}

#[test]
fn only_keys_with_an_id_and_quills_algorithms_are_kept() {
    let set: JwkSet = serde_json::from_value(serde_json::json!({"keys": [
        {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
         "kid": "ed", "alg": "EdDSA", "use": "sig"},
        {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
         "alg": "EdDSA"},
        {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac", "alg": "HS256"},
    ]}))
    .unwrap();
    let keys = usable_keys(&set);
    assert_eq!(keys.keys().collect::<Vec<_>>(), ["ed"]);
    assert_eq!(keys["ed"].algorithm, Algorithm::EdDSA);
}

#[tokio::test]
async fn a_token_of_another_type_or_without_a_key_id_is_refused_before_any_fetch() {
    let verifier = JwksVerifier::with_clock(
        JwksSettings::new(
            Uri::from_static("http://127.0.0.1:9/.well-known/jwks.json"),
            "issuer",
            "quill",
        ),
        clock(),
    );
    assert!(matches!(
        verifier.verify("not.a.token").await,
        Err(AuthRefusal::Invalid)
    ));
    // An HS256 header: `typ` JWT, no `kid`.
    let hs = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.c2ln";
    assert!(matches!(
        verifier.verify(hs).await,
        Err(AuthRefusal::Invalid)
    ));
    assert!(
        verifier.read_cache().last_attempt.is_none(),
        "nothing fetched"
    );
}

/// A key of these tests alone (made with `openssl genpkey -algorithm ed25519`), as PKCS#8
/// DER in base64, and its public half as a JWK's `x`.
const TEST_KEY_PKCS8: &str = "MC4CAQAwBQYDK2VwBCIEIEWOk31zIh6t9betx5fjbC5lca9CfMVuiKUKw91leS/5";
const TEST_KEY_X: &str = "Rsx8xfTsNU6N0bd74BaBuFPcSYNVsyQbiJt3SdDgsNU";

fn key_set_with_test_key() -> String {
    serde_json::json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": TEST_KEY_X,
        "kid": "test", "alg": "EdDSA", "use": "sig"}]})
    .to_string()
}

/// A token as quill signs one, valid for `seconds` more.
fn signed_token(seconds: i64) -> String {
    signed_token_with(|_| {}, |_| {}, seconds)
}

/// A token signed with the test key, its header and claims changed by the callers.
fn signed_token_with(
    header_change: impl FnOnce(&mut jsonwebtoken::Header),
    claims_change: impl FnOnce(&mut serde_json::Value),
    seconds: i64,
) -> String {
    use base64::Engine as _;
    let der = base64::engine::general_purpose::STANDARD
        .decode(TEST_KEY_PKCS8)
        .unwrap();
    let mut header = jsonwebtoken::Header::new(Algorithm::EdDSA);
    header.typ = Some(ACCESS_TOKEN_TYPE.to_owned());
    header.kid = Some("test".to_owned());
    header_change(&mut header);
    let mut claims = serde_json::json!({"sub": "7", "exp": start() + seconds,
        "iss": "issuer", "aud": "quill", "jti": "token-1", "sid": "session-1"});
    claims_change(&mut claims);
    jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_ed_der(&der),
    )
    .unwrap()
}

/// Serves `router` on a free port; settings for its key set, issuer `issuer`, audience
/// `quill`.
async fn serve(router: axum::Router) -> JwksSettings {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/.well-known/jwks.json",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, router).await });
    JwksSettings::new(url.parse().unwrap(), "issuer", "quill")
}

/// A key set server whose answer the test can change, and a verifier that asks it on
/// `clock`'s time.
async fn verifier_of_served_set(
    tune: impl FnOnce(&mut JwksSettings),
    clock: Arc<FixedClock>,
) -> (JwksVerifier, Arc<Mutex<String>>) {
    let served = Arc::new(Mutex::new(key_set_with_test_key()));
    let answer = served.clone();
    let router = axum::Router::new().route(
        "/.well-known/jwks.json",
        axum::routing::get(move || {
            let body = answer.lock().unwrap().clone();
            async move { body }
        }),
    );
    let mut settings = serve(router).await;
    tune(&mut settings);
    (JwksVerifier::with_clock(settings, clock), served)
}

#[tokio::test]
async fn a_token_with_a_critical_extension_or_not_yet_valid_is_refused() {
    let (verifier, _served) = verifier_of_served_set(|_| {}, clock()).await;
    let critical = signed_token_with(|h| h.crit = Some(vec!["exp".into()]), |_| {}, 600);
    let early = signed_token_with(|_| {}, |c| c["nbf"] = (start() + 300).into(), 600);
    let due = signed_token_with(|_| {}, |c| c["nbf"] = (start() - 1).into(), 600);
    for refused in [critical, early] {
        assert!(matches!(
            verifier.verify(&refused).await,
            Err(AuthRefusal::Invalid)
        ));
    }
    assert_eq!(verifier.verify(&due).await.unwrap().user, UserId(7));
}

#[tokio::test]
async fn a_remembered_token_is_still_refused_once_it_expires() {
    let clock = clock();
    let (verifier, _served) = verifier_of_served_set(|_| {}, clock.clone()).await;
    let token = signed_token(1);
    for _ in 0..2 {
        let subject = verifier.verify(&token).await.unwrap();
        assert_eq!(subject.user, UserId(7));
        assert_eq!(subject.session, Some(SessionId::new("session-1")));
    }
    assert!(verifier.remembered(&token).is_some());
    clock.advance(chrono::Duration::seconds(1));
    assert!(
        verifier.verify(&token).await.is_ok(),
        "valid through its last second"
    );
    clock.advance(chrono::Duration::seconds(1));
    assert!(matches!(
        verifier.verify(&token).await,
        Err(AuthRefusal::Invalid)
    ));
}

#[tokio::test]
async fn a_remembered_token_is_refused_once_its_key_leaves_the_set() {
    let (verifier, served) = verifier_of_served_set(
        |settings| {
            settings.max_age = Duration::ZERO;
            settings.refetch_interval = Duration::ZERO;
        },
        clock(),
    )
    .await;
    let token = signed_token(600);
    verifier.verify(&token).await.unwrap();
    assert!(verifier.remembered(&token).is_some());
    *served.lock().unwrap() = r#"{"keys":[]}"#.to_owned();
    assert!(matches!(
        verifier.verify(&token).await,
        Err(AuthRefusal::Invalid)
    ));
}

#[tokio::test]
async fn a_token_differing_from_a_remembered_one_is_checked_in_full() {
    let (verifier, _served) = verifier_of_served_set(|_| {}, clock()).await;
    let token = signed_token(600);
    verifier.verify(&token).await.unwrap();
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
    let tampered = format!("{signed}.{flipped}{}", &signature[1..]);
    assert!(matches!(
        verifier.verify(&tampered).await,
        Err(AuthRefusal::Invalid)
    ));
}

#[tokio::test]
async fn with_no_memory_every_token_is_checked_in_full() {
    let (verifier, _served) =
        verifier_of_served_set(|settings| settings.verified_tokens = 0, clock()).await;
    let token = signed_token(600);
    verifier.verify(&token).await.unwrap();
    verifier.verify(&token).await.unwrap();
    assert!(verifier.remembered(&token).is_none());
}

#[tokio::test]
async fn made_up_key_ids_prompt_at_most_one_fetch_per_refetch_interval() {
    use std::sync::atomic::{AtomicUsize, Ordering};

    let fetches = Arc::new(AtomicUsize::new(0));
    let counted = fetches.clone();
    let router = axum::Router::new().route(
        "/.well-known/jwks.json",
        axum::routing::get(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            async { r#"{"keys":[]}"# }
        }),
    );
    let mut settings = serve(router).await;
    settings.refetch_interval = Duration::from_secs(3600);
    let verifier = JwksVerifier::with_clock(settings, clock());

    let b64 = |json: &str| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    };
    for n in 0..20 {
        let header = b64(&format!(
            r#"{{"alg":"EdDSA","typ":"at+jwt","kid":"made-up-{n}"}}"#
        ));
        let token = format!("{header}.{}.c2ln", b64(r#"{"sub":"1"}"#));
        let refused = verifier.verify(&token).await;
        assert!(matches!(refused, Err(AuthRefusal::Invalid)), "{refused:?}");
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
}
