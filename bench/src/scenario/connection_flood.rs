//! One address trying to hold every connection: 127.0.0.2 keeps up to 2,000 connections
//! open at once for 20 s, opening them as fast as it can, holding each idle and reopening it
//! as soon as the server closes it, while 127.0.0.1 asks for `/healthz` on a fresh connection
//! every 20 ms. quill's default connection limits apply. Reports that other client's latency
//! (p50, p99, max) and failed polls, how many connections the flooder opened, and how many
//! the server held open at most (its sockets above its idle count, sampled); the other's p99
//! must stay under 100 ms and every poll must succeed. Writes
//! `target/bench/connection_flood.json`.

#![allow(clippy::print_stdout)]

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::json;
use tokio::io::AsyncReadExt as _;
use tokio::net::TcpSocket;
use tokio::time::Instant;

use crate::stats::{ms, percentile};
use crate::{Failure, report, server::Server};

const FLOOD_SECONDS: u64 = 20;
/// Well over quill's default `MAX_CONNECTIONS` (1024): without a per-client share, the
/// flooder alone fills every place, even while some of its connects wait out the kernel's
/// retry after a burst overflowed the listen queue.
const FLOOD_CONNECTIONS: usize = 2_000;
/// Each flooding connection is reopened at most this often: far more than 20 s allows, but a
/// bound all the same.
const MAX_REOPENS: usize = 1_000_000;
const FLOODER: [u8; 4] = [127, 0, 0, 2];
const OTHER: [u8; 4] = [127, 0, 0, 1];
const POLL_PAUSE: Duration = Duration::from_millis(20);
const MAX_POLLS: usize = 2_000;
/// A poll still unanswered after this counts as failed (and as this slow).
const POLL_TIMEOUT: Duration = Duration::from_secs(15);
/// The server's sockets are counted every this many polls.
const SAMPLE_EVERY: usize = 5;
/// After a failed connect (no port left, say), a flooding task waits this long before the
/// next, so an exhausted kernel is not spun on.
const CONNECT_ERROR_PAUSE: Duration = Duration::from_millis(10);
const TARGET_P99: Duration = Duration::from_millis(100);

/// What the flooder did.
#[derive(Debug, Default)]
struct FloodCounts {
    /// Connections that were open when the connect returned.
    opened: AtomicUsize,
    /// Connections reset before the connect returned.
    reset: AtomicUsize,
    /// Connects that failed otherwise (no port left, say).
    connect_errors: AtomicUsize,
}

/// Keeps one connection from [`FLOODER`] open until `until`: connects, idles until the server
/// closes it, and reconnects at once.
async fn hold_and_reopen(server: SocketAddr, until: Instant, counts: Arc<FloodCounts>) {
    for _ in 0..MAX_REOPENS {
        let connect = async {
            let socket = TcpSocket::new_v4()?;
            socket.bind(SocketAddr::from((FLOODER, 0)))?;
            socket.connect(server).await
        };
        let mut stream = match tokio::time::timeout_at(until, connect).await {
            Err(_) => return,
            // Reset by the server before the connect returned: refused at once, as it should
            // be, and tried again at once.
            Ok(Err(e))
                if matches!(
                    e.kind(),
                    ErrorKind::ConnectionReset | ErrorKind::ConnectionRefused
                ) =>
            {
                counts.reset.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            Ok(Err(_)) => {
                counts.connect_errors.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(CONNECT_ERROR_PAUSE).await;
                continue;
            }
            Ok(Ok(stream)) => stream,
        };
        counts.opened.fetch_add(1, Ordering::Relaxed);
        // Nothing is ever sent: the read ends when the server closes or resets the connection.
        let mut byte = [0u8; 1];
        if tokio::time::timeout_at(until, stream.read(&mut byte))
            .await
            .is_err()
        {
            return;
        }
    }
}

/// Runs the flood on a thread and runtime of its own, so its thousand tasks never delay the
/// polls this runtime times.
fn flood(
    server: SocketAddr,
    until: Instant,
    counts: Arc<FloodCounts>,
) -> std::thread::JoinHandle<Result<(), String>> {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        runtime.block_on(async move {
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..FLOOD_CONNECTIONS {
                tasks.spawn(hold_and_reopen(server, until, counts.clone()));
            }
            while tasks.join_next().await.is_some() {}
        });
        Ok(())
    })
}

