//! [`PostgresThrottle`]: the rate limits' buckets in PostgreSQL, so that every server of a
//! fleet on one database charges the same buckets. Each admission is one statement (the
//! domain's GCRA step written as an upsert); keys are SHA-256 digests of the scope and
//! subject, so the table never holds an email.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use quill_domain::Unexpected;
use quill_domain::throttle::{Admission, Rate, Throttle, ThrottleKey, micros};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use sha2::{Digest, Sha256};

/// One GCRA step as one statement: the bucket's arrival time moves one interval on if that
/// stays within the window, else the row is left alone; the arrival time before the statement
/// comes back too, to say how long a refused caller waits. Concurrent statements on one key
/// serialise on the row lock, and the `WHERE` is evaluated on the row as locked.
const ADMIT: &str = "WITH previous AS (SELECT arrival_us FROM auth_throttle WHERE key = $1), \
     admitted AS ( \
       INSERT INTO auth_throttle AS bucket (key, arrival_us) VALUES ($1, $2 + $3) \
       ON CONFLICT (key) DO UPDATE SET arrival_us = GREATEST(bucket.arrival_us, $2) + $3 \
       WHERE GREATEST(bucket.arrival_us, $2) + $3 - $2 <= $4 \
       RETURNING bucket.arrival_us) \
     SELECT (SELECT arrival_us FROM admitted) AS admitted, \
            (SELECT arrival_us FROM previous) AS previous";

const REFUND: &str = "UPDATE auth_throttle SET arrival_us = GREATEST(arrival_us - $2, $3) \
     WHERE key = $1";

const PRUNE: &str = "DELETE FROM auth_throttle WHERE arrival_us <= $1";

/// Buckets in the `auth_throttle` table of a PostgreSQL database: what
/// [`AuthStack`](crate::AuthStack) uses whenever the database is PostgreSQL, so the
/// per-account and per-client limits hold for the fleet, not per process. On SQLite (one
/// server) the domain's in-process store is used instead.
#[derive(Debug, Clone)]
pub struct PostgresThrottle {
    db: DatabaseConnection,
}

impl PostgresThrottle {
    /// Buckets in this database (migrated: see [`migrate`](crate::migrate)).
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    fn digest(key: &ThrottleKey) -> Vec<u8> {
        Sha256::digest(key.digest_input().as_bytes()).to_vec()
    }

    fn statement(sql: &str, values: Vec<sea_orm::Value>) -> Statement {
        Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
    }
}

#[async_trait]
impl Throttle for PostgresThrottle {
    async fn admit(
        &self,
        key: &ThrottleKey,
        rate: Rate,
        now: DateTime<Utc>,
    ) -> Result<Admission, Unexpected> {
        let now = micros(now);
        let statement = Self::statement(
            ADMIT,
            vec![
                Self::digest(key).into(),
                now.into(),
                rate.interval_micros().into(),
                rate.window_micros().into(),
            ],
        );
        let row = self
            .db
            .query_one_raw(statement)
            .await
            .map_err(crate::db::unexpected)?
            .ok_or_else(|| Unexpected::new("the throttle statement returned no row"))?;
        let admitted: Option<i64> = row.try_get("", "admitted").map_err(Unexpected::new)?;
        if admitted.is_some() {
            return Ok(Admission::Admitted);
        }
        let previous: Option<i64> = row.try_get("", "previous").map_err(Unexpected::new)?;
        let over = previous.map_or(rate.interval_micros(), |arrival| {
            arrival.max(now) + rate.interval_micros() - now - rate.window_micros()
        });
        let seconds = over.max(1).unsigned_abs().div_ceil(1_000_000);
        Ok(Admission::Refused {
            retry_after: std::time::Duration::from_secs(seconds),
        })
    }

    async fn refund(
        &self,
        key: &ThrottleKey,
        rate: Rate,
        now: DateTime<Utc>,
    ) -> Result<(), Unexpected> {
        let statement = Self::statement(
            REFUND,
            vec![
                Self::digest(key).into(),
                rate.interval_micros().into(),
                micros(now).into(),
            ],
        );
        self.db
            .execute_raw(statement)
            .await
            .map(|_| ())
            .map_err(Unexpected::new)
    }

    async fn prune(&self, now: DateTime<Utc>) -> Result<u64, Unexpected> {
        let statement = Self::statement(PRUNE, vec![micros(now).into()]);
        self.db
            .execute_raw(statement)
            .await
            .map(|result| result.rows_affected())
            .map_err(Unexpected::new)
    }
}
