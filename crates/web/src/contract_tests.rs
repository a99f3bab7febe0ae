//! The error mapping as the contract states it, checked in process: the real router over the
//! domain's in-memory harness, one request at a time, no socket. Each refusal's status,
//! exact body and headers.

use std::net::SocketAddr;
use std::sync::Arc;

use async_trait::async_trait;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use quill_domain::testing::Harness;
use serde_json::{Value, json};
use tower::ServiceExt as _;

use crate::{AppState, Readiness, WebConfig, router};

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
        .user("bob", "bob@example.com", "quiet-harbour-lamp")
        .build()
}

/// What came back: status, the headers asked about, the body as JSON (`Null` if it is not).
struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Value,
}

async fn send(harness: &Harness, request: Request<Body>) -> Answer {
    let state = AppState {
        auth: harness.auth.clone(),
        posts: harness.posts.clone(),
        readiness: Arc::new(AlwaysReady),
    };
    let app = router(state, &WebConfig::default()).unwrap();
    let mut request = request;
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 1], 40000))));
    let response = app.oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

fn json_request(method: Method, uri: &str, body: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

/// A form posted to the token endpoint, as OAuth2 clients send it.
fn token_request(form: &str) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri("/api/users/token")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_owned()))
        .unwrap()
}

fn item(kind: &str, loc: &Value, msg: &str) -> Value {
    json!({"type": kind, "loc": loc, "msg": msg})
}

#[tokio::test]
async fn a_refused_registration_lists_every_problem_in_field_order_with_pydantic_wording() {
    let h = harness();
    let answer = send(&h, json_request(Method::POST, "/api/users", "{}")).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        answer.body,
        json!({"detail": [
            item("missing", &json!(["body", "username"]), "Field required"),
            item("missing", &json!(["body", "email"]), "Field required"),
            item("missing", &json!(["body", "password"]), "Field required"),
        ]})
    );
    let body = r#"{"username": 7, "email": "nope", "password": "short"}"#;
    let answer = send(&h, json_request(Method::POST, "/api/users", body)).await;
    assert_eq!(
        answer.body,
        json!({"detail": [
            item("string_type", &json!(["body", "username"]), "Input should be a valid string"),
            item(
                "value_error",
                &json!(["body", "email"]),
                "value is not a valid email address: An email address must have an @-sign."
            ),
            item(
                "string_too_short",
                &json!(["body", "password"]),
                "String should have at least 8 characters"
            ),
        ]})
    );
    let body = r#"{"username": "  ", "email": "a@b@c", "password": "quiet-harbour-lamp"}"#;
    let answer = send(&h, json_request(Method::POST, "/api/users", body)).await;
    assert_eq!(
        answer.body,
        json!({"detail": [
            item("value_error", &json!(["body", "username"]), "Value error, a username must not be blank"),
            item(
                "value_error",
                &json!(["body", "email"]),
                "value is not a valid email address: The email address is not valid."
            ),
        ]})
    );
}

#[tokio::test]
async fn lookalike_names_and_undeliverable_addresses_are_refused_at_registration_and_on_a_change() {
    let h = harness();
    let body =
        r#"{"username": " alice", "email": "alice@[127.0.0.1]", "password": "quiet-harbour-lamp"}"#;
    let answer = send(&h, json_request(Method::POST, "/api/users", body)).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        answer.body,
        json!({"detail": [
            item(
                "value_error",
                &json!(["body", "username"]),
                "Value error, a username must not begin or end with a space"
            ),
            item(
                "value_error",
                &json!(["body", "email"]),
                "value is not a valid email address: The email address is not valid."
            ),
        ]})
    );
    let alice = h.user("alice");
    let mut change = json_request(
        Method::PATCH,
        &format!("/api/users/{}", alice.id.0),
        r#"{"username": "аlice", "email": "\"alice\"@example.com"}"#,
    );
    let token = h.token_for(&alice);
    change.headers_mut().insert(
        header::AUTHORIZATION,
        format!("Bearer {}", token.as_str()).parse().unwrap(),
    );
    let answer = send(&h, change).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        answer.body,
        json!({"detail": [
            item(
                "value_error",
                &json!(["body", "username"]),
                "Value error, a username must not mix letters of different scripts \
                 (such as Latin and Cyrillic)"
            ),
            item(
                "value_error",
                &json!(["body", "email"]),
                "value is not a valid email address: The email address is not valid."
            ),
        ]})
    );
}

#[tokio::test]
async fn a_body_that_is_not_a_json_object_is_one_422_and_malformed_json_names_its_offset() {
    let h = harness();
    let not_json = Request::builder()
        .method(Method::POST)
        .uri("/api/users")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("{}"))
        .unwrap();
    let answer = send(&h, not_json).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        answer.body,
        json!({"detail": [item(
            "model_attributes_type",
            &json!(["body"]),
            "Input should be a valid dictionary or object to extract fields from"
        )]})
    );
    let answer = send(
        &h,
        json_request(Method::POST, "/api/users", "{\n  \"a\": }"),
    )
    .await;
    assert_eq!(
        answer.body,
        json!({"detail": [item("json_invalid", &json!(["body", 9]), "JSON decode error")]})
    );
    let answer = send(&h, json_request(Method::POST, "/api/users", "[1]")).await;
    assert_eq!(answer.body["detail"][0]["type"], "model_attributes_type");
}

