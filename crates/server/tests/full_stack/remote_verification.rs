//! The example verify-service against a live quill signing with EdDSA: it accepts quill's
//! tokens with nothing but the published key set, refuses tampered and foreign ones, and
//! keeps working through a key rotation that follows the runbook in docs/operations.md.
//!
//! The servers of a rotation restart on new ports, so the service reaches the key set
//! through one stable address, as it would through a load balancer: a small forwarder that
//! always asks the quill of the current step.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::routing::get;
use quill_axum::{JwksSettings, JwksVerifier};
use quill_test_support::{TestDatabase, keys};
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{TestApp, TestClock, start_server};

const ISSUER: &str = "https://blog.example.com";

/// The key set's stable address: forwards to whichever quill is current.
struct KeySetAddress {
    current: Arc<Mutex<String>>,
    url: String,
}

impl KeySetAddress {
    async fn start(first: &TestApp) -> Self {
        let current = Arc::new(Mutex::new(first.base.clone()));
        let forward = |State(current): State<Arc<Mutex<String>>>| async move {
            let base = current.lock().unwrap().clone();
            let set = reqwest::get(format!("{base}/.well-known/jwks.json"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            ([("content-type", "application/json")], set)
        };
        let router = axum::Router::new()
            .route("/.well-known/jwks.json", get(forward))
            .with_state(current.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/.well-known/jwks.json",
            listener.local_addr().unwrap()
        );
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { current, url }
    }

    fn now_at(&self, server: &TestApp) {
        *self.current.lock().unwrap() = server.base.clone();
    }
}

/// verify-service on a port of its own, keeping keys for `max_age` by `clock`.
async fn start_service(key_set: &str, max_age: Duration, clock: Arc<TestClock>) -> String {
    let mut settings = JwksSettings::new(key_set.parse().unwrap(), ISSUER, "quill");
    settings.max_age = max_age;
    settings.refetch_interval = Duration::from_millis(200);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = verify_service::app(JwksVerifier::with_clock(settings, clock));
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

async fn whoami(service: &str, token: &str) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .get(format!("{service}/whoami"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn quill_with_keys(
    database: &TestDatabase,
    dir: &tempfile::TempDir,
    signing: &keys::KeyPair,
    previous: &[&keys::KeyPair],
) -> TestApp {
    let signing_file = dir.path().join("signing.pem");
    std::fs::write(&signing_file, &signing.private_pem).unwrap();
    let previous_file = dir.path().join("previous.pem");
    let previous: String = previous.iter().map(|k| k.public_pem.as_str()).collect();
    std::fs::write(&previous_file, &previous).unwrap();
    let (signing_file, previous_file) = (
        signing_file.display().to_string(),
        previous_file.display().to_string(),
    );
    let mut settings = vec![
        ("ALGORITHM", "EdDSA"),
        ("SIGNING_KEY_FILE", signing_file.as_str()),
        ("TOKEN_ISSUER", ISSUER),
    ];
    if !previous.is_empty() {
        settings.push(("PREVIOUS_PUBLIC_KEYS_FILE", previous_file.as_str()));
    }
    start_server(&database.url, &settings).await.unwrap()
}

async fn token_of(server: &TestApp) -> String {
    let login = server
        .login("alice@example.com", "quiet-harbour-lamp")
        .await;
    assert_eq!(login.status(), StatusCode::OK);
    login.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_example_service_accepts_quills_tokens_refuses_tampered_ones_and_survives_a_rotation() {
    let database = TestDatabase::fresh().await;
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (keys::ed25519(21), keys::ed25519(22));
    let max_age = Duration::from_millis(500);

    let before = quill_with_keys(&database, &dir, &old, &[]).await;
    let alice = before.account("alice").await;
    let key_set = KeySetAddress::start(&before).await;
    let clock = Arc::new(TestClock::default());
    let service = start_service(&key_set.url, max_age, clock.clone()).await;

    let (status, body) = whoami(&service, &alice.token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user_id"], alice.id);
    assert!(body["session"].is_string(), "the token names its session");

    // Tampered: the payload changed under the same signature, and a signature cut short.
    let mut parts: Vec<String> = alice.token.split('.').map(str::to_owned).collect();
    let claims = base64_url(
        &serde_json::to_vec(&serde_json::json!({
            "sub": "999", "exp": 4_102_444_800_i64, "iss": ISSUER, "aud": "quill", "jti": "x"
        }))
        .unwrap(),
    );
    parts[1] = claims;
    assert_eq!(
        whoami(&service, &parts.join(".")).await.0,
        StatusCode::UNAUTHORIZED
    );
    let cut = &alice.token[..alice.token.len() - 4];
    assert_eq!(whoami(&service, cut).await.0, StatusCode::UNAUTHORIZED);
    // quill's own refusal for an empty credential (SPEC section 13).
    let (status, body) = whoami(&service, "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["detail"], "Invalid or expired token");
    let bare = reqwest::get(format!("{service}/whoami")).await.unwrap();
    assert_eq!(bare.status(), StatusCode::UNAUTHORIZED);
    drop(before);

    // Step 1: the new key is published as verify-only everywhere.
    let published = quill_with_keys(&database, &dir, &old, &[&new]).await;
    key_set.now_at(&published);
    // Step 2: let the key set's cache age pass.
    clock.advance(max_age * 2);
    assert_eq!(whoami(&service, &alice.token).await.0, StatusCode::OK);
    drop(published);

    // Step 3: the new key signs; the old one still verifies what it signed.
    let switched = quill_with_keys(&database, &dir, &new, &[&old]).await;
    key_set.now_at(&switched);
    let fresh = token_of(&switched).await;
    assert_eq!(whoami(&service, &fresh).await.0, StatusCode::OK);
    assert_eq!(whoami(&service, &alice.token).await.0, StatusCode::OK);
    drop(switched);

    // Step 4, after the longest token lifetime: the old key goes, and once the service's
    // cache has aged, so does everything it signed.
    let after = quill_with_keys(&database, &dir, &new, &[]).await;
    key_set.now_at(&after);
    clock.advance(max_age * 2);
    assert_eq!(whoami(&service, &fresh).await.0, StatusCode::OK);
    assert_eq!(
        whoami(&service, &alice.token).await.0,
        StatusCode::UNAUTHORIZED
    );
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
