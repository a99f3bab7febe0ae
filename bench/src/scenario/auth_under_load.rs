//! Login timing and latency under a login flood, against the release `quill` binary with the
//! production Argon2 parameters (64 MiB, t=3, p=4). Reports, in one run:
//! - one Argon2 verification's time (measured here, with the same parameters);
//! - median login time for an unknown email and for a wrong password (9 tries each,
//!   interleaved), and their ratio (must be within 10%);
//! - `GET /api/users/me` p50/p99 while 8 clients log in continuously (p99 must stay under a
//!   tenth of one verification), and the logins/s achieved meanwhile;
//! - 200 logins sent at the same instant to a fresh server: every answer must be 200 or 503
//!   with `Retry-After`, and the server's peak RSS must stay under hashing slots x Argon2
//!   memory + 100 MiB.
//!
//! Writes `target/bench/auth_under_load.json`.

#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::client::{PASSWORD, create_account, email_of, login, login_request, sign_in};
use crate::load::{LoginFlood, login_flood};
use crate::stats::{median, ms};
use crate::{Failure, cpus, report, server::Server, verification};

const FLOOD_CLIENTS: usize = 8;
const FLOOD_SECONDS: u64 = 15;
const TIMING_TRIES: usize = 9;
const SIMULTANEOUS_LOGINS: usize = 200;
/// Argon2's memory per hash with the default parameters, in MiB.
const ARGON2_MEMORY_MIB: f64 = 64.0;

/// What one server told about logins: timing of the two failures and the flood.
struct Logins {
    cpus: usize,
    verification: Duration,
    unknown_email: Duration,
    wrong_password: Duration,
    flood: LoginFlood,
}

impl Logins {
    fn timing_ratio(&self) -> f64 {
        self.unknown_email.as_secs_f64() / self.wrong_password.as_secs_f64()
    }

    /// A login for an unknown email costs what a wrong password does, within 10%.
    fn timing_ok(&self) -> bool {
        (self.timing_ratio() - 1.0).abs() <= 0.10
    }

    /// Signed-in requests do not queue behind hashing.
    fn latency_ok(&self) -> bool {
        self.flood.me.p99 < self.verification / 10
    }

    fn login_ceiling(&self) -> f64 {
        self.cpus as f64 / self.verification.as_secs_f64()
    }
}

/// What 200 simultaneous logins got.
struct SimultaneousLogins {
    ok: usize,
    busy: usize,
    busy_with_retry_after: usize,
    other: usize,
    peak_rss_mib: f64,
    rss_bound_mib: f64,
}

impl SimultaneousLogins {
    /// No answer but 200 and 503-with-Retry-After, and memory within hashing slots x Argon2
    /// memory + 100 MiB.
    fn ok_overall(&self) -> bool {
        self.other == 0
            && self.busy == self.busy_with_retry_after
            && self.peak_rss_mib < self.rss_bound_mib
    }
}

/// Measures, prints the table, and writes the report.
///
/// # Errors
/// When a server cannot be started or a request fails or answers unexpectedly.
pub async fn run() -> Result<bool, Failure> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    let logins = measure_logins(&client).await?;
    print_logins(&logins);
    let burst = simultaneous_logins(&client, logins.cpus).await?;
    print_burst(&burst);
    let report = json!({
        "cpus": logins.cpus,
        "flood_200_logins": {
            "ok": burst.ok,
            "busy_503": burst.busy,
            "busy_with_retry_after": burst.busy_with_retry_after,
            "other": burst.other,
            "peak_rss_mib": burst.peak_rss_mib,
            "rss_bound_mib": burst.rss_bound_mib,
            "ok_overall": burst.ok_overall(),
        },
        "verification_ms": ms(logins.verification),
        "login_unknown_email_median_ms": ms(logins.unknown_email),
        "login_wrong_password_median_ms": ms(logins.wrong_password),
        "timing_ratio": logins.timing_ratio(),
        "me_p50_ms_during_flood": ms(logins.flood.me.p50),
        "me_p99_ms_during_flood": ms(logins.flood.me.p99),
        "me_samples": logins.flood.me.requests,
        "logins_per_second_during_flood": logins.flood.logins_per_second,
        "login_ceiling_per_second": logins.login_ceiling(),
        "timing_ok": logins.timing_ok(),
        "latency_ok": logins.latency_ok(),
    });
    report::write("auth_under_load.json", &report)?;
    Ok(logins.timing_ok() && logins.latency_ok() && burst.ok_overall())
}

