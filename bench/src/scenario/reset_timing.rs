//! Whether a password-reset request gives away that an account exists: `forgot-password` for
//! a registered email and for an unknown one, nine tries each, alternated so drift falls on
//! both alike, each after a pause long enough for the previous try's background work (the
//! lookup, the token and the mail of a known email) to end, so every try meets an idle
//! server, as a prober spacing its requests would. The answers must be the same bytes, and
//! the median times within 10% of each other (the lookup and the mail happen after the
//! answer, so nothing should tell them apart). Writes `target/bench/reset_timing.json`.

#![allow(clippy::print_stdout)]

use std::time::{Duration, Instant};

use serde_json::json;

use crate::client::register;
use crate::report::Check;
use crate::stats::{median, ms};
use crate::{Failure, report, server::Server};

const TRIES: usize = 9;
const MAX_DIFFERENCE: f64 = 0.10;
/// The pause before each try: far longer than a known email's lookup, insert and delivery.
const SETTLE: Duration = Duration::from_millis(200);

/// One timed request: how long the answer took, and its status and body.
async fn ask(
    client: &reqwest::Client,
    base: &str,
    email: &str,
) -> Result<(Duration, u16, Vec<u8>), Failure> {
    let started = Instant::now();
    let response = client
        .post(format!("{base}/api/users/forgot-password"))
        .json(&json!({ "email": email }))
        .send()
        .await?;
    let status = response.status().as_u16();
    let body = response.bytes().await?.to_vec();
    Ok((started.elapsed(), status, body))
}

/// Measures, prints the comparison, and writes the report.
///
/// # Errors
/// When the server cannot be started or a request fails.
pub async fn run() -> Result<bool, Failure> {
    let client = reqwest::Client::builder().build()?;
    let server = Server::start(&client, &[]).await?;
    register(&client, server.base(), "alice").await?;
    let known = crate::client::email_of("alice");
    let unknown = "nobody-at-all@example.com";
    // One of each first, unmeasured: connections and caches warm for both alike.
    ask(&client, server.base(), &known).await?;
    ask(&client, server.base(), unknown).await?;

    let (mut known_times, mut unknown_times) = (Vec::new(), Vec::new());
    let mut answers = Vec::new();
    for round in 0..TRIES {
        // Which goes first alternates too.
        let order = if round % 2 == 0 {
            [known.as_str(), unknown]
        } else {
            [unknown, known.as_str()]
        };
        for email in order {
            tokio::time::sleep(SETTLE).await;
            let (took, status, body) = ask(&client, server.base(), email).await?;
            if status != 202 {
                return Err(format!("forgot-password answered {status}").into());
            }
            answers.push(body);
            if email == unknown {
                unknown_times.push(took);
            } else {
                known_times.push(took);
            }
        }
    }
    let same_bytes = answers.windows(2).all(|pair| pair[0] == pair[1]);
    let (known_median, unknown_median) = (median(known_times), median(unknown_times));
    let difference = (ms(known_median) / ms(unknown_median) - 1.0).abs();
    let checks = [
        Check {
            name: "|known / unknown median - 1|",
            measured: difference,
            target: "<= 0.10",
            ok: difference <= MAX_DIFFERENCE,
        },
        Check {
            name: "every answer the same bytes (1 = yes)",
            measured: f64::from(u8::from(same_bytes)),
            target: "= 1",
            ok: same_bytes,
        },
    ];
    println!();
    println!(
        "{:<32} {:>12.3}",
        "known email, median ms",
        ms(known_median)
    );
    println!(
        "{:<32} {:>12.3}",
        "unknown email, median ms",
        ms(unknown_median)
    );
    println!();
    report::print_checks(&checks);
    report::write(
        "reset_timing.json",
        &json!({
            "tries": TRIES,
            "known_median_ms": ms(known_median),
            "unknown_median_ms": ms(unknown_median),
            "checks": checks.iter().map(Check::to_json).collect::<Vec<_>>(),
        }),
    )?;
    println!("\nreport: target/bench/reset_timing.json");
    Ok(checks.iter().all(|c| c.ok))
}
