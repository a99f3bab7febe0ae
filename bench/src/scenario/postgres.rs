//! quill on PostgreSQL, against SQLite in the same run: `/api/users/me`, a page of 20 posts
//! and logins, each on a server over SQLite and on one over PostgreSQL, in alternating
//! rounds; the figures are each round's PostgreSQL / SQLite ratio, the median round. Then the
//! replica case, two servers on one PostgreSQL database sharing the load, against one server
//! alone; and the pool-size sweep behind the guidance in `docs/operations.md`. PostgreSQL
//! runs on the same machine as the servers and the load, as on a one-box deployment.
//!
//! The database is `DATABASE_URL` when set (an admin URL: the benchmark creates and drops
//! databases of its own there), else a throwaway cluster from `.ci/postgres.sh`, stopped at
//! the end if this run started it. Writes `target/bench/postgres.json`. `BENCH_SECONDS` sets
//! each window (default 3), `BENCH_ROUNDS` the rounds (default 3).

#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::ConnectionTrait as _;
use serde_json::{Value, json};

use crate::client::{PASSWORD, email_of, login_request, register, seed_posts};
use crate::load::{RequestFn, closed_loop};
use crate::stats::{Stats, median_of};
use crate::{Failure, cpus, report, rounds_and_window, server::Server};

const LOAD_CONCURRENCY: usize = 16;
/// Logins in flight: enough to keep every hashing slot of a 2-core machine busy.
const LOGIN_CONCURRENCY: usize = 4;
/// Pool sizes the sweep tries.
const POOL_SIZES: [u32; 5] = [2, 5, 10, 20, 40];

/// Measures, prints the table and the targets, and writes the report.
///
/// # Errors
/// When no PostgreSQL can be reached or started, a server cannot be started, or a request
/// is refused.
pub async fn run() -> Result<bool, Failure> {
    let (rounds, window) = rounds_and_window(3, 3);
    let cluster = Cluster::find_or_start()?;
    let outcome = measure(&cluster, window, rounds).await;
    let dropped = cluster.drop_databases().await;
    cluster.stop();
    let report = outcome?;
    dropped?;
    report::write("postgres.json", &report)?;
    println!("\nreport: target/bench/postgres.json");
    // Figures for operators, with no target to miss.
    Ok(true)
}

/// Where the PostgreSQL databases are made.
struct Cluster {
    admin_url: String,
    /// Whether this run started the cluster, and so stops it.
    started_here: bool,
    created: std::sync::Mutex<Vec<String>>,
}

fn postgres_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.ci/postgres.sh")
}

impl Cluster {
    fn find_or_start() -> Result<Self, Failure> {
        if let Ok(admin_url) = std::env::var("DATABASE_URL") {
            return Ok(Self {
                admin_url,
                started_here: false,
                created: std::sync::Mutex::default(),
            });
        }
        let running = Command::new("bash")
            .arg(postgres_script())
            .arg("url")
            .output()
            .is_ok_and(|out| out.status.success() && !out.stdout.is_empty());
        println!("starting a throwaway PostgreSQL with .ci/postgres.sh...");
        let started = Command::new("bash")
            .arg(postgres_script())
            .arg("start")
            .output()?;
        if !started.status.success() {
            return Err(format!(
                "postgres.sh start failed: {}",
                String::from_utf8_lossy(&started.stderr)
            )
            .into());
        }
        let admin_url = String::from_utf8(started.stdout)?
            .lines()
            .last()
            .ok_or("postgres.sh printed no URL")?
            .trim()
            .to_owned();
        Ok(Self {
            admin_url,
            started_here: !running,
            created: std::sync::Mutex::default(),
        })
    }

    /// A new, empty database's URL.
    async fn fresh_database(&self) -> Result<String, Failure> {
        let name = {
            let mut created = self.created.lock().map_err(|_| "poisoned")?;
            let name = format!("quill_bench_{}_{}", std::process::id(), created.len());
            created.push(name.clone());
            name
        };
        let admin = quill_infra::connect(&self.admin_url, 1, Duration::from_secs(10)).await?;
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await?;
        admin.close().await?;
        let (server, _) = self
            .admin_url
            .rsplit_once('/')
            .ok_or("the admin URL names no database")?;
        Ok(format!("{server}/{name}"))
    }

