//! Every setting quill's server reads, each section from the layer that reads it, all taken
//! out of one set of sources (the environment over `.env` over each section's defaults): the
//! auth stack's ([`StackSettings`], `quill-infra`), the HTTP layer's ([`HttpSettings`],
//! `quill-web`), and the server's own here: where it listens, its logs, its files and metrics
//! ([`ServerSettings`]), and its connection limits ([`ConnectionLimits`]).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use quill_infra::config::{extract, setting_names, sources, text};
use quill_infra::{ConfigError, StackSettings};
use quill_web::HttpSettings;
use serde::{Deserialize, Deserializer};

use crate::ConnectionLimits;

/// Everything the server reads at start-up, checked.
///
/// ```
/// use quill_server::Settings;
///
/// let settings = Settings::from_pairs([("BIND_ADDR", "0.0.0.0:8080"), ("MAX_BODY_BYTES", "1024")])?;
/// assert_eq!(settings.server.bind_addr.port(), 8080);
/// assert_eq!(settings.http.max_body_bytes, 1024);
/// assert_eq!(settings.stack.database.url, "sqlite://blog.db?mode=rwc");
///
/// let refused = Settings::from_pairs([("MAX_BODY_BYTES", "-5")]).unwrap_err();
/// assert!(refused.to_string().starts_with("MAX_BODY_BYTES: "));
/// # Ok::<(), quill_infra::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Settings {
    /// What the auth stack reads: tokens, hashing, policy, pictures, database, mail.
    pub stack: StackSettings,
    /// Body limit, CORS, trusted proxies, request timeout.
    pub http: HttpSettings,
    /// Where the server listens, its logs, front-end files and metrics.
    pub server: ServerSettings,
    /// Connection ceilings, the header deadline, the shutdown grace.
    pub connections: ConnectionLimits,
}

/// How log lines are written (`LOG_FORMAT`): for a person reading a terminal, or one JSON
/// object per line for a log pipeline.
///
/// ```
/// use quill_server::{LogFormat, Settings};
///
/// assert_eq!(Settings::from_pairs([])?.server.log_format, LogFormat::Text);
/// assert_eq!(Settings::from_pairs([("LOG_FORMAT", "json")])?.server.log_format, LogFormat::Json);
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

impl<'de> Deserialize<'de> for LogFormat {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        text::one_of(
            d,
            &[("", Self::Text), ("text", Self::Text), ("json", Self::Json)],
            "text or json",
        )
    }
}

/// The server's own settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ServerSettings {
    /// Where the server listens (`BIND_ADDR`).
    #[serde(deserialize_with = "bind_addr")]
    pub bind_addr: SocketAddr,
    /// Where the Prometheus metrics are served, `GET /metrics` only (`METRICS_ADDR`);
    /// `None`, when unset or empty: not at all.
    #[serde(deserialize_with = "metrics_addr")]
    pub metrics_addr: Option<SocketAddr>,
    /// The tracing filter (`RUST_LOG`).
    #[serde(deserialize_with = "text::text")]
    pub rust_log: String,
    /// How log lines are written (`LOG_FORMAT`).
    pub log_format: LogFormat,
    /// Where the front end's `templates/` and `static/` are, when not the built-in default
    /// (`ASSETS_DIR`).
    #[serde(deserialize_with = "text::optional_path")]
    pub assets_dir: Option<PathBuf>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            bind_addr: SocketAddr::from(([127, 0, 0, 1], 8000)),
            metrics_addr: None,
            rust_log: Self::DEFAULT_RUST_LOG.to_owned(),
            log_format: LogFormat::Text,
            assets_dir: None,
        }
    }
}

impl ServerSettings {
    /// The tracing filter when `RUST_LOG` is not set, and the one to fall back on when its
    /// value is not a usable filter.
    pub const DEFAULT_RUST_LOG: &'static str = "info";
}

fn bind_addr<'de, D: Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
    text::parsed(d, "an address and port such as 127.0.0.1:8000")
}

/// `METRICS_ADDR`: on a listener of its own, so the metrics are never public by accident.
fn metrics_addr<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SocketAddr>, D::Error> {
    let Some(text) = text::optional_text(d)? else {
        return Ok(None);
    };
    let text = text.trim();
    text.parse().map(Some).map_err(|_| {
        serde::de::Error::custom(format!(
            "must be an address and port such as 127.0.0.1:9100, or empty for no metrics, got {text:?}"
        ))
    })
}

impl Settings {
    /// The settings the server reads, as the environment names them (upper case).
    #[must_use]
    pub fn names() -> Vec<String> {
        [
            StackSettings::names(),
            setting_names::<HttpSettings>().to_vec(),
            setting_names::<ServerSettings>().to_vec(),
            setting_names::<ConnectionLimits>().to_vec(),
        ]
        .concat()
        .into_iter()
        .map(str::to_uppercase)
        .collect()
    }

