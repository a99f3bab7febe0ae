//! What screening a new password costs: [`PasswordBlocklist::check`] timed in this process
//! (no server) over passwords that take each path through it: a listed password, one listed
//! once its trailing digits and symbols are off, one containing the username, and uncommon
//! passphrases, which walk every lookup. The figure is the median time of one check (each
//! sample is a batch of checks, divided), and it must stay under 50 µs. Writes
//! `target/bench/common_passwords.json`.

#![allow(clippy::print_stdout)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use quill_domain::{Password, PasswordBlocklist, common_password_count};
use serde_json::json;

use crate::report::{self, Check};
use crate::stats::median;
use crate::{Failure, env_number};

/// Checks per timed batch: one check is far shorter than the clock's resolution is fine.
const BATCH: u32 = 1000;
/// The bound the issue sets for one check.
const MAX_MICROS: f64 = 50.0;

/// The passwords checked, each with the path it takes.
const CASES: &[(&str, &str)] = &[
    ("listed", "password123"),
    ("listed after its trailing digits and symbols", "Password1!"),
    ("containing the username", "marigold-harbour-lamp"),
    ("uncommon passphrase", "correct horse battery staple quill"),
    (
        "uncommon, ending in digits and symbols",
        "quiet-harbour-lamp-42!",
    ),
];

/// Times the checks, prints the medians, and writes the report.
///
/// # Errors
/// When a case is not a valid password or the report cannot be written.
#[allow(clippy::unused_async)] // every scenario is run the same way
pub async fn run() -> Result<bool, Failure> {
    let batches = usize::try_from(env_number("BENCH_BATCHES", 301))
        .unwrap_or(301)
        .max(1);
    let screen = PasswordBlocklist::On;
    let mut rows = Vec::new();
    let mut all = Vec::new();
    println!(
        "{} common passwords compiled in; {BATCH} checks per sample, {batches} samples\n",
        common_password_count()
    );
    println!("{:<48} {:>10} {:>10}", "password", "median µs", "refused");
    for (name, raw) in CASES {
        let password = Password::parse(*raw).map_err(|e| format!("{name}: {e}"))?;
        let refused = screen
            .check(&password, "marigold", "someone@example.com")
            .is_err();
        let mut samples = Vec::with_capacity(batches);
        for _ in 0..batches {
            let started = Instant::now();
            for _ in 0..BATCH {
                let _ = black_box(screen.check(
                    black_box(&password),
                    black_box("marigold"),
                    black_box("someone@example.com"),
                ));
            }
            samples.push(started.elapsed() / BATCH);
        }
        all.extend_from_slice(&samples);
        let micros = micros(median(samples));
        println!("{name:<48} {micros:>10.3} {refused:>10}");
        rows.push(json!({"case": name, "median_us": micros, "refused": refused}));
    }
    let overall = micros(median(all));
    let check = Check {
        name: "one password check, median over every case (µs)",
        measured: overall,
        target: "< 50",
        ok: overall < MAX_MICROS,
    };
    println!();
    report::print_checks(&[check]);
    report::write(
        "common_passwords.json",
        &json!({
            "list_entries": common_password_count(),
            "checks_per_sample": BATCH,
            "samples_per_case": batches,
            "cases": rows,
            "median_us": overall,
            "checks": [check.to_json()],
        }),
    )?;
    println!("\nreport: target/bench/common_passwords.json");
    Ok(check.ok)
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
