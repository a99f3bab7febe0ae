//! Settings: read once at start-up from the process environment, then a `.env` file in the
//! working directory, then defaults (highest first), and handed down from there. Names are
//! the original service's, so an existing `.env` keeps working.
//!
//! Every value is checked here; a bad one stops start-up with one line naming the setting.
//!
//! An application with configuration of its own need not use the environment at all:
//! [`Settings::from_pairs`] takes the values explicitly, and every field of [`Settings`] is
//! public, so it can also be adjusted after loading.
//!
//! Here: the names, [`Settings`] and where it is loaded from. The secret key's rules are in
//! `secret`, the enumerated values (algorithm, environment, Argon2 cost) in `values`, the text
//! figment hands over in `raw`, each value's check and default in `check`, and the metrics
//! listener's address in `metrics`, the mail settings (public address, sender, SMTP relay or
//! mail directory) in `mail`, how tokens are signed (algorithm, key files, issuer, audience)
//! in `signing`.

mod check;
mod mail;
mod metrics;
mod raw;
mod secret;
mod signing;
mod values;

use std::net::SocketAddr;
use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Serialized};
use quill_domain::AuthPolicy;

pub use mail::{MailSettings, SmtpPassword, SmtpSettings, SmtpTls};
use raw::RawSettings;
pub use secret::SecretKey;
pub use values::{Argon2Settings, Environment, LogFormat, TokenAlgorithm};

/// The settings quill reads, by name: only these are taken from the environment and the
/// `.env` file, so an application's other variables never reach quill.
pub const SETTING_NAMES: &[&str] = &[
    "SECRET_KEY",
    "ALGORITHM",
    "ACCESS_TOKEN_EXPIRE_MINUTES",
    "DATABASE_URL",
    "DATABASE_MAX_CONNECTIONS",
    "DATABASE_ACQUIRE_TIMEOUT_SECONDS",
    "BIND_ADDR",
    "ENVIRONMENT",
    "ARGON2_MEMORY_KIB",
    "ARGON2_ITERATIONS",
    "ARGON2_PARALLELISM",
    "MAX_BODY_BYTES",
    "CORS_ALLOWED_ORIGINS",
    "RUST_LOG",
    "LOG_FORMAT",
    "ASSETS_DIR",
    "MEDIA_DIR",
    "HASHING_SLOTS",
    "HASHING_QUEUE_LIMIT",
    "LOGIN_RATE_BURST",
    "LOGIN_RATE_PER_MINUTE",
    "ACCOUNT_LOGIN_RATE_BURST",
    "ACCOUNT_LOGIN_RATE_PER_MINUTE",
    "REGISTER_RATE_BURST",
    "REGISTER_RATE_PER_MINUTE",
    "PASSWORD_CHANGE_RATE_BURST",
    "PASSWORD_CHANGE_RATE_PER_MINUTE",
    "HASHING_PLACES_PER_CLIENT",
    "IPV6_CLIENT_PREFIX",
    "TRUSTED_PROXIES",
    "HEADER_READ_TIMEOUT_SECONDS",
    "REQUEST_TIMEOUT_SECONDS",
    "MAX_CONNECTIONS",
    "MAX_CONNECTIONS_PER_CLIENT",
    "SHUTDOWN_GRACE_SECONDS",
    "METRICS_ADDR",
    "PUBLIC_BASE_URL",
    "MAIL_FROM",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_USERNAME",
    "SMTP_PASSWORD",
    "SMTP_TLS",
    "MAIL_DIR",
    "PASSWORD_RESET_EXPIRE_MINUTES",
    "PASSWORD_RESET_RESEND_MINUTES",
    "PASSWORD_RESET_MAILS_PER_DAY",
    "RESET_RATE_BURST",
    "RESET_RATE_PER_MINUTE",
    "ACCOUNT_RESET_RATE_BURST",
    "ACCOUNT_RESET_RATE_PER_MINUTE",
    "MAX_UPLOAD_SIZE_BYTES",
    "PICTURE_SLOTS",
    "PICTURE_PLACES",
    "PICTURE_PLACES_PER_CLIENT",
    "UPLOAD_MIN_BYTES_PER_SECOND",
    "SIGNING_KEY_FILE",
    "PREVIOUS_PUBLIC_KEYS_FILE",
    "TOKEN_ISSUER",
    "TOKEN_AUDIENCE",
    "REFRESH_TOKEN_EXPIRE_DAYS",
    "REFRESH_GRACE_SECONDS",
    "REFRESH_RATE_BURST",
    "REFRESH_RATE_PER_MINUTE",
];

