//! The whole service on a real SQLite file, as `main` builds it: quill's migrations, Argon2
//! hashing and signed JWTs, through the service's own router.

mod support;

use axum::http::StatusCode;
use serde_json::json;
use support::{app_in, get, post_json, send};

#[tokio::test]
async fn a_new_user_registers_logs_in_and_reaches_the_protected_route_only_with_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_in(&dir).await;

    let registration = json!({
        "username": "alice",
        "email": "Alice@Example.com",
        "password": "quiet-harbour-lamp",
    });
    let (status, _, account) = send(&app, post_json("/register", &registration)).await;
    assert_eq!(status, StatusCode::CREATED, "{account}");
    assert_eq!(account["email"], "alice@example.com");

    let login = json!({"email": "alice@example.com", "password": "quiet-harbour-lamp"});
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
        json!({"username": "bob", "email": "bob@example.com", "password": "quiet-harbour-lamp"});
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
    let registration = json!({"username": "carol", "email": "carol@example.com", "password": "quiet-harbour-lamp"});
    let (status, _, _) = send(&app_in(&dir).await, post_json("/register", &registration)).await;
    assert_eq!(status, StatusCode::CREATED);

    let restarted = app_in(&dir).await;
    let login = json!({"email": "carol@example.com", "password": "quiet-harbour-lamp"});
    let (status, _, _) = send(&restarted, post_json("/login", &login)).await;
    assert_eq!(status, StatusCode::OK);
}