    async fn drop_databases(&self) -> Result<(), Failure> {
        let names = std::mem::take(&mut *self.created.lock().map_err(|_| "poisoned")?);
        let admin = quill_infra::connect(&self.admin_url, 1, Duration::from_secs(10)).await?;
        for name in names {
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await?;
        }
        admin.close().await?;
        Ok(())
    }

    fn stop(&self) {
        if self.started_here {
            let _ = Command::new("bash")
                .arg(postgres_script())
                .arg("stop")
                .output();
        }
    }
}

/// One server ready to be measured: an account, its token, and 20 posts.
struct Seeded {
    server: Server,
    token: String,
}

impl Seeded {
    async fn start(client: &reqwest::Client, overrides: &[(&str, &str)]) -> Result<Self, Failure> {
        let server = Server::start(client, overrides).await?;
        let token = register(client, server.base(), "reader").await?;
        seed_posts(client, server.base(), std::slice::from_ref(&token), 20).await?;
        Ok(Self { server, token })
    }

    fn me(&self) -> RequestFn {
        let (url, token) = (
            format!("{}/api/users/me", self.server.base()),
            self.token.clone(),
        );
        Arc::new(move |c: &reqwest::Client| c.get(&url).bearer_auth(&token))
    }

    fn list(&self) -> RequestFn {
        let url = format!("{}/api/posts?limit=20", self.server.base());
        Arc::new(move |c: &reqwest::Client| c.get(&url))
    }

    fn login(&self) -> RequestFn {
        let base = self.server.base().to_owned();
        Arc::new(move |c: &reqwest::Client| login_request(c, &base, &email_of("reader"), PASSWORD))
    }
}

/// The endpoints compared, and how many clients load each.
const ENDPOINTS: [(&str, usize); 3] = [
    ("GET /api/users/me", LOAD_CONCURRENCY),
    ("GET /api/posts?limit=20", LOAD_CONCURRENCY),
    ("POST /api/users/token", LOGIN_CONCURRENCY),
];

fn request_of(seeded: &Seeded, endpoint: usize) -> RequestFn {
    match endpoint {
        0 => seeded.me(),
        1 => seeded.list(),
        _ => seeded.login(),
    }
}

