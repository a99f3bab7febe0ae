//! Conventions every route keeps: JSON 404/405 under `/api`, the body size limit, health
//! checks, CORS, and HTML errors outside `/api`.

mod common;

use common::{expect, spawn_app, spawn_app_with};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn unknown_api_paths_are_json_404_and_wrong_methods_json_405() {
    let app = spawn_app().await;
    expect(
        app.get("/api/nothing-here").await,
        StatusCode::NOT_FOUND,
        json!({"detail":"Not Found"}),
    )
    .await;
    expect(
        app.get("/api/users").await,
        StatusCode::METHOD_NOT_ALLOWED,
        json!({"detail":"Method Not Allowed"}),
    )
    .await;
    let delete = app
        .client
        .delete(app.url("/api/posts"))
        .send()
        .await
        .unwrap();
    expect(
        delete,
        StatusCode::METHOD_NOT_ALLOWED,
        json!({"detail":"Method Not Allowed"}),
    )
    .await;
}

#[tokio::test]
async fn pages_outside_the_api_answer_errors_as_html() {
    let app = spawn_app().await;
    let response = app.get("/no-such-page").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(response.text().await.unwrap().contains("Oops... 404 Error"));
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413_before_parsing() {
    let app = spawn_app_with(&[("MAX_BODY_BYTES", "1024")]).await;
    let alice = app.account("alice").await;
    let big = "x".repeat(4096);
    let declared = app
        .client
        .post(app.url("/api/posts"))
        .bearer_auth(&alice.token)
        .json(&json!({"title":"t","content": big}))
        .send()
        .await
        .unwrap();
    expect(
        declared,
        StatusCode::PAYLOAD_TOO_LARGE,
        json!({"detail":"Request body too large"}),
    )
    .await;

    // Without a declared length (chunked), the limit is enforced while reading.
    let chunks = futures_util::stream::iter(
        (0..8).map(|_| Ok::<_, std::io::Error>(bytes_of(&"y".repeat(512)))),
    );
    let chunked = app
        .client
        .post(app.url("/api/users/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    expect(
        chunked,
        StatusCode::PAYLOAD_TOO_LARGE,
        json!({"detail":"Request body too large"}),
    )
    .await;
    expect(app.get("/api/posts").await, StatusCode::OK, json!([])).await;
}

#[tokio::test]
async fn a_chunked_multipart_body_obeys_the_configured_limit_too() {
    let app = spawn_app_with(&[("MAX_BODY_BYTES", "1024")]).await;
    // A multipart login of about 8 KiB without a declared length: axum's own default would
    // let it through (2 MiB), the configured limit must not.
    let boundary = "quill-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\n\
         alice@example.com\r\n--{boundary}\r\nContent-Disposition: form-data; \
         name=\"password\"\r\n\r\n{}\r\n--{boundary}--\r\n",
        "z".repeat(8192)
    );
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = body
        .as_bytes()
        .chunks(512)
        .map(|chunk| Ok(chunk.to_vec()))
        .collect();
    let chunked = app
        .client
        .post(app.url("/api/users/token"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    expect(
        chunked,
        StatusCode::PAYLOAD_TOO_LARGE,
        json!({"detail":"Request body too large"}),
    )
    .await;
}

fn bytes_of(text: &str) -> Vec<u8> {
    text.as_bytes().to_vec()
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    expect(
        app.get("/healthz").await,
        StatusCode::OK,
        json!({"status":"ok"}),
    )
    .await;
    expect(
        app.get("/readyz").await,
        StatusCode::OK,
        json!({"status":"ready"}),
    )
    .await;
}

#[tokio::test]
async fn cross_origin_calls_are_allowed_only_from_configured_origins() {
    let app = spawn_app_with(&[("CORS_ALLOWED_ORIGINS", "https://blog.example")]).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/posts"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .send()
    };
    let allowed = preflight("https://blog.example").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://blog.example"
    );
    let refused = preflight("https://evil.example").await.unwrap();
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    let same_origin_only = spawn_app().await;
    let response = same_origin_only
        .client
        .get(same_origin_only.url("/api/posts"))
        .header("origin", "https://blog.example")
        .send()
        .await
        .unwrap();
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test]
async fn every_answer_carrying_a_token_or_private_data_is_marked_no_store() {
    let app = spawn_app().await;
    let no_store = |response: &reqwest::Response| {
        response
            .headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let registered = app
        .register("alice", "alice@example.com", "password123")
        .await;
    assert_eq!(registered.status(), StatusCode::CREATED);
    assert_eq!(
        no_store(&registered).as_deref(),
        Some("no-store"),
        "registration"
    );
    let bob = app.account("bob").await;
    let login = app.login("bob@example.com", "password123").await;
    assert_eq!(no_store(&login).as_deref(), Some("no-store"), "login");
    let me = app.get_as("/api/users/me", &bob.token).await;
    assert_eq!(no_store(&me).as_deref(), Some("no-store"), "/me");
    let renamed = app
        .client
        .patch(app.url(&format!("/api/users/{}", bob.id)))
        .bearer_auth(&bob.token)
        .json(&json!({"username": "bobby"}))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), StatusCode::OK);
    assert_eq!(no_store(&renamed).as_deref(), Some("no-store"), "own PATCH");
    let changed = app
        .client
        .patch(app.url("/api/users/me/password"))
        .bearer_auth(&bob.token)
        .json(&json!({"current_password": "password123", "new_password": "a-new-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(
        no_store(&changed).as_deref(),
        Some("no-store"),
        "password change"
    );
    let public = app.get(&format!("/api/users/{}", bob.id)).await;
    assert_ne!(
        no_store(&public).as_deref(),
        Some("no-store"),
        "public profiles may be cached"
    );
}
