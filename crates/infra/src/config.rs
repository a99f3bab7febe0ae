//! Settings: read once at start-up from the process environment, then a `.env` file in the
//! working directory, then defaults (highest first), and handed down from there. Names are
//! the original service's, so an existing `.env` keeps working.
//!
//! Every value is checked here; a bad one stops start-up with one line naming the setting.
//!
//! An application with configuration of its own need not use the environment at all:
//! [`Settings::from_pairs`] takes the values explicitly, and every field of [`Settings`] is
//! public, so it can also be adjusted after loading.

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Serialized};
use quill_domain::{AuthPolicy, Rate, defaults};
use serde::Deserialize;

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
    "SHUTDOWN_GRACE_SECONDS",
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

/// The JWT signing algorithm, the only one accepted when verifying (`ALGORITHM`).
///
/// ```
/// use quill_infra::{Settings, TokenAlgorithm};
///
/// let settings = Settings::from_pairs([("ALGORITHM", "HS512")])?;
/// assert_eq!(settings.algorithm, TokenAlgorithm::Hs512);
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

/// Whether this is a production deployment (stricter start-up checks).
///
/// ```
/// use quill_infra::Settings;
///
/// // Development invents a key (tokens die with the process); production refuses.
/// assert!(Settings::from_pairs([])?.secret_key_generated);
/// assert!(Settings::from_pairs([("ENVIRONMENT", "production")]).is_err());
/// # Ok::<(), quill_infra::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Environment {
    /// A developer's machine: missing secrets are generated, with a warning.
    #[default]
    Development,
    /// A deployment: missing secrets stop start-up.
    Production,
}

/// Argon2id cost parameters (`ARGON2_MEMORY_KIB`, `ARGON2_ITERATIONS`,
/// `ARGON2_PARALLELISM`).
///
/// ```
/// use quill_infra::Argon2Settings;
///
/// let cheap_for_tests = Argon2Settings {
///     memory_kib: 1024,
///     iterations: 1,
///     parallelism: 1,
/// };
/// assert_ne!(cheap_for_tests, Argon2Settings::default());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Settings {
    /// Memory per hash, in KiB.
    pub memory_kib: u32,
    /// Passes over the memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Default for Argon2Settings {
    /// The original's parameters (pwdlib's "recommended"): 64 MiB, 3 passes, 4 lanes.
    fn default() -> Self {
        Self {
            memory_kib: 65_536,
            iterations: 3,
            parallelism: 4,
        }
    }
}

impl Argon2Settings {
    /// The parameters as Argon2 takes them, with a 32-byte output.
    ///
    /// # Errors
    /// When Argon2 refuses the combination.
    pub(crate) fn params(self) -> Result<argon2::Params, quill_domain::Unexpected> {
        argon2::Params::new(self.memory_kib, self.iterations, self.parallelism, Some(32))
            .map_err(|e| quill_domain::Unexpected::new(format!("Argon2 parameters: {e}")))
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
    /// Token signing algorithm.
    pub algorithm: TokenAlgorithm,
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
    /// After a shutdown signal, how long requests in flight may take before the remaining
    /// connections are dropped.
    pub shutdown_grace: std::time::Duration,
}

/// Accepts a setting whether figment parsed it as text, a number or a boolean, since the
/// environment provider guesses types from what values look like.
fn as_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Loose {
        Text(String),
        Signed(i64),
        Unsigned(u64),
        Float(f64),
        Flag(bool),
    }
    Ok(Option::<Loose>::deserialize(d)?.map(|v| match v {
        Loose::Text(s) => s,
        Loose::Signed(n) => n.to_string(),
        Loose::Unsigned(n) => n.to_string(),
        Loose::Float(n) => n.to_string(),
        Loose::Flag(b) => b.to_string(),
    }))
}

/// The settings as text, before checking; figment lower-cases the names.
#[derive(Debug, Default, Deserialize)]
struct RawSettings {
    #[serde(default, deserialize_with = "as_text")]
    secret_key: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    algorithm: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    access_token_expire_minutes: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    database_url: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    database_max_connections: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    database_acquire_timeout_seconds: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    bind_addr: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    environment: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    argon2_memory_kib: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    argon2_iterations: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    argon2_parallelism: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    max_body_bytes: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    cors_allowed_origins: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    rust_log: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    assets_dir: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    media_dir: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    hashing_slots: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    hashing_queue_limit: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    login_rate_burst: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    login_rate_per_minute: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    account_login_rate_burst: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    account_login_rate_per_minute: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    register_rate_burst: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    register_rate_per_minute: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    password_change_rate_burst: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    password_change_rate_per_minute: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    hashing_places_per_client: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    ipv6_client_prefix: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    trusted_proxies: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    header_read_timeout_seconds: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    request_timeout_seconds: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    max_connections: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    shutdown_grace_seconds: Option<String>,
}

