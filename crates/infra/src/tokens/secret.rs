//! The shared secret tokens are signed with, and the HMAC algorithm that signs with it: what
//! makes a key long enough and strong enough, and that it is never shown. Which key is in use,
//! and when strength is required, is the settings' business (`config`).

use std::fmt;

/// Words that mark a key as one of the documentation's examples rather than a secret.
const PLACEHOLDER_MARKS: &[&str] = &["change-me", "changeme", "example-key", "your-secret"];

/// Why a key was refused. Its `Display` is the reason, never the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretKeyError {
    /// Fewer than [`SecretKey::MIN_BYTES`] bytes.
    #[error("must be at least {min} bytes long, got {0}", min = SecretKey::MIN_BYTES)]
    TooShort(usize),
    /// One of the documentation's placeholders.
    #[error("is a placeholder from the documentation; generate one with openssl rand -hex 32")]
    Placeholder,
    /// Fewer than [`SecretKey::MIN_DISTINCT_BYTES`] distinct bytes.
    #[error(
        "is too regular to be secret ({0} distinct bytes, at least {min} needed); generate one with openssl rand -hex 32",
        min = SecretKey::MIN_DISTINCT_BYTES
    )]
    TooRegular(usize),
    /// The system's random source failed.
    #[error("cannot generate one: {0}")]
    NoRandomness(String),
}

/// The HMAC key tokens are signed with. Never shown by `Debug` or `Display`.
///
/// ```
/// use quill_infra::SecretKey;
///
/// let key = SecretKey::new("an-example-key-of-at-least-32-bytes".to_owned())?;
/// assert_eq!(format!("{key:?}"), "SecretKey(<redacted>)");
/// assert!(SecretKey::new("short".to_owned()).is_err());
/// # Ok::<(), quill_infra::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct SecretKey(Vec<u8>);

impl SecretKey {
    /// The fewest bytes a key may have: shorter HMAC keys are guessable offline.
    pub const MIN_BYTES: usize = 32;

    /// The fewest distinct byte values a production key must have: a random 32-byte key has
    /// about 28, hex of 32 random bytes 16; `aaaa...` or `abab...` has one or two.
    pub const MIN_DISTINCT_BYTES: usize = 16;

    /// Accepts a key of at least 32 bytes (of its UTF-8 encoding).
    ///
    /// # Errors
    /// [`SecretKeyError::TooShort`] for a shorter key.
    pub fn new(key: String) -> Result<Self, SecretKeyError> {
        if key.len() < Self::MIN_BYTES {
            return Err(SecretKeyError::TooShort(key.len()));
        }
        Ok(Self(key.into_bytes()))
    }

    /// Whether this key is fit for production: not a placeholder copied from quill's
    /// documentation, and not obviously low in entropy (too few distinct bytes, such as one
    /// character repeated).
    ///
    /// ```
    /// use quill_infra::SecretKey;
    ///
    /// let hex = SecretKey::new("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into())?;
    /// assert!(hex.check_strength().is_ok());
    /// let repeated = SecretKey::new("a".repeat(40))?;
    /// assert!(repeated.check_strength().is_err());
    /// # Ok::<(), quill_infra::ConfigError>(())
    /// ```
    ///
    /// # Errors
    /// [`SecretKeyError`] saying why (never the key).
    pub fn check_strength(&self) -> Result<(), SecretKeyError> {
        let lowered = String::from_utf8_lossy(&self.0).to_lowercase();
        if PLACEHOLDER_MARKS.iter().any(|mark| lowered.contains(mark)) {
            return Err(SecretKeyError::Placeholder);
        }
        let distinct = self
            .0
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        if distinct < Self::MIN_DISTINCT_BYTES {
            return Err(SecretKeyError::TooRegular(distinct));
        }
        Ok(())
    }

    /// A fresh random key (for development runs without one).
    ///
    /// # Errors
    /// [`SecretKeyError::NoRandomness`] if the system's random source fails.
    pub fn random() -> Result<Self, SecretKeyError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| SecretKeyError::NoRandomness(e.to_string()))?;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Self::new(hex)
    }

    /// The key's bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// The HMAC algorithm tokens are signed with when they are signed with the shared secret
/// (`ALGORITHM` HS256, HS384 or HS512), the only one accepted when verifying.
///
/// ```
/// use quill_infra::{StackSettings, TokenAlgorithm, TokenSigning};
///
/// let settings = StackSettings::from_pairs([("ALGORITHM", "HS512")])?;
/// assert!(matches!(settings.auth.token_signing, TokenSigning::Secret(TokenAlgorithm::Hs512)));
/// # Ok::<(), quill_infra::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenAlgorithm {
    /// HMAC with SHA-256.
    #[default]
    Hs256,
    /// HMAC with SHA-384.
    Hs384,
    /// HMAC with SHA-512.
    Hs512,
}

impl TokenAlgorithm {
    pub(crate) fn jsonwebtoken(self) -> jsonwebtoken::Algorithm {
        match self {
            Self::Hs256 => jsonwebtoken::Algorithm::HS256,
            Self::Hs384 => jsonwebtoken::Algorithm::HS384,
            Self::Hs512 => jsonwebtoken::Algorithm::HS512,
        }
    }
}
