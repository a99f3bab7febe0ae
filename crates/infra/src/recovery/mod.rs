//! Account recovery's adapters: [`SeaOrmRecoveryStore`] (reset tokens and the mail outbox,
//! on SQLite and PostgreSQL, each change in one transaction with its mail),
//! [`Sha256ResetSecrets`] (32 random bytes, URL-safe, digested with SHA-256) and
//! [`ChannelResetRequests`] (the bounded queue between the answer and the job).
//!
//! The SQL is written out: a claim that two servers cannot both win, a token consumed by the
//! statement that reads it, and an upsert that keeps one token per account are each one
//! statement, the same on both backends. SQLite write transactions start `IMMEDIATE`, so a
//! writer that has to wait does so in SQLite's busy timeout instead of failing half-way.

mod outbox;
mod queue;
mod secrets;

pub use queue::ChannelResetRequests;
pub use secrets::Sha256ResetSecrets;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use quill_domain::{
    Mail, PasswordHash, RecoveryStore, ResetDigest, ResetIssue, ResetMailPace, SessionId,
    StoreError, User, UserId, throttle::micros,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, Statement, Value};
use tokio::sync::Notify;

use crate::db::{store_error, to_domain};

/// Reset tokens and the mail outbox in quill's database.
#[derive(Debug, Clone)]
pub struct SeaOrmRecoveryStore {
    db: DatabaseConnection,
    /// Woken whenever mail is queued, so delivery need not wait for its next poll.
    mail_queued: std::sync::Arc<Notify>,
}

impl SeaOrmRecoveryStore {
    /// The store over this pool.
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            mail_queued: std::sync::Arc::default(),
        }
    }

    /// Notified each time this store queues mail.
    #[must_use]
    pub fn mail_queued(&self) -> std::sync::Arc<Notify> {
        self.mail_queued.clone()
    }

    fn statement(&self, sql: &str, values: Vec<Value>) -> Statement {
        Statement::from_sql_and_values(self.db.get_database_backend(), sql, values)
    }

    async fn begin(&self) -> Result<DatabaseTransaction, StoreError> {
        crate::db::begin_write(&self.db).await
    }

    async fn commit(&self, tx: DatabaseTransaction) -> Result<(), StoreError> {
        tx.commit().await.map_err(store_error)?;
        self.mail_queued.notify_one();
        Ok(())
    }

    /// Sets the hash, moves the generation, ends the account's sessions but `keep` and drops
    /// its reset tokens; `false` when the account is gone.
    async fn replace_password_in(
        &self,
        tx: &DatabaseTransaction,
        user: UserId,
        hash: &PasswordHash,
        keep: Option<&SessionId>,
    ) -> Result<bool, StoreError> {
        let updated = tx
            .execute_raw(self.statement(
                "UPDATE users SET password_hash = $1, token_generation = token_generation + 1 \
                 WHERE id = $2",
                vec![hash.as_str().into(), user.0.into()],
            ))
            .await
            .map_err(store_error)?;
        if updated.rows_affected() == 0 {
            return Ok(false);
        }
        tx.execute_raw(self.statement(
            "DELETE FROM password_resets WHERE user_id = $1",
            vec![user.0.into()],
        ))
        .await
        .map_err(store_error)?;
        // The links mailed are spent: they no longer answer the next reset request.
        tx.execute_raw(self.statement(
            "UPDATE reset_mail_pace SET link_expires_us = 0 WHERE user_id = $1",
            vec![user.0.into()],
        ))
        .await
        .map_err(store_error)?;
        // `IS DISTINCT FROM` matches the NULL of "keep none" on both backends, where `<>`
        // would not.
        tx.execute_raw(self.statement(
            "DELETE FROM sessions WHERE user_id = $1 AND id IS DISTINCT FROM $2",
            vec![user.0.into(), keep.map(|k| k.as_str().to_owned()).into()],
        ))
        .await
        .map_err(store_error)?;
        Ok(true)
    }
}

fn digest_value(digest: ResetDigest) -> Value {
    Value::Bytes(Some(digest.0.to_vec()))
}

