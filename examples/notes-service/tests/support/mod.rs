//! What the integration tests share: the service on a fresh SQLite file, and requests to it.

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use quill_infra::StackSettings;
use serde_json::Value;
use tower::ServiceExt as _;

/// The service over a fresh database file in `dir`, with cheap hashing parameters.
pub(crate) async fn app_in(dir: &tempfile::TempDir) -> Router {
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("notes.db").display()
    );
    // The verification links registration mails land in the test's folder, not the crate's.
    let mail_dir = dir.path().join("mail");
    let mail_dir = mail_dir.to_str().unwrap();
    let settings = StackSettings::from_pairs([
        ("SECRET_KEY", "notes-service-test-key-of-32-bytes!"),
        ("DATABASE_URL", url.as_str()),
        ("MAIL_DIR", mail_dir),
        ("ARGON2_MEMORY_KIB", "1024"),
        ("ARGON2_ITERATIONS", "1"),
        ("ARGON2_PARALLELISM", "1"),
    ])
    .unwrap();
    notes_service::app(&settings).await.unwrap()
}

pub(crate) async fn send(
    app: &Router,
    request: Request<Body>,
) -> (StatusCode, Option<String>, Value) {
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

pub(crate) fn post_json(path: &str, body: &Value) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

pub(crate) fn get(path: &str, token: Option<&str>) -> Request<Body> {
    let mut request = Request::get(path);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    request.body(Body::empty()).unwrap()
}
