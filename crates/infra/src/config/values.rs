//! The settings of more than one number or word that several parts read: the kind of
//! deployment, and Argon2's cost.

use serde::{Deserialize, Deserializer};

use super::text;

/// Whether this is a production deployment (`ENVIRONMENT`): stricter start-up checks.
///
/// ```
/// use quill_infra::StackSettings;
///
/// // Development invents a key (tokens die with the process); production refuses.
/// assert!(StackSettings::from_pairs([])?.auth.secret_key_generated);
/// assert!(StackSettings::from_pairs([("ENVIRONMENT", "production")]).is_err());
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

impl<'de> Deserialize<'de> for Environment {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        text::one_of(
            d,
            &[
                ("development", Self::Development),
                ("production", Self::Production),
            ],
            "development or production",
        )
    }
}

/// The deployment's kind, a section of its own because the auth settings (how strict the
/// key check is) and the mail settings (whether mail goes to a directory) both depend on it.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(default)]
pub(super) struct Deployment {
    pub(super) environment: Environment,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Argon2Settings {
    /// Memory per hash, in KiB.
    #[serde(rename = "argon2_memory_kib", deserialize_with = "text::positive")]
    pub memory_kib: u32,
    /// Passes over the memory.
    #[serde(rename = "argon2_iterations", deserialize_with = "text::positive")]
    pub iterations: u32,
    /// Lanes.
    #[serde(rename = "argon2_parallelism", deserialize_with = "text::positive")]
    pub parallelism: u32,
}

impl Default for Argon2Settings {
    /// The original's parameters (pwdlib's "recommended"): 64 MiB, 3 passes, 4 lanes. Any
    /// other would rehash every existing account at its next login.
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
