//! Sessions' adapters: [`SeaOrmSessionStore`] (sessions and refresh-token digests on SQLite
//! and PostgreSQL) and [`HmacSessionSecrets`] (random ids and tokens, HMAC-SHA256 digests
//! and successors under keys derived from the server's secret).
//!
//! A session keeps when its account proved itself (`auth_time_us`), which every token of it
//! carries; a row without one (started by a server of the fleet not yet upgraded) counts its
//! start.
//!
//! Rotation is a compare-and-swap, the same SQL on both backends and no `SELECT ... FOR
//! UPDATE`: the transaction first touches the session's row (so a concurrent logout waits
//! for it rather than deadlocking with the cascade), then retires the presented token only
//! where it is still live, and stores the successor only when that retirement took. SQLite
//! write transactions start `IMMEDIATE`, so a writer that has to wait does so in the busy
//! timeout.

use async_trait::async_trait;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac as _};
use quill_domain::throttle::micros;
use quill_domain::{
    HeldRefresh, NewSession, RefreshDigest, RefreshToken, SessionId, SessionInfo, SessionSecrets,
    SessionStore, StoreError, UserId,
};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, QueryResult, Statement, Value,
};
use sha2::Sha256;

use crate::db::{instant, store_error};
use crate::tokens::SecretKey;

/// Sessions and refresh-token digests in quill's database.
#[derive(Debug, Clone)]
pub struct SeaOrmSessionStore {
    db: DatabaseConnection,
}

impl SeaOrmSessionStore {
    /// The store over this pool.
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    fn statement(&self, sql: &str, values: Vec<Value>) -> Statement {
        Statement::from_sql_and_values(self.db.get_database_backend(), sql, values)
    }

    async fn begin(&self) -> Result<DatabaseTransaction, StoreError> {
        crate::db::begin_write(&self.db).await
    }

    async fn exec(&self, sql: &str, values: Vec<Value>) -> Result<u64, StoreError> {
        self.db
            .execute_raw(self.statement(sql, values))
            .await
            .map(|done| done.rows_affected())
            .map_err(store_error)
    }
}

fn digest_value(digest: &RefreshDigest) -> Value {
    Value::Bytes(Some(digest.0.to_vec()))
}

fn session_value(id: &SessionId) -> Value {
    id.as_str().into()
}

fn session_info(row: &QueryResult) -> Result<SessionInfo, StoreError> {
    let id: String = row.try_get("", "id").map_err(store_error)?;
    Ok(SessionInfo {
        id: SessionId::new(id),
        created_at: instant(row.try_get("", "created_at_us").map_err(store_error)?),
        last_used_at: instant(row.try_get("", "last_used_at_us").map_err(store_error)?),
        user_agent: row.try_get("", "user_agent").map_err(store_error)?,
    })
}

#[async_trait]
impl SessionStore for SeaOrmSessionStore {
    async fn start(&self, session: NewSession) -> Result<(), StoreError> {
        let insert_session = self.statement(
            "INSERT INTO sessions \
             (id, user_id, user_agent, created_at_us, last_used_at_us, expires_at_us, \
             auth_time_us) \
             VALUES ($1, $2, $3, $4, $4, $5, $6)",
            vec![
                session_value(&session.id),
                session.user.0.into(),
                session.user_agent.into(),
                micros(session.started_at).into(),
                micros(session.expires_at).into(),
                micros(session.authenticated_at).into(),
            ],
        );
        // A login's session is one statement (every login pays for it); an offline one adds
        // its first refresh token in the same transaction.
        let Some(refresh) = &session.refresh else {
            return self
                .db
                .execute_raw(insert_session)
                .await
                .map(drop)
                .map_err(store_error);
        };
        let tx = self.begin().await?;
        tx.execute_raw(insert_session).await.map_err(store_error)?;
        tx.execute_raw(self.statement(
            "INSERT INTO refresh_tokens (digest, session_id) VALUES ($1, $2)",
            vec![digest_value(refresh), session_value(&session.id)],
        ))
        .await
        .map_err(store_error)?;
        tx.commit().await.map_err(store_error)
    }

