//! `quill-bench`: the benchmark harness for quill. Every scenario starts the release `quill`
//! binary as its own process on a fresh database ([`server`]), drives it over HTTP from this
//! process ([`client`], [`load`]), summarises what it saw ([`stats`]) against one Argon2
//! verification timed here ([`verification`]), and writes its figures under `target/bench/`
//! ([`report`]). The scenarios themselves ([`scenario`]) are what the `quill-bench` binary
//! runs.
//!
//! Every target is a ratio or a bound measured within one run, so the numbers hold on a noisy,
//! shared machine where absolute figures drift.

pub mod client;
pub mod load;
pub mod report;
pub mod scenario;
pub mod server;
pub mod side_by_side;
pub mod stats;
pub mod verification;

/// Whatever stops a benchmark before it has figures to report.
pub type Failure = Box<dyn std::error::Error + Send + Sync>;

/// How many CPUs this machine offers the server: the hashing slots it runs by default, and so
/// the ceiling on logins per verification time.
#[must_use]
pub fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// A numeric setting of a scenario from the environment (`BENCH_SECONDS` and the like), or
/// `default` when it is unset or not a number.
#[must_use]
pub fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// How many interleaved rounds a comparing scenario runs (`BENCH_ROUNDS`, at least one) and
/// how long each measured window lasts (`BENCH_SECONDS`), with their defaults.
#[must_use]
pub fn rounds_and_window(
    default_seconds: u64,
    default_rounds: u64,
) -> (usize, std::time::Duration) {
    let rounds = usize::try_from(env_number("BENCH_ROUNDS", default_rounds))
        .unwrap_or(1)
        .max(1);
    let window = std::time::Duration::from_secs(env_number("BENCH_SECONDS", default_seconds));
    (rounds, window)
}
