//! The settings as figment hands them over: one optional text per name, before any check,
//! whatever type the environment provider guessed for each value.

use serde::Deserialize;

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
pub(super) struct RawSettings {
    #[serde(default, deserialize_with = "as_text")]
    pub(super) secret_key: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) algorithm: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) access_token_expire_minutes: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) database_url: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) database_max_connections: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) database_acquire_timeout_seconds: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) bind_addr: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) environment: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) argon2_memory_kib: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) argon2_iterations: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) argon2_parallelism: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) max_body_bytes: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) cors_allowed_origins: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) rust_log: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) log_format: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) assets_dir: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) media_dir: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) hashing_slots: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) hashing_queue_limit: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) login_rate_burst: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) login_rate_per_minute: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) account_login_rate_burst: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) account_login_rate_per_minute: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) register_rate_burst: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) register_rate_per_minute: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) password_change_rate_burst: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) password_change_rate_per_minute: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) hashing_places_per_client: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) ipv6_client_prefix: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) trusted_proxies: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) header_read_timeout_seconds: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) request_timeout_seconds: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) max_connections: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) max_connections_per_client: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) shutdown_grace_seconds: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) metrics_addr: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) public_base_url: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) mail_from: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) smtp_host: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) smtp_port: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) smtp_username: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) smtp_password: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) smtp_tls: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) mail_dir: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) password_reset_expire_minutes: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) password_reset_resend_minutes: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) password_reset_mails_per_day: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) refresh_token_expire_days: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) refresh_grace_seconds: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) refresh_rate_burst: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) refresh_rate_per_minute: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) reset_rate_burst: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) reset_rate_per_minute: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) account_reset_rate_burst: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) account_reset_rate_per_minute: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) max_upload_size_bytes: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) picture_slots: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) picture_places: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) picture_places_per_client: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) upload_min_bytes_per_second: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) signing_key_file: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) previous_public_keys_file: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) token_issuer: Option<String>,
    #[serde(default, deserialize_with = "as_text")]
    pub(super) token_audience: Option<String>,
}

#[cfg(test)]
// figment's Jail closures return its own (large) error type; that is its API, not ours.
#[allow(clippy::result_large_err)]
mod tests {
    use figment::Jail;

    use crate::config::tests::load_in;

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
}