    async fn sessions_of(
        &self,
        user: UserId,
        now: DateTime<Utc>,
    ) -> Result<Vec<SessionInfo>, StoreError> {
        let rows = self
            .db
            .query_all_raw(self.statement(
                "SELECT id, user_agent, created_at_us, last_used_at_us FROM sessions \
                 WHERE user_id = $1 AND expires_at_us > $2 \
                 ORDER BY last_used_at_us DESC, created_at_us DESC, id DESC",
                vec![user.0.into(), micros(now).into()],
            ))
            .await
            .map_err(store_error)?;
        rows.iter().map(session_info).collect()
    }

    async fn end(&self, user: UserId, id: &SessionId) -> Result<bool, StoreError> {
        let ended = self
            .exec(
                "DELETE FROM sessions WHERE id = $1 AND user_id = $2",
                vec![session_value(id), user.0.into()],
            )
            .await?;
        Ok(ended > 0)
    }

    async fn end_all_and_revoke_tokens(&self, user: UserId) -> Result<bool, StoreError> {
        let tx = self.begin().await?;
        // The account's row before its sessions, the order a password change takes, so the
        // two never wait on each other in opposite orders.
        let moved = tx
            .execute_raw(self.statement(
                "UPDATE users SET token_generation = token_generation + 1 WHERE id = $1",
                vec![user.0.into()],
            ))
            .await
            .map_err(store_error)?;
        if moved.rows_affected() == 0 {
            tx.rollback().await.map_err(store_error)?;
            return Ok(false);
        }
        tx.execute_raw(self.statement(
            "DELETE FROM sessions WHERE user_id = $1",
            vec![user.0.into()],
        ))
        .await
        .map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok(true)
    }

    async fn refresh_holder(
        &self,
        token: &RefreshDigest,
    ) -> Result<Option<HeldRefresh>, StoreError> {
        let row = self
            .db
            .query_one_raw(self.statement(
                "SELECT r.session_id, r.retired_at_us, s.user_id, s.expires_at_us, \
                 COALESCE(s.auth_time_us, s.created_at_us) AS auth_time_us \
                 FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id \
                 WHERE r.digest = $1",
                vec![digest_value(token)],
            ))
            .await
            .map_err(store_error)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let session: String = row.try_get("", "session_id").map_err(store_error)?;
        let retired: Option<i64> = row.try_get("", "retired_at_us").map_err(store_error)?;
        Ok(Some(HeldRefresh {
            session: SessionId::new(session),
            user: UserId(row.try_get("", "user_id").map_err(store_error)?),
            session_expires_at: instant(row.try_get("", "expires_at_us").map_err(store_error)?),
            authenticated_at: instant(row.try_get("", "auth_time_us").map_err(store_error)?),
            retired_at: retired.map(instant),
        }))
    }

    async fn rotate(
        &self,
        presented: &RefreshDigest,
        successor: &RefreshDigest,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let tx = self.begin().await?;
        // The session's row first: racing rotations queue on it, and a logout that deletes
        // the session waits for this transaction instead of locking in the other order.
        let touched = tx
            .query_one_raw(self.statement(
                "UPDATE sessions SET last_used_at_us = $2 \
                 WHERE id = (SELECT session_id FROM refresh_tokens WHERE digest = $1) \
                 RETURNING id",
                vec![digest_value(presented), micros(now).into()],
            ))
            .await
            .map_err(store_error)?;
        let Some(row) = touched else {
            tx.rollback().await.map_err(store_error)?;
            return Ok(false);
        };
        let session: String = row.try_get("", "id").map_err(store_error)?;
        let retired = tx
            .execute_raw(self.statement(
                "UPDATE refresh_tokens SET retired_at_us = $2 \
                 WHERE digest = $1 AND retired_at_us IS NULL",
                vec![digest_value(presented), micros(now).into()],
            ))
            .await
            .map_err(store_error)?;
        if retired.rows_affected() == 0 {
            tx.rollback().await.map_err(store_error)?;
            return Ok(false);
        }
        tx.execute_raw(self.statement(
            "INSERT INTO refresh_tokens (digest, session_id) VALUES ($1, $2)",
            vec![digest_value(successor), session.into()],
        ))
        .await
        .map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok(true)
    }

    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        self.exec(
            "DELETE FROM sessions WHERE expires_at_us <= $1",
            vec![micros(now).into()],
        )
        .await
    }
}

