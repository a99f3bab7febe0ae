//! The Prometheus endpoint of the real `quill` binary: what a scrape finds after ordinary
//! traffic, that the main listener never serves it, that nothing else listens when
//! `METRICS_ADDR` is unset, and that `promtool check metrics` accepts the exposition.
//!
//! The recorder is process-wide, so these tests start the binary as a child process rather
//! than the application inside this test binary. `promtool` comes with Debian's `prometheus`
//! package (`.ci/run` installs it): without it the lint is skipped on a developer's machine,
//! and fails when the `CI` environment variable is set, so CI never passes without it.

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::Duration;

use reqwest::{Client, StatusCode};
use tokio::io::AsyncWriteExt as _;
use tokio::process::{Child, Command};

use crate::support::{SECRET_KEY, poll_until};

/// A `quill` process on a SQLite file of its own, killed when dropped.
struct Quill {
    process: Child,
    base: String,
    metrics: Option<String>,
    client: Client,
    _dir: tempfile::TempDir,
}

/// Free loopback ports, all held until every one is chosen so none comes up twice.
fn free_ports<const N: usize>() -> [u16; N] {
    let held: Vec<_> = (0..N)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    std::array::from_fn(|i| held[i].local_addr().unwrap().port())
}

impl Quill {
    /// Starts the binary with these settings over the test defaults, metrics on or off, and
    /// returns once `/healthz` answers.
    async fn start(with_metrics: bool, extra: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let [port, metrics_port] = free_ports();
        let database = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("quill.db").display()
        );
        let mut command = Command::new(env!("CARGO_BIN_EXE_quill"));
        command
            .current_dir(dir.path())
            .env_clear()
            .env("SECRET_KEY", SECRET_KEY)
            .env("DATABASE_URL", database)
            .env("BIND_ADDR", format!("127.0.0.1:{port}"))
            .env("ARGON2_MEMORY_KIB", "1024")
            .env("ARGON2_ITERATIONS", "1")
            .env("ARGON2_PARALLELISM", "1")
            .env("RUST_LOG", "warn")
            .envs(extra.iter().copied())
            .stdout(Stdio::null())
            .kill_on_drop(true);
        let metrics = with_metrics.then(|| {
            let addr = format!("127.0.0.1:{metrics_port}");
            command.env("METRICS_ADDR", &addr);
            format!("http://{addr}/metrics")
        });
        let mut quill = Self {
            process: command.spawn().unwrap(),
            base: format!("http://127.0.0.1:{port}"),
            metrics,
            client: Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            _dir: dir,
        };
        let health = format!("{}/healthz", quill.base);
        let (client, health) = (&quill.client, &health);
        let process = &std::sync::Mutex::new(&mut quill.process);
        let answered = poll_until(Duration::from_secs(30), move || async move {
            let exited = process.lock().unwrap().try_wait().unwrap();
            if let Some(status) = exited {
                panic!("quill exited before answering: {status}");
            }
            client.get(health).send().await.ok().map(drop)
        })
        .await;
        assert!(answered.is_some(), "quill did not answer within 30 s");
        quill
    }

    async fn get(&self, path: &str) -> reqwest::Result<reqwest::Response> {
        self.client.get(format!("{}{path}", self.base)).send().await
    }

    async fn login(&self, email: &str, password: &str) -> StatusCode {
        self.client
            .post(format!("{}/api/users/token", self.base))
            .form(&[("username", email), ("password", password)])
            .send()
            .await
            .unwrap()
            .status()
    }

    async fn scrape(&self) -> String {
        let url = self.metrics.as_ref().expect("started with metrics");
        let response = self.client.get(url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response.headers()[reqwest::header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/plain; version=0.0.4")
        );
        response.text().await.unwrap()
    }

    /// The TCP ports the process listens on, from its open sockets in `/proc`.
    fn listening_ports(&self) -> BTreeSet<u16> {
        let pid = self.process.id().unwrap();
        let sockets: BTreeSet<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
            .unwrap()
            .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
            .filter_map(|target| {
                let target = target.to_str()?;
                Some(
                    target
                        .strip_prefix("socket:[")?
                        .strip_suffix(']')?
                        .to_owned(),
                )
            })
            .collect();
        let mut ports = BTreeSet::new();
        for table in ["tcp", "tcp6"] {
            let text = std::fs::read_to_string(format!("/proc/{pid}/net/{table}")).unwrap();
            for line in text.lines().skip(1) {
                let fields: Vec<&str> = line.split_whitespace().collect();
                // local address, state (0A: listening), inode
                let (local, state, inode) = (fields[1], fields[3], fields[9]);
                if state == "0A" && sockets.contains(inode) {
                    let port = local.rsplit(':').next().unwrap();
                    ports.insert(u16::from_str_radix(port, 16).unwrap());
                }
            }
        }
        ports
    }

    fn port_of(url: &str) -> u16 {
        let authority = url.split('/').nth(2).unwrap();
        authority.rsplit(':').next().unwrap().parse().unwrap()
    }
}

