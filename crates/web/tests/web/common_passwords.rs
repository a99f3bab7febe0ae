//! A predictable password as the HTTP layer answers it: the contract's 422 item
//! `password_too_common` at the request's own field, for registration (`password`), a
//! password change and a reset (`new_password`), through the real router over the domain's
//! fakes.

use std::net::SocketAddr;
use std::sync::Arc;

use async_trait::async_trait;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use quill_domain::testing::Harness;
use quill_domain::{Client, Email};
use quill_web::{AppState, Readiness, WebConfig};
use serde_json::{Value, json};
use tower::ServiceExt as _;

struct AlwaysReady;

#[async_trait]
impl Readiness for AlwaysReady {
    async fn check(&self) -> Result<(), String> {
        Ok(())
    }
}

fn harness() -> Harness {
    Harness::builder()
        .user("alice", "alice@example.com", "quiet-harbour-lamp")
        .build()
}

async fn send(harness: &Harness, request: Request<Body>) -> (StatusCode, Value) {
    let state = AppState {
        auth: harness.auth.clone(),
        posts: harness.posts.clone(),
        readiness: Arc::new(AlwaysReady),
    };
    let app = quill_web::router(state, &WebConfig::default()).unwrap();
    let mut request = request;
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 1], 40000))));
    let response = app.oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn json_request(method: Method, uri: &str, bearer: Option<&str>, body: &Value) -> Request<Body> {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(token) = bearer {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    request.body(Body::from(body.to_string())).unwrap()
}

/// The contract's whole 422 body for a predictable password at `field`.
fn too_common(field: &str) -> Value {
    json!({"detail": [{
        "type": "password_too_common",
        "loc": ["body", field],
        "msg": "This password is too common. Choose a less predictable one",
    }]})
}

#[tokio::test]
async fn registration_refuses_a_common_password_with_the_422_item_at_password() {
    let h = harness();
    for password in ["password123", "Password1!", "carol-the-great"] {
        let body = json!({"username": "carol", "email": "carol@example.com", "password": password});
        let answer = send(&h, json_request(Method::POST, "/api/users", None, &body)).await;
        assert_eq!(
            answer,
            (StatusCode::UNPROCESSABLE_ENTITY, too_common("password"))
        );
    }
    let body = json!({
        "username": "carol",
        "email": "carol@example.com",
        "password": "correct horse battery staple quill",
    });
    let answer = send(&h, json_request(Method::POST, "/api/users", None, &body)).await;
    assert_eq!(answer.0, StatusCode::CREATED, "{}", answer.1);
}

#[tokio::test]
async fn a_password_change_refuses_a_common_new_password_with_the_422_item_at_new_password() {
    let h = harness();
    let token = h.token_for(&h.user("alice"));
    let body = json!({"current_password": "quiet-harbour-lamp", "new_password": "password123"});
    let request = json_request(
        Method::PATCH,
        "/api/users/me/password",
        Some(token.as_str()),
        &body,
    );
    assert_eq!(
        send(&h, request).await,
        (StatusCode::UNPROCESSABLE_ENTITY, too_common("new_password"))
    );
}

#[tokio::test]
async fn a_reset_refuses_a_common_new_password_with_the_422_item_at_new_password() {
    let h = harness();
    h.auth
        .recovery
        .request_password_reset(Client::UNKNOWN, &Email::parse("alice@example.com").unwrap())
        .await
        .unwrap();
    h.handle_reset_requests().await;
    let token = h.reset_token_mailed_to("alice@example.com").unwrap();
    let body = json!({"token": token, "new_password": "Alice-1234"});
    let request = json_request(Method::POST, "/api/users/reset-password", None, &body);
    assert_eq!(
        send(&h, request).await,
        (StatusCode::UNPROCESSABLE_ENTITY, too_common("new_password"))
    );
}
