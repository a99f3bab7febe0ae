//! [`AuthSettings`]: what the auth core reads. Tokens (the secret, how they are signed, how
//! long they live), Argon2's cost, the domain's policy, and where pictures are kept; each part
//! is taken from the sources on its own and checked there.

use std::path::PathBuf;

use figment::Figment;
use quill_domain::AuthPolicy;
use serde::Deserialize;

use super::policy::PolicySettings;
use super::signing::SigningSettings;
use super::{Argon2Settings, ConfigError, Environment, extract, invalid, setting_names, text};
use crate::tokens::{SecretKey, TokenSigning};

/// The auth core's settings, checked.
///
/// ```
/// use quill_infra::StackSettings;
///
/// let settings = StackSettings::from_pairs([
///     ("SECRET_KEY", "an-example-key-of-at-least-32-bytes"),
///     ("ACCESS_TOKEN_EXPIRE_MINUTES", "60"),
///     ("LOGIN_RATE_BURST", "3"),
/// ])?;
/// assert_eq!(settings.auth.access_token_lifetime, chrono::Duration::minutes(60));
/// assert_eq!(settings.auth.policy.login_per_client.burst, 3);
/// assert!(!format!("{settings:?}").contains("an-example-key"));
/// # Ok::<(), quill_infra::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// HMAC key for tokens (`SECRET_KEY`), and the key of the audit trail's and the refresh
    /// tokens' digests.
    pub secret_key: SecretKey,
    /// Whether [`secret_key`](AuthSettings::secret_key) was generated for this process
    /// (development only).
    pub secret_key_generated: bool,
    /// How tokens are signed: the shared secret's HMAC algorithm, or the asymmetric keys
    /// with the issuer and audience tokens name.
    pub token_signing: TokenSigning,
    /// How long an access token lives (`ACCESS_TOKEN_EXPIRE_MINUTES`).
    pub access_token_lifetime: chrono::Duration,
    /// Password hashing cost.
    pub argon2: Argon2Settings,
    /// Rate limits, hashing slots (one per CPU by default) and queue, each client's share of
    /// them, how IPv6 clients are grouped, uploads, reset links and refresh tokens: the
    /// domain's policy, with its defaults for whatever is not set.
    pub policy: AuthPolicy,
    /// Where pictures are kept and how many are decoded at once.
    pub pictures: PictureSettings,
}

/// The token settings besides how they are signed, as named in the environment.
#[derive(Debug, Deserialize)]
#[serde(default)]
struct TokenSettings {
    #[serde(deserialize_with = "text::present")]
    secret_key: Option<String>,
    #[serde(deserialize_with = "text::positive")]
    access_token_expire_minutes: u32,
}

impl Default for TokenSettings {
    fn default() -> Self {
        Self {
            secret_key: None,
            access_token_expire_minutes: 30,
        }
    }
}

/// Uploaded pictures: where they are kept, and how many are decoded at once (the uploads in
/// progress in all and per client are the [`AuthPolicy`]'s).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct PictureSettings {
    /// Where uploaded profile pictures are kept with SQLite (`MEDIA_DIR`; served under
    /// `/media/profile_pics`).
    #[serde(deserialize_with = "text::path")]
    pub media_dir: PathBuf,
    /// How many pictures are decoded at once (`PICTURE_SLOTS`).
    #[serde(deserialize_with = "text::positive")]
    pub picture_slots: usize,
}

impl Default for PictureSettings {
    fn default() -> Self {
        Self {
            media_dir: PathBuf::from("media"),
            // Decoding is CPU-bound and brief: one at a time leaves the other cores to
            // everything else, and the places bound the waiting.
            picture_slots: 1,
        }
    }
}

impl AuthSettings {
    /// The names these settings are read under (lower case).
    pub(super) fn names() -> Vec<&'static str> {
        [
            setting_names::<TokenSettings>(),
            setting_names::<SigningSettings>(),
            setting_names::<Argon2Settings>(),
            setting_names::<PolicySettings>(),
            setting_names::<PictureSettings>(),
        ]
        .concat()
    }

    /// Takes the auth settings out of `sources`; `public_base_url` is the issuer tokens
    /// name when `TOKEN_ISSUER` is not set.
    pub(super) fn from_figment(
        sources: &Figment,
        environment: Environment,
        public_base_url: &str,
    ) -> Result<Self, ConfigError> {
        let policy = extract::<PolicySettings>(sources)?.policy();
        let token_signing = extract::<SigningSettings>(sources)?.token_signing(public_base_url)?;
        let tokens: TokenSettings = extract(sources)?;
        let (secret_key, secret_key_generated) =
            super::secret::secret_key(tokens.secret_key, environment)?;
        let argon2: Argon2Settings = extract(sources)?;
        argon2
            .params()
            .map_err(|e| invalid("ARGON2_MEMORY_KIB", e.to_string()))?;
        Ok(Self {
            secret_key,
            secret_key_generated,
            token_signing,
            access_token_lifetime: chrono::Duration::minutes(i64::from(
                tokens.access_token_expire_minutes,
            )),
            argon2,
            policy,
            pictures: extract(sources)?,
        })
    }
}
