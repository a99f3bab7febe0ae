//! The `quill-bench` binary: runs one benchmark scenario against the release `quill` binary
//! (see [`quill_bench::scenario`]).
//!
//! ```sh
//! cargo build --release --bin quill --bin quill-bench
//! target/release/quill-bench                  # throughput: target/bench/report.json
//! target/release/quill-bench auth-under-load  # target/bench/auth_under_load.json
//! target/release/quill-bench prefix-flood     # target/bench/prefix_flood.json
//! target/release/quill-bench metrics-cost     # target/bench/metrics_cost.json
//! target/release/quill-bench reset-timing     # target/bench/reset_timing.json
//! target/release/quill-bench picture-flood    # target/bench/picture_flood.json
//! target/release/quill-bench read-path        # target/bench/read_path.json
//! target/release/quill-bench postgres         # target/bench/postgres.json
//! target/release/quill-bench scale            # target/bench/scale.json
//! target/release/quill-bench token-signing    # target/bench/token_signing.json
//! target/release/quill-bench connection-flood # target/bench/connection_flood.json
//! target/release/quill-bench common-passwords # target/bench/common_passwords.json (no server)
//! ```
//!
//! `QUILL_BIN` overrides where the server binary is found (by default next to this one);
//! `BENCH_SECONDS` sets the throughput and metrics-cost scenarios' windows. Exits 0 when every target is met,
//! 1 when one is missed, 2 when the benchmark could not run.

use std::process::ExitCode;

use quill_bench::scenario::{
    auth_under_load, common_passwords, connection_flood, metrics_cost, picture_flood, postgres,
    prefix_flood, read_path, reset_timing, scale, throughput, token_signing,
};

const USAGE: &str = "usage: quill-bench [throughput | auth-under-load | prefix-flood | metrics-cost | reset-timing | picture-flood | read-path | postgres | scale | token-signing | connection-flood | common-passwords]";

#[derive(Clone, Copy)]
enum Scenario {
    Throughput,
    AuthUnderLoad,
    PrefixFlood,
    MetricsCost,
    ResetTiming,
    PictureFlood,
    ReadPath,
    Postgres,
    Scale,
    TokenSigning,
    ConnectionFlood,
    CommonPasswords,
}

fn main() -> ExitCode {
    let scenario = match std::env::args().nth(1).as_deref() {
        None | Some("throughput") => Scenario::Throughput,
        Some("auth-under-load") => Scenario::AuthUnderLoad,
        Some("prefix-flood") => Scenario::PrefixFlood,
        Some("metrics-cost") => Scenario::MetricsCost,
        Some("reset-timing") => Scenario::ResetTiming,
        Some("picture-flood") => Scenario::PictureFlood,
        Some("read-path") => Scenario::ReadPath,
        Some("postgres") => Scenario::Postgres,
        Some("scale") => Scenario::Scale,
        Some("token-signing") => Scenario::TokenSigning,
        Some("connection-flood") => Scenario::ConnectionFlood,
        Some("common-passwords") => Scenario::CommonPasswords,
        Some(_) => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    // The throughput loads keep sixteen connections busy, so their client gets two threads;
    // the auth scenarios mostly wait on hashing, and one client thread leaves the cores to
    // the server, which is what is measured.
    let runtime = match scenario {
        Scenario::Throughput
        | Scenario::MetricsCost
        | Scenario::PictureFlood
        | Scenario::ReadPath
        | Scenario::Postgres
        | Scenario::TokenSigning => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build(),
        Scenario::AuthUnderLoad
        | Scenario::PrefixFlood
        | Scenario::ResetTiming
        | Scenario::Scale
        | Scenario::ConnectionFlood
        | Scenario::CommonPasswords => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
    };
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("quill-bench: {e}");
            return ExitCode::from(2);
        }
    };
    let outcome = match scenario {
        Scenario::Throughput => runtime.block_on(throughput::run()),
        Scenario::AuthUnderLoad => runtime.block_on(auth_under_load::run()),
        Scenario::PrefixFlood => runtime.block_on(prefix_flood::run()),
        Scenario::MetricsCost => runtime.block_on(metrics_cost::run()),
        Scenario::ResetTiming => runtime.block_on(reset_timing::run()),
        Scenario::PictureFlood => runtime.block_on(picture_flood::run()),
        Scenario::ReadPath => runtime.block_on(read_path::run()),
        Scenario::Postgres => runtime.block_on(postgres::run()),
        Scenario::Scale => runtime.block_on(scale::run()),
        Scenario::TokenSigning => runtime.block_on(token_signing::run()),
        Scenario::ConnectionFlood => runtime.block_on(connection_flood::run()),
        Scenario::CommonPasswords => runtime.block_on(common_passwords::run()),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("quill-bench: {e}");
            ExitCode::from(2)
        }
    }
}
