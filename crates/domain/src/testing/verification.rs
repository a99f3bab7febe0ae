//! [`FakeVerificationSecrets`]: readable email-verification tokens for tests.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::Unexpected;
use crate::{VerificationDigest, VerificationSecrets, VerificationToken};

/// Readable verification tokens (`verify-1`, `verify-2`, ...) and a digest that is the
/// token's bytes padded: no cryptography, but distinct tokens get distinct digests.
#[derive(Debug, Default)]
pub struct FakeVerificationSecrets {
    minted: AtomicU64,
}

impl VerificationSecrets for FakeVerificationSecrets {
    fn mint(&self) -> Result<(VerificationToken, VerificationDigest), Unexpected> {
        let n = self.minted.fetch_add(1, Ordering::Relaxed) + 1;
        let token = VerificationToken::new(format!("verify-{n}"));
        let digest = self.digest(token.as_str());
        Ok((token, digest))
    }

    fn digest(&self, token: &str) -> VerificationDigest {
        let mut digest = [0_u8; 32];
        for (i, byte) in token.bytes().enumerate() {
            // Past the 32nd byte, the tail is folded in.
            digest[i % 32] ^= byte;
        }
        VerificationDigest(digest)
    }
}
