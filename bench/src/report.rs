//! Where the figures land: `target/bench/<file>` in the workspace, pretty-printed JSON.

use std::path::PathBuf;

use serde_json::Value;

use crate::Failure;

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
