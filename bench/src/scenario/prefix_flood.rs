//! Per-client fairness of the hashing queue: ten client addresses (127.0.0.10 to .19, each
//! its own client) log in and change their passwords as fast as their per-client limits
//! admit, with quill's default limits, for 20 s, while another address (127.0.0.50) logs in
//! every 2 s. Reports that client's login time (p50, p95, max) in verifications, every status
//! seen, and the server's peak RSS; its p95 must stay under two verifications, its every
//! login must succeed, and no flooding request may meet a server error other than 503.
//! Writes `target/bench/prefix_flood.json`.

#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::client::{PASSWORD, client_at, create_account, email_of, login, login_request};
use crate::stats::{median, ms, percentile};
use crate::{Failure, report, server::Server, verification};

const FLOODING_CLIENTS: u8 = 10;
const PREFIX_FLOOD_SECONDS: u64 = 20;
const BYSTANDER_PAUSE: Duration = Duration::from_secs(2);

/// quill's own defaults for every limit, unlike the other scenarios.
const DEFAULT_LIMITS: [(&str, &str); 5] = [
    ("LOGIN_RATE_BURST", "10"),
    ("LOGIN_RATE_PER_MINUTE", "30"),
    ("ACCOUNT_LOGIN_RATE_BURST", "5"),
    ("ACCOUNT_LOGIN_RATE_PER_MINUTE", "6"),
    ("HASHING_PLACES_PER_CLIENT", "2"),
];

/// How many answers had each status.
type StatusCounts = BTreeMap<u16, usize>;

fn count(statuses: &Mutex<StatusCounts>, status: u16) {
    let mut statuses = statuses
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    *statuses.entry(status).or_default() += 1;
}

/// One flooding client: its own account, then logins and password changes back to back,
/// each sent as soon as the previous answer (a 429 waits out its `Retry-After`).
async fn flood_from(
    base: String,
    n: u8,
    stop: Arc<AtomicBool>,
    statuses: Arc<Mutex<StatusCounts>>,
) -> Result<(), Failure> {
    let client = client_at([127, 0, 0, 10 + n])?;
    let name = format!("flood{n}");
    let email = email_of(&name);
    create_account(&client, &base, &name).await?;
    let mut password = PASSWORD.to_owned();
    let mut round = 0u64;
    while !stop.load(Ordering::Relaxed) {
        round += 1;
        let answer = login_request(&client, &base, &email, &password)
            .send()
            .await?;
        let status = answer.status().as_u16();
        let wait = answer
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        let body: Value = answer.json().await.unwrap_or(Value::Null);
        count(&statuses, status);
        if let Some(token) = body["access_token"].as_str() {
            let next = format!("flood-password-{n}-{round}");
            let changed = client
                .patch(format!("{base}/api/users/me/password"))
                .bearer_auth(token)
                .json(&json!({"current_password": password, "new_password": next}))
                .send()
                .await?;
            let changed = changed.status().as_u16();
            count(&statuses, changed);
            if changed == 200 {
                password = next;
            }
        }
        if status == 429 {
            let seconds = wait.unwrap_or(1).min(PREFIX_FLOOD_SECONDS);
            tokio::time::sleep(Duration::from_secs(seconds)).await;
        }
    }
    Ok(())
}

/// Runs the flood, prints what the bystander saw, and writes the report.
///
/// # Errors
/// When the server cannot be started or a request cannot be sent.
pub async fn run() -> Result<bool, Failure> {
    let verification = median(verification::samples(5).await?);
    let server = Server::start(&reqwest::Client::new(), &DEFAULT_LIMITS).await?;
    let base = server.base().to_owned();
    let other = client_at([127, 0, 0, 50])?;
    create_account(&other, &base, "bystander").await?;
    let stop = Arc::new(AtomicBool::new(false));
    let statuses = Arc::new(Mutex::new(StatusCounts::new()));
    let flooders: Vec<_> = (0..FLOODING_CLIENTS)
        .map(|n| tokio::spawn(flood_from(base.clone(), n, stop.clone(), statuses.clone())))
        .collect();
    let mut bystander = Vec::new();
    let mut bystander_statuses = StatusCounts::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(PREFIX_FLOOD_SECONDS) {
        tokio::time::sleep(BYSTANDER_PAUSE).await;
        let (status, took) = login(&other, &base, &email_of("bystander"), PASSWORD).await?;
        *bystander_statuses.entry(status).or_default() += 1;
        bystander.push(took);
    }
    stop.store(true, Ordering::Relaxed);
    for flooder in flooders {
        flooder.await??;
    }
    let rss = server.peak_rss_mib();
    bystander.sort();
    let in_verifications = |d: Duration| d.as_secs_f64() / verification.as_secs_f64();
    let (p50, p95, max) = (
        percentile(&bystander, 50.0),
        percentile(&bystander, 95.0),
        percentile(&bystander, 100.0),
    );
    let statuses = statuses
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let server_errors = statuses.iter().any(|(s, _)| *s >= 500 && *s != 503);
    println!("one verification: {:.1} ms", ms(verification));
    println!(
        "bystander login: p50 {:.1} ms ({:.2} verifications), p95 {:.1} ms ({:.2}), max {:.1} ms ({:.2}); statuses {bystander_statuses:?}",
        ms(p50),
        in_verifications(p50),
        ms(p95),
        in_verifications(p95),
        ms(max),
        in_verifications(max)
    );
    println!("flooding clients' statuses: {statuses:?}");
    println!("server peak RSS: {rss:.1} MiB");
    let ok = in_verifications(p95) < 2.0
        && !server_errors
        && bystander_statuses.keys().all(|s| *s == 200);
    let report = json!({
        "verification_ms": ms(verification),
        "bystander_p50_ms": ms(p50),
        "bystander_p95_ms": ms(p95),
        "bystander_max_ms": ms(max),
        "bystander_p95_verifications": in_verifications(p95),
        "bystander_statuses": bystander_statuses,
        "flooding_statuses": statuses,
        "peak_rss_mib": rss,
        "ok": ok,
    });
    report::write("prefix_flood.json", &report)?;
    Ok(ok)
}
