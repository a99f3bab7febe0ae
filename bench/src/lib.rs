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
