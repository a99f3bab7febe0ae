//! The secret key tokens are signed with: how long it must be, what production refuses (no
//! key, a placeholder from the documentation, a key too regular to be secret), and that it is
//! never shown.

use std::fmt;

use super::{ConfigError, Environment, invalid};

/// Words that mark a key as one of the documentation's examples rather than a secret.
const PLACEHOLDER_MARKS: &[&str] = &["change-me", "changeme", "example-key", "your-secret"];

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

    /// Accepts a key of at least 32 bytes (of its UTF-8 encoding).
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] for a shorter key.
    pub fn new(key: String) -> Result<Self, ConfigError> {
        if key.len() < Self::MIN_BYTES {
            return Err(invalid(
                "SECRET_KEY",
                format!(
                    "must be at least {} bytes long, got {}",
                    Self::MIN_BYTES,
                    key.len()
                ),
            ));
        }
        Ok(Self(key.into_bytes()))
    }

    /// The fewest distinct byte values a production key must have: a random 32-byte key has
    /// about 28, hex of 32 random bytes 16; `aaaa...` or `abab...` has one or two.
    pub const MIN_DISTINCT_BYTES: usize = 16;

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
    /// [`ConfigError::Invalid`] for `SECRET_KEY`, saying why (never the key).
    pub fn check_strength(&self) -> Result<(), ConfigError> {
        let lowered = String::from_utf8_lossy(&self.0).to_lowercase();
        if PLACEHOLDER_MARKS.iter().any(|mark| lowered.contains(mark)) {
            return Err(invalid(
                "SECRET_KEY",
                "is a placeholder from the documentation; generate one with openssl rand -hex 32",
            ));
        }
        let distinct = self
            .0
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        if distinct < Self::MIN_DISTINCT_BYTES {
            return Err(invalid(
                "SECRET_KEY",
                format!(
                    "is too regular to be secret ({distinct} distinct bytes, at least {} \
                     needed); generate one with openssl rand -hex 32",
                    Self::MIN_DISTINCT_BYTES
                ),
            ));
        }
        Ok(())
    }

    /// A fresh random key (for development runs without one).
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] if the system's random source fails.
    pub fn random() -> Result<Self, ConfigError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| invalid("SECRET_KEY", format!("cannot generate one: {e}")))?;
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

impl SecretKey {
    /// `SECRET_KEY` as the settings take it, with whether it was generated: production
    /// requires a strong one; development takes any long enough, or invents one for this
    /// process when none is set.
    pub(super) fn from_setting(
        value: Option<String>,
        environment: Environment,
    ) -> Result<(Self, bool), ConfigError> {
        match value {
            Some(key) => {
                let key = Self::new(key)?;
                if environment == Environment::Production {
                    key.check_strength()?;
                }
                Ok((key, false))
            }
            None if environment == Environment::Production => Err(invalid(
                "SECRET_KEY",
                "is required when ENVIRONMENT=production",
            )),
            None => Ok((Self::random()?, true)),
        }
    }
}

#[cfg(test)]
// figment's Jail closures return its own (large) error type; that is its API, not ours.
#[allow(clippy::result_large_err)]
mod tests {
    use figment::Jail;

    use crate::config::Settings;
    use crate::config::tests::load_in;

    #[test]
    fn a_short_secret_key_is_refused_naming_the_setting_but_not_the_value() {
        Jail::expect_with(|jail| {
            jail.set_env("SECRET_KEY", "too-short-secret");
            let err = load_in(jail).unwrap_err().to_string();
            assert!(err.starts_with("SECRET_KEY: "), "{err}");
            assert!(!err.contains("too-short-secret"));
            Ok(())
        });
    }

    #[test]
    fn production_refuses_to_start_without_a_secret_key() {
        Jail::expect_with(|jail| {
            jail.set_env("ENVIRONMENT", "production");
            let err = load_in(jail).unwrap_err().to_string();
            assert!(err.starts_with("SECRET_KEY: "), "{err}");
            Ok(())
        });
    }

    #[test]
    fn production_refuses_placeholder_and_low_entropy_keys_without_showing_them() {
        let weak = [
            "change-me-to-at-least-32-random-bytes".to_owned(),
            "an-example-key-of-at-least-32-bytes".to_owned(),
            "x".repeat(64),
            "abcabcabcabcabcabcabcabcabcabcabcabc".to_owned(),
            "0123456789012345678901234567890123".to_owned(),
        ];
        for key in &weak {
            let err = Settings::from_pairs([("ENVIRONMENT", "production"), ("SECRET_KEY", key)])
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("SECRET_KEY: "), "{err}");
            assert!(!err.contains(key.as_str()), "the key is never shown: {err}");
            // Development keeps accepting them: they only sign throwaway tokens.
            assert!(Settings::from_pairs([("SECRET_KEY", key.as_str())]).is_ok());
        }
        let strong = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        assert!(
            Settings::from_pairs([("ENVIRONMENT", "production"), ("SECRET_KEY", strong)]).is_ok()
        );
    }
}
