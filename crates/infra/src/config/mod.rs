//! Settings of the auth stack: read once at start-up from the process environment, then a
//! `.env` file in the working directory, then defaults (highest first), and handed down from
//! there. Names are the original service's, so an existing `.env` keeps working.
//!
//! Configuration is owned by the layer that reads it. This module owns the sections the
//! auth stack reads, gathered in [`StackSettings`]: [`AuthSettings`] (tokens, hashing cost,
//! the domain's policy, pictures), [`DatabaseSettings`] and [`MailSettings`]. The HTTP
//! layer's section is `quill-web`'s, the listener's and the logs' are `quill-server`'s; the
//! server takes every section out of the same sources with [`sources`] and [`extract`].
//!
//! Each section is a `serde` struct named as its settings are, its defaults written once
//! (its `Default`), each value checked as it is read: a bad one stops start-up with one line
//! naming the setting ([`ConfigError`]). Checks that involve several settings (the signing
//! keys, the secret in production, the SMTP relay) run right after.
//!
//! Here: [`StackSettings`] and [`ConfigError`]. Where settings come from, how a section is
//! taken out of them and which names it reads are in `sources`, how one value's text is read
//! in [`text`], the auth settings in `auth` (the policy's in `policy`, the signing keys' in
//! `signing`, the secret's in `secret`), the database's in `database`, the mail's in `mail`,
//! the deployment's kind and Argon2's cost in `values`.

mod auth;
mod database;
mod mail;
mod policy;
mod secret;
mod signing;
mod sources;
pub mod text;
mod values;

use std::path::Path;

use figment::Figment;

pub use auth::{AuthSettings, PictureSettings};
pub use database::DatabaseSettings;
pub use mail::{MailSettings, SmtpPassword, SmtpSettings, SmtpTls};
pub use sources::{extract, pairs, setting_names, sources};
pub use values::{Argon2Settings, Environment};

/// A setting was missing or unusable. Its `Display` is the one line to print before
/// refusing to start.
///
/// ```
/// use quill_infra::{ConfigError, StackSettings};
///
/// let refused = StackSettings::from_pairs([("SECRET_KEY", "too short")]).unwrap_err();
/// assert!(matches!(refused, ConfigError::Invalid { setting: "SECRET_KEY", .. }));
/// assert!(refused.to_string().starts_with("SECRET_KEY: must be at least 32 bytes"));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// One setting's value is not acceptable.
    #[error("{setting}: {reason}")]
    Invalid {
        /// The setting's name, as in the environment.
        setting: &'static str,
        /// Why it was refused (never the value of a secret).
        reason: String,
    },
    /// The `.env` file exists but cannot be read.
    #[error(".env: {0}")]
    DotEnv(String),
}

fn invalid(setting: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        setting,
        reason: reason.into(),
    }
}

/// Everything [`AuthStack::connect`](crate::AuthStack::connect) reads, checked: the auth
/// core's settings, the database's and the mail's, and the kind of deployment they are for.
///
/// [`StackSettings::load`] reads the process environment over `.env` over defaults;
/// [`StackSettings::from_pairs`] takes explicit values, for tests and for applications that
/// keep their own configuration. Every field is public, so a value can also be adjusted
/// after loading. No setting is global: pass the value where it is needed.
///
/// ```
/// use quill_infra::StackSettings;
///
/// let settings = StackSettings::from_pairs([
///     ("SECRET_KEY", "an-example-key-of-at-least-32-bytes"),
///     ("DATABASE_URL", "sqlite://notes.db?mode=rwc"),
///     ("ACCESS_TOKEN_EXPIRE_MINUTES", "60"),
/// ])?;
/// assert_eq!(settings.auth.access_token_lifetime, chrono::Duration::minutes(60));
/// assert_eq!(settings.database.url, "sqlite://notes.db?mode=rwc");
/// assert!(!format!("{settings:?}").contains("an-example-key"));
/// # Ok::<(), quill_infra::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
pub struct StackSettings {
    /// Development or production (`ENVIRONMENT`).
    pub environment: Environment,
    /// Tokens, hashing, the domain's policy, pictures.
    pub auth: AuthSettings,
    /// The database and its pool.
    pub database: DatabaseSettings,
    /// Where mail goes, and the public address its links start with.
    pub mail: MailSettings,
}

