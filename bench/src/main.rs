//! `quill-bench`: starts the release `quill` binary on a fresh database in a temporary folder,
//! seeds it through the API, drives load at it from this (separate) process, and prints a
//! table plus `target/bench/report.json`.
//!
//! Usage: `cargo build --release --bin quill --bin quill-bench && target/release/quill-bench`
//! (the `just bench` recipe). `QUILL_BIN` overrides where the server binary is found;
//! `BENCH_SECONDS` the length of each measurement (default 5).
//!
//! Every target is a ratio measured within this one run, so the numbers hold on a noisy,
//! shared machine where absolute figures drift.

#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use quill_domain::{Password, PasswordHasher as _};
use quill_infra::{Argon2Hasher, Argon2Settings};
use serde_json::{Value, json};

const SECRET_KEY: &str = "benchmark-secret-key-of-at-least-32-bytes";
const LOAD_CONCURRENCY: usize = 16;
const LOGIN_CONCURRENCY: usize = 8;
const SEED_CONCURRENCY: usize = 8;

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// The server under test, killed when dropped.
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

impl Server {
    /// The server's peak resident set size so far, in MiB (Linux `VmHWM`).
    fn peak_rss_mib(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    }
}

fn server_binary() -> Result<PathBuf, Failure> {
    if let Ok(path) = std::env::var("QUILL_BIN") {
        return Ok(PathBuf::from(path));
    }
    let here = std::env::current_exe()?;
    let dir = here.parent().ok_or("the benchmark binary has no folder")?;
    Ok(dir.join("quill"))
}

async fn start_server(client: &reqwest::Client) -> Result<Server, Failure> {
    let dir = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let child = Command::new(server_binary()?)
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
        .env(
            "ASSETS_DIR",
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../web-assets"),
        )
        .env("RUST_LOG", "warn")
        // All load comes from one address; rate limits are not what is measured here.
        .env("LOGIN_RATE_BURST", "1000000")
        .env("LOGIN_RATE_PER_MINUTE", "1000000")
        .env("ACCOUNT_LOGIN_RATE_BURST", "1000000")
        .env("ACCOUNT_LOGIN_RATE_PER_MINUTE", "1000000")
        .env("HASHING_PLACES_PER_CLIENT", "1000000")
        .stdout(Stdio::null())
        .spawn()?;
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    };
    for _ in 0..300 {
        if client
            .get(format!("{}/healthz", server.base))
            .send()
            .await
            .is_ok()
        {
            return Ok(server);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err("the server did not start within 15 s".into())
}

/// Throughput and latency of one closed-loop measurement.
#[derive(Debug, Clone, Copy)]
struct Stats {
    requests_per_second: f64,
    p50: Duration,
    p99: Duration,
    requests: usize,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs `concurrency` clients, each sending `request()` back to back for `duration` (after a
/// one-second warm-up), and checks every answer has status `expect`.
async fn measure(
    client: &reqwest::Client,
    concurrency: usize,
    duration: Duration,
    expect: u16,
    request: Arc<dyn Fn(&reqwest::Client) -> reqwest::RequestBuilder + Send + Sync>,
) -> Result<Stats, Failure> {
    let warm_until = Instant::now() + Duration::from_secs(1);
    let stop_at = warm_until + duration;
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (client, request) = (client.clone(), request.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let started = Instant::now();
                if started >= stop_at {
                    return Ok::<_, String>(latencies);
                }
                let response = request(&client).send().await.map_err(|e| e.to_string())?;
                let status = response.status().as_u16();
                let _ = response.bytes().await;
                if status != expect {
                    return Err(format!("expected {expect}, got {status}"));
                }
                if started >= warm_until {
                    latencies.push(started.elapsed());
                }
            }
        }));
    }
    let mut all = Vec::new();
    for worker in workers {
        all.extend(worker.await??);
    }
    all.sort();
    Ok(Stats {
        requests_per_second: all.len() as f64 / duration.as_secs_f64(),
        p50: percentile(&all, 50.0),
        p99: percentile(&all, 99.0),
        requests: all.len(),
    })
}

