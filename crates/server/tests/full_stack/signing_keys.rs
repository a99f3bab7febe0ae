//! Tokens signed with an asymmetric key (SPEC section 12): checked here the way another
//! service would check them, from `/.well-known/jwks.json` with signature crates of its own
//! rather than quill's codec; the forgeries such a set-up invites; and a key rotation that
//! follows the runbook in docs/operations.md.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::Signer as _;
use quill_test_support::{TestDatabase, keys};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{
    SECRET_KEY, TestApp, expect_unauthorized, spawn_app, spawn_app_with, start_server,
};

/// Key files an operator would write, in a folder the test owns.
struct KeyFiles {
    dir: tempfile::TempDir,
}

impl KeyFiles {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }
}

fn decode_part(token: &str, index: usize) -> Value {
    let raw = token.split('.').nth(index).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(raw).unwrap()).unwrap()
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A JWT signed by hand with the Ed25519 key of `seed`: whatever header and claims a forger
/// (or a test) chooses.
fn ed25519_signed(seed: u8, header: &Value, claims: &Value) -> String {
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let signature = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]).sign(input.as_bytes());
    format!("{input}.{}", b64(&signature.to_bytes()))
}

async fn key_set(app: &TestApp) -> Value {
    let response = app.get("/.well-known/jwks.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "public, max-age=300");
    response.json().await.unwrap()
}

async fn me_status(app: &TestApp, token: &str) -> StatusCode {
    app.get_as("/api/users/me", token).await.status()
}

#[tokio::test]
async fn an_eddsa_token_verifies_against_the_published_key_set_with_an_independent_library() {
    let files = KeyFiles::new();
    let signing = files.write("signing.pem", &keys::ed25519(1).private_pem);
    let app = spawn_app_with(&[
        ("ALGORITHM", "EdDSA"),
        ("SIGNING_KEY_FILE", &signing),
        ("TOKEN_AUDIENCE", "blog-services"),
    ])
    .await;
    let alice = app.account("alice").await;

    let set = key_set(&app).await;
    let [key] = set["keys"].as_array().unwrap().as_slice() else {
        panic!("one key expected: {set}");
    };
    assert_eq!(
        key.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["alg", "crv", "kid", "kty", "use", "x"],
        "public members only: {key}"
    );
    assert_eq!(
        (&key["kty"], &key["crv"], &key["alg"], &key["use"]),
        (
            &json!("OKP"),
            &json!("Ed25519"),
            &json!("EdDSA"),
            &json!("sig")
        )
    );

    let header = decode_part(&alice.token, 0);
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["kid"], key["kid"]);
    let claims = decode_part(&alice.token, 1);
    assert_eq!(claims["iss"], app.base.as_str());
    assert_eq!(claims["aud"], "blog-services");
    assert_eq!(claims["sub"], alice.id.to_string());

    // The check another service makes: the key from the set, the signature over the first
    // two parts, with ed25519-dalek directly.
    let x: [u8; 32] = URL_SAFE_NO_PAD
        .decode(key["x"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let public = ed25519_dalek::VerifyingKey::from_bytes(&x).unwrap();
    let (input, signature) = alice.token.rsplit_once('.').unwrap();
    let signature =
        ed25519_dalek::Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap()).unwrap();
    public.verify_strict(input.as_bytes(), &signature).unwrap();
    assert_eq!(me_status(&app, &alice.token).await, StatusCode::OK);

    // The login answer is the same two fields as ever.
    let body: Value = app
        .login("alice@example.com", "quiet-harbour-lamp")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        body.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["access_token", "token_type"]
    );
}

