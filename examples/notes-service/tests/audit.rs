//! The service's login is throttled and audited by quill's auth core alone: through the
//! service's own router on a real SQLite file, with the process's logs captured. A binary of
//! its own, since it installs the process-wide log subscriber.

mod support;

use axum::http::{StatusCode, header};
use serde_json::json;
use support::{app_in, post_json, send};
use tower::ServiceExt as _;

/// A `tracing` writer that keeps everything written, for reading the logs back.
#[derive(Clone, Default)]
struct CapturedLogs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl CapturedLogs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn thirty_wrong_passwords_are_throttled_after_the_burst_and_audited_with_no_code_of_ours() {
    let logs = CapturedLogs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    // The process-wide subscriber: this binary holds this one test, so every line is its own.
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let app = app_in(&dir).await;
    let registration =
        json!({"username": "dave", "email": "dave@example.com", "password": "quiet-harbour-lamp"});
    let (status, _, _) = send(&app, post_json("/register", &registration)).await;
    assert_eq!(status, StatusCode::CREATED);

    let wrong = json!({"email": "dave@example.com", "password": "not-his-password"});
    let mut statuses = Vec::new();
    for _ in 0..30 {
        let response = app
            .clone()
            .oneshot(post_json("/login", &wrong))
            .await
            .unwrap();
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            let wait: u64 = response.headers()[header::RETRY_AFTER]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&wait), "Retry-After {wait}");
        }
        statuses.push(response.status());
    }
    let burst = quill_domain::AuthPolicy::default()
        .login_failures_per_account
        .burst as usize;
    assert_eq!(statuses[..burst], vec![StatusCode::UNAUTHORIZED; burst][..]);
    assert!(
        statuses[burst..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );

    let text = logs.text();
    let audit: Vec<&str> = text.lines().filter(|l| l.contains(" audit:")).collect();
    assert_eq!(
        audit
            .iter()
            .filter(|l| l.contains("action=\"register\""))
            .count(),
        1,
        "{text}"
    );
    assert_eq!(
        audit
            .iter()
            .filter(|l| l.contains("action=\"login\"") && l.contains("outcome=\"failure\""))
            .count(),
        burst
    );
    assert_eq!(
        audit
            .iter()
            .filter(|l| l.contains("action=\"rate_limited\"") && l.contains("outcome=\"refused\""))
            .count(),
        30 - burst
    );
    assert!(!text.contains("dave@example.com"), "no email in the logs");
    assert!(
        !text.contains("not-his-password"),
        "no password in the logs"
    );
}
