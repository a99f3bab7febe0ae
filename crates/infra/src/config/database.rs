//! [`DatabaseSettings`]: which database the stack connects to, and its pool.

use std::time::Duration;

use serde::{Deserialize, Deserializer};

use super::text;

/// The database and its connection pool.
///
/// ```
/// use quill_infra::StackSettings;
///
/// let settings = StackSettings::from_pairs([("DATABASE_URL", "sqlite://notes.db?mode=rwc")])?;
/// assert_eq!(settings.database.url, "sqlite://notes.db?mode=rwc");
/// assert_eq!(settings.database.max_connections, 10);
/// assert!(StackSettings::from_pairs([("DATABASE_URL", "mysql://db")]).is_err());
/// # Ok::<(), quill_infra::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct DatabaseSettings {
    /// `sqlite:` or `postgres://` URL (`DATABASE_URL`).
    #[serde(rename = "database_url", deserialize_with = "url")]
    pub url: String,
    /// Most connections in the pool (`DATABASE_MAX_CONNECTIONS`).
    #[serde(
        rename = "database_max_connections",
        deserialize_with = "text::positive"
    )]
    pub max_connections: u32,
    /// How long a request waits for a pooled connection before failing
    /// (`DATABASE_ACQUIRE_TIMEOUT_SECONDS`).
    #[serde(
        rename = "database_acquire_timeout_seconds",
        deserialize_with = "text::seconds"
    )]
    pub acquire_timeout: Duration,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: Self::DEFAULT_URL.to_owned(),
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

impl DatabaseSettings {
    /// The default database: a SQLite file in the working directory, created if missing.
    pub const DEFAULT_URL: &'static str = quill_migration::DEFAULT_DATABASE_URL;
}

fn url<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let url = text::text(d)?;
    if url.starts_with("sqlite:")
        || url.starts_with("postgres://")
        || url.starts_with("postgresql://")
    {
        Ok(url)
    } else {
        Err(serde::de::Error::custom(
            "must be a sqlite: or postgres:// URL",
        ))
    }
}
