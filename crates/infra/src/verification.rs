//! Email verification's adapters: [`SeaOrmVerificationStore`] (verification tokens and
//! `users.email_verified_at`, on SQLite and PostgreSQL, each link in one transaction with its
//! mail) and [`Sha256VerificationSecrets`] (32 random bytes, URL-safe, digested with
//! SHA-256).
//!
//! The token is consumed by the statement that finds it, so of racing verifications with one
//! link exactly one gets its row; the email is marked verified only where the account still
//! has the address the link was mailed to, in the same transaction.

use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use quill_domain::{
    Mail, StoreError, Unexpected, UserId, VerificationDigest, VerificationIssue,
    VerificationSecrets, VerificationStore, VerificationToken, throttle::micros,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, Value};
use sha2::{Digest as _, Sha256};
use tokio::sync::Notify;

use crate::db::{instant, store_error};

/// Verification tokens and verified emails in quill's database.
#[derive(Debug, Clone)]
pub struct SeaOrmVerificationStore {
    db: DatabaseConnection,
    /// Woken whenever mail is queued, so delivery need not wait for its next poll.
    mail_queued: Arc<Notify>,
}

impl SeaOrmVerificationStore {
    /// The store over this pool.
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            mail_queued: Arc::default(),
        }
    }

    /// This store, waking `mail_queued` whenever it queues mail (hand it what mail delivery
    /// waits on, as the recovery store's
    /// [`mail_queued`](crate::SeaOrmRecoveryStore::mail_queued)).
    #[must_use]
    pub fn notifying(self, mail_queued: Arc<Notify>) -> Self {
        Self {
            mail_queued,
            ..self
        }
    }

    fn statement(&self, sql: &str, values: Vec<Value>) -> Statement {
        Statement::from_sql_and_values(self.db.get_database_backend(), sql, values)
    }
}

fn digest_value(digest: VerificationDigest) -> Value {
    Value::Bytes(Some(digest.0.to_vec()))
}

#[async_trait]
impl VerificationStore for SeaOrmVerificationStore {
    async fn issue_verification(
        &self,
        issue: VerificationIssue,
        mail: Mail,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let tx = crate::db::begin_write(&self.db).await?;
        // One row per account, written only while the account has the email it verifies: a
        // new link replaces the earlier one in the same statement.
        let stored = tx
            .execute_raw(self.statement(
                "INSERT INTO email_verifications (digest, user_id, email, expires_at_us) \
                 SELECT $1, id, email, $4 FROM users WHERE id = $2 AND email = $3 \
                 ON CONFLICT (user_id) DO UPDATE SET digest = excluded.digest, \
                 email = excluded.email, expires_at_us = excluded.expires_at_us",
                vec![
                    digest_value(issue.digest),
                    issue.user.0.into(),
                    issue.email.into(),
                    micros(issue.expires_at).into(),
                ],
            ))
            .await
            .map_err(store_error)?;
        if stored.rows_affected() == 0 {
            tx.rollback().await.map_err(store_error)?;
            return Ok(false);
        }
        crate::db::queue_mail(&tx, mail, now).await?;
        tx.commit().await.map_err(store_error)?;
        self.mail_queued.notify_one();
        Ok(true)
    }

    async fn complete_verification(
        &self,
        digest: VerificationDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<UserId>, StoreError> {
        let tx = crate::db::begin_write(&self.db).await?;
        // The statement that finds the token deletes it: of racing verifications, one gets
        // the row.
        let consumed = tx
            .query_one_raw(self.statement(
                "DELETE FROM email_verifications WHERE digest = $1 AND expires_at_us > $2 \
                 RETURNING user_id, email",
                vec![digest_value(digest), micros(now).into()],
            ))
            .await
            .map_err(store_error)?;
        let Some(row) = consumed else {
            tx.rollback().await.map_err(store_error)?;
            return Ok(None);
        };
        let user: i64 = row.try_get("", "user_id").map_err(store_error)?;
        let email: String = row.try_get("", "email").map_err(store_error)?;
        let marked = tx
            .execute_raw(self.statement(
                "UPDATE users SET email_verified_at = $3 WHERE id = $1 AND email = $2",
                vec![user.into(), email.into(), micros(now).into()],
            ))
            .await
            .map_err(store_error)?;
        // Spent either way: a link for an address the account no longer has is dead.
        tx.commit().await.map_err(store_error)?;
        Ok((marked.rows_affected() == 1).then_some(UserId(user)))
    }

    async fn email_verified_at(&self, user: UserId) -> Result<Option<DateTime<Utc>>, StoreError> {
        let row = self
            .db
            .query_one_raw(self.statement(
                "SELECT email_verified_at FROM users WHERE id = $1",
                vec![user.0.into()],
            ))
            .await
            .map_err(store_error)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let at: Option<i64> = row.try_get("", "email_verified_at").map_err(store_error)?;
        Ok(at.map(instant))
    }

    async fn purge_expired_verifications(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(self
            .db
            .execute_raw(self.statement(
                "DELETE FROM email_verifications WHERE expires_at_us <= $1",
                vec![micros(now).into()],
            ))
            .await
            .map_err(store_error)?
            .rows_affected())
    }
}

/// Verification tokens of 32 bytes from the operating system's generator, URL-safe base64 in
/// the link, and their SHA-256 digest in the database.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sha256VerificationSecrets;

impl VerificationSecrets for Sha256VerificationSecrets {
    fn mint(&self) -> Result<(VerificationToken, VerificationDigest), Unexpected> {
        let mut bytes = [0_u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| Unexpected::new(e.to_string()))?;
        let token =
            VerificationToken::new(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes));
        let digest = self.digest(token.as_str());
        Ok((token, digest))
    }

    fn digest(&self, token: &str) -> VerificationDigest {
        VerificationDigest(Sha256::digest(token.as_bytes()).into())
    }
}