impl StackSettings {
    /// The settings these sections read, as the environment names them.
    #[must_use]
    pub fn names() -> Vec<&'static str> {
        [
            setting_names::<values::Deployment>().to_vec(),
            AuthSettings::names(),
            setting_names::<DatabaseSettings>().to_vec(),
            MailSettings::names(),
        ]
        .concat()
    }

    /// Reads the process environment over `.env` (in the working directory) over defaults.
    ///
    /// # Errors
    /// The first unusable setting.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use quill_infra::StackSettings;
    ///
    /// let settings = match StackSettings::load() {
    ///     Ok(settings) => settings,
    ///     Err(e) => {
    ///         eprintln!("configuration error: {e}");
    ///         std::process::exit(2);
    ///     }
    /// };
    /// # let _ = settings;
    /// ```
    pub fn load() -> Result<Self, ConfigError> {
        Self::from_figment(&Self::figment(Path::new(".env"))?)
    }

    /// The layered sources of these settings: `dotenv` (if it exists) under the process
    /// environment, reduced to [`StackSettings::names`]. Useful to ask where a value came
    /// from, or to merge further sources before [`StackSettings::from_figment`]; an
    /// application with settings of its own reads them with [`sources`] and its own names.
    ///
    /// # Errors
    /// [`ConfigError::DotEnv`] when the file exists but cannot be parsed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::path::Path;
    ///
    /// use quill_infra::StackSettings;
    ///
    /// let figment = StackSettings::figment(Path::new("no-such-directory/.env"))?;
    /// // Names are lower-cased; only quill's own names are ever read.
    /// let url_is_set = figment.contains("database_url");
    /// # let _ = url_is_set;
    /// # Ok::<(), quill_infra::ConfigError>(())
    /// ```
    pub fn figment(dotenv: &Path) -> Result<Figment, ConfigError> {
        sources(dotenv, &Self::names())
    }

    /// Settings from explicit name/value pairs over the defaults, ignoring the environment
    /// and any `.env` file: for tests and for applications that keep their own configuration.
    /// Names are those of the environment (`SECRET_KEY`, ...), in any case.
    ///
    /// # Errors
    /// The first unusable setting.
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_infra::{ConfigError, StackSettings};
    ///
    /// let settings = StackSettings::from_pairs([
    ///     ("SECRET_KEY", "an-example-key-of-at-least-32-bytes"),
    ///     ("ARGON2_MEMORY_KIB", "1024"),
    /// ])?;
    /// assert_eq!(settings.auth.argon2.memory_kib, 1024);
    ///
    /// let refused = StackSettings::from_pairs([("ALGORITHM", "RS256")]).unwrap_err();
    /// assert!(refused.to_string().starts_with("ALGORITHM: "));
    /// # Ok::<(), ConfigError>(())
    /// ```
    pub fn from_pairs<'a>(
        values: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ConfigError> {
        Self::from_figment(&pairs(values))
    }

    /// Takes these sections out of `sources` (names lower-cased), checking each.
    ///
    /// # Errors
    /// The first unusable setting.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::path::Path;
    ///
    /// use quill_infra::StackSettings;
    ///
    /// let figment = StackSettings::figment(Path::new("no-such-directory/.env"))?;
    /// let settings = StackSettings::from_figment(&figment)?;
    /// # let _ = settings;
    /// # Ok::<(), quill_infra::ConfigError>(())
    /// ```
    pub fn from_figment(sources: &Figment) -> Result<Self, ConfigError> {
        let environment = extract::<values::Deployment>(sources)?.environment;
        let mail = MailSettings::from_figment(sources)?;
        let auth = AuthSettings::from_figment(sources, environment, &mail.public_base_url)?;
        Ok(Self {
            environment,
            auth,
            database: extract(sources)?,
            mail,
        })
    }
}