/// One rate from its two settings, each defaulting to the policy's own.
fn rate(
    (burst_name, burst): (&'static str, Option<String>),
    (per_minute_name, per_minute): (&'static str, Option<String>),
    default: Rate,
) -> Result<Rate, ConfigError> {
    Ok(Rate::new(
        positive(burst_name, burst, default.burst)?,
        positive(per_minute_name, per_minute, default.per_minute)?,
    ))
}

fn auth_policy(raw: &mut RawSettings) -> Result<AuthPolicy, ConfigError> {
    let default = AuthPolicy::default();
    let ipv6_client_prefix: u8 = positive(
        "IPV6_CLIENT_PREFIX",
        raw.ipv6_client_prefix.take(),
        default.ipv6_client_prefix,
    )?;
    if ipv6_client_prefix > 128 {
        return Err(invalid("IPV6_CLIENT_PREFIX", "must be 1 to 128"));
    }
    Ok(AuthPolicy {
        login_per_client: rate(
            ("LOGIN_RATE_BURST", raw.login_rate_burst.take()),
            ("LOGIN_RATE_PER_MINUTE", raw.login_rate_per_minute.take()),
            default.login_per_client,
        )?,
        login_failures_per_account: rate(
            (
                "ACCOUNT_LOGIN_RATE_BURST",
                raw.account_login_rate_burst.take(),
            ),
            (
                "ACCOUNT_LOGIN_RATE_PER_MINUTE",
                raw.account_login_rate_per_minute.take(),
            ),
            default.login_failures_per_account,
        )?,
        register_per_client: rate(
            ("REGISTER_RATE_BURST", raw.register_rate_burst.take()),
            (
                "REGISTER_RATE_PER_MINUTE",
                raw.register_rate_per_minute.take(),
            ),
            default.register_per_client,
        )?,
        password_changes_per_account: rate(
            (
                "PASSWORD_CHANGE_RATE_BURST",
                raw.password_change_rate_burst.take(),
            ),
            (
                "PASSWORD_CHANGE_RATE_PER_MINUTE",
                raw.password_change_rate_per_minute.take(),
            ),
            default.password_changes_per_account,
        )?,
        // Hashing is CPU-bound: one slot per CPU, as many as run without waiting on each other.
        hashing_slots: positive(
            "HASHING_SLOTS",
            raw.hashing_slots.take(),
            std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        )?,
        hashing_queue_limit: positive(
            "HASHING_QUEUE_LIMIT",
            raw.hashing_queue_limit.take(),
            default.hashing_queue_limit,
        )?,
        hashing_places_per_client: positive(
            "HASHING_PLACES_PER_CLIENT",
            raw.hashing_places_per_client.take(),
            default.hashing_places_per_client,
        )?,
        ipv6_client_prefix,
    })
}

fn positive<T: std::str::FromStr + PartialOrd + Default>(
    setting: &'static str,
    value: Option<String>,
    default: T,
) -> Result<T, ConfigError> {
    let Some(text) = value else {
        return Ok(default);
    };
    match text.trim().parse::<T>() {
        Ok(n) if n > T::default() => Ok(n),
        _ => Err(invalid(
            setting,
            format!("must be a positive whole number, got {text:?}"),
        )),
    }
}

fn trusted_proxies(list: Option<&str>) -> Result<Vec<std::net::IpAddr>, ConfigError> {
    list.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry.parse().map_err(|_| {
                invalid(
                    "TRUSTED_PROXIES",
                    format!("must be comma-separated IP addresses, got {entry:?}"),
                )
            })
        })
        .collect()
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

    fn from_raw(mut raw: RawSettings) -> Result<Self, ConfigError> {
        let auth_policy = auth_policy(&mut raw)?;
        let environment = match raw.environment.as_deref().map(str::trim) {
            None | Some("development") => Environment::Development,
            Some("production") => Environment::Production,
            Some(other) => {
                return Err(invalid(
                    "ENVIRONMENT",
                    format!("must be development or production, got {other:?}"),
                ));
            }
        };
        let (secret_key, secret_key_generated) = match raw.secret_key {
            Some(key) => {
                let key = SecretKey::new(key)?;
                if environment == Environment::Production {
                    key.check_strength()?;
                }
                (key, false)
            }
            None if environment == Environment::Production => {
                return Err(invalid(
                    "SECRET_KEY",
                    "is required when ENVIRONMENT=production",
                ));
            }
            None => (SecretKey::random()?, true),
        };
        let algorithm = match raw.algorithm.as_deref().map(str::trim) {
            None | Some("HS256") => TokenAlgorithm::Hs256,
            Some("HS384") => TokenAlgorithm::Hs384,
            Some("HS512") => TokenAlgorithm::Hs512,
            Some(other) => {
                return Err(invalid(
                    "ALGORITHM",
                    format!("must be HS256, HS384 or HS512, got {other:?}"),
                ));
            }
        };
        let minutes: u32 = positive(
            "ACCESS_TOKEN_EXPIRE_MINUTES",
            raw.access_token_expire_minutes,
            30,
        )?;
        let database_url = raw
            .database_url
            .unwrap_or_else(|| Self::DEFAULT_DATABASE_URL.to_owned());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(invalid(
                "DATABASE_URL",
                "must be a sqlite: or postgres:// URL",
            ));
        }
        let bind_addr = match raw.bind_addr {
            None => SocketAddr::from(([127, 0, 0, 1], 8000)),
            Some(text) => text.trim().parse().map_err(|_| {
                invalid(
                    "BIND_ADDR",
                    format!("must be an address and port such as 127.0.0.1:8000, got {text:?}"),
                )
            })?,
        };
        let default_cost = Argon2Settings::default();
        let argon2 = Argon2Settings {
            memory_kib: positive(
                "ARGON2_MEMORY_KIB",
                raw.argon2_memory_kib,
                default_cost.memory_kib,
            )?,
            iterations: positive(
                "ARGON2_ITERATIONS",
                raw.argon2_iterations,
                default_cost.iterations,
            )?,
            parallelism: positive(
                "ARGON2_PARALLELISM",
                raw.argon2_parallelism,
                default_cost.parallelism,
            )?,
        };
        argon2
            .params()
            .map_err(|e| invalid("ARGON2_MEMORY_KIB", e.to_string()))?;
        let cors_allowed_origins = raw
            .cors_allowed_origins
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(str::to_owned)
            .collect();
        Ok(Self {
            secret_key,
            secret_key_generated,
            algorithm,
            access_token_lifetime: chrono::Duration::minutes(i64::from(minutes)),
            database_url,
            database_max_connections: positive(
                "DATABASE_MAX_CONNECTIONS",
                raw.database_max_connections,
                10,
            )?,
            database_acquire_timeout: std::time::Duration::from_secs(positive(
                "DATABASE_ACQUIRE_TIMEOUT_SECONDS",
                raw.database_acquire_timeout_seconds,
                5,
            )?),
            bind_addr,
            environment,
            argon2,
            max_body_bytes: positive(
                "MAX_BODY_BYTES",
                raw.max_body_bytes,
                defaults::MAX_BODY_BYTES,
            )?,
            cors_allowed_origins,
            rust_log: raw
                .rust_log
                .unwrap_or_else(|| Self::DEFAULT_RUST_LOG.to_owned()),
            assets_dir: raw.assets_dir.map(std::path::PathBuf::from),
            media_dir: std::path::PathBuf::from(
                raw.media_dir.as_deref().unwrap_or(defaults::MEDIA_DIR),
            ),
            auth_policy,
            trusted_proxies: trusted_proxies(raw.trusted_proxies.as_deref())?,
            header_read_timeout: std::time::Duration::from_secs(positive(
                "HEADER_READ_TIMEOUT_SECONDS",
                raw.header_read_timeout_seconds,
                10,
            )?),
            request_timeout: std::time::Duration::from_secs(positive(
                "REQUEST_TIMEOUT_SECONDS",
                raw.request_timeout_seconds,
                defaults::REQUEST_TIMEOUT.as_secs(),
            )?),
            max_connections: positive("MAX_CONNECTIONS", raw.max_connections, 1024)?,
            shutdown_grace: std::time::Duration::from_secs(positive(
                "SHUTDOWN_GRACE_SECONDS",
                raw.shutdown_grace_seconds,
                10,
            )?),
        })
    }
}