/// A setting was missing or unusable. Its `Display` is the one line to print before
/// refusing to start.
///
/// ```
/// use quill_infra::{ConfigError, Settings};
///
/// let refused = Settings::from_pairs([("SECRET_KEY", "too short")]).unwrap_err();
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

/// Everything quill reads at start-up, checked.
///
/// [`Settings::load`] reads the process environment over `.env` over defaults;
/// [`Settings::from_pairs`] takes explicit values, for tests and for applications that
/// keep their own configuration. No setting is global: pass the value where it is needed.
///
/// ```
/// use quill_infra::Settings;
///
/// let settings = Settings::from_pairs([
///     ("SECRET_KEY", "an-example-key-of-at-least-32-bytes"),
///     ("DATABASE_URL", "sqlite://notes.db?mode=rwc"),
///     ("ACCESS_TOKEN_EXPIRE_MINUTES", "60"),
/// ])?;
/// assert_eq!(settings.access_token_lifetime, chrono::Duration::minutes(60));
/// assert_eq!(settings.database_url, "sqlite://notes.db?mode=rwc");
/// assert!(!format!("{settings:?}").contains("an-example-key"));
/// # Ok::<(), quill_infra::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Settings {
    /// HMAC key for tokens.
    pub secret_key: SecretKey,
    /// Whether [`Settings::secret_key`] was generated for this process (development only).
    pub secret_key_generated: bool,
    /// How tokens are signed: the shared secret's HMAC algorithm, or the asymmetric keys
    /// with the issuer and audience tokens name.
    pub token_signing: crate::tokens::TokenSigning,
    /// How long an access token lives.
    pub access_token_lifetime: chrono::Duration,
    /// `sqlite:` or `postgres://` URL.
    pub database_url: String,
    /// Most connections in the pool.
    pub database_max_connections: u32,
    /// How long a request waits for a pooled connection before failing.
    pub database_acquire_timeout: std::time::Duration,
    /// Where the server listens.
    pub bind_addr: SocketAddr,
    /// Development or production.
    pub environment: Environment,
    /// Password hashing cost.
    pub argon2: Argon2Settings,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// Origins allowed to call `/api` from a browser on another origin.
    pub cors_allowed_origins: Vec<String>,
    /// The tracing filter.
    pub rust_log: String,
    /// How log lines are written.
    pub log_format: LogFormat,
    /// Where the front end's `templates/` and `static/` are, when not the built-in default.
    pub assets_dir: Option<std::path::PathBuf>,
    /// Where uploaded profile pictures are (served under `/media/profile_pics`).
    pub media_dir: std::path::PathBuf,
    /// Rate limits, hashing slots (one per CPU by default) and queue, each client's share of
    /// them, how IPv6 clients are grouped: the domain's policy, with quill's defaults for
    /// whatever is not set.
    pub auth_policy: AuthPolicy,
    /// Proxies whose `X-Forwarded-For` is believed for the client's address.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// How long a connection may take to send a request's headers, and stay idle between
    /// requests, before it is closed.
    pub header_read_timeout: std::time::Duration,
    /// How long one request (its body included) may take before it is answered 408.
    pub request_timeout: std::time::Duration,
    /// How many connections are served at once; further ones wait to be accepted.
    pub max_connections: usize,
    /// How many of those one client holds at once (an IPv4 address, or an IPv6 prefix of
    /// [`AuthPolicy::ipv6_client_prefix`] bits); the trusted proxies are exempt.
    pub max_connections_per_client: usize,
    /// After a shutdown signal, how long requests in flight may take before the remaining
    /// connections are dropped.
    pub shutdown_grace: std::time::Duration,
    /// Where the Prometheus metrics are served (`GET /metrics` only); `None`: not at all.
    pub metrics_addr: Option<SocketAddr>,
    /// Where mail goes, and the public address its links start with.
    pub mail: MailSettings,
    /// How many pictures are decoded at once (the uploads in progress in all, and per client,
    /// are [`auth_policy`](Settings::auth_policy)'s).
    pub picture_slots: usize,
}

impl Settings {
    /// The default database: a SQLite file in the working directory, created if missing.
    pub const DEFAULT_DATABASE_URL: &'static str = quill_migration::DEFAULT_DATABASE_URL;

    /// The tracing filter when `RUST_LOG` is not set, and the one to fall back on when its
    /// value is not a usable filter.
    pub const DEFAULT_RUST_LOG: &'static str = "info";

    /// Reads the process environment over `.env` (in the working directory) over defaults.
    ///
    /// # Errors
    /// The first unusable setting.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use quill_infra::Settings;
    ///
    /// let settings = match Settings::load() {
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

