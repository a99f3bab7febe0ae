//! The routes over quill's in-memory fakes (`quill-domain`'s `test-util` harness): no
//! database, no real hashing, no network; each test runs in about a millisecond.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Duration;
use quill_domain::testing::Harness;
use serde_json::{Value, json};
use tower::ServiceExt as _;

use crate::{NotesState, router};

/// A harness where alice and bob already exist, with known passwords.
fn harness() -> Harness {
    Harness::builder()
        .user("alice", "alice@example.com", "alice-password")
        .user("bob", "bob@example.com", "bob-password")
        .build()
}

/// The service's router over the harness's auth service.
fn app(h: &Harness) -> Router {
    router(NotesState::new(h.auth.clone()))
}

/// Sends one request through the router.
async fn call(
    app: &Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let request = match body {
        Some(json) => request
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json.to_string())),
        None => request.body(Body::empty()),
    }
    .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, json)
}

#[tokio::test]
async fn a_user_with_a_token_from_the_harness_reads_their_notes() {
    let h = harness();
    let app = app(&h);
    let token = h.token_for(&h.user("alice"));
    let (status, notes) = call(&app, "GET", "/notes", Some(token.as_str()), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(notes, json!([]));
}

#[tokio::test]
async fn a_request_without_a_token_never_reaches_the_notes() {
    let h = harness();
    let app = app(&h);
    let (status, body) = call(&app, "GET", "/notes", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["detail"], "Not authenticated");
}

#[tokio::test]
async fn notes_are_visible_to_their_author_only() {
    let h = harness();
    let app = app(&h);
    let alice = h.token_for(&h.user("alice"));
    let bob = h.token_for(&h.user("bob"));
    let note = json!({"text": "buy milk"});
    let (status, created) = call(&app, "POST", "/notes", Some(alice.as_str()), Some(note)).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["text"], "buy milk");

    let (_, alices) = call(&app, "GET", "/notes", Some(alice.as_str()), None).await;
    let (_, bobs) = call(&app, "GET", "/notes", Some(bob.as_str()), None).await;
    assert_eq!(alices, json!([created]));
    assert_eq!(bobs, json!([]));
}

#[tokio::test]
async fn logging_in_with_the_planted_password_gives_a_working_token() {
    let h = harness();
    let app = app(&h);
    let login = json!({"email": "Alice@Example.com", "password": "alice-password"});
    let (status, body) = call(&app, "POST", "/login", None, Some(login)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["token_type"], "bearer");
    let token = body["access_token"].as_str().unwrap();
    let (status, _) = call(&app, "GET", "/notes", Some(token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h.hasher.verifications(), 1);
}

#[tokio::test]
async fn a_wrong_password_is_a_401_with_the_services_own_message() {
    let h = harness();
    let app = app(&h);
    let login = json!({"email": "alice@example.com", "password": "not-her-password"});
    let (status, body) = call(&app, "POST", "/login", None, Some(login)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["detail"], "Wrong email or password.");
}

#[tokio::test]
async fn a_taken_username_is_a_conflict_here_whatever_its_case() {
    let h = harness();
    let app = app(&h);
    let again =
        json!({"username": "ALICE", "email": "new@example.com", "password": "quiet-harbour-lamp"});
    let (status, body) = call(&app, "POST", "/register", None, Some(again)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["detail"], "That username is taken.");
}

#[tokio::test]
async fn registration_reports_every_field_that_breaks_quills_rules() {
    let h = harness();
    let app = app(&h);
    let bad = json!({"username": "", "email": "nope", "password": "short"});
    let (status, body) = call(&app, "POST", "/register", None, Some(bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let detail = body["detail"].as_str().unwrap();
    let clauses: Vec<&str> = detail.split("; ").collect();
    assert_eq!(clauses.len(), 3, "{detail}");
    for (clause, field) in clauses.iter().zip(["username ", "email ", "password "]) {
        assert!(clause.starts_with(field), "{detail}");
    }
    assert_eq!(h.hasher.hashes(), 0);
}

#[tokio::test]
async fn a_token_stops_working_when_the_harness_clock_passes_its_lifetime() {
    let h = Harness::builder()
        .user("alice", "alice@example.com", "alice-password")
        .token_lifetime(Duration::minutes(5))
        .build();
    let app = app(&h);
    let token = h.token_for(&h.user("alice"));
    h.clock.advance(Duration::minutes(5));
    let (status, body) = call(&app, "GET", "/notes", Some(token.as_str()), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["detail"], "Invalid or expired token");
}

#[tokio::test]
async fn an_empty_note_is_refused() {
    let h = harness();
    let app = app(&h);
    let token = h.token_for(&h.user("alice"));
    let empty = json!({"text": "   "});
    let (status, _) = call(&app, "POST", "/notes", Some(token.as_str()), Some(empty)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}
