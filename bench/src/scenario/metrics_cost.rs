//! What recording metrics costs: two servers side by side, one with `METRICS_ADDR` set and
//! one without, under the same `/api/users/me` load (8 clients each) at the same time, in
//! several windows. Loading both at once is what makes the comparison fair on a shared
//! machine: whatever else runs slows both alike, within the same second, and the two servers
//! split the cores between them, so the one that spends more CPU on a request answers fewer.
//! Each window's cost is `1 - on / off` of requests/s; the figure is the median window, and
//! must stay under 5%. The servers' CPU time per request is reported beside it. The metered
//! server's scrape must show the load, so the comparison is real. Writes
//! `target/bench/metrics_cost.json`. `BENCH_SECONDS` sets each window (default 2).
//!
//! Run with `BENCH_CONTROL=1`, both servers go without metrics: the figure is then the
//! measurement's own bias and noise, which should be near zero.

#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::client::register;
use crate::load::{RequestFn, closed_loop};
use crate::report::Check;
use crate::stats::{Stats, median_of};
use crate::{Failure, env_number, report, server::Server};

/// Clients per server; both servers are loaded at once.
const LOAD_CONCURRENCY: usize = 8;
/// Windows measured; the median window is the figure, so one disturbed by other work on the
/// machine does not decide it.
const WINDOWS: usize = 7;
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

    fn me_request(&self) -> RequestFn {
        let (url, token) = (
            format!("{}/api/users/me", self.server.base()),
            self.token.clone(),
        );
        Arc::new(move |c: &reqwest::Client| c.get(&url).bearer_auth(&token))
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

/// Loads both sides for one window at the same time and records what each did.
async fn measure_together(
    client: &reqwest::Client,
    sides: [&mut Side; 2],
    window: Duration,
) -> Result<(), Failure> {
    let requests = sides.each_ref().map(|side| side.me_request());
    let before = sides.each_ref().map(|side| side.server.cpu_seconds());
    let (first, second) = tokio::join!(
        closed_loop(client, LOAD_CONCURRENCY, window, 200, &requests[0]),
        closed_loop(client, LOAD_CONCURRENCY, window, 200, &requests[1]),
    );
    for ((side, stats), before) in sides.into_iter().zip([first?, second?]).zip(before) {
        let cpu_seconds = side.server.cpu_seconds() - before;
        side.windows.push(Window { stats, cpu_seconds });
    }
    Ok(())
}

/// Measures, prints the comparison, and writes the report.
///
/// # Errors
/// When a server cannot be started, a request fails, or the metered server's scrape does not
/// show the load.
pub async fn run() -> Result<bool, Failure> {
    let seconds = env_number("BENCH_SECONDS", 2);
    let window = Duration::from_secs(seconds);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let metrics_addr = format!("127.0.0.1:{metrics_port}");
    let control = std::env::var_os("BENCH_CONTROL").is_some();
    let metered: &[(&str, &str)] = if control {
        &[]
    } else {
        &[("METRICS_ADDR", metrics_addr.as_str())]
    };
    let mut off = Side::start(&client, &[]).await?;
    let mut on = Side::start(&client, metered).await?;
    if control {
        println!("control run: neither server records metrics");
    }

    for n in 1..=WINDOWS {
        println!("window {n} of {WINDOWS}: /api/users/me on both servers at once ({seconds}s)...");
        // Which server's clients start first alternates, so neither always has the head start.
        if n % 2 == 0 {
            measure_together(&client, [&mut off, &mut on], window).await?;
        } else {
            measure_together(&client, [&mut on, &mut off], window).await?;
        }
    }
    if !control {
        let scrape = client
            .get(format!("http://{metrics_addr}/metrics"))
            .send()
            .await?
            .text()
            .await?;
        let counted =
            r#"quill_http_requests_total{route="/api/users/me",method="GET",status="2xx"}"#;
        if !scrape.lines().any(|line| line.starts_with(counted)) {
            return Err(format!("the metered server did not count its load:\n{scrape}").into());
        }
    }

    let ratios: Vec<f64> = on
        .windows
        .iter()
        .zip(&off.windows)
        .map(|(on, off)| on.stats.requests_per_second / off.stats.requests_per_second)
        .collect();
    let cost = 1.0 - median_of(ratios.clone());
    let cpu = (
        off.cpu_micros_per_request(window),
        on.cpu_micros_per_request(window),
    );
    let check = Check {
        name: "1 - /me req/s with metrics / without (median window)",
        measured: cost,
        target: "< 0.05",
        ok: cost < MAX_COST,
    };
    print_table(&off, &on, &ratios, cpu, check);
    report::write(
        "metrics_cost.json",
        &json!({
            "window_seconds": seconds,
            "control": control,
            "concurrency": LOAD_CONCURRENCY,
            "metrics_off": windows_json(&off),
            "metrics_on": windows_json(&on),
            "on_over_off_per_window": ratios,
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
    for (n, ratio) in ratios.iter().enumerate() {
        println!(
            "{:<32} {:>12.3}",
            format!("window {}: on / off req/s", n + 1),
            ratio
        );
    }
    println!("{:<32} {:>12.1}", "server CPU us/request, off", off_cpu);
    println!("{:<32} {:>12.1}", "server CPU us/request, on", on_cpu);
    println!();
    report::print_checks(&[check]);
}
