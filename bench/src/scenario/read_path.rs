//! The public read path against its own ceiling: `/healthz`, `GET /api/posts?limit=20`, the
//! home page rendering the same 20 posts, and a revalidation of the list with a matching
//! `If-None-Match` (a 304), on one server seeded with exactly 20 posts by four authors.
//! The four are measured in turn, in a different order each round, for several rounds; each
//! round's ratios to `/healthz` come from windows seconds apart, and the figure is the median
//! round, so drift on a shared machine moves a ratio's two sides alike. The client shares the
//! machine's cores, so the server's own CPU time per request is reported beside the rates. Writes
//! `target/bench/read_path.json`. `BENCH_SECONDS` sets each window (default 3),
//! `BENCH_ROUNDS` the rounds (default 3).

#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::client::{register, seed_posts};
use crate::load::{RequestFn, closed_loop};
use crate::report::Check;
use crate::stats::{Stats, median_of, ms};
use crate::{Failure, cpus, report, rounds_and_window, server::Server};

const LOAD_CONCURRENCY: usize = 16;
const POSTS: usize = 20;
/// The warm-up [`closed_loop`] runs before each window.
const WARM_UP: Duration = Duration::from_secs(1);

/// The endpoints, in the order of the first round; later rounds rotate it.
const ENDPOINTS: [&str; 4] = [
    "GET /healthz",
    "GET /api/posts?limit=20",
    "GET / (HTML)",
    "GET /api/posts?limit=20 (304)",
];

/// Measures, prints the table and the targets, and writes the report.
///
/// # Errors
/// When the server cannot be started or a request fails.
pub async fn run() -> Result<bool, Failure> {
    let (rounds, window) = rounds_and_window(3, 3);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    let server = Server::start(&client, &[]).await?;
    let base = server.base().to_owned();
    let mut tokens = Vec::new();
    for n in 0..4 {
        tokens.push(register(&client, &base, &format!("author{n}")).await?);
    }
    seed_posts(&client, &base, &tokens, POSTS).await?;
    let list_url = format!("{base}/api/posts?limit=20");
    let etag = list_etag(&client, &list_url).await?;

    let requests: [(RequestFn, u16); 4] = [
        (get(format!("{base}/healthz"), None), 200),
        (get(list_url.clone(), None), 200),
        (get(format!("{base}/"), None), 200),
        (get(list_url, Some(etag)), 304),
    ];
    let mut measured: Vec<Vec<Stats>> = vec![Vec::new(); ENDPOINTS.len()];
    let mut cpu_per_request: Vec<Vec<f64>> = vec![Vec::new(); ENDPOINTS.len()];
    for round in 0..rounds {
        println!("round {} of {rounds}...", round + 1);
        for turn in 0..ENDPOINTS.len() {
            let endpoint = (turn + round) % ENDPOINTS.len();
            let (request, expect) = &requests[endpoint];
            let cpu_before = server.cpu_seconds();
            let stats = closed_loop(&client, LOAD_CONCURRENCY, window, *expect, request).await?;
            let cpu = server.cpu_seconds() - cpu_before;
            // The one-second warm-up ran at about the measured rate and is in the CPU time.
            let answered = stats.requests_per_second * (window + WARM_UP).as_secs_f64();
            cpu_per_request[endpoint].push(cpu / answered * 1e6);
            measured[endpoint].push(stats);
        }
    }

    let ratio = |endpoint: usize, to: usize| -> f64 {
        median_of(
            (0..rounds)
                .map(|round| {
                    measured[endpoint][round].requests_per_second
                        / measured[to][round].requests_per_second
                })
                .collect(),
        )
    };
    let list_to_healthz = ratio(1, 0);
    let list_to_home = ratio(1, 2);
    let revalidation_to_healthz = ratio(3, 0);
    let checks = [
        Check {
            name: "posts?limit=20 req/s / healthz req/s",
            measured: list_to_healthz,
            target: ">= 0.12",
            ok: list_to_healthz >= 0.12,
        },
        Check {
            name: "posts?limit=20 req/s / home page req/s",
            measured: list_to_home,
            target: ">= 1.0",
            ok: list_to_home >= 1.0,
        },
    ];

    println!();
    println!(
        "quill read path: {} CPUs, {}s windows, {rounds} rounds, {LOAD_CONCURRENCY} clients, {POSTS} posts",
        cpus(),
        window.as_secs()
    );
    report::print_stats_header("endpoint (median round)");
    for (name, rounds) in ENDPOINTS.iter().zip(&measured) {
        report::print_stats_row(name, &median_stats(rounds));
    }
    println!("\nserver CPU per request, median round (µs):");
    for (name, cpu) in ENDPOINTS.iter().zip(&cpu_per_request) {
        println!("{name:<32} {:>12.1}", median_of(cpu.clone()));
    }
    println!("\nrevalidation (304) req/s / healthz req/s: {revalidation_to_healthz:.3}\n");
    report::print_checks(&checks);
    let report = json!({
        "cpus": cpus(),
        "window_seconds": window.as_secs(),
        "rounds": rounds,
        "concurrency": LOAD_CONCURRENCY,
        "posts": POSTS,
        "endpoints": ENDPOINTS.iter().zip(&measured).map(|(name, rounds)| {
            (name.to_string(), json!(rounds.iter().map(Stats::to_json).collect::<Vec<_>>()))
        }).collect::<serde_json::Map<_, _>>(),
        "server_cpu_us_per_request": ENDPOINTS.iter().zip(&cpu_per_request).map(|(name, cpu)| {
            (name.to_string(), json!(cpu))
        }).collect::<serde_json::Map<_, _>>(),
        "median_round_p50_ms": ENDPOINTS.iter().zip(&measured).map(|(name, rounds)| {
            (name.to_string(), json!(ms(median_stats(rounds).p50)))
        }).collect::<serde_json::Map<_, _>>(),
        "revalidation_to_healthz": revalidation_to_healthz,
        "checks": checks.iter().map(Check::to_json).collect::<Vec<_>>(),
    });
    report::write("read_path.json", &report)?;
    println!("\nreport: target/bench/read_path.json");
    Ok(checks.iter().all(|c| c.ok))
}

fn get(url: String, if_none_match: Option<String>) -> RequestFn {
    Arc::new(move |c: &reqwest::Client| {
        let request = c.get(&url);
        match &if_none_match {
            Some(tag) => request.header("if-none-match", tag),
            None => request,
        }
    })
}

/// The list's current entity tag; the revalidation load sends it back.
async fn list_etag(client: &reqwest::Client, url: &str) -> Result<String, Failure> {
    let response = client.get(url).send().await?;
    let tag = response
        .headers()
        .get("etag")
        .ok_or("the post list answered without an ETag")?
        .to_str()?
        .to_owned();
    let _ = response.bytes().await;
    Ok(tag)
}

/// The round whose requests/s is the median one.
fn median_stats(rounds: &[Stats]) -> Stats {
    let mut sorted = rounds.to_vec();
    sorted.sort_by(|a, b| a.requests_per_second.total_cmp(&b.requests_per_second));
    sorted[sorted.len() / 2]
}
