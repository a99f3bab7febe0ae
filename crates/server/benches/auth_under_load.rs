//! Login timing and latency under a login flood, against the release `quill` binary running
//! as its own process with the production Argon2 parameters (64 MiB, t=3, p=4).
//!
//! Reports, in one run:
//! - one Argon2 verification's time (measured here, with the same parameters);
//! - median login time for an unknown email and for a wrong password (9 tries each,
//!   interleaved), and their ratio (must be within 10%);
//! - `GET /api/users/me` p50/p99 while 8 clients log in continuously (p99 must stay under a
//!   tenth of one verification), and the logins/s achieved meanwhile;
//! - 200 logins sent at the same instant to a fresh server: every answer must be 200 or 503
//!   with `Retry-After`, and the server's peak RSS must stay under hashing slots x Argon2
//!   memory + 100 MiB.
//!
//! Run with `cargo bench -p quill-server --bench auth_under_load`. Writes
//! `target/bench/auth_under_load.json`. Exits non-zero when a target is missed.
//!
//! `cargo bench -p quill-server --bench auth_under_load -- prefix-flood` runs instead the
//! per-client fairness scenario: ten client addresses (127.0.0.10 to .19, each its own client)
//! log in and change their passwords as fast as their per-client limits admit, with quill's
//! default limits, for 20 s, while another address logs in every 2 s. Reports that client's
//! login time (p50, p95, max) in verifications, every status seen, and the server's peak RSS;
//! writes `target/bench/prefix_flood.json`.

#![allow(clippy::print_stdout)]

use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use quill_domain::{Password, PasswordHasher as _};
use quill_infra::{Argon2Hasher, Argon2Settings};
use serde_json::{Value, json};

const SECRET_KEY: &str = "benchmark-secret-key-of-at-least-32-bytes";
const FLOOD_CLIENTS: usize = 8;
const FLOOD_SECONDS: u64 = 15;
const TIMING_TRIES: usize = 9;

struct Server {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    probe.local_addr().unwrap().port()
}