/// One server, one account: failed-login timing, then the flood with `/me` probed.
async fn measure_logins(client: &reqwest::Client) -> Result<Logins, Failure> {
    let verification = median(verification::samples(5).await?);
    let server = Server::start(client, &[]).await?;
    let base = server.base();
    let email = email_of("bench");
    create_account(client, base, "bench").await?;

    // Warm up connections and caches.
    for _ in 0..2 {
        login(client, base, &email, PASSWORD).await?;
    }
    // Interleaved, so that drift on the machine falls on both alike.
    let mut unknown = Vec::new();
    let mut wrong = Vec::new();
    for _ in 0..TIMING_TRIES {
        let (status, took) = login(client, base, "nobody@example.com", PASSWORD).await?;
        if status != 401 {
            return Err(format!("a login for an unknown email answered {status}").into());
        }
        unknown.push(took);
        let (status, took) = login(client, base, &email, "wrong-password").await?;
        if status != 401 {
            return Err(format!("a login with a wrong password answered {status}").into());
        }
        wrong.push(took);
    }

    let token = sign_in(client, base, &email).await?;
    let flood = login_flood(
        client,
        base,
        &email,
        &token,
        FLOOD_CLIENTS,
        Duration::from_secs(FLOOD_SECONDS),
    )
    .await?;
    Ok(Logins {
        cpus: cpus(),
        verification,
        unknown_email: median(unknown),
        wrong_password: median(wrong),
        flood,
    })
}

fn print_logins(logins: &Logins) {
    println!(
        "quill auth benchmark ({} CPUs, Argon2id m=65536 t=3 p=4)",
        logins.cpus
    );
    println!("{:<52} {:>12}", "measure", "value");
    let durations = [
        ("one verification (median of 5)", logins.verification),
        ("login, unknown email (median of 9)", logins.unknown_email),
        ("login, wrong password (median of 9)", logins.wrong_password),
    ];
    for (name, took) in durations {
        println!("{:<52} {:>9.1} ms", name, ms(took));
    }
    println!(
        "{:<52} {:>12.3} {}",
        "ratio unknown / wrong (target 0.90-1.10)",
        logins.timing_ratio(),
        verdict(logins.timing_ok())
    );
    println!(
        "{:<52} {:>9.2} ms",
        "/me p50 during 8-client login flood",
        ms(logins.flood.me.p50)
    );
    println!(
        "{:<52} {:>9.2} ms {}",
        "/me p99 during flood (target < verification/10)",
        ms(logins.flood.me.p99),
        verdict(logins.latency_ok())
    );
    println!("{:<52} {:>12}", "/me samples", logins.flood.me.requests);
    println!(
        "{:<52} {:>12.2}",
        "logins/s during flood", logins.flood.logins_per_second
    );
    println!(
        "{:<52} {:>12.2}",
        "ceiling: CPUs / verification time",
        logins.login_ceiling()
    );
}

fn print_burst(burst: &SimultaneousLogins) {
    println!(
        "{:<52} {:>12}",
        "200 concurrent logins: 200 / 503 / other",
        format!("{} / {} / {}", burst.ok, burst.busy, burst.other)
    );
    println!(
        "{:<52} {:>12}",
        "every 503 carried Retry-After",
        burst.busy_with_retry_after == burst.busy
    );
    println!(
        "{:<52} {:>9.1} MiB (bound {:.0} MiB) {}",
        "server peak RSS during the flood",
        burst.peak_rss_mib,
        burst.rss_bound_mib,
        verdict(burst.ok_overall())
    );
}

fn verdict(ok: bool) -> &'static str {
    if ok { "ok" } else { "MISSED" }
}

/// 200 logins at the same instant against a fresh server with the default hashing queue.
async fn simultaneous_logins(
    client: &reqwest::Client,
    cpus: usize,
) -> Result<SimultaneousLogins, Failure> {
    let server = Server::start(client, &[]).await?;
    let base = server.base().to_owned();
    create_account(client, &base, "flood").await?;
    let email = email_of("flood");
    let barrier = Arc::new(tokio::sync::Barrier::new(SIMULTANEOUS_LOGINS));
    let mut attempts = Vec::new();
    for _ in 0..SIMULTANEOUS_LOGINS {
        let (client, base, email) = (client.clone(), base.clone(), email.clone());
        let barrier = barrier.clone();
        attempts.push(tokio::spawn(async move {
            barrier.wait().await;
            let response = login_request(&client, &base, &email, PASSWORD)
                .send()
                .await?;
            Ok::<_, reqwest::Error>((
                response.status().as_u16(),
                response.headers().contains_key("retry-after"),
            ))
        }));
    }
    let mut logins = SimultaneousLogins {
        ok: 0,
        busy: 0,
        busy_with_retry_after: 0,
        other: 0,
        peak_rss_mib: 0.0,
        rss_bound_mib: cpus as f64 * ARGON2_MEMORY_MIB + 100.0,
    };
    for attempt in attempts {
        match attempt.await?? {
            (200, _) => logins.ok += 1,
            (503, retry_after) => {
                logins.busy += 1;
                logins.busy_with_retry_after += usize::from(retry_after);
            }
            _ => logins.other += 1,
        }
    }
    logins.peak_rss_mib = server.peak_rss_mib();
    Ok(logins)
}
