//! The two shapes of load the scenarios share: clients sending one request back to back, and
//! a login flood during which a single client probes `/me`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::Failure;
use crate::client::{PASSWORD, login};
use crate::stats::Stats;

/// Builds the request a closed-loop client sends, once per request.
pub type RequestFn = Arc<dyn Fn(&reqwest::Client) -> reqwest::RequestBuilder + Send + Sync>;

/// Runs `concurrency` clients, each sending `request()` back to back for `duration` after a
/// one-second warm-up, and checks every answer has status `expect`.
///
/// # Errors
/// When a request fails or answers another status.
pub async fn closed_loop(
    client: &reqwest::Client,
    concurrency: usize,
    duration: Duration,
    expect: u16,
    request: &RequestFn,
) -> Result<Stats, Failure> {
    let warm_until = Instant::now() + Duration::from_secs(1);
    let stop_at = warm_until + duration;
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (client, request) = (client.clone(), request.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let started = Instant::now();
                if started >= stop_at {
                    return Ok::<_, String>(latencies);
                }
                let response = request(&client).send().await.map_err(|e| e.to_string())?;
                let status = response.status().as_u16();
                let _ = response.bytes().await;
                if status != expect {
                    return Err(format!("expected {expect}, got {status}"));
                }
                if started >= warm_until {
                    latencies.push(started.elapsed());
                }
            }
        }));
    }
    let mut all = Vec::new();
    for worker in workers {
        all.extend(worker.await??);
    }
    Ok(Stats::of(all, duration))
}

/// What a login flood achieved and what `/me` saw meanwhile.
#[derive(Debug, Clone, Copy)]
pub struct LoginFlood {
    /// Successful logins per second of the measured window.
    pub logins_per_second: f64,
    /// `/me` latency during the window (its requests/s is the probe's pace, not load).
    pub me: Stats,
}

/// `clients` clients log in as `email` continuously while one client probes `/me` with
/// `token` for `duration`, once the flood has had two seconds to fill every hashing slot.
///
/// # Errors
/// When a login or a probe fails or answers anything but 200.
pub async fn login_flood(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    token: &str,
    clients: usize,
    duration: Duration,
) -> Result<LoginFlood, Failure> {
    let stop = Arc::new(AtomicBool::new(false));
    let logins = Arc::new(AtomicUsize::new(0));
    let mut flood = Vec::new();
    for _ in 0..clients {
        let (client, base, email) = (client.clone(), base.to_owned(), email.to_owned());
        let (stop, logins) = (stop.clone(), logins.clone());
        flood.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let (status, _) = login(&client, &base, &email, PASSWORD)
                    .await
                    .map_err(|e| e.to_string())?;
                if status != 200 {
                    return Err(format!("login answered {status}"));
                }
                logins.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<_, String>(())
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = logins.load(Ordering::Relaxed);
    let started = Instant::now();
    let mut latencies = Vec::new();
    while started.elapsed() < duration {
        let sent = Instant::now();
        let response = client
            .get(format!("{base}/api/users/me"))
            .bearer_auth(token)
            .send()
            .await?;
        if response.status() != 200 {
            return Err(format!("/me answered {} during the flood", response.status()).into());
        }
        let _ = response.bytes().await;
        latencies.push(sent.elapsed());
        // A probe, not load: enough samples for a p99 without taking CPU from the logins.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed();
    let done = logins.load(Ordering::Relaxed) - before;
    stop.store(true, Ordering::Relaxed);
    for worker in flood {
        worker.await??;
    }
    Ok(LoginFlood {
        logins_per_second: done as f64 / elapsed.as_secs_f64(),
        me: Stats::of(latencies, elapsed),
    })
}