#[async_trait]
impl RecoveryStore for SeaOrmRecoveryStore {
    async fn issue_reset(
        &self,
        user: UserId,
        digest: ResetDigest,
        expires_at: DateTime<Utc>,
        mail: Mail,
        pace: ResetMailPace,
    ) -> Result<ResetIssue, StoreError> {
        let tx = self.begin().await?;
        // `ResetMailPace::next` as one statement: the account's record moves only when the
        // pace lets a mail go, and racing handlers of one account (on any server) meet on its
        // row, where the later one sees what the earlier one wrote.
        let paced = tx
            .execute_raw(self.statement(
                "INSERT INTO reset_mail_pace \
                 (user_id, day_started_us, mails, last_mailed_us, link_expires_us) \
                 SELECT id, $2, 1, $2, $3 FROM users WHERE id = $1 \
                 ON CONFLICT (user_id) DO UPDATE SET \
                 day_started_us = CASE WHEN reset_mail_pace.day_started_us <= $5 THEN $2 \
                 ELSE reset_mail_pace.day_started_us END, \
                 mails = CASE WHEN reset_mail_pace.day_started_us <= $5 THEN 1 \
                 ELSE reset_mail_pace.mails + 1 END, \
                 last_mailed_us = $2, link_expires_us = $3 \
                 WHERE NOT (reset_mail_pace.last_mailed_us > $4 \
                 AND reset_mail_pace.link_expires_us > $2) \
                 AND (reset_mail_pace.day_started_us <= $5 OR reset_mail_pace.mails < $6)",
                vec![
                    user.0.into(),
                    micros(pace.now).into(),
                    micros(expires_at).into(),
                    micros(pace.recent_since()).into(),
                    micros(pace.day_over_at()).into(),
                    i64::from(pace.mails_per_day).into(),
                ],
            ))
            .await
            .map_err(store_error)?;
        if paced.rows_affected() == 0 {
            let account = tx
                .query_one_raw(
                    self.statement("SELECT id FROM users WHERE id = $1", vec![user.0.into()]),
                )
                .await
                .map_err(store_error)?;
            tx.rollback().await.map_err(store_error)?;
            return Ok(match account {
                Some(_) => ResetIssue::Paced,
                None => ResetIssue::NoAccount,
            });
        }
        // One row per account: a new token replaces the earlier one in the same statement.
        tx.execute_raw(self.statement(
            "INSERT INTO password_resets (digest, user_id, expires_at_us) \
             VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE \
             SET digest = excluded.digest, expires_at_us = excluded.expires_at_us",
            vec![
                digest_value(digest),
                user.0.into(),
                micros(expires_at).into(),
            ],
        ))
        .await
        .map_err(store_error)?;
        crate::db::queue_mail(&tx, mail, pace.now).await?;
        self.commit(tx).await?;
        Ok(ResetIssue::Issued)
    }

    async fn reset_holder(
        &self,
        digest: ResetDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, StoreError> {
        let row = self
            .db
            .query_one_raw(self.statement(
                "SELECT user_id FROM password_resets WHERE digest = $1 AND expires_at_us > $2",
                vec![digest_value(digest), micros(now).into()],
            ))
            .await
            .map_err(store_error)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let id: i64 = row.try_get("", "user_id").map_err(store_error)?;
        use crate::db::UniqueLookup as _;
        use sea_orm::EntityTrait as _;
        crate::entities::user::Entity::find_by_id(id)
            .unique(&self.db)
            .await
            .map(|found| found.map(to_domain))
            .map_err(store_error)
    }

    async fn complete_reset(
        &self,
        digest: ResetDigest,
        now: DateTime<Utc>,
        hash: PasswordHash,
        notice: Mail,
    ) -> Result<Option<UserId>, StoreError> {
        let tx = self.begin().await?;
        // The statement that finds the token deletes it: of racing resets, one gets the row.
        let consumed = tx
            .query_one_raw(self.statement(
                "DELETE FROM password_resets WHERE digest = $1 AND expires_at_us > $2 \
                 RETURNING user_id",
                vec![digest_value(digest), micros(now).into()],
            ))
            .await
            .map_err(store_error)?;
        let Some(row) = consumed else {
            tx.rollback().await.map_err(store_error)?;
            return Ok(None);
        };
        let user = UserId(row.try_get("", "user_id").map_err(store_error)?);
        if !self.replace_password_in(&tx, user, &hash, None).await? {
            tx.rollback().await.map_err(store_error)?;
            return Ok(None);
        }
        crate::db::queue_mail(&tx, notice, now).await?;
        self.commit(tx).await?;
        Ok(Some(user))
    }

    async fn change_password(
        &self,
        user: UserId,
        hash: PasswordHash,
        keep: Option<&SessionId>,
        notice: Mail,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let tx = self.begin().await?;
        if !self.replace_password_in(&tx, user, &hash, keep).await? {
            tx.rollback().await.map_err(store_error)?;
            return Ok(false);
        }
        crate::db::queue_mail(&tx, notice, now).await?;
        self.commit(tx).await?;
        Ok(true)
    }

    async fn purge_expired_resets(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let purged = self
            .db
            .execute_raw(self.statement(
                "DELETE FROM password_resets WHERE expires_at_us <= $1",
                vec![micros(now).into()],
            ))
            .await
            .map_err(store_error)?
            .rows_affected();
        // A record whose day is over and whose link no longer works would let the next mail
        // go anyway; dropping it keeps the table to the accounts mailed lately.
        self.db
            .execute_raw(self.statement(
                "DELETE FROM reset_mail_pace WHERE day_started_us <= $1 AND link_expires_us <= $2",
                vec![
                    micros(now - chrono::Duration::days(1)).into(),
                    micros(now).into(),
                ],
            ))
            .await
            .map_err(store_error)?;
        Ok(purged)
    }
}
