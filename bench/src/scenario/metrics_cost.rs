//! What recording metrics costs: two servers side by side, one with `METRICS_ADDR` set and
//! one without, take turns under the same `/api/users/me` load (16 clients), in the order
//! off, on, on, off, repeated, so drift on a shared machine falls on both alike. Reports each
//! one's median requests/s over its windows and the cost, `1 - on / off`, which must stay
//! under 5%; checks that the metered server counted the load, so the comparison is real.
//! Writes `target/bench/metrics_cost.json`. `BENCH_SECONDS` sets each window (default 3).

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
/// Each round is one window off, two on, one off.
const ROUNDS: usize = 2;
const MAX_COST: f64 = 0.05;

/// One server under test and the windows it was measured in.
struct Side {
    server: Server,
    token: String,
    windows: Vec<Stats>,
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
        let stats = closed_loop(client, LOAD_CONCURRENCY, window, 200, &me).await?;
        self.windows.push(stats);
        Ok(())
    }

    fn median_requests_per_second(&self) -> f64 {
        let mut rates: Vec<f64> = self.windows.iter().map(|s| s.requests_per_second).collect();
        rates.sort_by(f64::total_cmp);
        rates.get(rates.len() / 2).copied().unwrap_or(0.0)
    }
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
        .unwrap_or(3);
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

    let (off_rate, on_rate) = (
        off.median_requests_per_second(),
        on.median_requests_per_second(),
    );
    let cost = 1.0 - on_rate / off_rate;
    let check = Check {
        name: "1 - /me req/s with metrics / without",
        measured: cost,
        target: "< 0.05",
        ok: cost < MAX_COST,
    };
    print_table(&off, &on, check);
    report::write(
        "metrics_cost.json",
        &json!({
            "window_seconds": seconds,
            "concurrency": LOAD_CONCURRENCY,
            "metrics_off": windows_json(&off),
            "metrics_on": windows_json(&on),
            "off_requests_per_second": off_rate,
            "on_requests_per_second": on_rate,
            "cost": cost,
            "checks": [check.to_json()],
        }),
    )?;
    println!("\nreport: target/bench/metrics_cost.json");
    Ok(check.ok)
}

fn windows_json(side: &Side) -> serde_json::Value {
    side.windows.iter().map(Stats::to_json).collect()
}

fn print_table(off: &Side, on: &Side, check: Check) {
    println!();
    report::print_stats_header("GET /api/users/me (window)");
    for (name, side) in [("metrics off", off), ("metrics on", on)] {
        for stats in &side.windows {
            report::print_stats_row(name, stats);
        }
    }
    for (name, side) in [("median, metrics off", off), ("median, metrics on", on)] {
        println!("{name:<32} {:>12.0}", side.median_requests_per_second());
    }
    println!();
    report::print_checks(&[check]);
}
