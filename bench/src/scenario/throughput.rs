//! Throughput and latency of quill's hot endpoints on a server seeded through its API:
//! requests/s, p50 and p99 of `/healthz`, `/api/users/me`, a page of posts, one post and the
//! home page; logins/s at concurrency 8 against the ceiling `CPUs / one verification`, with
//! `/me` probed meanwhile; list latency at 1,000 and at 100,000 posts; the server's peak RSS.
//! Writes `target/bench/report.json`. `BENCH_SECONDS` sets each window (default 5; the login
//! flood lasts two windows).

#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::client::{email_of, register, seed_posts};
use crate::load::{LoginFlood, RequestFn, closed_loop, login_flood};
use crate::report::Check;
use crate::stats::{Stats, median, ms};
use crate::{Failure, cpus, env_number, report, server::Server, verification};

const LOAD_CONCURRENCY: usize = 16;
const LOGIN_CONCURRENCY: usize = 8;

/// Everything one run measured.
struct Findings {
    cpus: usize,
    seconds: u64,
    endpoints: Vec<(&'static str, Stats)>,
    verification: Duration,
    flood: LoginFlood,
    list_1k: Stats,
    list_100k: Stats,
    peak_rss: f64,
}

impl Findings {
    fn requests_per_second(&self, endpoint: &str) -> f64 {
        self.endpoints
            .iter()
            .find(|(name, _)| *name == endpoint)
            .map_or(0.0, |(_, stats)| stats.requests_per_second)
    }

