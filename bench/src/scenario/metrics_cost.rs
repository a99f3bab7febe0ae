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

use std::time::Duration;

use serde_json::json;

use crate::report::Check;
use crate::side_by_side::{LOAD_CONCURRENCY, Side, compare, print_comparison};
use crate::stats::median_of;
use crate::{Failure, env_number, report};

/// Windows measured; the median window is the figure, so one disturbed by other work on the
/// machine does not decide it.
const WINDOWS: usize = 7;
const MAX_COST: f64 = 0.05;

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

    let ratios = compare(
        &client,
        &mut off,
        &mut on,
        WINDOWS,
        window,
        "/api/users/me on both servers at once",
    )
    .await?;
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
    print_comparison(
        ["metrics off", "metrics on"],
        [&off, &on],
        &ratios,
        window,
        check,
    );
    report::write(
        "metrics_cost.json",
        &json!({
            "window_seconds": seconds,
            "control": control,
            "concurrency": LOAD_CONCURRENCY,
            "metrics_off": off.windows_json(),
            "metrics_on": on.windows_json(),
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
