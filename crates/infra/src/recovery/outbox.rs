//! The mail outbox on the recovery store: mail queued in the transaction of the change that
//! causes it, claimed by one deliverer at a time until its hold ends, then delivered or
//! released for a later attempt.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use quill_domain::{
    Mail, MailId, MailOutbox, OutboxDepth, QueuedMail, StoreError, Unexpected, throttle::micros,
};
use sea_orm::ConnectionTrait;

use super::SeaOrmRecoveryStore;
use crate::db::{instant, store_error};

#[async_trait]
impl MailOutbox for SeaOrmRecoveryStore {
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        hold_until: DateTime<Utc>,
    ) -> Result<Option<QueuedMail>, StoreError> {
        // The outer condition repeats the inner one: on PostgreSQL a server that lost the
        // race for the row re-checks it after the winner commits, finds it held, and takes
        // nothing; SQLite has one writer at a time.
        let row = self
            .db
            .query_one_raw(self.statement(
                "UPDATE mail_outbox SET held_until_us = $1, attempts = attempts + 1 \
                 WHERE id = (SELECT id FROM mail_outbox \
                             WHERE due_at_us <= $2 \
                               AND (held_until_us IS NULL OR held_until_us < $2) \
                             ORDER BY due_at_us, id LIMIT 1) \
                   AND (held_until_us IS NULL OR held_until_us < $2) \
                 RETURNING id, recipient, subject, body, attempts, queued_at_us",
                vec![micros(hold_until).into(), micros(now).into()],
            ))
            .await
            .map_err(store_error)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let get = |column: &str| -> Result<String, StoreError> {
            row.try_get("", column).map_err(store_error)
        };
        let attempts: i32 = row.try_get("", "attempts").map_err(store_error)?;
        Ok(Some(QueuedMail {
            id: MailId(row.try_get("", "id").map_err(store_error)?),
            mail: Mail::new(get("recipient")?, get("subject")?, get("body")?),
            attempts: u32::try_from(attempts).unwrap_or(0),
            queued_at: instant(row.try_get("", "queued_at_us").map_err(store_error)?),
        }))
    }

    async fn delivered(&self, id: MailId) -> Result<(), StoreError> {
        self.db
            .execute_raw(self.statement("DELETE FROM mail_outbox WHERE id = $1", vec![id.0.into()]))
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn retry_at(&self, id: MailId, retry_at: DateTime<Utc>) -> Result<(), StoreError> {
        self.db
            .execute_raw(self.statement(
                "UPDATE mail_outbox SET due_at_us = $1, held_until_us = NULL WHERE id = $2",
                vec![micros(retry_at).into(), id.0.into()],
            ))
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn enqueue(&self, mail: Mail, now: DateTime<Utc>) -> Result<MailId, StoreError> {
        let row = self
            .db
            .query_one_raw(self.statement(
                "INSERT INTO mail_outbox (recipient, subject, body, queued_at_us, due_at_us) \
                 VALUES ($1, $2, $3, $4, $4) RETURNING id",
                vec![
                    mail.to.into(),
                    mail.subject.into(),
                    mail.body.into(),
                    micros(now).into(),
                ],
            ))
            .await
            .map_err(store_error)?
            .ok_or_else(|| StoreError::Unexpected(Unexpected::new("the insert returned no id")))?;
        self.mail_queued.notify_one();
        Ok(MailId(row.try_get("", "id").map_err(store_error)?))
    }

    async fn depth(&self) -> Result<OutboxDepth, StoreError> {
        let row = self
            .db
            .query_one_raw(self.statement(
                "SELECT COUNT(*) AS queued, MIN(queued_at_us) AS oldest FROM mail_outbox",
                vec![],
            ))
            .await
            .map_err(store_error)?;
        let Some(row) = row else {
            return Ok(OutboxDepth::default());
        };
        let queued: i64 = row.try_get("", "queued").map_err(store_error)?;
        let oldest: Option<i64> = row.try_get("", "oldest").map_err(store_error)?;
        Ok(OutboxDepth {
            queued: u64::try_from(queued).unwrap_or(0),
            oldest: oldest.map(instant),
        })
    }
}