#[tokio::test]
async fn forgeries_are_refused_an_hmac_over_the_public_key_an_unknown_kid_another_key_and_a_wrong_type_or_audience()
 {
    let files = KeyFiles::new();
    let signing = files.write("signing.pem", &keys::ed25519(2).private_pem);
    let app = spawn_app_with(&[("ALGORITHM", "EdDSA"), ("SIGNING_KEY_FILE", &signing)]).await;
    let alice = app.account("alice").await;
    let header = decode_part(&alice.token, 0);
    let claims = decode_part(&alice.token, 1);
    let kid = header["kid"].as_str().unwrap().to_owned();

    // The algorithm-confusion attack: HS256 keyed with the public key, in each form an
    // attacker can get it in.
    let set = key_set(&app).await;
    let x = URL_SAFE_NO_PAD
        .decode(set["keys"][0]["x"].as_str().unwrap())
        .unwrap();
    let public_pem = keys::ed25519(2).public_pem;
    for secret in [x.as_slice(), public_pem.as_bytes(), SECRET_KEY.as_bytes()] {
        let mut hs = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        hs.kid = Some(kid.clone());
        let forged = jsonwebtoken::encode(
            &hs,
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(secret),
        )
        .unwrap();
        expect_unauthorized(
            app.get_as("/api/users/me", &forged).await,
            "Invalid or expired token",
        )
        .await;
    }

    // The real key, but a header or claims quill never issues.
    let mut unknown_kid = header.clone();
    unknown_kid["kid"] = json!("no-such-key");
    let mut no_kid = header.clone();
    no_kid.as_object_mut().unwrap().remove("kid");
    let mut plain_jwt = header.clone();
    plain_jwt["typ"] = json!("JWT");
    let mut other_audience = claims.clone();
    other_audience["aud"] = json!("another-service");
    let mut other_issuer = claims.clone();
    other_issuer["iss"] = json!("https://attacker.example");
    for (name, token) in [
        ("an unknown kid", ed25519_signed(2, &unknown_kid, &claims)),
        ("no kid", ed25519_signed(2, &no_kid, &claims)),
        ("typ JWT", ed25519_signed(2, &plain_jwt, &claims)),
        (
            "another audience",
            ed25519_signed(2, &header, &other_audience),
        ),
        ("another issuer", ed25519_signed(2, &header, &other_issuer)),
        // Another key claiming the real key's id.
        ("another key", ed25519_signed(3, &header, &claims)),
    ] {
        assert_eq!(
            me_status(&app, &token).await,
            StatusCode::UNAUTHORIZED,
            "{name}"
        );
    }
    // The control: the same hand-made signing with the real key and header is accepted, so
    // each refusal above is the one change's doing.
    assert_eq!(
        me_status(&app, &ed25519_signed(2, &header, &claims)).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_es256_token_verifies_with_the_published_p256_coordinates() {
    use p256::ecdsa::signature::Verifier as _;
    let files = KeyFiles::new();
    let signing = files.write("signing.pem", &keys::p256(4).private_pem);
    let app = spawn_app_with(&[("ALGORITHM", "ES256"), ("SIGNING_KEY_FILE", &signing)]).await;
    let alice = app.account("alice").await;
    let set = key_set(&app).await;
    let key = &set["keys"][0];
    assert_eq!(
        (&key["kty"], &key["crv"], &key["alg"]),
        (&json!("EC"), &json!("P-256"), &json!("ES256"))
    );
    assert_eq!(decode_part(&alice.token, 0)["kid"], key["kid"]);
    // An uncompressed SEC1 point: 0x04, then x, then y.
    let mut point = vec![4u8];
    for name in ["x", "y"] {
        let coordinate = URL_SAFE_NO_PAD.decode(key[name].as_str().unwrap()).unwrap();
        assert_eq!(coordinate.len(), 32, "{name}");
        point.extend(coordinate);
    }
    let public = p256::ecdsa::VerifyingKey::from_sec1_bytes(&point).unwrap();
    let (input, signature) = alice.token.rsplit_once('.').unwrap();
    let signature =
        p256::ecdsa::Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap()).unwrap();
    public.verify(input.as_bytes(), &signature).unwrap();
    assert_eq!(me_status(&app, &alice.token).await, StatusCode::OK);
}

#[tokio::test]
async fn under_a_shared_secret_the_key_set_is_empty_and_tokens_are_as_they_always_were() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    assert_eq!(key_set(&app).await, json!({ "keys": [] }));
    assert_eq!(
        decode_part(&alice.token, 0),
        json!({ "alg": "HS256", "typ": "JWT" })
    );
    let claims = decode_part(&alice.token, 1);
    assert!(
        claims.get("iss").is_none() && claims.get("aud").is_none(),
        "{claims}"
    );
}

/// Starts a server on `database` with the given keys, as one step of a rotation.
async fn server_with_keys(
    database: &TestDatabase,
    files: &KeyFiles,
    signing: &keys::KeyPair,
    previous: &[&keys::KeyPair],
) -> TestApp {
    let signing = files.write("signing.pem", &signing.private_pem);
    let previous: String = previous.iter().map(|k| k.public_pem.as_str()).collect();
    let previous = files.write("previous.pem", &previous);
    // Every server of the fleet names one issuer; by default it would be each test server's
    // own address.
    let mut settings = vec![
        ("ALGORITHM", "EdDSA"),
        ("SIGNING_KEY_FILE", signing.as_str()),
        ("TOKEN_ISSUER", "https://blog.example.com"),
    ];
    if std::fs::metadata(&previous).unwrap().len() > 0 {
        settings.push(("PREVIOUS_PUBLIC_KEYS_FILE", previous.as_str()));
    }
    start_server(&database.url, &settings).await.unwrap()
}

fn key_ids(set: &Value) -> Vec<String> {
    set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_rotation_that_follows_the_runbook_keeps_old_tokens_working_through_the_overlap_and_ends_them_after()
 {
    let database = TestDatabase::fresh().await;
    let files = KeyFiles::new();
    let (old, new) = (keys::ed25519(5), keys::ed25519(6));

    // Before: the old key signs.
    let before = server_with_keys(&database, &files, &old, &[]).await;
    let alice = before.account("alice").await;
    let [old_id] = key_ids(&key_set(&before).await).try_into().unwrap();
    drop(before);

    // Step 1: the new key is published as verify-only; the old one still signs.
    let published = server_with_keys(&database, &files, &old, &[&new]).await;
    let ids = key_ids(&key_set(&published).await);
    assert_eq!(ids[0], old_id);
    let new_id = ids[1].clone();
    assert_eq!(me_status(&published, &alice.token).await, StatusCode::OK);
    drop(published);

    // Step 2 is waiting out the key set's max-age; step 3: the new key signs, the old one
    // verifies what it signed.
    let switched = server_with_keys(&database, &files, &new, &[&old]).await;
    assert_eq!(key_ids(&key_set(&switched).await), [new_id.clone(), old_id]);
    assert_eq!(me_status(&switched, &alice.token).await, StatusCode::OK);
    let fresh = switched
        .login("alice@example.com", "quiet-harbour-lamp")
        .await;
    let fresh = fresh.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(decode_part(&fresh, 0)["kid"], new_id.as_str());
    drop(switched);

    // Step 4, after the longest token lifetime: the old key goes, and with it what it signed.
    let after = server_with_keys(&database, &files, &new, &[]).await;
    assert_eq!(key_ids(&key_set(&after).await), [new_id]);
    expect_unauthorized(
        after.get_as("/api/users/me", &alice.token).await,
        "Invalid or expired token",
    )
    .await;
    assert_eq!(me_status(&after, &fresh).await, StatusCode::OK);
}
