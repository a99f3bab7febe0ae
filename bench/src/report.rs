//! Where the figures land: the printed tables (a window's throughput and latency, the
//! targets and their verdicts) and `target/bench/<file>` in the workspace, pretty-printed
//! JSON.

#![allow(clippy::print_stdout)]

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::Failure;
use crate::stats::{Stats, ms};

/// One target: a ratio measured in this run and the bound it needs.
#[derive(Debug, Clone, Copy)]
pub struct Check {
    /// What is measured, as the table prints it.
    pub name: &'static str,
    /// The ratio measured.
    pub measured: f64,
    /// The bound, as the table prints it (`">= 0.90"`).
    pub target: &'static str,
    /// Whether the measurement meets the bound.
    pub ok: bool,
}

impl Check {
    /// The reports' shape of one check.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({"name": self.name, "measured": self.measured, "target": self.target, "ok": self.ok})
    }
}

/// Prints the header of a table of windows, `first` naming its first column.
pub fn print_stats_header(first: &str) {
    println!(
        "{first:<32} {:>12} {:>10} {:>10}",
        "req/s", "p50 ms", "p99 ms"
    );
}

/// Prints one window's row: requests/s, p50 and p99.
pub fn print_stats_row(name: &str, stats: &Stats) {
    println!(
        "{:<32} {:>12.0} {:>10.3} {:>10.3}",
        name,
        stats.requests_per_second,
        ms(stats.p50),
        ms(stats.p99)
    );
}

/// Prints the targets with what was measured and each verdict.
pub fn print_checks(checks: &[Check]) {
    println!(
        "{:<56} {:>10} {:>8}  verdict",
        "target", "measured", "needs"
    );
    for check in checks {
        println!(
            "{:<56} {:>10.3} {:>8}  {}",
            check.name,
            check.measured,
            check.target,
            if check.ok { "ok" } else { "MISSED" }
        );
    }
}

/// Writes `report` to `target/bench/<file_name>`, creating the folder, and returns the path.
///
/// # Errors
/// When the folder or the file cannot be written.
pub fn write(file_name: &str, report: &Value) -> Result<PathBuf, Failure> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(file_name);
    std::fs::write(&path, serde_json::to_vec_pretty(report)?)?;
    Ok(path)
}