    /// The layered sources: `dotenv` file (if it exists) under the process environment.
    /// Useful to ask where a value came from, or to merge further sources before
    /// [`Settings::from_figment`].
    ///
    /// # Errors
    /// [`ConfigError::DotEnv`] when the file exists but cannot be parsed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::path::Path;
    ///
    /// use quill_infra::Settings;
    ///
    /// let figment = Settings::figment(Path::new("no-such-directory/.env"))?;
    /// // Names are lower-cased; only quill's own names are ever read.
    /// let url_is_set = figment.contains("database_url");
    /// # let _ = url_is_set;
    /// # Ok::<(), quill_infra::ConfigError>(())
    /// ```
    pub fn figment(dotenv: &Path) -> Result<Figment, ConfigError> {
        let mut from_file = std::collections::BTreeMap::new();
        if dotenv.exists() {
            let entries =
                dotenvy::from_path_iter(dotenv).map_err(|e| ConfigError::DotEnv(e.to_string()))?;
            for entry in entries {
                let (name, value) = entry.map_err(|e| ConfigError::DotEnv(e.to_string()))?;
                if SETTING_NAMES.contains(&name.as_str()) {
                    from_file.insert(name.to_lowercase(), value);
                }
            }
        }
        Ok(Figment::new()
            .merge(Serialized::defaults(from_file))
            .merge(Env::raw().only(SETTING_NAMES)))
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
    /// use quill_infra::{ConfigError, Settings};
    ///
    /// let settings = Settings::from_pairs([
    ///     ("SECRET_KEY", "an-example-key-of-at-least-32-bytes"),
    ///     ("ARGON2_MEMORY_KIB", "1024"),
    /// ])?;
    /// assert_eq!(settings.argon2.memory_kib, 1024);
    ///
    /// let refused = Settings::from_pairs([("ALGORITHM", "RS256")]).unwrap_err();
    /// assert!(refused.to_string().starts_with("ALGORITHM: "));
    /// # Ok::<(), ConfigError>(())
    /// ```
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ConfigError> {
        let values: std::collections::BTreeMap<String, String> = pairs
            .into_iter()
            .map(|(name, value)| (name.to_lowercase(), value.to_owned()))
            .collect();
        Self::from_figment(&Figment::from(Serialized::defaults(values)))
    }

    /// Checks the settings a figment provides (names lower-cased).
    ///
    /// # Errors
    /// The first unusable setting.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::path::Path;
    ///
    /// use quill_infra::Settings;
    ///
    /// let figment = Settings::figment(Path::new("no-such-directory/.env"))?;
    /// let settings = Settings::from_figment(&figment)?;
    /// # let _ = settings;
    /// # Ok::<(), quill_infra::ConfigError>(())
    /// ```
    pub fn from_figment(figment: &Figment) -> Result<Self, ConfigError> {
        let raw: RawSettings = figment
            .extract()
            .map_err(|e| invalid("configuration", e.to_string()))?;
        Self::from_raw(raw)
    }
}

#[cfg(test)]
// figment's Jail closures return its own (large) error type; that is its API, not ours.
#[allow(clippy::result_large_err)]
mod tests {
    use figment::Jail;

    use super::*;

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    pub(super) fn load_in(jail: &Jail) -> Result<Settings, ConfigError> {
        Settings::from_figment(&Settings::figment(&jail.directory().join(".env"))?)
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        Jail::expect_with(|jail| {
            let s = load_in(jail).unwrap();
            assert!(matches!(
                s.token_signing,
                crate::TokenSigning::Secret(TokenAlgorithm::Hs256)
            ));
            assert_eq!(s.access_token_lifetime, chrono::Duration::minutes(30));
            assert_eq!(s.database_url, "sqlite://blog.db?mode=rwc");
            assert_eq!(s.bind_addr.to_string(), "127.0.0.1:8000");
            // The original's cost (pwdlib's "recommended"): any other would rehash every
            // existing account at its next login.
            assert_eq!(
                s.argon2,
                Argon2Settings {
                    memory_kib: 65_536,
                    iterations: 3,
                    parallelism: 4,
                }
            );
            assert_eq!(s.max_body_bytes, 262_144);
            assert_eq!(s.max_connections_per_client, 64);
            assert_eq!(s.request_timeout, std::time::Duration::from_secs(30));
            assert_eq!(s.media_dir, std::path::Path::new("media"));
            assert_eq!(s.rust_log, "info");
            assert!(s.cors_allowed_origins.is_empty());
            assert!(s.secret_key_generated);
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
            assert_eq!(s.access_token_lifetime, chrono::Duration::minutes(45));
            assert!(matches!(
                s.token_signing,
                crate::TokenSigning::Secret(TokenAlgorithm::Hs384)
            ));
            assert_eq!(s.secret_key.as_bytes(), KEY.as_bytes());
            assert!(!s.secret_key_generated);
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
}