#[cfg(test)]
// figment's Jail closures return its own (large) error type; that is its API, not ours.
#[allow(clippy::result_large_err)]
mod tests {
    use figment::Jail;

    use super::*;

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    fn load_in(jail: &Jail) -> Result<Settings, ConfigError> {
        Settings::from_figment(&Settings::figment(&jail.directory().join(".env"))?)
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        Jail::expect_with(|jail| {
            let s = load_in(jail).unwrap();
            assert_eq!(s.algorithm, TokenAlgorithm::Hs256);
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
            assert_eq!(s.algorithm, TokenAlgorithm::Hs384);
            assert_eq!(s.secret_key.as_bytes(), KEY.as_bytes());
            assert!(!s.secret_key_generated);
            Ok(())
        });
    }

    #[test]
    fn a_numeric_looking_secret_key_is_taken_as_text() {
        Jail::expect_with(|jail| {
            jail.set_env("SECRET_KEY", "12345678901234567890123456789012345");
            let s = load_in(jail).unwrap();
            assert_eq!(
                s.secret_key.as_bytes(),
                b"12345678901234567890123456789012345"
            );
            Ok(())
        });
    }

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

    #[test]
    fn invalid_values_name_the_setting_and_the_reason() {
        for (name, value) in [
            ("ALGORITHM", "RS256"),
            ("ACCESS_TOKEN_EXPIRE_MINUTES", "abc"),
            ("ACCESS_TOKEN_EXPIRE_MINUTES", "0"),
            ("BIND_ADDR", "nowhere"),
            ("ENVIRONMENT", "staging"),
            ("MAX_BODY_BYTES", "-5"),
            ("DATABASE_URL", "mysql://db"),
            ("ARGON2_MEMORY_KIB", "1"),
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

    #[test]
    fn cors_origins_are_a_comma_separated_list() {
        Jail::expect_with(|jail| {
            jail.set_env(
                "CORS_ALLOWED_ORIGINS",
                "https://a.example, https://b.example,",
            );
            let s = load_in(jail).unwrap();
            assert_eq!(
                s.cors_allowed_origins,
                ["https://a.example", "https://b.example"]
            );
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