async fn register(client: &reqwest::Client, base: &str, name: &str) -> Result<String, Failure> {
    let email = format!("{name}@example.com");
    let created = client
        .post(format!("{base}/api/users"))
        .json(&json!({"username": name, "email": email, "password": "password123"}))
        .send()
        .await?;
    if created.status() != 201 {
        return Err(format!("registering {name}: {}", created.status()).into());
    }
    let token: Value = client
        .post(format!("{base}/api/users/token"))
        .form(&[("username", email.as_str()), ("password", "password123")])
        .send()
        .await?
        .json()
        .await?;
    Ok(token["access_token"].as_str().ok_or("no token")?.to_owned())
}

/// Creates `count` posts through the API, spread over the given authors' tokens.
async fn seed_posts(
    client: &reqwest::Client,
    base: &str,
    tokens: &[String],
    count: usize,
) -> Result<i64, Failure> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for worker in 0..SEED_CONCURRENCY {
        let (client, base, next) = (client.clone(), base.to_owned(), next.clone());
        let token = tokens[worker % tokens.len()].clone();
        workers.push(tokio::spawn(async move {
            let mut last_id = 0;
            while next.fetch_add(1, Ordering::Relaxed) < count {
                let post: Value = client
                    .post(format!("{base}/api/posts"))
                    .bearer_auth(&token)
                    .json(&json!({"title": "A benchmark post", "content": "Some words about nothing in particular, repeated to look like a real post. ".repeat(4)}))
                    .send()
                    .await
                    .map_err(|e| e.to_string())?
                    .json()
                    .await
                    .map_err(|e| e.to_string())?;
                last_id = post["id"].as_i64().ok_or("no id")?;
            }
            Ok::<_, String>(last_id)
        }));
    }
    let mut last = 0;
    for worker in workers {
        last = last.max(worker.await??);
    }
    Ok(last)
}

/// Times `count` Argon2 verifications with the server's default parameters, one at a time,
/// on an otherwise idle server (so wall time is CPU time).
async fn verification_samples(count: usize) -> Result<Vec<Duration>, Failure> {
    let hasher = Argon2Hasher::new(Argon2Settings::default(), 1, 0)?;
    let hash = hasher.hash(&Password::attempt("password123")).await?;
    let mut samples = Vec::new();
    for _ in 0..count {
        let started = Instant::now();
        hasher
            .verify(&Password::attempt("password123"), &hash)
            .await?;
        samples.push(started.elapsed());
    }
    Ok(samples)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Eight clients log in continuously while one client probes `/me`: logins/s and `/me`
/// latency under the flood.
async fn login_flood(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    duration: Duration,
) -> Result<(f64, Stats), Failure> {
    let stop = Arc::new(AtomicBool::new(false));
    let logins = Arc::new(AtomicUsize::new(0));
    let mut flood = Vec::new();
    for _ in 0..LOGIN_CONCURRENCY {
        let (client, base) = (client.clone(), base.to_owned());
        let (stop, logins) = (stop.clone(), logins.clone());
        flood.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let response = client
                    .post(format!("{base}/api/users/token"))
                    .form(&[
                        ("username", "user0@example.com"),
                        ("password", "password123"),
                    ])
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                if response.status() != 200 {
                    return Err(format!("login answered {}", response.status()));
                }
                let _ = response.bytes().await;
                logins.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<_, String>(())
        }));
    }
    // Let every hashing slot fill before measuring.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = logins.load(Ordering::Relaxed);
    let started = Instant::now();
    let mut latencies = Vec::new();
    while started.elapsed() < duration {
        let sent = Instant::now();
        let response = client
            .get(format!("{base}/api/users/me"))
            .bearer_auth(token)
            .send()
            .await?;
        if response.status() != 200 {
            return Err(format!("/me answered {} during the flood", response.status()).into());
        }
        let _ = response.bytes().await;
        latencies.push(sent.elapsed());
        // A probe, not load: enough samples for a p99 without taking CPU from the logins.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed();
    let done = logins.load(Ordering::Relaxed) - before;
    stop.store(true, Ordering::Relaxed);
    for worker in flood {
        worker.await??;
    }
    latencies.sort();
    let probe = Stats {
        requests_per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: percentile(&latencies, 50.0),
        p99: percentile(&latencies, 99.0),
        requests: latencies.len(),
    };
    Ok((done as f64 / elapsed.as_secs_f64(), probe))
}

