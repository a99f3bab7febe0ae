//! The codec: claims, expiry to the second, foreign keys and algorithms, the original
//! service's tokens, critical headers, `nbf`, and asymmetric keys with their issuer and
//! audience.

use base64::Engine as _;
use chrono::TimeZone as _;

use super::*;

fn key() -> SecretKey {
    SecretKey::new("0123456789abcdef0123456789abcdef".into()).unwrap()
}

fn codec() -> JwtCodec {
    JwtCodec::new(&key(), TokenAlgorithm::Hs256, Duration::minutes(30))
}

fn alice() -> User {
    User {
        id: UserId(7),
        username: "alice".into(),
        email: "alice@example.com".into(),
        password_hash: quill_domain::PasswordHash::new("x"),
        image_file: None,
        token_generation: 3,
        profile_revision: 0,
    }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 18, 0, 0).unwrap()
}

fn session() -> SessionId {
    SessionId::new("a-session")
}

fn b64(json: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

fn part(token: &str, index: usize) -> serde_json::Value {
    let raw = token.split('.').nth(index).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[test]
fn a_token_carries_the_user_id_as_a_string_with_exp_and_iat() {
    let token = codec().issue(&alice(), &session(), now(), now()).unwrap();
    assert_eq!(
        part(token.as_str(), 0),
        serde_json::json!({"alg": "HS256", "typ": "JWT"})
    );
    let claims = part(token.as_str(), 1);
    assert_eq!(claims["sub"], "7");
    assert_eq!(claims["iat"], now().timestamp());
    assert_eq!(claims["exp"], now().timestamp() + 30 * 60);
    assert_eq!(claims["gen"], 3);
    let jti = claims["jti"].as_str().unwrap();
    assert_eq!(jti.len(), 32);
    let verified = codec().verify(token.as_str(), now()).unwrap();
    assert_eq!(verified.user, UserId(7));
    assert_eq!(verified.token_id, jti);
    assert_eq!(claims["sid"], "a-session");
    assert_eq!(verified.session, Some(session()));
    assert_eq!(verified.generation, 3);
    assert_eq!(verified.expires_at, now() + Duration::minutes(30));
}

#[test]
fn a_token_says_when_its_account_authenticated_in_seconds_since_the_epoch() {
    let login = now() - Duration::minutes(20);
    let token = codec().issue(&alice(), &session(), login, now()).unwrap();
    assert_eq!(part(token.as_str(), 1)["auth_time"], login.timestamp());
    let verified = codec().verify(token.as_str(), now()).unwrap();
    assert_eq!(verified.authenticated_at, Some(login));
}

#[test]
fn every_token_gets_its_own_id() {
    let a = codec().issue(&alice(), &session(), now(), now()).unwrap();
    let b = codec().issue(&alice(), &session(), now(), now()).unwrap();
    assert_ne!(part(a.as_str(), 1)["jti"], part(b.as_str(), 1)["jti"]);
}

#[test]
fn a_token_is_refused_from_the_second_it_expires_with_no_leeway() {
    let token = codec().issue(&alice(), &session(), now(), now()).unwrap();
    let last_valid = now() + Duration::minutes(30) - Duration::seconds(1);
    assert!(codec().verify(token.as_str(), last_valid).is_ok());
    assert_eq!(
        codec().verify(token.as_str(), now() + Duration::minutes(30)),
        Err(TokenRejected::Expired)
    );
}

#[test]
fn a_token_signed_with_another_key_is_refused_as_not_genuine_even_once_expired() {
    let other = SecretKey::new("another-key-another-key-another-key".into()).unwrap();
    let forged = JwtCodec::new(&other, TokenAlgorithm::Hs256, Duration::minutes(30))
        .issue(&alice(), &session(), now(), now())
        .unwrap();
    for at in [now(), now() + Duration::hours(1)] {
        assert_eq!(
            codec().verify(forged.as_str(), at),
            Err(TokenRejected::Invalid)
        );
    }
}

#[test]
fn a_token_of_another_algorithm_is_refused_even_with_the_right_key() {
    let token = JwtCodec::new(&key(), TokenAlgorithm::Hs512, Duration::minutes(30))
        .issue(&alice(), &session(), now(), now())
        .unwrap();
    assert_eq!(
        codec().verify(token.as_str(), now()),
        Err(TokenRejected::Invalid)
    );
}

#[test]
fn an_unsigned_alg_none_token_is_refused() {
    let exp = now().timestamp() + 60;
    let token = format!(
        "{}.{}.",
        b64(r#"{"alg":"none","typ":"JWT"}"#),
        b64(&format!(r#"{{"sub":"7","exp":{exp}}}"#))
    );
    assert_eq!(codec().verify(&token, now()), Err(TokenRejected::Invalid));
}

#[test]
fn a_token_of_the_original_service_with_only_sub_and_exp_is_accepted_until_it_expires() {
    let exp = now().timestamp() + 60;
    let original = signed(&serde_json::json!({"sub": "7", "exp": exp, "iat": exp - 60}));
    let claims = codec().verify(&original, now()).unwrap();
    assert_eq!(claims.session, None, "it names no session");
    assert_eq!(
        claims.authenticated_at, None,
        "nor when its account authenticated"
    );
    assert_eq!((claims.user, claims.generation), (UserId(7), 0));
    // A stable id of its own, so it can be revoked on its own.
    assert!(claims.token_id.starts_with("sig:"), "{}", claims.token_id);
    assert_eq!(claims.token_id.len(), 64);
    assert_eq!(
        codec().verify(&original, now()).unwrap().token_id,
        claims.token_id
    );
    let other = signed(&serde_json::json!({"sub": "7", "exp": exp + 1}));
    assert_ne!(
        codec().verify(&other, now()).unwrap().token_id,
        claims.token_id
    );
    let expired = now() + Duration::seconds(60);
    assert_eq!(
        codec().verify(&original, expired),
        Err(TokenRejected::Expired)
    );
}

fn signed(claims: &serde_json::Value) -> String {
    jsonwebtoken::encode(
        &Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(key().as_bytes()),
    )
    .unwrap()
}

#[test]
fn a_genuine_token_without_exp_or_sub_or_with_a_malformed_sub_is_refused() {
    let exp = now().timestamp() + 60;
    for claims in [
        serde_json::json!({"sub": "7", "jti": "a", "gen": 0}),
        serde_json::json!({"exp": exp, "jti": "a", "gen": 0}),
        serde_json::json!({"sub": 7, "exp": exp, "jti": "a", "gen": 0}),
        serde_json::json!({"sub": "seven", "exp": exp, "jti": "a", "gen": 0}),
        serde_json::json!({"sub": "007", "exp": exp, "jti": "a", "gen": 0}),
        serde_json::json!({"sub": "7", "exp": exp, "jti": "", "gen": 0}),
        serde_json::json!({"sub": "7", "exp": exp, "jti": "x".repeat(65), "gen": 0}),
    ] {
        assert_eq!(
            codec().verify(&signed(&claims), now()),
            Err(TokenRejected::Invalid),
            "{claims}"
        );
    }
    let fine = serde_json::json!({"sub": "7", "exp": exp, "jti": "a", "gen": 0});
    assert_eq!(
        codec().verify(&signed(&fine), now()).unwrap().user,
        UserId(7)
    );
}

#[test]
fn a_genuine_token_with_a_critical_header_extension_is_refused() {
    let exp = now().timestamp() + 60;
    let claims = serde_json::json!({"sub": "7", "exp": exp, "jti": "a", "gen": 0});
    let mut header = Header::new(jsonwebtoken::Algorithm::HS256);
    header.crit = Some(vec!["exp".into()]);
    let token = jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_secret(key().as_bytes()),
    )
    .unwrap();
    assert_eq!(codec().verify(&token, now()), Err(TokenRejected::Invalid));
    assert!(codec().verify(&signed(&claims), now()).is_ok());
}

#[test]
fn a_genuine_token_is_refused_before_its_not_before_time_and_accepted_from_it() {
    let at = now().timestamp();
    let claims = |nbf: i64| serde_json::json!({"sub": "7", "exp": at + 600, "nbf": nbf, "jti": "a", "gen": 0});
    assert_eq!(
        codec().verify(&signed(&claims(at + 1)), now()),
        Err(TokenRejected::Invalid)
    );
    assert!(codec().verify(&signed(&claims(at)), now()).is_ok());
    assert!(codec().verify(&signed(&claims(at - 60)), now()).is_ok());
}

fn asymmetric(signing: &quill_test_support::keys::KeyPair, previous: &str) -> JwtCodec {
    let keys = SigningKeys::from_pem(
        &signing.private_pem,
        (!previous.is_empty()).then_some(previous),
    )
    .unwrap();
    JwtCodec::asymmetric(
        &AsymmetricSigning {
            keys,
            issuer: "https://blog.example.com".into(),
            audience: "quill".into(),
        },
        Duration::minutes(30),
    )
}

#[test]
fn an_asymmetric_token_names_its_key_type_issuer_and_audience_and_only_its_keys_accept_it() {
    use quill_test_support::keys;
    let (old, new) = (keys::ed25519(1), keys::p256(2));
    let codec = asymmetric(&old, "");
    let token = codec.issue(&alice(), &session(), now(), now()).unwrap();
    let header = part(token.as_str(), 0);
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["typ"], ACCESS_TOKEN_TYPE);
    assert_eq!(header["kid"], codec.published_keys()[0].key_id.as_str());
    let claims = part(token.as_str(), 1);
    assert_eq!(
        (&claims["iss"], &claims["aud"]),
        (
            &serde_json::json!("https://blog.example.com"),
            &serde_json::json!("quill")
        )
    );
    assert_eq!(codec.verify(token.as_str(), now()).unwrap().user, UserId(7));

    // After a switch to the new key, the old one verifies what it signed; once it is
    // removed, nothing it signed is accepted.
    let switched = asymmetric(&new, &old.public_pem);
    assert_eq!(switched.published_keys().len(), 2);
    assert!(switched.verify(token.as_str(), now()).is_ok());
    let fresh = switched.issue(&alice(), &session(), now(), now()).unwrap();
    assert_eq!(part(fresh.as_str(), 0)["alg"], "ES256");
    let removed = asymmetric(&new, "");
    assert_eq!(
        removed.verify(token.as_str(), now()),
        Err(TokenRejected::Invalid)
    );
    assert!(removed.verify(fresh.as_str(), now()).is_ok());
    // Expiry still counts as expiry.
    assert_eq!(
        codec.verify(token.as_str(), now() + Duration::minutes(30)),
        Err(TokenRejected::Expired)
    );
}

#[test]
fn an_asymmetric_token_with_a_critical_header_extension_is_refused() {
    let pair = quill_test_support::keys::ed25519(1);
    let codec = asymmetric(&pair, "");
    let sign = |crit: Option<Vec<String>>| {
        let mut header = Header::new(jsonwebtoken::Algorithm::EdDSA);
        header.typ = Some(ACCESS_TOKEN_TYPE.to_owned());
        header.kid = Some(codec.published_keys()[0].key_id.clone());
        header.crit = crit;
        let claims = serde_json::json!({"sub": "7", "exp": now().timestamp() + 60,
            "iss": "https://blog.example.com", "aud": "quill", "jti": "a", "gen": 0});
        let (_, der) = pem_rfc7468::decode_vec(pair.private_pem.as_bytes()).unwrap();
        let key = EncodingKey::from_ed_der(&der);
        jsonwebtoken::encode(&header, &claims, &key).unwrap()
    };
    assert_eq!(
        codec.verify(&sign(Some(vec!["exp".into()])), now()),
        Err(TokenRejected::Invalid)
    );
    assert!(codec.verify(&sign(None), now()).is_ok());
}

#[test]
fn an_asymmetric_codec_accepts_no_shared_secret_token_and_a_secret_codec_no_asymmetric_one() {
    let keyed = asymmetric(&quill_test_support::keys::ed25519(3), "");
    let hmac = codec_token();
    assert_eq!(keyed.verify(&hmac, now()), Err(TokenRejected::Invalid));
    let signed = keyed.issue(&alice(), &session(), now(), now()).unwrap();
    assert_eq!(
        codec().verify(signed.as_str(), now()),
        Err(TokenRejected::Invalid)
    );
    assert!(codec().published_keys().is_empty());
    assert!(!format!("{keyed:?}").contains("PRIVATE"));
}

#[test]
fn a_token_verified_once_still_expires_and_a_changed_one_is_checked_afresh() {
    let codec = asymmetric(&quill_test_support::keys::ed25519(4), "");
    let token = codec.issue(&alice(), &session(), now(), now()).unwrap();
    let first = codec.verify(token.as_str(), now()).unwrap();
    assert_eq!(codec.verify(token.as_str(), now()).unwrap(), first);
    assert_eq!(
        codec.verify(token.as_str(), now() + Duration::minutes(30)),
        Err(TokenRejected::Expired)
    );
    // The same header and claims under a damaged signature are another token.
    let (input, signature) = token.as_str().rsplit_once('.').unwrap();
    let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
    let damaged = format!("{input}.{flipped}{}", &signature[1..]);
    assert_eq!(codec.verify(&damaged, now()), Err(TokenRejected::Invalid));
}

fn codec_token() -> String {
    codec()
        .issue(&alice(), &session(), now(), now())
        .unwrap()
        .as_str()
        .to_owned()
}

#[test]
fn garbage_is_refused() {
    for token in ["", "abc", "a.b.c", "...."] {
        assert_eq!(codec().verify(token, now()), Err(TokenRejected::Invalid));
    }
}