/// Runs the flood, prints what the other client saw, and writes the report.
///
/// # Errors
/// When the server cannot be started or the flood cannot run.
pub async fn run() -> Result<bool, Failure> {
    // No idle connection is kept, so every poll needs a connection of its own, as a new
    // visitor's would.
    let other = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(OTHER))
        .pool_max_idle_per_host(0)
        .timeout(POLL_TIMEOUT)
        .build()?;
    let server = Server::start(&other, &[]).await?;
    let address: SocketAddr = server
        .base()
        .trim_start_matches("http://")
        .parse()
        .map_err(|e| format!("the server's address: {e}"))?;
    let idle_sockets = server.open_sockets().unwrap_or(0);
    let counts = Arc::new(FloodCounts::default());
    let started = Instant::now();
    let until = started + Duration::from_secs(FLOOD_SECONDS);
    let flooder = flood(address, until, counts.clone());
    let url = format!("{}/healthz", server.base());
    let mut latencies = Vec::new();
    let mut failed = 0usize;
    let mut held_peak = 0usize;
    for poll in 0..MAX_POLLS {
        if Instant::now() >= until {
            break;
        }
        if poll % SAMPLE_EVERY == 0 {
            let held = server
                .open_sockets()
                .unwrap_or(0)
                .saturating_sub(idle_sockets);
            held_peak = held_peak.max(held);
        }
        let asked = Instant::now();
        let answered = other.get(&url).send().await;
        let took = asked.elapsed();
        match answered {
            Ok(answer) if answer.status() == 200 => {}
            _ => failed += 1,
        }
        latencies.push(took);
        tokio::time::sleep(POLL_PAUSE).await;
    }
    flooder
        .join()
        .map_err(|_| "the flooding thread panicked")??;
    latencies.sort();
    let (p50, p99, max) = (
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
        percentile(&latencies, 100.0),
    );
    let opened = counts.opened.load(Ordering::Relaxed);
    let reset = counts.reset.load(Ordering::Relaxed);
    let connect_errors = counts.connect_errors.load(Ordering::Relaxed);
    println!(
        "127.0.0.1 /healthz on fresh connections: {} polls, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {failed} failed",
        latencies.len(),
        ms(p50),
        ms(p99),
        ms(max)
    );
    println!(
        "127.0.0.2: {} connections tried in {FLOOD_SECONDS} s ({opened} open when the connect returned, {reset} reset before, {connect_errors} failed otherwise); the server held at most {held_peak} connections at once",
        opened + reset + connect_errors
    );
    let ok = !latencies.is_empty() && p99 < TARGET_P99 && failed == 0;
    println!(
        "target: 127.0.0.1's p99 under {} ms with every poll answered: {}",
        TARGET_P99.as_millis(),
        if ok { "ok" } else { "MISSED" }
    );
    let report = json!({
        "seconds": FLOOD_SECONDS,
        "flooding_tasks": FLOOD_CONNECTIONS,
        "other_polls": latencies.len(),
        "other_failed_polls": failed,
        "other_p50_ms": ms(p50),
        "other_p99_ms": ms(p99),
        "other_max_ms": ms(max),
        "flood_connections_opened": opened,
        "flood_connections_reset_before_the_connect_returned": reset,
        "flood_connect_errors": connect_errors,
        "server_connections_held_peak": held_peak,
        "target_p99_ms": ms(TARGET_P99),
        "ok": ok,
    });
    report::write("connection_flood.json", &report)?;
    println!("report: target/bench/connection_flood.json");
    Ok(ok)
}
