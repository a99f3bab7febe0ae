//! The settings that take one of a few values: the shared secret's token algorithm, the kind
//! of deployment, and Argon2's cost.

use super::{ConfigError, invalid};

/// The HMAC algorithm tokens are signed with when they are signed with the shared secret
/// (`ALGORITHM` HS256, HS384 or HS512), the only one accepted when verifying.
///
/// ```
/// use quill_infra::{Settings, TokenAlgorithm, TokenSigning};
///
/// let settings = Settings::from_pairs([("ALGORITHM", "HS512")])?;
/// assert!(matches!(settings.token_signing, TokenSigning::Secret(TokenAlgorithm::Hs512)));
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

/// How log lines are written (`LOG_FORMAT`): for a person reading a terminal, or one JSON
/// object per line for a log pipeline.
///
/// ```
/// use quill_infra::{LogFormat, Settings};
///
/// assert_eq!(Settings::from_pairs([])?.log_format, LogFormat::Text);
/// assert_eq!(Settings::from_pairs([("LOG_FORMAT", "json")])?.log_format, LogFormat::Json);
/// assert!(Settings::from_pairs([("LOG_FORMAT", "xml")]).is_err());
/// # Ok::<(), quill_infra::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable lines, the request's span fields as a prefix.
    #[default]
    Text,
    /// One JSON object per line: time, level, target, message, the event's fields, and the
    /// current span's fields (the request id among them).
    Json,
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

impl LogFormat {
    /// `LOG_FORMAT`, text when not set.
    pub(super) fn from_setting(value: Option<&str>) -> Result<Self, ConfigError> {
        match value.map(str::trim) {
            None | Some("" | "text") => Ok(Self::Text),
            Some("json") => Ok(Self::Json),
            Some(other) => Err(invalid(
                "LOG_FORMAT",
                format!("must be text or json, got {other:?}"),
            )),
        }
    }
}

impl Environment {
    /// `ENVIRONMENT`, development when not set.
    pub(super) fn from_setting(value: Option<&str>) -> Result<Self, ConfigError> {
        match value.map(str::trim) {
            None | Some("development") => Ok(Self::Development),
            Some("production") => Ok(Self::Production),
            Some(other) => Err(invalid(
                "ENVIRONMENT",
                format!("must be development or production, got {other:?}"),
            )),
        }
    }
}