struct Check {
    name: &'static str,
    measured: f64,
    target: String,
    ok: bool,
}

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("quill-bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("quill-bench: {e}");
            ExitCode::from(2)
        }
    }
}

#[allow(clippy::too_many_lines)]
async fn run() -> Result<bool, Failure> {
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let window = Duration::from_secs(seconds);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);

    println!("measuring one Argon2 verification (m=65536, t=3, p=4)...");
    // Sampled before and after the load, so drift on a shared machine moves the ceiling and
    // the measured logins alike.
    let mut verifications = verification_samples(9).await?;
    let server = start_server(&client).await?;
    let base = server.base.clone();

    println!("seeding 1,000 posts through the API...");
    let mut tokens = Vec::new();
    for n in 0..4 {
        tokens.push(register(&client, &base, &format!("user{n}")).await?);
    }
    let last_post = seed_posts(&client, &base, &tokens, 1_000).await?;
    let token = tokens[0].clone();

    let mut rows: Vec<(&str, Stats)> = Vec::new();
    let endpoints: [(&str, String, bool); 5] = [
        ("GET /healthz", format!("{base}/healthz"), false),
        ("GET /api/users/me", format!("{base}/api/users/me"), true),
        (
            "GET /api/posts?limit=20",
            format!("{base}/api/posts?limit=20"),
            false,
        ),
        (
            "GET /api/posts/{id}",
            format!("{base}/api/posts/{last_post}"),
            false,
        ),
        ("GET / (HTML)", format!("{base}/"), false),
    ];
    for (name, url, authenticated) in endpoints {
        println!("measuring {name}...");
        let token = token.clone();
        let request: Arc<dyn Fn(&reqwest::Client) -> reqwest::RequestBuilder + Send + Sync> =
            Arc::new(move |c: &reqwest::Client| {
                let r = c.get(&url);
                if authenticated {
                    r.bearer_auth(&token)
                } else {
                    r
                }
            });
        rows.push((
            name,
            measure(&client, LOAD_CONCURRENCY, window, 200, request).await?,
        ));
    }

    println!(
        "login flood: {LOGIN_CONCURRENCY} clients for {}s...",
        seconds * 2
    );
    let (logins_per_second, me_during_flood) =
        login_flood(&client, &base, &token, window * 2).await?;
    verifications.extend(verification_samples(9).await?);
    let verification = median(verifications);
    let peak_rss = server.peak_rss_mib().unwrap_or(f64::NAN);

    let list_url = format!("{base}/api/posts?limit=20");
    let list_request = |url: String| -> Arc<
        dyn Fn(&reqwest::Client) -> reqwest::RequestBuilder + Send + Sync,
    > { Arc::new(move |c: &reqwest::Client| c.get(&url)) };
    let list_1k = measure(&client, 1, window, 200, list_request(list_url.clone())).await?;
    println!("seeding 99,000 more posts through the API (this takes a while)...");
    seed_posts(&client, &base, &tokens, 99_000).await?;
    let list_100k = measure(&client, 1, window, 200, list_request(list_url)).await?;
    let peak_rss = peak_rss.max(server.peak_rss_mib().unwrap_or(f64::NAN));
    drop(server);

    let rps = |name: &str| {
        rows.iter()
            .find(|(n, _)| *n == name)
            .map_or(0.0, |(_, s)| s.requests_per_second)
    };
    let healthz = rps("GET /healthz");
    let ceiling = cpus as f64 / verification.as_secs_f64();
    let checks = [
        Check {
            name: "logins/s at concurrency 8 / (CPUs / verification time)",
            measured: logins_per_second / ceiling,
            target: ">= 0.90".into(),
            ok: logins_per_second / ceiling >= 0.90,
        },
        Check {
            name: "/me req/s / healthz req/s",
            measured: rps("GET /api/users/me") / healthz,
            target: ">= 0.25".into(),
            ok: rps("GET /api/users/me") / healthz >= 0.25,
        },
        Check {
            name: "posts?limit=20 req/s / healthz req/s",
            measured: rps("GET /api/posts?limit=20") / healthz,
            target: ">= 0.08".into(),
            ok: rps("GET /api/posts?limit=20") / healthz >= 0.08,
        },
        Check {
            name: "posts?limit=20 p50 at 100k posts / at 1k posts",
            measured: list_100k.p50.as_secs_f64() / list_1k.p50.as_secs_f64(),
            target: "<= 1.5".into(),
            ok: list_100k.p50.as_secs_f64() / list_1k.p50.as_secs_f64() <= 1.5,
        },
        Check {
            name: "/me p99 during login flood / one verification",
            measured: me_during_flood.p99.as_secs_f64() / verification.as_secs_f64(),
            target: "< 0.10".into(),
            ok: me_during_flood.p99.as_secs_f64() / verification.as_secs_f64() < 0.10,
        },
    ];

    println!();
    println!("quill benchmark: {cpus} CPUs, {seconds}s windows, {LOAD_CONCURRENCY} clients");
    println!(
        "{:<32} {:>12} {:>10} {:>10}",
        "endpoint", "req/s", "p50 ms", "p99 ms"
    );
    for (name, stats) in &rows {
        println!(
            "{:<32} {:>12.0} {:>10.3} {:>10.3}",
            name,
            stats.requests_per_second,
            ms(stats.p50),
            ms(stats.p99)
        );
    }
    println!("{:<32} {:>12.2}", "logins/s (8 clients)", logins_per_second);
    println!("{:<32} {:>12.2}", "ceiling: CPUs / verification", ceiling);
    println!("{:<32} {:>12.1} ms", "one verification", ms(verification));
    println!(
        "{:<32} {:>12} {:>10.3} {:>10.3}",
        "/me during login flood",
        me_during_flood.requests,
        ms(me_during_flood.p50),
        ms(me_during_flood.p99)
    );
    println!(
        "{:<32} {:>12} {:>10.3} {:>10.3}",
        "posts?limit=20, 1k posts (c=1)",
        list_1k.requests,
        ms(list_1k.p50),
        ms(list_1k.p99)
    );
    println!(
        "{:<32} {:>12} {:>10.3} {:>10.3}",
        "posts?limit=20, 100k posts (c=1)",
        list_100k.requests,
        ms(list_100k.p50),
        ms(list_100k.p99)
    );
    println!("{:<32} {:>12.1} MiB", "server peak RSS", peak_rss);
    println!();
    println!(
        "{:<56} {:>10} {:>8}  verdict",
        "target", "measured", "needs"
    );
    for check in &checks {
        println!(
            "{:<56} {:>10.3} {:>8}  {}",
            check.name,
            check.measured,
            check.target,
            if check.ok { "ok" } else { "MISSED" }
        );
    }

    let stats_json = |s: &Stats| json!({"requests_per_second": s.requests_per_second, "p50_ms": ms(s.p50), "p99_ms": ms(s.p99), "requests": s.requests});
    let report = json!({
        "cpus": cpus,
        "window_seconds": seconds,
        "concurrency": LOAD_CONCURRENCY,
        "endpoints": rows.iter().map(|(n, s)| (n.to_string(), stats_json(s))).collect::<serde_json::Map<_, _>>(),
        "verification_ms": ms(verification),
        "logins_per_second": logins_per_second,
        "login_ceiling_per_second": ceiling,
        "me_during_login_flood": stats_json(&me_during_flood),
        "list_limit20_1k_posts": stats_json(&list_1k),
        "list_limit20_100k_posts": stats_json(&list_100k),
        "peak_rss_mib": peak_rss,
        "checks": checks.iter().map(|c| json!({"name": c.name, "measured": c.measured, "target": c.target, "ok": c.ok})).collect::<Vec<_>>(),
    });
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("report.json"), serde_json::to_vec_pretty(&report)?)?;
    println!("\nreport: target/bench/report.json");
    Ok(checks.iter().all(|c| c.ok))
}
