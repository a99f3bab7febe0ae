//! Starts the real application on a random port with a fresh database per test: a SQLite file
//! by default, a new PostgreSQL database when `TEST_DATABASE_URL` is set (the same helper the
//! infra suite uses, `quill-test-support`). Each server reads the time from a [`TestClock`]
//! the test can move on, so no test waits for time to pass.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use quill_test_support::TestDatabase;
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// The key test servers sign with, so tests can forge tokens on purpose.
pub(crate) const SECRET_KEY: &str = "test-secret-key-of-at-least-32-bytes!";

/// The clock a test server reads: the system's time, moved on by however much the test has
/// advanced it. Not a clock standing still: tests forge tokens from the real time and read
/// the real modification times of files, which a frozen clock would contradict.
#[derive(Debug, Default)]
pub(crate) struct TestClock {
    ahead: Mutex<chrono::Duration>,
}

impl TestClock {
    /// Moves the clock on by `by`, at once.
    pub(crate) fn advance(&self, by: Duration) {
        let by = chrono::Duration::from_std(by).expect("a test-sized duration");
        *self.ahead.lock().unwrap_or_else(PoisonError::into_inner) += by;
    }
}

impl quill_domain::Clock for TestClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now() + *self.ahead.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

pub(crate) struct TestApp {
    pub base: String,
    pub client: Client,
    /// The time the server reads: advance it instead of waiting.
    pub clock: Arc<TestClock>,
    /// Where the server writes mail when no `SMTP_HOST` is set (its `MAIL_DIR`).
    pub mail_dir: tempfile::TempDir,
    /// Where it keeps uploaded pictures on SQLite (its `MEDIA_DIR`).
    _media_dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    // Dropped after the stop signal above is sent (see `Drop`), so the server lets go first.
    database: Option<TestDatabase>,
}

