//! A regression guard that cannot flake on a noisy machine: the number of SQL statements each
//! hot request runs, counted at the connection. A new N+1 or a needless round trip fails here
//! long before a benchmark would notice.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::StatusCode;
use serde_json::{Value, json};

struct CountingApp {
    base: String,
    client: reqwest::Client,
    statements: Arc<AtomicUsize>,
    _dir: tempfile::TempDir,
}

impl CountingApp {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("q.db").display());
        let settings = quill_server::Settings::from_pairs([
            ("SECRET_KEY", "query-budget-secret-key-32-bytes-long"),
            ("DATABASE_URL", url.as_str()),
            ("ARGON2_MEMORY_KIB", "1024"),
            ("ARGON2_ITERATIONS", "1"),
            ("ARGON2_PARALLELISM", "1"),
            // Production without SMTP_HOST runs no mail delivery, whose polling of the outbox
            // would otherwise be counted against whichever request it overlaps.
            ("ENVIRONMENT", "production"),
        ])
        .unwrap();
        let statements = Arc::new(AtomicUsize::new(0));
        let counter = statements.clone();
        let observer: quill_server::StatementObserver = Arc::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        let app = quill_server::prepare(&settings)
            .observe_statements(observer)
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(quill_server::serve(
            listener,
            app,
            quill_server::ConnectionLimits::from(&settings),
            std::future::pending(),
        ));
        Self {
            base,
            client: reqwest::Client::new(),
            statements,
            _dir: dir,
        }
    }

    /// Sends a request and returns its status and how many statements it ran.
    async fn count(&self, request: reqwest::RequestBuilder) -> (StatusCode, usize, Value) {
        let before = self.statements.load(Ordering::SeqCst);
        let response = request.send().await.unwrap();
        let status = response.status();
        let body = response.json::<Value>().await.unwrap_or(Value::Null);
        (
            status,
            self.statements.load(Ordering::SeqCst) - before,
            body,
        )
    }
}

#[tokio::test]
async fn hot_requests_stay_within_their_query_budget() {
    let app = CountingApp::start().await;
    let url = |path: &str| format!("{}{path}", app.base);

    let (status, registering, _) = app
        .count(app.client.post(url("/api/users")).json(
            &json!({"username":"alice","email":"alice@example.com","password":"quiet-harbour-lamp"}),
        ))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    // The name and address checks and the account, then its verification link with the
    // link's mail.
    assert!(
        registering <= 5,
        "registration ran {registering} statements"
    );

    let (status, logging_in, token) = app
        .count(app.client.post(url("/api/users/token")).form(&[
            ("username", "alice@example.com"),
            ("password", "quiet-harbour-lamp"),
        ]))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        logging_in, 2,
        "login looks the account up once and starts its session"
    );
    let token = token["access_token"].as_str().unwrap().to_owned();

    let (status, creating, post) = app
        .count(
            app.client
                .post(url("/api/posts"))
                .bearer_auth(&token)
                .json(&json!({"title":"t","content":"c"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        creating, 2,
        "authenticate (account and token status at once) + insert"
    );
    for n in 0..30 {
        app.client
            .post(url("/api/posts"))
            .bearer_auth(&token)
            .json(&json!({"title": format!("t{n}"), "content":"c"}))
            .send()
            .await
            .unwrap();
    }

    let cases = [
        (
            "/me",
            app.client.get(url("/api/users/me")).bearer_auth(&token),
            1,
        ),
        (
            "list of 20 with authors",
            app.client.get(url("/api/posts?limit=20")),
            1,
        ),
        (
            "one post with its author",
            app.client.get(url(&format!("/api/posts/{}", post["id"]))),
            1,
        ),
        (
            "a user's posts",
            app.client.get(url("/api/users/1/posts?limit=20")),
            1,
        ),
        ("home page", app.client.get(url("/")), 1),
        ("health", app.client.get(url("/healthz")), 0),
    ];
    for (name, request, budget) in cases {
        let (status, ran, _) = app.count(request).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert_eq!(ran, budget, "{name} ran {ran} statements, budget {budget}");
    }

    // A revalidation with the current tag is one indexed read of versions, no content.
    let revalidations = [
        ("list of 20", "/api/posts?limit=20".to_owned(), 1),
        ("one post", format!("/api/posts/{}", post["id"]), 1),
        (
            "a user's posts",
            "/api/users/1/posts?limit=20".to_owned(),
            1,
        ),
        ("a public profile", "/api/users/1".to_owned(), 1),
    ];
    for (name, path, budget) in revalidations {
        let first = app.client.get(url(&path)).send().await.unwrap();
        let tag = first.headers()["etag"].clone();
        let (status, ran, _) = app
            .count(app.client.get(url(&path)).header("if-none-match", tag))
            .await;
        assert_eq!(status, StatusCode::NOT_MODIFIED, "{name}");
        assert_eq!(
            ran, budget,
            "revalidating {name} ran {ran} statements, budget {budget}"
        );
    }

    let (status, editing, _) = app
        .count(
            app.client
                .patch(url(&format!("/api/posts/{}", post["id"])))
                .bearer_auth(&token)
                .json(&json!({"title":"new"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        editing <= 3,
        "authenticate + ownership + update ran {editing}"
    );
}
