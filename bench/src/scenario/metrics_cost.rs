//! What recording metrics costs: two servers side by side, one with `METRICS_ADDR` set and
//! one without, take turns under the same `/api/users/me` load (16 clients), in the order
//! off, on, on, off, repeated, so drift on a shared machine falls on both alike. Each round
//! compares the two windows of one server with the two of the other; the cost is
//! `1 - on / off` of requests/s, the median over the rounds, and must stay under 5%. The
//! servers' CPU time per request is reported beside it: throughput on a machine shared with
//! other work moves with that work, CPU per request much less. The metered server's scrape
//! must show the load, so the comparison is real. Writes `target/bench/metrics_cost.json`.
//! `BENCH_SECONDS` sets each window (default 2).

#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::client::register;
use crate::load::{RequestFn, closed_loop};
use crate::report::Check;
use crate::stats::Stats;
use crate::{Failure, report, server::Server};

const LOAD_CONCURRENCY: usize = 16;
/// Each round is one window off, two on, one off; the median round is the figure, so one
/// round disturbed by other work on the machine does not decide it.
const ROUNDS: usize = 5;
/// The warm-up [`closed_loop`] runs before each window, under the same load.
const WARM_UP: Duration = Duration::from_secs(1);
const MAX_COST: f64 = 0.05;

/// One measured window and the server CPU time it took.
struct Window {
    stats: Stats,
    cpu_seconds: f64,
}

/// One server under test and the windows it was measured in.
struct Side {
    server: Server,
    token: String,
    windows: Vec<Window>,
}

impl Side {
    async fn start(client: &reqwest::Client, overrides: &[(&str, &str)]) -> Result<Self, Failure> {
        let server = Server::start(client, overrides).await?;
        let token = register(client, server.base(), "metered").await?;
        Ok(Self {
            server,
            token,
            windows: Vec::new(),
        })
    }

    async fn measure(&mut self, client: &reqwest::Client, window: Duration) -> Result<(), Failure> {
        let (url, token) = (
            format!("{}/api/users/me", self.server.base()),
            self.token.clone(),
        );
        let me: RequestFn = Arc::new(move |c: &reqwest::Client| c.get(&url).bearer_auth(&token));
        let before = self.server.cpu_seconds();
        let stats = closed_loop(client, LOAD_CONCURRENCY, window, 200, &me).await?;
        let cpu_seconds = self.server.cpu_seconds() - before;
        self.windows.push(Window { stats, cpu_seconds });
        Ok(())
    }

    /// Requests/s of this side's two windows in `round`.
    fn round_rate(&self, round: usize) -> f64 {
        self.windows[2 * round..2 * round + 2]
            .iter()
            .map(|w| w.stats.requests_per_second)
            .sum()
    }

    /// Server CPU microseconds per request over every window, warm-ups included (they run
    /// at the window's pace, so they count as that many requests a second too).
    fn cpu_micros_per_request(&self, window: Duration) -> f64 {
        let loaded = (window + WARM_UP).as_secs_f64();
        let (cpu, requests) = self.windows.iter().fold((0.0, 0.0), |(cpu, requests), w| {
            (
                cpu + w.cpu_seconds,
                requests + w.stats.requests_per_second * loaded,
            )
        });
        cpu / requests * 1e6
    }
}

/// The middle value, the upper of the two middles for an even count.
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Measures, prints the comparison, and writes the report.
///
/// # Errors
/// When a server cannot be started, a request fails, or the metered server's scrape does not
/// show the load.
pub async fn run() -> Result<bool, Failure> {
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    let window = Duration::from_secs(seconds);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let metrics_addr = format!("127.0.0.1:{metrics_port}");
    let mut off = Side::start(&client, &[]).await?;
    let mut on = Side::start(&client, &[("METRICS_ADDR", metrics_addr.as_str())]).await?;

    for round in 1..=ROUNDS {
        println!("round {round} of {ROUNDS}: /api/users/me off, on, on, off ({seconds}s each)...");
        off.measure(&client, window).await?;
        on.measure(&client, window).await?;
        on.measure(&client, window).await?;
        off.measure(&client, window).await?;
    }
    let scrape = client
        .get(format!("http://{metrics_addr}/metrics"))
        .send()
        .await?
        .text()
        .await?;
    let counted = r#"quill_http_requests_total{route="/api/users/me",method="GET",status="2xx"}"#;
    if !scrape.lines().any(|line| line.starts_with(counted)) {
        return Err(format!("the metered server did not count its load:\n{scrape}").into());
    }

    let ratios: Vec<f64> = (0..ROUNDS)
        .map(|round| on.round_rate(round) / off.round_rate(round))
        .collect();
    let cost = 1.0 - median(ratios.clone());
    let cpu = (
        off.cpu_micros_per_request(window),
        on.cpu_micros_per_request(window),
    );
    let check = Check {
        name: "1 - /me req/s with metrics / without (median round)",
        measured: cost,
        target: "< 0.05",
        ok: cost < MAX_COST,
    };
    print_table(&off, &on, &ratios, cpu, check);
    report::write(
        "metrics_cost.json",
        &json!({
            "window_seconds": seconds,
            "concurrency": LOAD_CONCURRENCY,
            "metrics_off": windows_json(&off),
            "metrics_on": windows_json(&on),
            "on_over_off_per_round": ratios,
            "cost": cost,
            "server_cpu_us_per_request_off": cpu.0,
            "server_cpu_us_per_request_on": cpu.1,
            "checks": [check.to_json()],
        }),
    )?;
    println!("\nreport: target/bench/metrics_cost.json");
    Ok(check.ok)
}

fn windows_json(side: &Side) -> serde_json::Value {
    side.windows
        .iter()
        .map(|w| {
            let mut stats = w.stats.to_json();
            stats["server_cpu_seconds"] = json!(w.cpu_seconds);
            stats
        })
        .collect()
}

fn print_table(off: &Side, on: &Side, ratios: &[f64], (off_cpu, on_cpu): (f64, f64), check: Check) {
    println!();
    report::print_stats_header("GET /api/users/me (window)");
    for (name, side) in [("metrics off", off), ("metrics on", on)] {
        for window in &side.windows {
            report::print_stats_row(name, &window.stats);
        }
    }
    for (round, ratio) in ratios.iter().enumerate() {
        println!(
            "{:<32} {:>12.3}",
            format!("round {}: on / off req/s", round + 1),
            ratio
        );
    }
    println!("{:<32} {:>12.1}", "server CPU us/request, off", off_cpu);
    println!("{:<32} {:>12.1}", "server CPU us/request, on", on_cpu);
    println!();
    report::print_checks(&[check]);
}
