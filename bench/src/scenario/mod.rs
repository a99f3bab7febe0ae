//! The scenarios the `quill-bench` binary runs, one module each. Each prints its table,
//! writes its JSON report under `target/bench/`, and returns whether every target was met.

pub mod auth_under_load;
pub mod common_passwords;
pub mod connection_flood;
pub mod metrics_cost;
pub mod picture_flood;
pub mod postgres;
pub mod prefix_flood;
pub mod read_path;
pub mod reset_timing;
pub mod scale;
pub mod throughput;
pub mod token_signing;
