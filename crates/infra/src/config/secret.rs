//! `SECRET_KEY` as the settings take it: what production refuses (no key, a placeholder from
//! the documentation, a key too regular to be secret), and the per-process key development
//! invents when none is set. The key's own rules are the tokens' ([`SecretKey`]).

use super::{ConfigError, Environment, invalid};
use crate::tokens::{SecretKey, SecretKeyError};

impl From<SecretKeyError> for ConfigError {
    fn from(refused: SecretKeyError) -> Self {
        invalid("SECRET_KEY", refused.to_string())
    }
}

/// The key `SECRET_KEY` names, with whether it was generated: production requires a strong
/// one; development takes any long enough, or invents one for this process when none is set.
pub(super) fn secret_key(
    value: Option<String>,
    environment: Environment,
) -> Result<(SecretKey, bool), ConfigError> {
    match value {
        Some(key) => {
            let key = SecretKey::new(key)?;
            if environment == Environment::Production {
                key.check_strength()?;
            }
            Ok((key, false))
        }
        None if environment == Environment::Production => Err(invalid(
            "SECRET_KEY",
            "is required when ENVIRONMENT=production",
        )),
        None => Ok((SecretKey::random()?, true)),
    }
}

#[cfg(test)]
// figment's Jail closures return its own (large) error type; that is its API, not ours.
#[allow(clippy::result_large_err)]
mod tests {
    use figment::Jail;

    use crate::config::StackSettings;
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
            let err =
                StackSettings::from_pairs([("ENVIRONMENT", "production"), ("SECRET_KEY", key)])
                    .unwrap_err()
                    .to_string();
            assert!(err.starts_with("SECRET_KEY: "), "{err}");
            assert!(!err.contains(key.as_str()), "the key is never shown: {err}");
            // Development keeps accepting them: they only sign throwaway tokens.
            assert!(StackSettings::from_pairs([("SECRET_KEY", key.as_str())]).is_ok());
        }
        let strong = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        assert!(
            StackSettings::from_pairs([("ENVIRONMENT", "production"), ("SECRET_KEY", strong)])
                .is_ok()
        );
    }
}
