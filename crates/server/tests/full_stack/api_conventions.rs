//! Conventions every route keeps: JSON 404/405 under `/api`, the body size limit, health
//! checks, CORS, HTML errors outside `/api`, private answers never cached, and the
//! connection limits (header timeout, idle connections, a shutdown deadline).

use crate::support::{LOG_WAIT, QuillProcess, expect, spawn_app, spawn_app_with};
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
        .register("alice", "alice@example.com", "quiet-harbour-lamp")
        .await;
    assert_eq!(registered.status(), StatusCode::CREATED);
    assert_eq!(
        no_store(&registered).as_deref(),
        Some("no-store"),
        "registration"
    );
    let bob = app.account("bob").await;
    let login = app.login("bob@example.com", "quiet-harbour-lamp").await;
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
        .json(&json!({"current_password": "quiet-harbour-lamp", "new_password": "a-new-password"}))
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

/// Waits until the server closes `stream` (reads return end of file or an error), or
/// `limit` passes; returns how long it took, `None` if it never closed.
async fn closed_within(
    mut stream: tokio::io::ReadHalf<tokio::net::TcpStream>,
    limit: std::time::Duration,
) -> Option<std::time::Duration> {
    use tokio::io::AsyncReadExt as _;
    let started = std::time::Instant::now();
    let mut buffer = [0u8; 4096];
    let read_until_closed = async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(limit, read_until_closed)
        .await
        .ok()
        .map(|()| started.elapsed())
}

#[tokio::test]
async fn a_client_sending_one_header_byte_at_a_time_is_disconnected_within_the_header_timeout() {
    use tokio::io::AsyncWriteExt as _;
    let app = spawn_app_with(&[("HEADER_READ_TIMEOUT_SECONDS", "1")]).await;
    let stream = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap();
    use tokio::io::AsyncReadExt as _;
    let (mut reader, mut writer) = tokio::io::split(stream);
    let started = std::time::Instant::now();
    let head = b"GET /healthz HTTP/1.1\r\nHost: quill\r\nX-Slow: ";
    let mut bytes = head.iter().chain(std::iter::repeat(&b'a'));
    let mut buffer = [0u8; 256];
    // A slowloris client, whose every byte arrives well within any per-read timeout, must
    // still be cut off. Its pace is a bounded wait on the server itself: after each byte,
    // up to 100 ms for the server to close the connection, then the next byte.
    let closed = loop {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "the connection was never closed"
        );
        let byte = bytes.next().copied().unwrap_or(b'a');
        if writer.write_all(&[byte]).await.is_err() {
            break started.elapsed();
        }
        let pace = std::time::Duration::from_millis(100);
        if let Ok(Ok(0) | Err(_)) = tokio::time::timeout(pace, reader.read(&mut buffer)).await {
            break started.elapsed();
        }
    };
    assert!(
        closed < std::time::Duration::from_millis(2500),
        "closed after {closed:?}"
    );
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_header_timeout() {
    use tokio::io::AsyncWriteExt as _;
    let app = spawn_app_with(&[("HEADER_READ_TIMEOUT_SECONDS", "1")]).await;
    let stream = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap();
    let (reader, mut writer) = tokio::io::split(stream);
    writer
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: quill\r\n\r\n")
        .await
        .unwrap();
    // The response arrives, then the connection sits idle until the server lets it go.
    let closed = closed_within(reader, std::time::Duration::from_secs(5))
        .await
        .expect("an idle connection was kept for ever");
    assert!(
        closed < std::time::Duration::from_millis(2500),
        "closed after {closed:?}"
    );
    drop(writer);
}

/// Reads from `stream` up to the blank line that ends a response head, for at most `limit`.
async fn response_head_within(
    stream: &mut tokio::net::TcpStream,
    limit: std::time::Duration,
) -> Option<String> {
    use tokio::io::AsyncReadExt as _;
    let read_head = async {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            if stream.read(&mut byte).await.ok()? == 0 {
                return None;
            }
            head.push(byte[0]);
        }
        String::from_utf8(head).ok()
    };
    tokio::time::timeout(limit, read_head).await.ok().flatten()
}

#[tokio::test]
async fn a_terminated_server_exits_within_its_grace_period_despite_a_half_open_connection() {
    use tokio::io::AsyncWriteExt as _;
    let mut quill = QuillProcess::start(&[
        ("HEADER_READ_TIMEOUT_SECONDS", "60"),
        ("SHUTDOWN_GRACE_SECONDS", "1"),
    ])
    .await;
    let (address, limit) = (quill.address.clone(), LOG_WAIT);
    // Headers complete, the body begun and never finished. `Expect: 100-continue` makes the
    // server say when the handler starts reading the body, so the request is known to be in
    // flight before the signal goes.
    let mut half_open = tokio::net::TcpStream::connect(&address).await.unwrap();
    half_open
        .write_all(
            b"POST /api/users HTTP/1.1\r\nHost: quill\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\nExpect: 100-continue\r\n\r\n{",
        )
        .await
        .unwrap();
    let interim = response_head_within(&mut half_open, limit).await;
    assert!(
        interim
            .as_deref()
            .is_some_and(|head| head.starts_with("HTTP/1.1 100 ")),
        "the request never reached its handler: {interim:?}"
    );
    let pid = quill.child.id().unwrap().to_string();
    let started = std::time::Instant::now();
    let signalled = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(signalled.success());
    let exited = tokio::time::timeout(std::time::Duration::from_secs(10), quill.child.wait())
        .await
        .expect("the server was still running 10 s after SIGTERM")
        .unwrap();
    let took = started.elapsed();
    assert!(exited.success(), "{exited:?}");
    assert!(
        took < std::time::Duration::from_secs(3),
        "exit took {took:?} with a grace period of 1 s"
    );
    assert!(
        quill.logs_within("shutdown grace period over", limit).await,
        "the server exited without waiting out its grace period for the open request"
    );
    drop(half_open);
}

/// Sends `head` and the first bytes of a body it never finishes, and reads the answer that
/// comes back (head and body) for at most `limit`.
async fn answer_to_a_stalled_body(address: &str, head: &str, limit: std::time::Duration) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(limit, stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "no answer within {limit:?}");
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_body_trickled_past_the_request_timeout_is_answered_408_with_the_contracts_body() {
    let app = spawn_app_with(&[("REQUEST_TIMEOUT_SECONDS", "1")]).await;
    let address = app.base.trim_start_matches("http://").to_owned();
    let started = std::time::Instant::now();
    for (path, kind) in [
        ("/api/users", "application/json"),
        ("/api/users/token", "application/x-www-form-urlencoded"),
    ] {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: quill\r\nContent-Type: {kind}\r\n\
             Content-Length: 100\r\nConnection: close\r\n\r\n{{"
        );
        let answer =
            answer_to_a_stalled_body(&address, &head, std::time::Duration::from_secs(10)).await;
        assert!(answer.starts_with("HTTP/1.1 408 "), "{path}: {answer}");
        assert!(
            answer.ends_with(r#"{"detail":"Request timed out"}"#),
            "{path}: {answer}"
        );
        assert!(
            answer.to_ascii_lowercase().contains("x-request-id: "),
            "{path}: {answer}"
        );
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(8));
}
