//! Reset secrets: 32 random bytes for the link, their SHA-256 digest for the database.

use base64::Engine as _;
use quill_domain::{ResetDigest, ResetSecrets, ResetToken, Unexpected};
use sha2::{Digest as _, Sha256};

/// Reset tokens of 32 bytes from the operating system's generator, URL-safe base64 in the
/// link, and their SHA-256 digest in the database.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sha256ResetSecrets;

impl ResetSecrets for Sha256ResetSecrets {
    fn mint(&self) -> Result<(ResetToken, ResetDigest), Unexpected> {
        let mut bytes = [0_u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| Unexpected::new(e.to_string()))?;
        let token = ResetToken::new(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes));
        let digest = self.digest(token.as_str());
        Ok((token, digest))
    }

    fn digest(&self, token: &str) -> ResetDigest {
        ResetDigest(Sha256::digest(token.as_bytes()).into())
    }
}
