//! From the raw text to checked [`Settings`]: each value's rule, its default, and the one
//! line naming the setting when a value is refused.

use std::net::SocketAddr;

use quill_domain::{AuthPolicy, Rate, defaults};

use super::raw::RawSettings;
use super::{Argon2Settings, ConfigError, Environment, LogFormat, SecretKey, Settings, invalid};

impl Settings {
    /// Checks every raw value, the first unusable one refused.
    pub(super) fn from_raw(mut raw: RawSettings) -> Result<Self, ConfigError> {
        let auth_policy = auth_policy(&mut raw)?;
        let mail = super::MailSettings::from_raw(&mut raw)?;
        let token_signing = super::signing::token_signing(&mut raw, &mail.public_base_url)?;
        let environment = Environment::from_setting(raw.environment.as_deref())?;
        let (secret_key, secret_key_generated) =
            SecretKey::from_setting(raw.secret_key, environment)?;
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
            token_signing,
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
            log_format: LogFormat::from_setting(raw.log_format.as_deref())?,
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
            // Far more than a browser opens (six per host), far fewer than MAX_CONNECTIONS.
            max_connections_per_client: positive(
                "MAX_CONNECTIONS_PER_CLIENT",
                raw.max_connections_per_client,
                64,
            )?,
            shutdown_grace: std::time::Duration::from_secs(positive(
                "SHUTDOWN_GRACE_SECONDS",
                raw.shutdown_grace_seconds,
                10,
            )?),
            metrics_addr: super::metrics::metrics_addr(raw.metrics_addr.as_deref(), bind_addr)?,
            mail,
            // Decoding is CPU-bound and brief: one at a time leaves the other cores to
            // everything else, and the places bound the waiting.
            picture_slots: positive("PICTURE_SLOTS", raw.picture_slots, 1)?,
        })
    }
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
        max_upload_bytes: positive(
            "MAX_UPLOAD_SIZE_BYTES",
            raw.max_upload_size_bytes.take(),
            default.max_upload_bytes,
        )?,
        picture_places: positive(
            "PICTURE_PLACES",
            raw.picture_places.take(),
            default.picture_places,
        )?,
        picture_places_per_client: positive(
            "PICTURE_PLACES_PER_CLIENT",
            raw.picture_places_per_client.take(),
            default.picture_places_per_client,
        )?,
        upload_min_bytes_per_second: positive(
            "UPLOAD_MIN_BYTES_PER_SECOND",
            raw.upload_min_bytes_per_second.take(),
            default.upload_min_bytes_per_second,
        )?,
        reset_requests_per_client: rate(
            ("RESET_RATE_BURST", raw.reset_rate_burst.take()),
            ("RESET_RATE_PER_MINUTE", raw.reset_rate_per_minute.take()),
            default.reset_requests_per_client,
        )?,
        reset_requests_per_email: rate(
            (
                "ACCOUNT_RESET_RATE_BURST",
                raw.account_reset_rate_burst.take(),
            ),
            (
                "ACCOUNT_RESET_RATE_PER_MINUTE",
                raw.account_reset_rate_per_minute.take(),
            ),
            default.reset_requests_per_email,
        )?,
        reset_token_lifetime: std::time::Duration::from_secs(
            60 * u64::from(positive::<u32>(
                "PASSWORD_RESET_EXPIRE_MINUTES",
                raw.password_reset_expire_minutes.take(),
                (default.reset_token_lifetime.as_secs() / 60) as u32,
            )?),
        ),
        reset_resend_after: std::time::Duration::from_secs(
            60 * u64::from(positive::<u32>(
                "PASSWORD_RESET_RESEND_MINUTES",
                raw.password_reset_resend_minutes.take(),
                (default.reset_resend_after.as_secs() / 60) as u32,
            )?),
        ),
        reset_mails_per_day: positive::<u32>(
            "PASSWORD_RESET_MAILS_PER_DAY",
            raw.password_reset_mails_per_day.take(),
            default.reset_mails_per_day,
        )?,
        refresh_per_client: rate(
            ("REFRESH_RATE_BURST", raw.refresh_rate_burst.take()),
            (
                "REFRESH_RATE_PER_MINUTE",
                raw.refresh_rate_per_minute.take(),
            ),
            default.refresh_per_client,
        )?,
        refresh_token_lifetime: std::time::Duration::from_secs(
            24 * 60
                * 60
                * u64::from(positive::<u16>(
                    "REFRESH_TOKEN_EXPIRE_DAYS",
                    raw.refresh_token_expire_days.take(),
                    (default.refresh_token_lifetime.as_secs() / (24 * 60 * 60)) as u16,
                )?),
        ),
        refresh_grace: std::time::Duration::from_secs(u64::from(positive::<u16>(
            "REFRESH_GRACE_SECONDS",
            raw.refresh_grace_seconds.take(),
            default.refresh_grace.as_secs() as u16,
        )?)),
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

#[cfg(test)]
// figment's Jail closures return its own (large) error type; that is its API, not ours.
#[allow(clippy::result_large_err)]
mod tests {
    use figment::Jail;

    use crate::config::tests::load_in;

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
            ("MAX_CONNECTIONS_PER_CLIENT", "0"),
            ("MAX_CONNECTIONS_PER_CLIENT", "many"),
            ("UPLOAD_MIN_BYTES_PER_SECOND", "0"),
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
}