async fn start_server(client: &reqwest::Client, extra_env: &[(&str, &str)]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_quill"))
        .current_dir(dir.path())
        .env_clear()
        .env("SECRET_KEY", SECRET_KEY)
        .env(
            "DATABASE_URL",
            format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("bench.db").display()
            ),
        )
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        // Many clients on one address: the rate limits are not what is measured here.
        .env("LOGIN_RATE_BURST", "1000000")
        .env("LOGIN_RATE_PER_MINUTE", "1000000")
        .env("ACCOUNT_LOGIN_RATE_BURST", "1000000")
        .env("ACCOUNT_LOGIN_RATE_PER_MINUTE", "1000000")
        .env("HASHING_PLACES_PER_CLIENT", "1000000")
        .envs(extra_env.iter().copied())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    };
    for _ in 0..200 {
        if client
            .get(format!("{}/healthz", server.base))
            .send()
            .await
            .is_ok()
        {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not start");
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn login(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> (u16, Duration) {
    let started = Instant::now();
    let response = client
        .post(format!("{base}/api/users/token"))
        .form(&[("username", email), ("password", password)])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let _ = response.bytes().await;
    (status, started.elapsed())
}

async fn one_verification_time() -> Duration {
    let hasher = Argon2Hasher::new(Argon2Settings::default(), 1, 0).unwrap();
    let hash = hasher
        .hash(&Password::attempt("password123"))
        .await
        .unwrap();
    let mut samples = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        hasher
            .verify(&Password::attempt("password123"), &hash)
            .await
            .unwrap();
        samples.push(started.elapsed());
    }
    median(samples)
}

/// What 200 simultaneous logins got.
struct Flood {
    ok: usize,
    busy: usize,
    busy_with_retry_after: usize,
    other: usize,
    peak_rss_mib: f64,
    rss_bound_mib: f64,
}

impl Flood {
    /// No answer but 200 and 503-with-Retry-After, and memory within hashing slots x Argon2
    /// memory + 100 MiB.
    fn ok_overall(&self) -> bool {
        self.other == 0
            && self.busy == self.busy_with_retry_after
            && self.peak_rss_mib < self.rss_bound_mib
    }
}

fn peak_rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

/// 200 logins at the same instant against a fresh server with the default hashing queue.
async fn concurrent_login_flood(client: &reqwest::Client, cpus: usize) -> Flood {
    let server = start_server(client, &[]).await;
    let base = server.base.clone();
    let created = client
        .post(format!("{base}/api/users"))
        .json(&json!({"username":"flood","email":"flood@example.com","password":"password123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let barrier = Arc::new(tokio::sync::Barrier::new(200));
    let mut attempts = Vec::new();
    for _ in 0..200 {
        let (client, base, barrier) = (client.clone(), base.clone(), barrier.clone());
        attempts.push(tokio::spawn(async move {
            barrier.wait().await;
            let response = client
                .post(format!("{base}/api/users/token"))
                .form(&[
                    ("username", "flood@example.com"),
                    ("password", "password123"),
                ])
                .send()
                .await
                .unwrap();
            (
                response.status().as_u16(),
                response.headers().contains_key("retry-after"),
            )
        }));
    }
    let mut flood = Flood {
        ok: 0,
        busy: 0,
        busy_with_retry_after: 0,
        other: 0,
        peak_rss_mib: 0.0,
        rss_bound_mib: cpus as f64 * 64.0 + 100.0,
    };
    for attempt in attempts {
        match attempt.await.unwrap() {
            (200, _) => flood.ok += 1,
            (503, retry_after) => {
                flood.busy += 1;
                flood.busy_with_retry_after += usize::from(retry_after);
            }
            _ => flood.other += 1,
        }
    }
    flood.peak_rss_mib = peak_rss_mib(server.child.id());
    flood
}

fn main() -> ExitCode {
    // Client side: one thread is plenty for waiting on responses, and leaves the cores to
    // the server, which is what is measured.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    if std::env::args().any(|arg| arg == "prefix-flood") {
        runtime.block_on(prefix_flood())
    } else {
        runtime.block_on(run())
    }
}

const FLOODING_CLIENTS: u8 = 10;
const PREFIX_FLOOD_SECONDS: u64 = 20;

fn client_at(address: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(address))
        .build()
        .unwrap()
}

/// One flooding client: its own account, then logins and password changes back to back,
/// each sent as soon as the previous answer (a 429 waits out its `Retry-After`).
async fn flood_from(
    base: String,
    n: u8,
    stop: Arc<AtomicBool>,
    statuses: Arc<std::sync::Mutex<std::collections::BTreeMap<u16, usize>>>,
) {
    let client = client_at([127, 0, 0, 10 + n]);
    let email = format!("flood{n}@example.com");
    let created = client
        .post(format!("{base}/api/users"))
        .json(&json!({"username": format!("flood{n}"), "email": email, "password": "password123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let mut password = "password123".to_owned();
    let mut round = 0u64;
    while !stop.load(Ordering::Relaxed) {
        round += 1;
        let login = client
            .post(format!("{base}/api/users/token"))
            .form(&[
                ("username", email.as_str()),
                ("password", password.as_str()),
            ])
            .send()
            .await
            .unwrap();
        let status = login.status().as_u16();
        let wait = login
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        let body: Value = login.json().await.unwrap_or(Value::Null);
        *statuses.lock().unwrap().entry(status).or_default() += 1;
        if let Some(token) = body["access_token"].as_str() {
            let next = format!("flood-password-{n}-{round}");
            let changed = client
                .patch(format!("{base}/api/users/me/password"))
                .bearer_auth(token)
                .json(&json!({"current_password": password, "new_password": next}))
                .send()
                .await
                .unwrap();
            let status = changed.status().as_u16();
            *statuses.lock().unwrap().entry(status).or_default() += 1;
            if status == 200 {
                password = next;
            }
        }
        if status == 429 {
            let seconds = wait.unwrap_or(1).min(PREFIX_FLOOD_SECONDS);
            tokio::time::sleep(Duration::from_secs(seconds)).await;
        }
    }
}

async fn prefix_flood() -> ExitCode {
    let verification = one_verification_time().await;
    let probe = reqwest::Client::new();
    // quill's own defaults for every limit, unlike the other scenarios.
    let server = start_server(
        &probe,
        &[
            ("LOGIN_RATE_BURST", "10"),
            ("LOGIN_RATE_PER_MINUTE", "30"),
            ("ACCOUNT_LOGIN_RATE_BURST", "5"),
            ("ACCOUNT_LOGIN_RATE_PER_MINUTE", "6"),
            ("HASHING_PLACES_PER_CLIENT", "2"),
        ],
    )
    .await;
    let base = server.base.clone();
    let other = client_at([127, 0, 0, 50]);
    let created = other
        .post(format!("{base}/api/users"))
        .json(&json!({"username":"bystander","email":"bystander@example.com","password":"password123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let stop = Arc::new(AtomicBool::new(false));
    let statuses = Arc::new(std::sync::Mutex::new(std::collections::BTreeMap::new()));
    let flooders: Vec<_> = (0..FLOODING_CLIENTS)
        .map(|n| tokio::spawn(flood_from(base.clone(), n, stop.clone(), statuses.clone())))
        .collect();
    let mut bystander = Vec::new();
    let mut bystander_statuses = std::collections::BTreeMap::<u16, usize>::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(PREFIX_FLOOD_SECONDS) {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let (status, took) = login(&other, &base, "bystander@example.com", "password123").await;
        *bystander_statuses.entry(status).or_default() += 1;
        bystander.push(took);
    }
    stop.store(true, Ordering::Relaxed);
    for flooder in flooders {
        let _ = flooder.await;
    }
    let rss = peak_rss_mib(server.child.id());
    bystander.sort();
    let in_verifications = |d: Duration| d.as_secs_f64() / verification.as_secs_f64();
    let (p50, p95, max) = (
        percentile(&bystander, 50.0),
        percentile(&bystander, 95.0),
        *bystander.last().unwrap(),
    );
    let statuses = statuses.lock().unwrap().clone();
    let server_errors = statuses.iter().any(|(s, _)| *s >= 500 && *s != 503);
    println!("one verification: {:.1} ms", ms(verification));
    println!(
        "bystander login: p50 {:.1} ms ({:.2} verifications), p95 {:.1} ms ({:.2}), max {:.1} ms ({:.2}); statuses {bystander_statuses:?}",
        ms(p50),
        in_verifications(p50),
        ms(p95),
        in_verifications(p95),
        ms(max),
        in_verifications(max)
    );
    println!("flooding clients' statuses: {statuses:?}");
    println!("server peak RSS: {rss:.1} MiB");
    let ok = in_verifications(p95) < 2.0
        && !server_errors
        && bystander_statuses.keys().all(|s| *s == 200);
    let report = json!({
        "verification_ms": ms(verification),
        "bystander_p50_ms": ms(p50),
        "bystander_p95_ms": ms(p95),
        "bystander_max_ms": ms(max),
        "bystander_p95_verifications": in_verifications(p95),
        "bystander_statuses": bystander_statuses,
        "flooding_statuses": statuses,
        "peak_rss_mib": rss,
        "ok": ok,
    });
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(
        out.join("prefix_flood.json"),
        serde_json::to_vec_pretty(&report).unwrap(),
    )
    .unwrap();
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

async fn run() -> ExitCode {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    let verification = one_verification_time().await;
    let server = start_server(&client, &[]).await;
    let base = server.base.clone();

    let created = client
        .post(format!("{base}/api/users"))
        .json(&json!({"username":"bench","email":"bench@example.com","password":"password123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);

    // Warm up connections and caches.
    for _ in 0..2 {
        login(&client, &base, "bench@example.com", "password123").await;
    }

    let mut unknown = Vec::new();
    let mut wrong = Vec::new();
    for _ in 0..TIMING_TRIES {
        let (status, took) = login(&client, &base, "nobody@example.com", "password123").await;
        assert_eq!(status, 401);
        unknown.push(took);
        let (status, took) = login(&client, &base, "bench@example.com", "wrong-password").await;
        assert_eq!(status, 401);
        wrong.push(took);
    }
    let unknown_median = median(unknown);
    let wrong_median = median(wrong);
    let timing_ratio = unknown_median.as_secs_f64() / wrong_median.as_secs_f64();

    let token_response = client
        .post(format!("{base}/api/users/token"))
        .form(&[
            ("username", "bench@example.com"),
            ("password", "password123"),
        ])
        .send()
        .await
        .unwrap();
    let token: Value = token_response.json().await.unwrap();
    let token = token["access_token"].as_str().unwrap().to_owned();

    let stop = Arc::new(AtomicBool::new(false));
    let logins = Arc::new(AtomicUsize::new(0));
    let mut flood = Vec::new();
    for _ in 0..FLOOD_CLIENTS {
        let (client, base, stop, logins) =
            (client.clone(), base.clone(), stop.clone(), logins.clone());
        flood.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let (status, _) = login(&client, &base, "bench@example.com", "password123").await;
                assert_eq!(status, 200);
                logins.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    // Let the flood fill every hashing slot before measuring.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let logins_before = logins.load(Ordering::Relaxed);
    let flood_started = Instant::now();
    let mut me_latencies = Vec::new();
    while flood_started.elapsed() < Duration::from_secs(FLOOD_SECONDS) {
        let started = Instant::now();
        let response = client
            .get(format!("{base}/api/users/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let _ = response.bytes().await;
        me_latencies.push(started.elapsed());
        // A probe, not load: enough samples for a p99 without taking CPU from the logins.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let flood_elapsed = flood_started.elapsed();
    let logins_during = logins.load(Ordering::Relaxed) - logins_before;
    stop.store(true, Ordering::Relaxed);
    for task in flood {
        let _ = task.await;
    }
    me_latencies.sort();
    let me_p50 = percentile(&me_latencies, 50.0);
    let me_p99 = percentile(&me_latencies, 99.0);
    let logins_per_second = logins_during as f64 / flood_elapsed.as_secs_f64();
    let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let login_ceiling = cpus as f64 / verification.as_secs_f64();

    let timing_ok = (timing_ratio - 1.0).abs() <= 0.10;
    let latency_ok = me_p99 < verification / 10;
    println!("quill auth benchmark ({cpus} CPUs, Argon2id m=65536 t=3 p=4)");
    println!("{:<52} {:>12}", "measure", "value");
    println!(
        "{:<52} {:>9.1} ms",
        "one verification (median of 5)",
        ms(verification)
    );
    println!(
        "{:<52} {:>9.1} ms",
        "login, unknown email (median of 9)",
        ms(unknown_median)
    );
    println!(
        "{:<52} {:>9.1} ms",
        "login, wrong password (median of 9)",
        ms(wrong_median)
    );
    println!(
        "{:<52} {:>12.3} {}",
        "ratio unknown / wrong (target 0.90-1.10)",
        timing_ratio,
        if timing_ok { "ok" } else { "MISSED" }
    );
    println!(
        "{:<52} {:>9.2} ms",
        "/me p50 during 8-client login flood",
        ms(me_p50)
    );
    println!(
        "{:<52} {:>9.2} ms {}",
        "/me p99 during flood (target < verification/10)",
        ms(me_p99),
        if latency_ok { "ok" } else { "MISSED" }
    );
    println!("{:<52} {:>12}", "/me samples", me_latencies.len());
    println!(
        "{:<52} {:>12.2}",
        "logins/s during flood", logins_per_second
    );
    println!(
        "{:<52} {:>12.2}",
        "ceiling: CPUs / verification time", login_ceiling
    );

    drop(server);
    let flood = concurrent_login_flood(&client, cpus).await;
    println!(
        "{:<52} {:>12}",
        "200 concurrent logins: 200 / 503 / other",
        format!("{} / {} / {}", flood.ok, flood.busy, flood.other)
    );
    println!(
        "{:<52} {:>12}",
        "every 503 carried Retry-After",
        flood.busy_with_retry_after == flood.busy
    );
    println!(
        "{:<52} {:>9.1} MiB (bound {:.0} MiB) {}",
        "server peak RSS during the flood",
        flood.peak_rss_mib,
        flood.rss_bound_mib,
        if flood.ok_overall() { "ok" } else { "MISSED" }
    );

    let report = json!({
        "cpus": cpus,
        "flood_200_logins": {
            "ok": flood.ok,
            "busy_503": flood.busy,
            "busy_with_retry_after": flood.busy_with_retry_after,
            "other": flood.other,
            "peak_rss_mib": flood.peak_rss_mib,
            "rss_bound_mib": flood.rss_bound_mib,
            "ok_overall": flood.ok_overall(),
        },
        "verification_ms": ms(verification),
        "login_unknown_email_median_ms": ms(unknown_median),
        "login_wrong_password_median_ms": ms(wrong_median),
        "timing_ratio": timing_ratio,
        "me_p50_ms_during_flood": ms(me_p50),
        "me_p99_ms_during_flood": ms(me_p99),
        "me_samples": me_latencies.len(),
        "logins_per_second_during_flood": logins_per_second,
        "login_ceiling_per_second": login_ceiling,
        "timing_ok": timing_ok,
        "latency_ok": latency_ok,
    });
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(
        out.join("auth_under_load.json"),
        serde_json::to_vec_pretty(&report).unwrap(),
    )
    .unwrap();
    if timing_ok && latency_ok && flood.ok_overall() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
