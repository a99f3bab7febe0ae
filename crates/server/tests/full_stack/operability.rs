//! What an operator relies on: request ids on every response and every log line of the
//! request (in the JSON log format a pipeline reads), and a readiness answer that means the
//! replica can serve this build.

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{LOG_WAIT, QuillProcess, spawn_app};

/// The `X-Request-Id` an answer carried.
fn request_id(response: &reqwest::Response) -> String {
    response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned()
}

fn looks_fresh(id: &str) -> bool {
    id.len() == 36 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

#[tokio::test]
async fn a_sent_request_id_comes_back_and_is_on_every_json_log_line_of_its_request() {
    let mut quill = QuillProcess::start(&[("LOG_FORMAT", "json")]).await;
    let client = reqwest::Client::new();
    let registered = client
        .post(quill.url("/api/users"))
        .header("x-request-id", "abc-123")
        .json(&serde_json::json!({
            "username": "alice", "email": "alice@example.com", "password": "quiet-harbour-lamp"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), StatusCode::CREATED);
    assert_eq!(request_id(&registered), "abc-123");
    // Every line is one JSON object; the audit line of this request carries its id and the
    // event's own fields.
    let mut malformed = Vec::new();
    let audit = quill
        .next_line_where(
            |line| match serde_json::from_str::<Value>(line) {
                Ok(entry) => entry["target"] == "audit",
                Err(_) => {
                    malformed.push(line.to_owned());
                    false
                }
            },
            LOG_WAIT,
        )
        .await
        .expect("no audit line for the registration");
    assert!(
        malformed.is_empty(),
        "lines that are not JSON: {malformed:?}"
    );
    let audit: Value = serde_json::from_str(&audit).unwrap();
    assert_eq!(audit["span"]["request_id"], "abc-123", "{audit}");
    assert_eq!(audit["span"]["path"], "/api/users", "{audit}");
    assert_eq!(audit["action"], "register", "{audit}");
    assert_eq!(audit["level"], "INFO", "{audit}");
    assert!(audit["timestamp"].is_string(), "{audit}");
}

#[tokio::test]
async fn text_log_lines_written_to_a_pipe_carry_no_colour_codes() {
    // The harness reads the log through a pipe and sets no NO_COLOR.
    let mut quill = QuillProcess::start(&[("LOG_FORMAT", "text")]).await;
    let registered = reqwest::Client::new()
        .post(quill.url("/api/users"))
        .json(&serde_json::json!({
            "username": "plainlog", "email": "plainlog@example.com",
            "password": "pipe-reader-7f3k"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), StatusCode::CREATED);
    let mut coloured = Vec::new();
    let audit = quill
        .next_line_where(
            |line| {
                if line.contains('\u{1b}') {
                    coloured.push(line.to_owned());
                }
                line.contains("register")
            },
            LOG_WAIT,
        )
        .await;
    assert!(audit.is_some(), "no log line for the registration");
    assert!(coloured.is_empty(), "coloured lines: {coloured:?}");
}

#[tokio::test]
async fn a_request_without_a_usable_id_gets_a_fresh_one() {
    let app = spawn_app().await;
    let send = |id: Option<&str>| {
        let mut request = app.client.get(format!("{}/healthz", app.base));
        if let Some(id) = id {
            request = request.header("x-request-id", id);
        }
        request.send()
    };
    let first = request_id(&send(None).await.unwrap());
    let second = request_id(&send(None).await.unwrap());
    assert!(
        looks_fresh(&first) && looks_fresh(&second),
        "{first} {second}"
    );
    assert_ne!(first, second);
    let too_long = "a".repeat(129);
    for unusable in [
        too_long.as_str(),
        "abc\tdef",
        "abc def",
        "\"},{\"level\":\"ERROR",
    ] {
        let answered = request_id(&send(Some(unusable)).await.unwrap());
        assert!(
            looks_fresh(&answered),
            "{unusable:?} came back as {answered:?}"
        );
    }
    let longest = "b".repeat(128);
    assert_eq!(request_id(&send(Some(&longest)).await.unwrap()), longest);
    // Errors carry it too: a 404 of the API and a page's.
    for path in ["/api/posts/999", "/no-such-page"] {
        let refused = app
            .client
            .get(format!("{}{path}", app.base))
            .header("x-request-id", "trace-404")
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::NOT_FOUND);
        assert_eq!(request_id(&refused), "trace-404", "{path}");
    }
}

#[tokio::test]
async fn a_replica_whose_schema_is_behind_its_build_is_not_ready_but_newer_migrations_do_not_count()
{
    let app = spawn_app().await;
    let ready = || async {
        app.client
            .get(format!("{}/readyz", app.base))
            .send()
            .await
            .unwrap()
            .status()
    };
    assert_eq!(ready().await, StatusCode::OK);
    use sea_orm::ConnectionTrait as _;
    let db = quill_infra::connect(app.database_url(), 2, std::time::Duration::from_secs(5))
        .await
        .unwrap();
    let newest: String = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT MAX(version) AS newest FROM seaql_migrations",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "newest")
        .unwrap();
    let rename = |from: String, to: String| {
        let db = db.clone();
        async move {
            db.execute_unprepared(&format!(
                "UPDATE seaql_migrations SET version = '{to}' WHERE version = '{from}'"
            ))
            .await
            .unwrap();
        }
    };
    // As if the newest migration had been rolled back: this build needs it.
    rename(newest.clone(), "rolled_back".to_owned()).await;
    assert_eq!(ready().await, StatusCode::SERVICE_UNAVAILABLE);
    rename("rolled_back".to_owned(), newest).await;
    assert_eq!(ready().await, StatusCode::OK);
    // A newer version's migration, recorded during a rolling upgrade, is not this build's
    // business.
    db.execute_unprepared(
        "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m999999_from_a_newer_build', 0)",
    )
    .await
    .unwrap();
    assert_eq!(ready().await, StatusCode::OK);
}
