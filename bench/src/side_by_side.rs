//! Two servers of different configurations under the same `/api/users/me` load at the same
//! time, window after window: whatever else runs on the machine slows both alike within the
//! same second, and the two split the cores, so the one that spends more CPU on a request
//! answers fewer. The scenarios comparing one setting's cost (metrics, the signing
//! algorithm) are built on it.

#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::Failure;
use crate::client::register;
use crate::load::{RequestFn, closed_loop};
use crate::report::{self, Check};
use crate::server::Server;
use crate::stats::Stats;

/// Clients per server; both servers are loaded at once.
pub const LOAD_CONCURRENCY: usize = 8;
/// The warm-up [`closed_loop`] runs before each window, under the same load.
const WARM_UP: Duration = Duration::from_secs(1);

/// One measured window and the server CPU time it took.
#[derive(Debug)]
pub struct Window {
    /// What the clients saw.
    pub stats: Stats,
    /// The server's CPU time over the window and its warm-up.
    pub cpu_seconds: f64,
}

/// One server under test, the token its load presents, and the windows it was measured in.
#[derive(Debug)]
pub struct Side {
    /// The server.
    pub server: Server,
    token: String,
    /// The windows so far, in order.
    pub windows: Vec<Window>,
}

impl Side {
    /// Starts a server with `overrides` and registers the account whose `/me` is loaded.
    ///
    /// # Errors
    /// When the server cannot be started or the registration fails.
    pub async fn start(
        client: &reqwest::Client,
        overrides: &[(&str, &str)],
    ) -> Result<Self, Failure> {
        let server = Server::start(client, overrides).await?;
        let token = register(client, server.base(), "measured").await?;
        Ok(Self {
            server,
            token,
            windows: Vec::new(),
        })
    }

    /// The token the load presents.
    #[must_use]
    pub fn token(&self) -> &str {
        &self.token
    }

    fn me_request(&self) -> RequestFn {
        let (url, token) = (
            format!("{}/api/users/me", self.server.base()),
            self.token.clone(),
        );
        Arc::new(move |c: &reqwest::Client| c.get(&url).bearer_auth(&token))
    }

    /// The side's req/s over the whole run: every window's requests over every window's
    /// time (the windows are equally long). Steadier than any one window, since how the two
    /// servers share the cores swings from window to window and evens out over the run.
    #[must_use]
    pub fn run_requests_per_second(&self) -> f64 {
        let total: f64 = self
            .windows
            .iter()
            .map(|w| w.stats.requests_per_second)
            .sum();
        total / self.windows.len().max(1) as f64
    }

    /// Server CPU microseconds per request over every window, warm-ups included (they run
    /// at the window's pace, so they count as that many requests a second too).
    #[must_use]
    pub fn cpu_micros_per_request(&self, window: Duration) -> f64 {
        let loaded = (window + WARM_UP).as_secs_f64();
        let (cpu, requests) = self.windows.iter().fold((0.0, 0.0), |(cpu, requests), w| {
            (
                cpu + w.cpu_seconds,
                requests + w.stats.requests_per_second * loaded,
            )
        });
        cpu / requests * 1e6
    }

    /// Each window's figures, for a report.
    #[must_use]
    pub fn windows_json(&self) -> serde_json::Value {
        self.windows
            .iter()
            .map(|w| {
                let mut stats = w.stats.to_json();
                stats["server_cpu_seconds"] = json!(w.cpu_seconds);
                stats
            })
            .collect()
    }
}

/// Loads both sides for one window at the same time and records what each did.
///
/// # Errors
/// When a request fails or answers other than 200.
pub async fn measure_together(
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

/// Runs `windows` windows, alternating which side's clients start first so that neither
/// always has the head start, and returns each window's `second / first` req/s.
///
/// # Errors
/// As [`measure_together`].
pub async fn compare(
    client: &reqwest::Client,
    first: &mut Side,
    second: &mut Side,
    windows: usize,
    window: Duration,
    what: &str,
) -> Result<Vec<f64>, Failure> {
    for n in 1..=windows {
        println!("window {n} of {windows}: {what} ({}s)...", window.as_secs());
        if n % 2 == 0 {
            measure_together(client, [&mut *first, &mut *second], window).await?;
        } else {
            measure_together(client, [&mut *second, &mut *first], window).await?;
        }
    }
    Ok(second
        .windows
        .iter()
        .zip(&first.windows)
        .map(|(s, f)| s.stats.requests_per_second / f.stats.requests_per_second)
        .collect())
}

/// Prints both sides' windows, each window's `second / first` ratio, both servers' CPU time
/// per request and the check.
pub fn print_comparison(
    [first_name, second_name]: [&str; 2],
    [first, second]: [&Side; 2],
    ratios: &[f64],
    window: Duration,
    check: Check,
) {
    println!();
    report::print_stats_header("GET /api/users/me (window)");
    for (name, side) in [(first_name, first), (second_name, second)] {
        for window in &side.windows {
            report::print_stats_row(name, &window.stats);
        }
    }
    for (n, ratio) in ratios.iter().enumerate() {
        println!(
            "{:<32} {:>12.3}",
            format!("window {}: {second_name} / {first_name}", n + 1),
            ratio
        );
    }
    for (name, side) in [(first_name, first), (second_name, second)] {
        println!(
            "{:<32} {:>12.1}",
            format!("server CPU us/request, {name}"),
            side.cpu_micros_per_request(window)
        );
    }
    println!();
    report::print_checks(&[check]);
}