/// Registration, a failed and a successful login, a 429 (the login limit is two), a 404, a
/// refused token: one of each thing the exposition should count.
async fn ordinary_traffic(quill: &Quill) {
    let registered = quill
        .client
        .post(format!("{}/api/users", quill.base))
        .json(&serde_json::json!({
            "username": "alice",
            "email": "alice@example.com",
            "password": "quiet-harbour-lamp",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), StatusCode::CREATED);
    let wrong = quill.login("alice@example.com", "wrong-password").await;
    assert_eq!(wrong, StatusCode::UNAUTHORIZED);
    let right = quill.login("alice@example.com", "quiet-harbour-lamp").await;
    assert_eq!(right, StatusCode::OK);
    let limited = quill.login("alice@example.com", "quiet-harbour-lamp").await;
    assert_eq!(limited, StatusCode::TOO_MANY_REQUESTS);
    let missing = quill.get("/no-such-page/alice").await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let forged = quill
        .client
        .get(format!("{}/api/users/me", quill.base))
        .bearer_auth("not.a.token")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
}

const LOGIN_LIMIT_OF_TWO: [(&str, &str); 2] =
    [("LOGIN_RATE_BURST", "2"), ("LOGIN_RATE_PER_MINUTE", "1")];

#[tokio::test]
async fn a_scrape_counts_each_request_and_auth_outcome_under_fixed_labels_only() {
    let quill = Quill::start(true, &LOGIN_LIMIT_OF_TWO).await;
    ordinary_traffic(&quill).await;
    let text = quill.scrape().await;
    for line in [
        r#"quill_http_requests_total{route="/api/users",method="POST",status="2xx"} 1"#,
        r#"quill_http_requests_total{route="/api/users/token",method="POST",status="2xx"} 1"#,
        r#"quill_http_requests_total{route="/api/users/token",method="POST",status="4xx"} 2"#,
        r#"quill_http_requests_total{route="unmatched",method="GET",status="4xx"} 1"#,
        r#"quill_http_requests_total{route="/api/users/me",method="GET",status="4xx"} 1"#,
        r#"quill_http_request_duration_seconds_count{route="/api/users/token"} 3"#,
        r#"quill_http_request_duration_seconds_bucket{route="/api/users/token",le="+Inf"} 3"#,
        r#"quill_auth_attempts_total{action="register",outcome="success"} 1"#,
        r#"quill_auth_attempts_total{action="login",outcome="failure"} 1"#,
        r#"quill_auth_attempts_total{action="login",outcome="success"} 1"#,
        r#"quill_auth_refusals_total{kind="rate_limited",limit="login_per_client"} 1"#,
        r#"quill_token_refusals_total{reason="invalid"} 1"#,
        "quill_hashing_slots_busy 0",
        "quill_hashing_waiting 0",
    ] {
        assert!(text.lines().any(|l| l == line), "no {line:?} in\n{text}");
    }
    // The pool gauge is read at the scrape, when the server's own background work (mail
    // delivery after the registration, clean-up) may hold a connection: its label and a count
    // are what is fixed.
    let in_use = text
        .lines()
        .find_map(|l| l.strip_prefix(r#"quill_db_pool_connections{state="in_use"} "#))
        .unwrap_or_else(|| panic!("no pool gauge in\n{text}"));
    assert!(in_use.parse::<u32>().is_ok(), "{in_use:?}");
    for user_input in ["alice", "example.com", "no-such-page", "127.0.0.1"] {
        assert!(!text.contains(user_input), "{user_input:?} in\n{text}");
    }
    let main_listener = quill.get("/metrics").await.unwrap();
    assert_eq!(main_listener.status(), StatusCode::NOT_FOUND);
    let metrics_url = quill.metrics.as_deref().unwrap();
    let elsewhere = quill
        .client
        .get(metrics_url.replace("/metrics", "/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        quill.listening_ports(),
        BTreeSet::from([Quill::port_of(&quill.base), Quill::port_of(metrics_url)])
    );
}

#[tokio::test]
async fn without_metrics_addr_only_the_main_listener_listens_and_it_has_no_metrics() {
    let quill = Quill::start(false, &[]).await;
    assert_eq!(
        quill.listening_ports(),
        BTreeSet::from([Quill::port_of(&quill.base)])
    );
    let response = quill.get("/metrics").await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn promtool_accepts_the_exposition() {
    let promtool = std::env::var("QUILL_PROMTOOL").unwrap_or_else(|_| "promtool".into());
    if std::process::Command::new(&promtool)
        .arg("--version")
        .output()
        .is_err()
    {
        let reason = format!("no {promtool} on PATH (apt-get install prometheus)");
        assert!(
            std::env::var_os("CI").is_none(),
            "the metrics lint cannot run in CI: {reason}"
        );
        eprintln!("skipping the promtool lint: {reason}");
        return;
    }
    let quill = Quill::start(true, &LOGIN_LIMIT_OF_TWO).await;
    ordinary_traffic(&quill).await;
    let text = quill.scrape().await;
    let mut lint = Command::new(&promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = lint.stdin.take().unwrap();
    stdin.write_all(text.as_bytes()).await.unwrap();
    drop(stdin);
    let output = lint.wait_with_output().await.unwrap();
    assert!(
        output.status.success(),
        "promtool refused the exposition:\n{}\n{text}",
        crate::support::report_of(&output)
    );
}