async fn measure(cluster: &Cluster, window: Duration, rounds: usize) -> Result<Value, Failure> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    let sqlite = Seeded::start(&client, &[]).await?;
    let url = cluster.fresh_database().await?;
    let postgres = Seeded::start(&client, &[("DATABASE_URL", url.as_str())]).await?;

    // PostgreSQL against SQLite, endpoint by endpoint, alternating which goes first.
    let mut rates: Vec<[Vec<f64>; 2]> = vec![[Vec::new(), Vec::new()]; ENDPOINTS.len()];
    let mut latencies: Vec<[Vec<Stats>; 2]> = vec![[Vec::new(), Vec::new()]; ENDPOINTS.len()];
    for round in 0..rounds {
        println!("round {} of {rounds}: SQLite and PostgreSQL...", round + 1);
        for (endpoint, (_, concurrency)) in ENDPOINTS.iter().enumerate() {
            for turn in 0..2 {
                let side = (turn + round) % 2;
                let seeded = if side == 0 { &sqlite } else { &postgres };
                let stats = closed_loop(
                    &client,
                    *concurrency,
                    window,
                    200,
                    &request_of(seeded, endpoint),
                )
                .await?;
                rates[endpoint][side].push(stats.requests_per_second);
                latencies[endpoint][side].push(stats);
            }
        }
    }
    let ratio = |endpoint: usize| {
        median_of(
            (0..rounds)
                .map(|r| rates[endpoint][1][r] / rates[endpoint][0][r])
                .collect(),
        )
    };
    drop(sqlite);

    // The replica case: a second server on the same database, the same load split between
    // the two, against the first server alone.
    println!("two servers on one PostgreSQL database...");
    let second = Server::start(&client, &[("DATABASE_URL", url.as_str())]).await?;
    let second_token = crate::client::sign_in(&client, second.base(), &email_of("reader")).await?;
    let replica = Seeded {
        server: second,
        token: second_token,
    };
    let mut replicas = Vec::new();
    for (endpoint, (name, _)) in ENDPOINTS.iter().enumerate().take(2) {
        let alone = closed_loop(
            &client,
            LOAD_CONCURRENCY,
            window,
            200,
            &request_of(&postgres, endpoint),
        )
        .await?;
        let (first, second) = (
            request_of(&postgres, endpoint),
            request_of(&replica, endpoint),
        );
        let (a, b) = tokio::join!(
            closed_loop(&client, LOAD_CONCURRENCY / 2, window, 200, &first),
            closed_loop(&client, LOAD_CONCURRENCY / 2, window, 200, &second),
        );
        let together = a?.requests_per_second + b?.requests_per_second;
        replicas.push((*name, alone.requests_per_second, together));
    }
    drop(replica);
    drop(postgres);

    // Pool sizes: a fresh server per size on the same database.
    let mut sweep = Vec::new();
    for pool in POOL_SIZES {
        println!("pool size {pool}...");
        let pool_text = pool.to_string();
        let server = Server::start(
            &client,
            &[
                ("DATABASE_URL", url.as_str()),
                ("DATABASE_MAX_CONNECTIONS", pool_text.as_str()),
            ],
        )
        .await?;
        let token = crate::client::sign_in(&client, server.base(), &email_of("reader")).await?;
        let seeded = Seeded { server, token };
        let me = closed_loop(&client, LOAD_CONCURRENCY, window, 200, &seeded.me()).await?;
        let list = closed_loop(&client, LOAD_CONCURRENCY, window, 200, &seeded.list()).await?;
        sweep.push((pool, me.requests_per_second, list.requests_per_second));
    }

    println!();
    println!(
        "quill on PostgreSQL: {} CPUs, {}s windows, {rounds} rounds, PostgreSQL on the same machine",
        cpus(),
        window.as_secs()
    );
    println!(
        "{:<28} {:>12} {:>12} {:>8}",
        "median round", "SQLite/s", "PostgreSQL/s", "ratio"
    );
    for (endpoint, (name, _)) in ENDPOINTS.iter().enumerate() {
        println!(
            "{name:<28} {:>12.0} {:>12.0} {:>8.3}",
            median_of(rates[endpoint][0].clone()),
            median_of(rates[endpoint][1].clone()),
            ratio(endpoint)
        );
    }
    println!(
        "\n{:<28} {:>12} {:>12} {:>8}",
        "replicas (PostgreSQL)", "one/s", "two/s", "ratio"
    );
    for (name, alone, together) in &replicas {
        println!(
            "{name:<28} {alone:>12.0} {together:>12.0} {:>8.3}",
            together / alone
        );
    }
    println!(
        "\n{:<12} {:>16} {:>16}",
        "pool size", "/me req/s", "list req/s"
    );
    for (pool, me, list) in &sweep {
        println!("{pool:<12} {me:>16.0} {list:>16.0}");
    }

    Ok(json!({
        "cpus": cpus(),
        "window_seconds": window.as_secs(),
        "rounds": rounds,
        "endpoints": ENDPOINTS.iter().enumerate().map(|(endpoint, (name, concurrency))| json!({
            "name": name,
            "concurrency": concurrency,
            "sqlite_requests_per_second": rates[endpoint][0],
            "postgres_requests_per_second": rates[endpoint][1],
            "sqlite_p50_ms": latencies[endpoint][0].iter().map(|s| crate::stats::ms(s.p50)).collect::<Vec<_>>(),
            "postgres_p50_ms": latencies[endpoint][1].iter().map(|s| crate::stats::ms(s.p50)).collect::<Vec<_>>(),
            "postgres_to_sqlite_median": ratio(endpoint),
        })).collect::<Vec<_>>(),
        "replicas": replicas.iter().map(|(name, alone, together)| json!({
            "name": name, "one_server": alone, "two_servers": together,
        })).collect::<Vec<_>>(),
        "pool_sweep": sweep.iter().map(|(pool, me, list)| json!({
            "pool": pool, "me": me, "list": list,
        })).collect::<Vec<_>>(),
    }))
}