/// Session ids of 16 random bytes and refresh tokens of 32, URL-safe base64, from the
/// operating system's generator. Digests and successors are HMAC-SHA256 under two keys
/// derived from the server's secret (never the secret itself, and not the token-signing
/// key), so neither a copy of the database nor a retired token lets anyone compute a live
/// token. Every server of a fleet needs the same `SECRET_KEY` for this, as for HS256.
#[derive(Clone)]
pub struct HmacSessionSecrets {
    digest_key: Hmac<Sha256>,
    successor_key: Hmac<Sha256>,
}

impl HmacSessionSecrets {
    /// Secrets keyed from `secret`.
    #[must_use]
    pub fn new(secret: &SecretKey) -> Self {
        let derive = |label: &[u8]| {
            // HMAC takes keys of any length, so neither step can fail.
            let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
                .unwrap_or_else(|_| unreachable!());
            mac.update(label);
            let derived = mac.finalize().into_bytes();
            Hmac::<Sha256>::new_from_slice(&derived).unwrap_or_else(|_| unreachable!())
        };
        Self {
            digest_key: derive(b"quill refresh-token digest v1"),
            successor_key: derive(b"quill refresh-token successor v1"),
        }
    }

    fn mac(key: &Hmac<Sha256>, token: &RefreshToken) -> [u8; 32] {
        let mut mac = key.clone();
        mac.update(token.as_str().as_bytes());
        mac.finalize().into_bytes().into()
    }
}

impl std::fmt::Debug for HmacSessionSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HmacSessionSecrets { keys: <redacted> }")
    }
}

fn encoded(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0_u8; N];
    // The operating system's generator failing leaves nothing safe to hand out; it does
    // not fail on any platform quill runs on once the process has started.
    getrandom::fill(&mut bytes).unwrap_or_else(|e| panic!("no randomness: {e}"));
    bytes
}

impl SessionSecrets for HmacSessionSecrets {
    fn new_session_id(&self) -> SessionId {
        SessionId::new(encoded(&random::<16>()))
    }

    fn mint_refresh(&self) -> RefreshToken {
        RefreshToken::new(encoded(&random::<32>()))
    }

    fn successor(&self, presented: &RefreshToken) -> RefreshToken {
        RefreshToken::new(encoded(&Self::mac(&self.successor_key, presented)))
    }

    fn digest(&self, token: &RefreshToken) -> RefreshDigest {
        RefreshDigest(Self::mac(&self.digest_key, token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(key: &str) -> HmacSessionSecrets {
        HmacSessionSecrets::new(&SecretKey::new(key.to_owned()).unwrap())
    }

    const KEY: &str = "a-test-key-that-is-at-least-32-bytes-long";

    #[test]
    fn minted_tokens_and_ids_are_url_safe_and_unique() {
        let s = secrets(KEY);
        let (a, b) = (s.mint_refresh(), s.mint_refresh());
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 43);
        assert!(
            a.as_str()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_ne!(s.new_session_id(), s.new_session_id());
    }

    #[test]
    fn the_successor_is_the_same_for_the_same_token_and_key_only() {
        let s = secrets(KEY);
        let token = s.mint_refresh();
        assert_eq!(s.successor(&token), s.successor(&token));
        assert_ne!(s.successor(&token), token);
        let other = secrets("another-test-key-that-is-at-least-32-bytes");
        assert_ne!(other.successor(&token), s.successor(&token));
    }

    #[test]
    fn the_digest_depends_on_the_key_and_is_not_the_successor() {
        let s = secrets(KEY);
        let token = s.mint_refresh();
        let other = secrets("another-test-key-that-is-at-least-32-bytes");
        assert_ne!(s.digest(&token), other.digest(&token));
        assert_ne!(
            encoded(&s.digest(&token).0),
            s.successor(&token).as_str(),
            "a stored digest must never be a usable token"
        );
    }
}
