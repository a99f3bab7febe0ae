//! The picture upload over the real router and the domain's in-memory harness, no socket:
//! the answers to a client over its own share, to a form whose `file` is no file, and to a
//! body that stops arriving.

use std::net::SocketAddr;
use std::sync::Arc;

use async_trait::async_trait;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use quill_domain::Client;
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

/// The address every request below comes from.
const ADDRESS: [u8; 4] = [192, 0, 2, 1];

fn harness() -> Harness {
    Harness::builder()
        .user("alice", "alice@example.com", "quiet-harbour-lamp")
        .build()
}

fn app(harness: &Harness) -> axum::Router {
    let state = AppState {
        auth: harness.auth.clone(),
        posts: harness.posts.clone(),
        readiness: Arc::new(AlwaysReady),
    };
    router(state, &WebConfig::default()).unwrap()
}

/// Alice's upload of `body`, a multipart form with the boundary `b`.
fn upload(harness: &Harness, body: Body) -> Request<Body> {
    let alice = harness.user("alice");
    let token = harness.token_for(&alice);
    let mut request = Request::builder()
        .method(Method::PATCH)
        .uri(format!("/api/users/{}/picture", alice.id.0))
        .header(header::AUTHORIZATION, format!("Bearer {}", token.as_str()))
        .header(header::CONTENT_TYPE, "multipart/form-data; boundary=b")
        .body(body)
        .unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((ADDRESS, 40000))));
    request
}

/// A form of one part named `file`, with `disposition` after its name.
fn form(disposition: &str, content: &str) -> Body {
    Body::from(format!(
        "--b\r\nContent-Disposition: form-data; name=\"file\"{disposition}\r\n\r\n{content}\r\n--b--\r\n"
    ))
}

async fn answer(
    app: axum::Router,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    let response = app.oneshot(request).await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        headers,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn an_upload_over_the_clients_own_share_is_a_429_with_retry_after_not_a_503() {
    let h = harness();
    let alice = h.caller("alice");
    let _held = h
        .auth
        .pictures
        .admit_upload(Client::new(ADDRESS.into()), &alice, alice.id())
        .unwrap();
    let request = upload(&h, form("; filename=\"a.png\"", "PNG"));
    let (status, headers, body) = answer(app(&h), request).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(headers[header::RETRY_AFTER], "1");
    assert_eq!(body, json!({"detail": "Too many requests"}));
}

#[tokio::test]
async fn a_file_field_sent_as_a_plain_value_is_a_422_at_body_file() {
    let h = harness();
    let (status, _, body) = answer(app(&h), upload(&h, form("", "not a file"))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body,
        json!({"detail": [{
            "type": "value_error",
            "loc": ["body", "file"],
            "msg": "Value error, Expected UploadFile, received: <class 'str'>",
        }]})
    );
    assert!(h.user("alice").image_file.is_none());
}

/// A body that sends the start of the `file` part and then nothing more, ever.
fn stalling_body() -> Body {
    let start =
        "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\nPNG";
    let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(start.as_bytes().to_vec())]);
    Body::from_stream(futures_util::StreamExt::chain(
        chunks,
        futures_util::stream::pending(),
    ))
}

/// A router whose own request deadline is far off, so what ends an upload is its own rate.
fn patient_app(harness: &Harness) -> axum::Router {
    let state = AppState {
        auth: harness.auth.clone(),
        posts: harness.posts.clone(),
        readiness: Arc::new(AlwaysReady),
    };
    let config = WebConfig {
        http: crate::HttpSettings {
            request_timeout: std::time::Duration::from_secs(3600),
            ..crate::HttpSettings::default()
        },
        ..WebConfig::default()
    };
    router(state, &config).unwrap()
}

#[tokio::test(start_paused = true)]
async fn an_upload_whose_body_stalls_is_given_up_with_408_once_below_the_minimum_rate() {
    let h = harness();
    let started = tokio::time::Instant::now();
    let (status, _, body) = answer(patient_app(&h), upload(&h, stalling_body())).await;
    assert_eq!(status, StatusCode::REQUEST_TIMEOUT);
    assert_eq!(body, json!({"detail": "Request timed out"}));
    let waited = started.elapsed();
    assert!(
        waited >= std::time::Duration::from_secs(5) && waited < std::time::Duration::from_secs(6),
        "given up after {waited:?}"
    );
    // The client's place is free again.
    let alice = h.caller("alice");
    assert!(
        h.auth
            .pictures
            .admit_upload(Client::new(ADDRESS.into()), &alice, alice.id())
            .is_ok()
    );
}

#[tokio::test(start_paused = true)]
async fn eight_uploads_stalled_by_eight_clients_leave_uploads_open_to_everyone_else() {
    let h = harness();
    let places = h.auth.policy().picture_places;
    let mut stalled = Vec::new();
    for n in 0..places {
        let mut request = upload(&h, stalling_body());
        let address = [198, 51, 100, u8::try_from(n).unwrap()];
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((address, 40000))));
        stalled.push(tokio::spawn(patient_app(&h).oneshot(request)));
    }
    // Let every stalled upload be admitted and read what it sent.
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    let form = form("; filename=\"a.png\"", "image:a picture");
    let (status, _, body) = answer(patient_app(&h), upload(&h, form)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for upload in stalled {
        assert_eq!(
            upload.await.unwrap().unwrap().status(),
            StatusCode::REQUEST_TIMEOUT
        );
    }
}
