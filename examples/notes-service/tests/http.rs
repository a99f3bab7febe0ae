//! The whole service on a real SQLite file, as `main` builds it: quill's migrations, Argon2
//! hashing and signed JWTs, through the service's own router.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use quill_infra::Settings;
use serde_json::{Value, json};
use tower::ServiceExt as _;

/// The service over a fresh database file in `dir`, with cheap hashing parameters.
async fn app_in(dir: &tempfile::TempDir) -> Router {
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("notes.db").display()
    );
    let settings = Settings::from_pairs([
        ("SECRET_KEY", "notes-service-test-key-of-32-bytes!"),
        ("DATABASE_URL", url.as_str()),
        ("ARGON2_MEMORY_KIB", "1024"),
        ("ARGON2_ITERATIONS", "1"),
        ("ARGON2_PARALLELISM", "1"),
    ])
    .unwrap();
    notes_service::app(&settings).await.unwrap()
}

async fn send(app: &Router, request: Request<Body>) -> (StatusCode, Option<String>, Value) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let challenge = response
        .headers()
        .get(header::WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        challenge,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn post_json(path: &str, body: &Value) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn get(path: &str, token: Option<&str>) -> Request<Body> {
    let mut request = Request::get(path);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    request.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn a_new_user_registers_logs_in_and_reaches_the_protected_route_only_with_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_in(&dir).await;

    let registration = json!({
        "username": "alice",
        "email": "Alice@Example.com",
        "password": "password123",
    });
    let (status, _, account) = send(&app, post_json("/register", &registration)).await;
    assert_eq!(status, StatusCode::CREATED, "{account}");
    assert_eq!(account["email"], "alice@example.com");

    let login = json!({"email": "alice@example.com", "password": "password123"});
    let (status, _, token) = send(&app, post_json("/login", &login)).await;
    assert_eq!(status, StatusCode::OK, "{token}");
    let token = token["access_token"].as_str().unwrap().to_owned();

    let (status, _, notes) = send(&app, get("/notes", Some(&token))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(notes, json!([]));

    let (status, challenge, body) = send(&app, get("/notes", None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(challenge.as_deref(), Some("Bearer"));
    assert_eq!(body["detail"], "Not authenticated");

    assert!(dir.path().join("notes.db").exists());
}

#[tokio::test]
async fn a_forged_token_and_a_wrong_password_are_both_401() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_in(&dir).await;
    let registration =
        json!({"username": "bob", "email": "bob@example.com", "password": "password123"});
    let (status, _, _) = send(&app, post_json("/register", &registration)).await;
    assert_eq!(status, StatusCode::CREATED);

    let (status, _, _) = send(&app, get("/notes", Some("eyJhbGciOiJub25lIn0.e30."))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let wrong = json!({"email": "bob@example.com", "password": "password124"});
    let (status, challenge, _) = send(&app, post_json("/login", &wrong)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(challenge.as_deref(), Some("Bearer"));
}

#[tokio::test]
async fn accounts_outlive_a_restart_because_they_are_in_the_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let registration =
        json!({"username": "carol", "email": "carol@example.com", "password": "password123"});
    let (status, _, _) = send(&app_in(&dir).await, post_json("/register", &registration)).await;
    assert_eq!(status, StatusCode::CREATED);

    let restarted = app_in(&dir).await;
    let login = json!({"email": "carol@example.com", "password": "password123"});
    let (status, _, _) = send(&restarted, post_json("/login", &login)).await;
    assert_eq!(status, StatusCode::OK);
}