    /// The most logins per second the machine could hash: every CPU verifying back to back.
    fn login_ceiling(&self) -> f64 {
        self.cpus as f64 / self.verification.as_secs_f64()
    }
}

/// Measures, prints the table and the targets, and writes the report.
///
/// # Errors
/// When the server cannot be started or a request fails.
pub async fn run() -> Result<bool, Failure> {
    let seconds = env_number("BENCH_SECONDS", 5);
    let findings = measure(seconds).await?;
    let checks = checks(&findings);
    print_table(&findings, &checks);
    report::write("report.json", &report_json(&findings, &checks))?;
    println!("\nreport: target/bench/report.json");
    Ok(checks.iter().all(|c| c.ok))
}

fn get(url: String, token: Option<String>) -> RequestFn {
    Arc::new(move |c: &reqwest::Client| {
        let request = c.get(&url);
        match &token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    })
}

async fn measure(seconds: u64) -> Result<Findings, Failure> {
    let window = Duration::from_secs(seconds);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;

    println!("measuring one Argon2 verification (m=65536, t=3, p=4)...");
    // Sampled before and after the load, so drift on a shared machine moves the ceiling and
    // the measured logins alike.
    let mut verifications = verification::samples(9).await?;
    let server = Server::start(&client, &[]).await?;
    let base = server.base().to_owned();

    println!("seeding 1,000 posts through the API...");
    let mut tokens = Vec::new();
    for n in 0..4 {
        tokens.push(register(&client, &base, &format!("user{n}")).await?);
    }
    let last_post = seed_posts(&client, &base, &tokens, 1_000).await?;
    let token = tokens[0].clone();

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
    let mut measured = Vec::new();
    for (name, url, authenticated) in endpoints {
        println!("measuring {name}...");
        let request = get(url, authenticated.then(|| token.clone()));
        let stats = closed_loop(&client, LOAD_CONCURRENCY, window, 200, &request).await?;
        measured.push((name, stats));
    }

    println!(
        "login flood: {LOGIN_CONCURRENCY} clients for {}s...",
        seconds * 2
    );
    let flood = login_flood(
        &client,
        &base,
        &email_of("user0"),
        &token,
        LOGIN_CONCURRENCY,
        window * 2,
    )
    .await?;
    verifications.extend(verification::samples(9).await?);
    let peak_rss = server.peak_rss_mib();

    let list = get(format!("{base}/api/posts?limit=20"), None);
    let list_1k = closed_loop(&client, 1, window, 200, &list).await?;
    println!("seeding 99,000 more posts through the API (this takes a while)...");
    seed_posts(&client, &base, &tokens, 99_000).await?;
    let list_100k = closed_loop(&client, 1, window, 200, &list).await?;
    let peak_rss = peak_rss.max(server.peak_rss_mib());

    Ok(Findings {
        cpus: cpus(),
        seconds,
        endpoints: measured,
        verification: median(verifications),
        flood,
        list_1k,
        list_100k,
        peak_rss,
    })
}

fn checks(f: &Findings) -> [Check; 5] {
    let healthz = f.requests_per_second("GET /healthz");
    let logins = f.flood.logins_per_second / f.login_ceiling();
    let me = f.requests_per_second("GET /api/users/me") / healthz;
    let list = f.requests_per_second("GET /api/posts?limit=20") / healthz;
    let list_growth = f.list_100k.p50.as_secs_f64() / f.list_1k.p50.as_secs_f64();
    let me_in_flood = f.flood.me.p99.as_secs_f64() / f.verification.as_secs_f64();
    [
        Check {
            name: "logins/s at concurrency 8 / (CPUs / verification time)",
            measured: logins,
            target: ">= 0.90",
            ok: logins >= 0.90,
        },
        Check {
            name: "/me req/s / healthz req/s",
            measured: me,
            target: ">= 0.25",
            ok: me >= 0.25,
        },
        Check {
            name: "posts?limit=20 req/s / healthz req/s",
            measured: list,
            target: ">= 0.08",
            ok: list >= 0.08,
        },
        Check {
            name: "posts?limit=20 p50 at 100k posts / at 1k posts",
            measured: list_growth,
            target: "<= 1.5",
            ok: list_growth <= 1.5,
        },
        Check {
            name: "/me p99 during login flood / one verification",
            measured: me_in_flood,
            target: "< 0.10",
            ok: me_in_flood < 0.10,
        },
    ]
}

fn print_table(f: &Findings, checks: &[Check]) {
    println!();
    println!(
        "quill benchmark: {} CPUs, {}s windows, {LOAD_CONCURRENCY} clients",
        f.cpus, f.seconds
    );
    report::print_stats_header("endpoint");
    for (name, stats) in &f.endpoints {
        report::print_stats_row(name, stats);
    }
    println!(
        "{:<32} {:>12.2}",
        "logins/s (8 clients)", f.flood.logins_per_second
    );
    println!(
        "{:<32} {:>12.2}",
        "ceiling: CPUs / verification",
        f.login_ceiling()
    );
    println!("{:<32} {:>12.1} ms", "one verification", ms(f.verification));
    let counted = [
        ("/me during login flood", &f.flood.me),
        ("posts?limit=20, 1k posts (c=1)", &f.list_1k),
        ("posts?limit=20, 100k posts (c=1)", &f.list_100k),
    ];
    for (name, stats) in counted {
        println!(
            "{:<32} {:>12} {:>10.3} {:>10.3}",
            name,
            stats.requests,
            ms(stats.p50),
            ms(stats.p99)
        );
    }
    println!("{:<32} {:>12.1} MiB", "server peak RSS", f.peak_rss);
    println!();
    report::print_checks(checks);
}

fn report_json(f: &Findings, checks: &[Check]) -> serde_json::Value {
    json!({
        "cpus": f.cpus,
        "window_seconds": f.seconds,
        "concurrency": LOAD_CONCURRENCY,
        "endpoints": f.endpoints.iter().map(|(n, s)| (n.to_string(), s.to_json())).collect::<serde_json::Map<_, _>>(),
        "verification_ms": ms(f.verification),
        "logins_per_second": f.flood.logins_per_second,
        "login_ceiling_per_second": f.login_ceiling(),
        "me_during_login_flood": f.flood.me.to_json(),
        "list_limit20_1k_posts": f.list_1k.to_json(),
        "list_limit20_100k_posts": f.list_100k.to_json(),
        "peak_rss_mib": f.peak_rss,
        "checks": checks.iter().map(Check::to_json).collect::<Vec<_>>(),
    })
}
