//! The settings of the domain's [`AuthPolicy`]: rate limits, hashing shares, uploads, reset
//! links, refresh tokens, how recent an authentication sensitive changes need, the screen
//! of predictable passwords and email verification. Each one not set keeps the policy's own default (written once,
//! in `AuthPolicy::default`), except the hashing slots: one per CPU here.

use std::time::Duration;

use quill_domain::{AuthPolicy, EmailVerification, PasswordBlocklist, Rate};
use serde::{Deserialize, Deserializer};

use super::text;

/// The policy's settings as named in the environment; `None`: the policy's default.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct PolicySettings {
    #[serde(deserialize_with = "text::optional_positive")]
    login_rate_burst: Option<u32>,
    #[serde(deserialize_with = "text::optional_positive")]
    login_rate_per_minute: Option<u32>,
    #[serde(deserialize_with = "text::optional_positive")]
    account_login_rate_burst: Option<u32>,
    #[serde(deserialize_with = "text::optional_positive")]
    account_login_rate_per_minute: Option<u32>,
    #[serde(deserialize_with = "text::optional_positive")]
    register_rate_burst: Option<u32>,
    #[serde(deserialize_with = "text::optional_positive")]
    register_rate_per_minute: Option<u32>,
    #[serde(deserialize_with = "text::optional_positive")]
    password_change_rate_burst: Option<u32>,
    #[serde(deserialize_with = "text::optional_positive")]
    password_change_rate_per_minute: Option<u32>,
    #[serde(deserialize_with = "text::optional_positive")]
    reset_rate_burst: Option<u32>,
    #[serde(deserialize_with = "text::optional_positive")]
    reset_rate_per_minute: Option<u32>,
    #[serde(deserialize_with = "text::optional_positive")]
    account_reset_rate_burst: Option<u32>,
    #[serde(deserialize_with = "text::optional_positive")]
    account_reset_rate_per_minute: Option<u32>,
    #[serde(deserialize_with = "text::optional_positive")]
    refresh_rate_burst: Option<u32>,
    #[serde(deserialize_with = "text::optional_positive")]
    refresh_rate_per_minute: Option<u32>,
    #[serde(deserialize_with = "text::optional_positive")]
    hashing_slots: Option<usize>,
    #[serde(deserialize_with = "text::optional_positive")]
    hashing_queue_limit: Option<usize>,
    #[serde(deserialize_with = "text::optional_positive")]
    hashing_places_per_client: Option<usize>,
    #[serde(deserialize_with = "ipv6_prefix")]
    ipv6_client_prefix: Option<u8>,
    #[serde(deserialize_with = "text::optional_positive")]
    max_upload_size_bytes: Option<usize>,
    #[serde(deserialize_with = "text::optional_positive")]
    picture_places: Option<usize>,
    #[serde(deserialize_with = "text::optional_positive")]
    picture_places_per_client: Option<usize>,
    #[serde(deserialize_with = "text::optional_positive")]
    upload_min_bytes_per_second: Option<usize>,
    #[serde(deserialize_with = "text::optional_positive")]
    password_reset_expire_minutes: Option<u32>,
    #[serde(deserialize_with = "text::optional_positive")]
    password_reset_resend_minutes: Option<u32>,
    #[serde(deserialize_with = "text::optional_positive")]
    password_reset_mails_per_day: Option<u32>,
    #[serde(deserialize_with = "text::optional_positive")]
    refresh_token_expire_days: Option<u16>,
    #[serde(deserialize_with = "text::optional_positive")]
    refresh_grace_seconds: Option<u16>,
    #[serde(deserialize_with = "text::optional_positive")]
    reauth_max_age_minutes: Option<u32>,
    #[serde(deserialize_with = "blocklist")]
    password_blocklist: Option<PasswordBlocklist>,
    #[serde(deserialize_with = "email_verification")]
    email_verification: Option<EmailVerification>,
    #[serde(deserialize_with = "text::optional_positive")]
    email_verification_expire_hours: Option<u32>,
}

/// `PASSWORD_BLOCKLIST`: `on` or `off`.
fn blocklist<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PasswordBlocklist>, D::Error> {
    text::one_of(
        d,
        &[
            ("on", PasswordBlocklist::On),
            ("off", PasswordBlocklist::Off),
        ],
        "on or off",
    )
    .map(Some)
}