    /// Reads the process environment over `.env` (in the working directory) over defaults.
    ///
    /// # Errors
    /// The first unusable setting.
    pub fn load() -> Result<Self, ConfigError> {
        let names = Self::names();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        Self::from_figment(&sources(Path::new(".env"), &names)?)
    }

    /// Settings from explicit name/value pairs over the defaults, ignoring the environment
    /// and any `.env` file: for tests.
    ///
    /// # Errors
    /// The first unusable setting.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ConfigError> {
        Self::from_figment(&quill_infra::config::pairs(pairs))
    }

    /// Takes every section out of `sources` (names lower-cased), checking each.
    ///
    /// # Errors
    /// The first unusable setting.
    pub fn from_figment(sources: &Figment) -> Result<Self, ConfigError> {
        let stack = StackSettings::from_figment(sources)?;
        let http = extract(sources)?;
        let server: ServerSettings = extract(sources)?;
        if server.metrics_addr == Some(server.bind_addr) {
            return Err(ConfigError::Invalid {
                setting: "METRICS_ADDR",
                reason: "must differ from BIND_ADDR: the metrics have a listener of their own"
                    .to_owned(),
            });
        }
        Ok(Self {
            stack,
            http,
            server,
            connections: extract(sources)?,
        })
    }
}

#[cfg(test)]
// figment's Jail closures return its own (large) error type; that is its API, not ours.
#[allow(clippy::result_large_err)]
mod tests {
    use figment::Jail;

    use super::*;

    fn load_in(jail: &Jail) -> Result<Settings, ConfigError> {
        let names = Settings::names();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        Settings::from_figment(&sources(&jail.directory().join(".env"), &names)?)
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        Jail::expect_with(|jail| {
            let s = load_in(jail).unwrap();
            assert_eq!(s.server.bind_addr.to_string(), "127.0.0.1:8000");
            assert_eq!(s.http.max_body_bytes, 262_144);
            assert_eq!(s.connections.max_connections_per_client, 64);
            assert_eq!(s.http.request_timeout, std::time::Duration::from_secs(30));
            assert_eq!(s.server.rust_log, "info");
            assert!(s.http.cors_allowed_origins.is_empty());
            assert_eq!(s.stack.database.url, "sqlite://blog.db?mode=rwc");
            Ok(())
        });
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
            ("MAX_CONNECTIONS_PER_CLIENT", "0"),
            ("MAX_CONNECTIONS_PER_CLIENT", "many"),
            ("UPLOAD_MIN_BYTES_PER_SECOND", "0"),
            ("TRUSTED_PROXIES", "10.0.0.1,proxy"),
            ("LOG_FORMAT", "xml"),
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
                s.http.cors_allowed_origins,
                ["https://a.example", "https://b.example"]
            );
            Ok(())
        });
    }

    #[test]
    fn metrics_are_off_unless_an_address_is_set() {
        Jail::expect_with(|jail| {
            assert_eq!(load_in(jail).unwrap().server.metrics_addr, None);
            jail.set_env("METRICS_ADDR", "");
            assert_eq!(load_in(jail).unwrap().server.metrics_addr, None);
            jail.set_env("METRICS_ADDR", " 127.0.0.1:9100 ");
            assert_eq!(
                load_in(jail).unwrap().server.metrics_addr,
                Some(([127, 0, 0, 1], 9100).into())
            );
            Ok(())
        });
    }

    #[test]
    fn a_metrics_address_that_is_no_address_or_is_the_main_one_is_refused() {
        for (bind, metrics) in [
            ("127.0.0.1:8000", "9100"),
            ("127.0.0.1:8000", "127.0.0.1:8000"),
        ] {
            Jail::expect_with(|jail| {
                jail.set_env("BIND_ADDR", bind);
                jail.set_env("METRICS_ADDR", metrics);
                let err = load_in(jail).unwrap_err().to_string();
                assert!(err.starts_with("METRICS_ADDR: "), "{metrics}: {err}");
                Ok(())
            });
        }
    }

    #[test]
    fn the_connection_limits_take_the_policy_s_client_grouping_and_the_http_proxies() {
        let settings = Settings::from_pairs([
            ("IPV6_CLIENT_PREFIX", "48"),
            ("TRUSTED_PROXIES", "10.0.0.1"),
        ])
        .unwrap();
        let limits = ConnectionLimits::from(&settings);
        assert_eq!(limits.ipv6_client_prefix, 48);
        assert_eq!(
            &*limits.trusted_proxies,
            ["10.0.0.1".parse::<std::net::IpAddr>().unwrap()]
        );
    }
}