impl TestApp {
    /// The database this server runs on.
    pub(crate) fn database_url(&self) -> &str {
        &self
            .database
            .as_ref()
            .expect("a server of its own database")
            .url
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A server with cheap hashing parameters (hashing itself is tested in the infra crate).
pub(crate) async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// The settings that send a server's mail to the SMTP sink listening on `port`. The tests
/// that use a sink count the mails about what they test (resets, notices), so accounts are
/// mailed no verification link at registration there; `verification` tests those links.
pub(crate) fn smtp_relay(port: &str) -> [(&'static str, &str); 4] {
    [
        ("SMTP_HOST", "127.0.0.1"),
        ("SMTP_PORT", port),
        ("SMTP_TLS", "none"),
        ("EMAIL_VERIFICATION", "off"),
    ]
}

/// A server with extra settings over the test defaults, on a database of its own.
pub(crate) async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    let database = TestDatabase::fresh().await;
    let mut app = start_server(&database.url, extra).await.unwrap();
    app.database = Some(database);
    app
}

/// A server on an existing database, which the caller keeps alive: for tests that run
/// several servers on one database. Fails the way the binary would fail to start.
pub(crate) async fn start_server(
    database_url: &str,
    extra: &[(&str, &str)],
) -> Result<TestApp, quill_server::StartError> {
    start_server_on(database_url, extra, Arc::default()).await
}

/// [`start_server`] reading the time from `clock`, which several servers may share.
pub(crate) async fn start_server_on(
    database_url: &str,
    extra: &[(&str, &str)],
    clock: Arc<TestClock>,
) -> Result<TestApp, quill_server::StartError> {
    let listener = quill_server::listen("127.0.0.1:0".parse().unwrap()).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mail_dir = tempfile::tempdir().unwrap();
    let mail_path = mail_dir.path().display().to_string();
    let media_dir = tempfile::tempdir().unwrap();
    let media_path = media_dir.path().display().to_string();
    let mut pairs = vec![
        // Links in mail lead back to this server; mail without a relay lands in a folder the
        // test owns.
        ("PUBLIC_BASE_URL", base.as_str()),
        ("MAIL_DIR", mail_path.as_str()),
        ("MEDIA_DIR", media_path.as_str()),
        ("SECRET_KEY", SECRET_KEY),
        ("DATABASE_URL", database_url),
        ("ARGON2_MEMORY_KIB", "1024"),
        ("ARGON2_ITERATIONS", "1"),
        ("ARGON2_PARALLELISM", "1"),
        // Tests log in and register far faster than any person; the limits themselves are
        // tested on their own (crates/web/tests/web/rate_limits.rs).
        ("LOGIN_RATE_BURST", "100000"),
        ("LOGIN_RATE_PER_MINUTE", "100000"),
        ("ACCOUNT_LOGIN_RATE_BURST", "100000"),
        ("ACCOUNT_LOGIN_RATE_PER_MINUTE", "100000"),
        ("REGISTER_RATE_BURST", "100000"),
        ("REGISTER_RATE_PER_MINUTE", "100000"),
        ("PASSWORD_CHANGE_RATE_BURST", "100000"),
        ("PASSWORD_CHANGE_RATE_PER_MINUTE", "100000"),
        // Races from one address (concurrent registrations, say) are tested as such.
        ("HASHING_PLACES_PER_CLIENT", "100000"),
    ];
    pairs.extend_from_slice(extra);
    let settings = quill_server::Settings::from_pairs(pairs).unwrap();
    let app = quill_server::prepare(&settings)
        .clock(clock.clone())
        .await?;
    let (stop, stopped) = oneshot::channel::<()>();
    let limits = quill_server::ConnectionLimits::from(&settings);
    tokio::spawn(quill_server::serve(listener, app, limits, async {
        let _ = stopped.await;
    }));
    Ok(TestApp {
        base,
        client: Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap(),
        clock,
        stop: Some(stop),
        database: None,
        mail_dir,
        _media_dir: media_dir,
    })
}

/// How often [`poll_until`] looks again.
const POLL_EVERY: Duration = Duration::from_millis(50);

/// Looks at `probe` until it gives a value, every 50 ms for at most `limit`; `None` when the
/// time runs out. The one wait the suite allows, and only on what a real process does in its
/// own time (a server or one of its workers, a mail sink, a child process): a test never
/// waits for time to pass, it advances its server's [`TestClock`].
pub(crate) async fn poll_until<T, F>(limit: Duration, mut probe: impl FnMut() -> F) -> Option<T>
where
    F: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Some(found) = probe().await {
            return Some(found);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

/// The variable naming the one test a child process of this binary was started to run.
const ALONE: &str = "QUILL_TEST_ALONE";

/// For a test that needs the whole process (it installs the global tracing subscriber):
/// `true` when this is a process started for that test alone, where it goes on. Otherwise
/// runs `test` (its full name, `module::function`) in a child process of this test binary,
/// asserts that it ran and passed, and returns `false`: the caller's work is done.
pub(crate) fn alone_in_a_process(test: &str) -> bool {
    if std::env::var(ALONE).is_ok_and(|alone| alone == test) {
        return true;
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--test-threads", "1", "--nocapture"])
        .env(ALONE, test)
        .output()
        .unwrap();
    let report = report_of(&output);
    assert!(output.status.success(), "{test} failed:\n{report}");
    assert!(
        report.contains("test result: ok. 1 passed"),
        "{test} did not run:\n{report}"
    );
    false
}

/// What a finished child process printed, standard output then standard error.
pub(crate) fn report_of(output: &std::process::Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

pub(crate) struct Account {
    pub id: i64,
    pub token: String,
}

/// A token for account `id` as the original service issued them: `sub` and `exp` (in ten
/// minutes) only, signed with the test key. It names no session and says nothing of when its
/// account authenticated, so it never counts as a recent authentication.
pub(crate) fn original_token(id: i64) -> String {
    let exp = chrono::Utc::now().timestamp() + 600;
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"sub": id.to_string(), "exp": exp}),
        &jsonwebtoken::EncodingKey::from_secret(SECRET_KEY.as_bytes()),
    )
    .unwrap()
}

impl TestApp {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(crate) async fn register(&self, username: &str, email: &str, password: &str) -> Response {
        self.client
            .post(self.url("/api/users"))
            .json(&json!({ "username": username, "email": email, "password": password }))
            .send()
            .await
            .unwrap()
    }

    pub(crate) async fn login(&self, email: &str, password: &str) -> Response {
        self.client
            .post(self.url("/api/users/token"))
            .form(&[("username", email), ("password", password)])
            .send()
            .await
            .unwrap()
    }

    /// Registers `name` (email `name@example.com`, password `quiet-harbour-lamp`) and logs in.
    pub(crate) async fn account(&self, name: &str) -> Account {
        let email = format!("{name}@example.com");
        let created = self.register(name, &email, "quiet-harbour-lamp").await;
        assert_eq!(created.status(), StatusCode::CREATED);
        let id = created.json::<Value>().await.unwrap()["id"]
            .as_i64()
            .unwrap();
        let token = self.login(&email, "quiet-harbour-lamp").await;
        assert_eq!(token.status(), StatusCode::OK);
        let token = token.json::<Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        Account { id, token }
    }

    pub(crate) async fn create_post(&self, author: &Account, title: &str) -> Value {
        let response = self
            .client
            .post(self.url("/api/posts"))
            .bearer_auth(&author.token)
            .json(&json!({ "title": title, "content": format!("{title} content") }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    pub(crate) async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub(crate) async fn get_as(&self, path: &str, token: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }
}

/// Asserts a response's status and JSON body.
pub(crate) async fn expect(response: Response, status: StatusCode, body: Value) {
    assert_eq!(response.status(), status);
    assert_eq!(response.json::<Value>().await.unwrap(), body);
}

/// Asserts a 422 whose detail list holds an item of this type at this location.
pub(crate) async fn expect_invalid(response: Response, kind: &str, loc: Value) {
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    let items = body["detail"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|i| i["type"] == kind && i["loc"] == loc && i["msg"].is_string()),
        "no {kind} at {loc} in {body}"
    );
}

/// Asserts a 204 that sends no content and no header describing any. (An empty body alone
/// proves nothing: HTTP clients never read one after a 204.)
pub(crate) fn expect_no_content(response: &Response) {
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    expect_no_representation(response.headers());
}

/// Asserts that a response's headers describe no content: an answer with nothing to send
/// (a 204, a 304) names no type and no length.
pub(crate) fn expect_no_representation(headers: &reqwest::header::HeaderMap) {
    for name in ["content-type", "content-length", "transfer-encoding"] {
        assert!(
            headers.get(name).is_none(),
            "{name}: {:?} on an answer without content",
            headers[name]
        );
    }
}

/// Asserts a 401 with the given detail and `WWW-Authenticate: Bearer`.
pub(crate) async fn expect_unauthorized(response: Response, detail: &str) {
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.headers().get("www-authenticate").unwrap(),
        "Bearer"
    );
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({ "detail": detail })
    );
}

/// How long a test waits for a line it expects in a server's log.
pub(crate) const LOG_WAIT: Duration = Duration::from_secs(30);

/// The `quill` binary itself, running on a fresh SQLite database in a folder of its own,
/// with the test defaults' cheap hashing: for tests of what only the process does (signals,
/// its log output, its listeners). Killed when dropped.
pub(crate) struct QuillProcess {
    pub child: tokio::process::Child,
    /// `host:port` it listens on.
    pub address: String,
    log: tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
    _dir: tempfile::TempDir,
}

impl QuillProcess {
    /// Starts it with `extra` settings over the defaults, and waits until it says it listens.
    pub(crate) async fn start(extra: &[(&str, &str)]) -> Self {
        use tokio::io::AsyncBufReadExt as _;
        let dir = tempfile::tempdir().unwrap();
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            probe.local_addr().unwrap().port()
        };
        let address = format!("127.0.0.1:{port}");
        let database = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("quill.db").display()
        );
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_quill"));
        command
            .current_dir(dir.path())
            .env_clear()
            .env("DATABASE_URL", database)
            .env("BIND_ADDR", &address)
            .env("SECRET_KEY", SECRET_KEY)
            .env("ARGON2_MEMORY_KIB", "1024")
            .env("ARGON2_ITERATIONS", "1")
            .env("ARGON2_PARALLELISM", "1")
            .env("RUST_LOG", "info");
        for (name, value) in extra {
            command.env(name, value);
        }
        let mut child = command
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let log = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let mut quill = Self {
            child,
            address,
            log,
            _dir: dir,
        };
        assert!(
            quill.logs_within("quill listening on", LOG_WAIT).await,
            "the server did not start"
        );
        quill
    }

    /// `http://host:port` + `path`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Reads the log up to a line containing `needle`, for at most `limit`; `false` when the
    /// log ends or the time runs out first.
    pub(crate) async fn logs_within(&mut self, needle: &str, limit: Duration) -> bool {
        self.next_line_where(|line| line.contains(needle), limit)
            .await
            .is_some()
    }

    /// The next log line for which `wanted` holds, read for at most `limit`.
    pub(crate) async fn next_line_where(
        &mut self,
        mut wanted: impl FnMut(&str) -> bool,
        limit: Duration,
    ) -> Option<String> {
        let find = async {
            while let Ok(Some(line)) = self.log.next_line().await {
                if wanted(&line) {
                    return Some(line);
                }
            }
            None
        };
        tokio::time::timeout(limit, find).await.ok().flatten()
    }
}