#[cfg(test)]
// figment's Jail closures return its own (large) error type; that is its API, not ours.
#[allow(clippy::result_large_err)]
pub(crate) mod tests {
    use figment::Jail;

    use super::*;
    use crate::tokens::{TokenAlgorithm, TokenSigning};

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    pub(crate) fn load_in(jail: &Jail) -> Result<StackSettings, ConfigError> {
        StackSettings::from_figment(&StackSettings::figment(&jail.directory().join(".env"))?)
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        Jail::expect_with(|jail| {
            let s = load_in(jail).unwrap();
            assert!(matches!(
                s.auth.token_signing,
                TokenSigning::Secret(TokenAlgorithm::Hs256)
            ));
            assert_eq!(s.auth.access_token_lifetime, chrono::Duration::minutes(30));
            assert_eq!(s.database.url, "sqlite://blog.db?mode=rwc");
            // The original's cost (pwdlib's "recommended"): any other would rehash every
            // existing account at its next login.
            assert_eq!(
                s.auth.argon2,
                Argon2Settings {
                    memory_kib: 65_536,
                    iterations: 3,
                    parallelism: 4,
                }
            );
            assert_eq!(s.auth.pictures.media_dir, std::path::Path::new("media"));
            assert_eq!(s.auth.policy.max_upload_bytes, 5 * 1024 * 1024);
            assert!(s.auth.secret_key_generated);
            Ok(())
        });
    }

    #[test]
    fn the_environment_wins_over_the_dotenv_file_which_wins_over_defaults() {
        Jail::expect_with(|jail| {
            jail.create_file(
                ".env",
                &format!("SECRET_KEY={KEY}\nACCESS_TOKEN_EXPIRE_MINUTES=15\nALGORITHM=HS384\n"),
            )?;
            jail.set_env("ACCESS_TOKEN_EXPIRE_MINUTES", "45");
            let s = load_in(jail).unwrap();
            assert_eq!(s.auth.access_token_lifetime, chrono::Duration::minutes(45));
            assert!(matches!(
                s.auth.token_signing,
                TokenSigning::Secret(TokenAlgorithm::Hs384)
            ));
            assert_eq!(s.auth.secret_key.as_bytes(), KEY.as_bytes());
            assert!(!s.auth.secret_key_generated);
            Ok(())
        });
    }

    #[test]
    fn debug_output_never_shows_the_secret_key() {
        Jail::expect_with(|jail| {
            jail.set_env("SECRET_KEY", KEY);
            let s = load_in(jail).unwrap();
            assert!(!format!("{s:?}").contains(KEY));
            Ok(())
        });
    }

    #[test]
    fn a_numeric_looking_secret_key_is_taken_as_text() {
        Jail::expect_with(|jail| {
            jail.set_env("SECRET_KEY", "12345678901234567890123456789012345");
            let s = load_in(jail).unwrap();
            assert_eq!(
                s.auth.secret_key.as_bytes(),
                b"12345678901234567890123456789012345"
            );
            Ok(())
        });
    }

    #[test]
    fn invalid_values_name_the_setting_and_the_reason() {
        for (name, value) in [
            ("ALGORITHM", "RS256"),
            ("ACCESS_TOKEN_EXPIRE_MINUTES", "abc"),
            ("ACCESS_TOKEN_EXPIRE_MINUTES", "0"),
            ("ENVIRONMENT", "staging"),
            ("DATABASE_URL", "mysql://db"),
            ("ARGON2_MEMORY_KIB", "1"),
            ("UPLOAD_MIN_BYTES_PER_SECOND", "0"),
            ("IPV6_CLIENT_PREFIX", "129"),
        ] {
            Jail::expect_with(|jail| {
                jail.set_env(name, value);
                let err = load_in(jail).unwrap_err().to_string();
                assert!(
                    err.starts_with(&format!("{name}: ")),
                    "{name}={value}: {err}"
                );
                Ok(())
            });
        }
    }
}