fn email_verification<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<EmailVerification>, D::Error> {
    text::one_of(
        d,
        &[
            ("off", EmailVerification::Off),
            ("optional", EmailVerification::Optional),
            ("required", EmailVerification::Required),
        ],
        "off, optional or required",
    )
    .map(Some)
}

fn ipv6_prefix<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u8>, D::Error> {
    let bits: u8 = text::positive(d)?;
    if bits > 128 {
        return Err(serde::de::Error::custom("must be 1 to 128"));
    }
    Ok(Some(bits))
}

fn minutes(n: u32) -> Duration {
    Duration::from_secs(60 * u64::from(n))
}

impl PolicySettings {
    /// The policy these settings describe.
    pub(super) fn policy(&self) -> AuthPolicy {
        let default = AuthPolicy::default();
        let rate = |burst: Option<u32>, per_minute: Option<u32>, default: Rate| {
            Rate::new(
                burst.unwrap_or(default.burst),
                per_minute.unwrap_or(default.per_minute),
            )
        };
        AuthPolicy {
            login_per_client: rate(
                self.login_rate_burst,
                self.login_rate_per_minute,
                default.login_per_client,
            ),
            login_failures_per_account: rate(
                self.account_login_rate_burst,
                self.account_login_rate_per_minute,
                default.login_failures_per_account,
            ),
            register_per_client: rate(
                self.register_rate_burst,
                self.register_rate_per_minute,
                default.register_per_client,
            ),
            password_changes_per_account: rate(
                self.password_change_rate_burst,
                self.password_change_rate_per_minute,
                default.password_changes_per_account,
            ),
            reset_requests_per_client: rate(
                self.reset_rate_burst,
                self.reset_rate_per_minute,
                default.reset_requests_per_client,
            ),
            reset_requests_per_email: rate(
                self.account_reset_rate_burst,
                self.account_reset_rate_per_minute,
                default.reset_requests_per_email,
            ),
            refresh_per_client: rate(
                self.refresh_rate_burst,
                self.refresh_rate_per_minute,
                default.refresh_per_client,
            ),
            // Hashing is CPU-bound: one slot per CPU, as many as run without waiting on
            // each other.
            hashing_slots: self.hashing_slots.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
            }),
            hashing_queue_limit: self
                .hashing_queue_limit
                .unwrap_or(default.hashing_queue_limit),
            hashing_places_per_client: self
                .hashing_places_per_client
                .unwrap_or(default.hashing_places_per_client),
            ipv6_client_prefix: self
                .ipv6_client_prefix
                .unwrap_or(default.ipv6_client_prefix),
            max_upload_bytes: self
                .max_upload_size_bytes
                .unwrap_or(default.max_upload_bytes),
            picture_places: self.picture_places.unwrap_or(default.picture_places),
            picture_places_per_client: self
                .picture_places_per_client
                .unwrap_or(default.picture_places_per_client),
            upload_min_bytes_per_second: self
                .upload_min_bytes_per_second
                .unwrap_or(default.upload_min_bytes_per_second),
            reset_token_lifetime: self
                .password_reset_expire_minutes
                .map_or(default.reset_token_lifetime, minutes),
            reset_resend_after: self
                .password_reset_resend_minutes
                .map_or(default.reset_resend_after, minutes),
            reset_mails_per_day: self
                .password_reset_mails_per_day
                .unwrap_or(default.reset_mails_per_day),
            refresh_token_lifetime: self
                .refresh_token_expire_days
                .map_or(default.refresh_token_lifetime, |days| {
                    Duration::from_secs(24 * 60 * 60 * u64::from(days))
                }),
            refresh_grace: self
                .refresh_grace_seconds
                .map_or(default.refresh_grace, |s| Duration::from_secs(u64::from(s))),
            reauth_max_age: self
                .reauth_max_age_minutes
                .map_or(default.reauth_max_age, minutes),
            password_blocklist: self
                .password_blocklist
                .unwrap_or(default.password_blocklist),
            email_verification: self
                .email_verification
                .unwrap_or(default.email_verification),
            verification_token_lifetime: self
                .email_verification_expire_hours
                .map_or(default.verification_token_lifetime, |hours| {
                    Duration::from_secs(60 * 60 * u64::from(hours))
                }),
            ..default
        }
    }
}
