//! The yardstick the auth targets are measured against: one Argon2 verification with the
//! server's default parameters (m=65536, t=3, p=4), timed in this process.

use std::time::{Duration, Instant};

use quill_domain::{Password, PasswordHasher as _};
use quill_infra::{Argon2Hasher, Argon2Settings};

use crate::Failure;

/// Times `count` verifications of one password against its hash, one at a time. Taken while
/// the server is idle, wall time is CPU time.
///
/// # Errors
/// When the hasher cannot be built or fails.
pub async fn samples(count: usize) -> Result<Vec<Duration>, Failure> {
    let hasher = Argon2Hasher::new(Argon2Settings::default())?;
    let hash = hasher
        .hash(&Password::attempt("quiet-harbour-lamp"))
        .await?;
    let mut samples = Vec::new();
    for _ in 0..count {
        let started = Instant::now();
        hasher
            .verify(&Password::attempt("quiet-harbour-lamp"), &hash)
            .await?;
        samples.push(started.elapsed());
    }
    Ok(samples)
}
