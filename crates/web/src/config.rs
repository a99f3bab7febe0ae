//! The HTTP layer's own settings ([`HttpSettings`]): the body limit, the origins allowed to
//! call `/api` from a browser, the proxies believed for the client's address, and the request
//! timeout. A `serde` section named as its settings are (`MAX_BODY_BYTES` is
//! `max_body_bytes`), its defaults written once here; the application takes it out of its
//! configuration sources (quill's server does, with the other layers' sections) or builds it.
//! The readers below refuse a value with the reason alone; the reader of the sources adds the
//! setting's name.

use std::net::IpAddr;
use std::time::Duration;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

/// HTTP limits, CORS, trusted proxies and timeouts.
///
/// ```
/// use quill_web::HttpSettings;
///
/// let settings = HttpSettings::default();
/// assert_eq!(settings.max_body_bytes, 256 * 1024);
/// assert_eq!(settings.request_timeout, std::time::Duration::from_secs(30));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct HttpSettings {
    /// Largest accepted request body, in bytes (`MAX_BODY_BYTES`).
    #[serde(deserialize_with = "positive")]
    pub max_body_bytes: usize,
    /// Origins allowed to call `/api` from a browser on another origin, empty: none
    /// (`CORS_ALLOWED_ORIGINS`, comma-separated).
    #[serde(deserialize_with = "origins")]
    pub cors_allowed_origins: Vec<String>,
    /// Proxies whose `X-Forwarded-For` is believed for the client's address, the address
    /// the auth core's per-client limits are charged to (`TRUSTED_PROXIES`,
    /// comma-separated).
    #[serde(deserialize_with = "proxies")]
    pub trusted_proxies: Vec<IpAddr>,
    /// How long one request, its body included, may take; then 408
    /// (`REQUEST_TIMEOUT_SECONDS`).
    #[serde(rename = "request_timeout_seconds", deserialize_with = "seconds")]
    pub request_timeout: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            max_body_bytes: 256 * 1024,
            cors_allowed_origins: Vec::new(),
            trusted_proxies: Vec::new(),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// What the configuration sources hold, whatever type they took it for (an environment
/// provider reads `45` as a number).
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Loose {
        Text(String),
        Unsigned(u64),
        Signed(i64),
        Float(f64),
        Flag(bool),
    }
    Ok(match Loose::deserialize(d)? {
        Loose::Text(s) => s,
        Loose::Unsigned(n) => n.to_string(),
        Loose::Signed(n) => n.to_string(),
        Loose::Float(n) => n.to_string(),
        Loose::Flag(b) => b.to_string(),
    })
}

fn positive<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    let text = text(d)?;
    match text.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(D::Error::custom(format!(
            "must be a positive whole number, got {text:?}"
        ))),
    }
}

fn seconds<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let text = text(d)?;
    match text.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(Duration::from_secs(n)),
        _ => Err(D::Error::custom(format!(
            "must be a positive whole number, got {text:?}"
        ))),
    }
}

fn entries(list: &str) -> impl Iterator<Item = &str> {
    list.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
}

fn origins<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(entries(&text(d)?).map(str::to_owned).collect())
}

fn proxies<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<IpAddr>, D::Error> {
    entries(&text(d)?)
        .map(|entry| {
            entry.parse().map_err(|_| {
                D::Error::custom(format!(
                    "must be comma-separated IP addresses, got {entry:?}"
                ))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<HttpSettings, serde_json::Error> {
        let map: serde_json::Map<String, serde_json::Value> = pairs
            .iter()
            .map(|(name, value)| (name.to_lowercase(), (*value).into()))
            .collect();
        serde_json::from_value(serde_json::Value::Object(map))
    }

    #[test]
    fn cors_origins_are_a_comma_separated_list() {
        let settings = read(&[(
            "CORS_ALLOWED_ORIGINS",
            "https://a.example, https://b.example,",
        )])
        .unwrap();
        assert_eq!(
            settings.cors_allowed_origins,
            ["https://a.example", "https://b.example"]
        );
    }

    #[test]
    fn unset_values_keep_their_defaults_and_numbers_may_arrive_as_numbers() {
        assert_eq!(read(&[]).unwrap(), HttpSettings::default());
        let map = serde_json::json!({ "max_body_bytes": 1024 });
        let settings: HttpSettings = serde_json::from_value(map).unwrap();
        assert_eq!(settings.max_body_bytes, 1024);
    }

    #[test]
    fn unusable_values_are_refused_with_the_reason() {
        for (name, value, reason) in [
            ("MAX_BODY_BYTES", "-5", "must be a positive whole number"),
            (
                "REQUEST_TIMEOUT_SECONDS",
                "0",
                "must be a positive whole number",
            ),
            (
                "TRUSTED_PROXIES",
                "10.0.0.1, proxy",
                "must be comma-separated IP",
            ),
        ] {
            let refused = read(&[(name, value)]).unwrap_err().to_string();
            assert!(refused.starts_with(reason), "{name}={value}: {refused}");
        }
    }
}
