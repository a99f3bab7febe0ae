//! Accounts at scale: login and registration latency on a server holding 100,000 accounts
//! next to a server holding one, in the same run. Logins and registrations go one at a time,
//! alternating between the two servers, so drift on a shared machine reaches both alike; the
//! figures are p50s. Both are dominated by one Argon2 hash, so what the comparison shows is
//! whether the lookups around it (the email for a login; the name and the email for a
//! registration) stay index searches as the table grows. Writes `target/bench/scale.json`.
//! `BENCH_ACCOUNTS` sets the large server's accounts (default 100,000), `BENCH_SAMPLES` the
//! logins and registrations per server (default 41).

#![allow(clippy::print_stdout)]

use std::time::{Duration, Instant};

use sea_orm::ConnectionTrait as _;
use serde_json::json;

use crate::client::{PASSWORD, create_account, email_of, login};
use crate::report::Check;
use crate::stats::{Stats, ms};
use crate::{Failure, cpus, env_number, report, server::Server};

/// Every registration comes from one address; what is measured is registering, not refusing.
const UNLIMITED_REGISTRATION: [(&str, &str); 2] = [
    ("REGISTER_RATE_BURST", "1000000"),
    ("REGISTER_RATE_PER_MINUTE", "1000000"),
];

/// Measures, prints the table and the targets, and writes the report.
///
/// # Errors
/// When a server cannot be started, seeding fails, or a request is refused.
pub async fn run() -> Result<bool, Failure> {
    let accounts: u64 = env_number("BENCH_ACCOUNTS", 100_000);
    let samples = usize::try_from(env_number("BENCH_SAMPLES", 41)).unwrap_or(41);
    let client = reqwest::Client::new();
    let small = Server::start(&client, &UNLIMITED_REGISTRATION).await?;
    let large = Server::start(&client, &UNLIMITED_REGISTRATION).await?;
    for server in [&small, &large] {
        create_account(&client, server.base(), "user0").await?;
    }
    println!("seeding {accounts} accounts...");
    let seeding = Instant::now();
    seed_accounts(large.database_url(), accounts).await?;
    println!("seeded in {:.1} s", seeding.elapsed().as_secs_f64());

    // The last account seeded is the one logging in: no cache of the first rows helps it.
    let last = format!("user{}", accounts - 1);
    let (small_login, large_login) = (email_of("user0"), email_of(&last));
    let mut logins = [Vec::new(), Vec::new()];
    let mut registrations = [Vec::new(), Vec::new()];
    println!("{samples} logins and {samples} registrations on each server, alternating...");
    for n in 0..samples {
        for (side, (server, email)) in [(&small, &small_login), (&large, &large_login)]
            .into_iter()
            .enumerate()
        {
            let (status, took) = login(&client, server.base(), email, PASSWORD).await?;
            if status != 200 {
                return Err(format!("a login answered {status}").into());
            }
            logins[side].push(took);
            let started = Instant::now();
            create_account(&client, server.base(), &format!("newcomer{n}")).await?;
            registrations[side].push(started.elapsed());
        }
    }
    let [small_logins, large_logins] = logins.map(|l| Stats::of(l, Duration::from_secs(1)));
    let [small_registrations, large_registrations] =
        registrations.map(|r| Stats::of(r, Duration::from_secs(1)));
    let login_ratio = large_logins.p50.as_secs_f64() / small_logins.p50.as_secs_f64();
    let registration_ratio =
        large_registrations.p50.as_secs_f64() / small_registrations.p50.as_secs_f64();
    let checks = [
        Check {
            name: "login p50 with 100k accounts / with 1",
            measured: login_ratio,
            target: "<= 1.10",
            ok: login_ratio <= 1.10,
        },
        Check {
            name: "registration p50 with 100k accounts / with 1",
            measured: registration_ratio,
            target: "<= 1.20",
            ok: registration_ratio <= 1.20,
        },
    ];

    println!();
    println!(
        "quill at scale: {} CPUs, {samples} samples each, SQLite",
        cpus()
    );
    println!("{:<40} {:>10} {:>10}", "", "p50 ms", "p99 ms");
    for (name, stats) in [
        ("login, 1 account", &small_logins),
        ("login, 100k accounts", &large_logins),
        ("registration, 1 account", &small_registrations),
        ("registration, 100k accounts", &large_registrations),
    ] {
        println!("{name:<40} {:>10.2} {:>10.2}", ms(stats.p50), ms(stats.p99));
    }
    println!();
    report::print_checks(&checks);
    let report = json!({
        "cpus": cpus(),
        "accounts": accounts,
        "samples": samples,
        "login_1_account": small_logins.to_json(),
        "login_many_accounts": large_logins.to_json(),
        "registration_1_account": small_registrations.to_json(),
        "registration_many_accounts": large_registrations.to_json(),
        "checks": checks.iter().map(Check::to_json).collect::<Vec<_>>(),
    });
    report::write("scale.json", &report)?;
    println!("\nreport: target/bench/scale.json");
    Ok(checks.iter().all(|c| c.ok))
}

/// Adds `user1` to `user{accounts - 1}` in one statement, each with the password hash the
/// server gave `user0` (a real Argon2id hash of [`PASSWORD`]), so any of them can log in.
/// Straight into the database: through the API, 100,000 registrations would hash for hours.
async fn seed_accounts(database_url: &str, accounts: u64) -> Result<(), Failure> {
    let db = quill_infra::connect(database_url, 1, Duration::from_secs(30)).await?;
    let insert = format!(
        "WITH RECURSIVE n(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM n WHERE n < {last}) \
         INSERT INTO users (username, username_key, email, password_hash) \
         SELECT 'user' || n, 'user' || n, 'user' || n || '@example.com', \
         (SELECT password_hash FROM users WHERE username = 'user0') FROM n",
        last = accounts - 1
    );
    db.execute_unprepared(&insert).await?;
    db.execute_unprepared("ANALYZE").await?;
    db.close().await?;
    Ok(())
}