#[tokio::test]
async fn path_and_query_values_that_are_not_integers_or_out_of_range_are_422() {
    let h = harness();
    let get = |uri: &str| Request::builder().uri(uri).body(Body::empty()).unwrap();
    let answer = send(&h, get("/api/users/abc")).await;
    assert_eq!(
        answer.body,
        json!({"detail": [item(
            "int_parsing",
            &json!(["path", "user_id"]),
            "Input should be a valid integer, unable to parse string as an integer"
        )]})
    );
    let answer = send(&h, get("/api/posts?limit=0")).await;
    assert_eq!(
        answer.body,
        json!({"detail": [item(
            "greater_than_equal",
            &json!(["query", "limit"]),
            "Input should be greater than or equal to 1"
        )]})
    );
}

#[tokio::test]
async fn refusals_that_are_not_422_carry_one_detail_message_and_their_headers() {
    let h = harness();
    let alice = h.token_for(&h.user("alice"));
    let bob = h.user("bob");
    let answer = send(
        &h,
        Request::builder()
            .uri("/api/users/me")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.body, json!({"detail": "Not authenticated"}));
    assert_eq!(answer.headers[header::WWW_AUTHENTICATE], "Bearer");

    let answer = send(
        &h,
        Request::builder()
            .method(Method::DELETE)
            .uri(format!("/api/users/{}", bob.id.0))
            .header(header::AUTHORIZATION, format!("Bearer {}", alice.as_str()))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(
        answer.body,
        json!({"detail": "Not authorized to delete this user"})
    );

    let answer = send(
        &h,
        Request::builder()
            .uri("/api/posts/999")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.body, json!({"detail": "Post not found"}));

    let oversized = Request::builder()
        .method(Method::POST)
        .uri("/api/users")
        .header(header::CONTENT_TYPE, "application/json")
        .header(
            header::CONTENT_LENGTH,
            (crate::HttpSettings::default().max_body_bytes + 1).to_string(),
        )
        .body(Body::from("{}"))
        .unwrap();
    let answer = send(&h, oversized).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.body, json!({"detail": "Request body too large"}));
}

#[tokio::test]
async fn saturated_hashing_answers_503_with_retry_after_and_no_store() {
    let h = harness();
    let _saturated = h.auth.hashing_gate().saturate();
    let login = token_request("username=alice%40example.com&password=quiet-harbour-lamp");
    let answer = send(&h, login).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        answer.body,
        json!({"detail": "Server busy, try again shortly"})
    );
    assert_eq!(answer.headers[header::RETRY_AFTER], "1");
    assert_eq!(answer.headers[header::CACHE_CONTROL], "no-store");
}

#[tokio::test]
async fn a_malformed_token_request_is_refused_with_422_and_never_cached() {
    let h = harness();
    let login = token_request("username=alice%40example.com");
    let answer = send(&h, login).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        answer.body["detail"][0],
        item("missing", &json!(["body", "password"]), "Field required")
    );
    assert_eq!(answer.headers[header::CACHE_CONTROL], "no-store");
}

#[tokio::test]
async fn a_path_with_a_trailing_slash_is_redirected_with_307_to_the_route_without_it() {
    let h = harness();
    let register = json_request(Method::POST, "/api/users/", "{}");
    let answer = send(&h, register).await;
    assert_eq!(answer.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(answer.headers[header::LOCATION], "/api/users");
    let list = Request::builder()
        .uri("/api/posts/?skip=0&limit=5")
        .body(Body::empty())
        .unwrap();
    let answer = send(&h, list).await;
    assert_eq!(answer.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(
        answer.headers[header::LOCATION],
        "/api/posts?skip=0&limit=5"
    );
    let nothing = Request::builder()
        .uri("/api/nothing/")
        .body(Body::empty())
        .unwrap();
    let answer = send(&h, nothing).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.body, json!({"detail": "Not Found"}));
}

#[tokio::test]
async fn an_empty_reset_token_is_answered_as_a_token_that_matches_nothing() {
    let h = harness();
    for body in [
        r#"{"token": "", "new_password": "a-reset-password"}"#,
        r#"{"token": "no-such-token", "new_password": "a-reset-password"}"#,
    ] {
        let reset = json_request(Method::POST, "/api/users/reset-password", body);
        let answer = send(&h, reset).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(
            answer.body,
            json!({"detail": "Invalid or expired reset token"})
        );
    }
    let missing = json_request(
        Method::POST,
        "/api/users/reset-password",
        r#"{"new_password": "a-reset-password"}"#,
    );
    let answer = send(&h, missing).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        answer.body["detail"][0],
        item("missing", &json!(["body", "token"]), "Field required")
    );
}
