//! Sessions and refresh tokens, as values and ports: the [`SessionId`] every access token
//! names (`sid`), the opaque [`RefreshToken`] an offline session is renewed with and the
//! [`RefreshDigest`] that is all a store keeps of it, and the two ports the rules of
//! [`SessionService::refresh`](crate::SessionService::refresh) work through: [`SessionStore`]
//! and [`SessionSecrets`].

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::token::TokenStanding;
use crate::error::StoreError;
use crate::secret::{bearer_secret, secret_digest};
use crate::user::{User, UserId};

/// A session's id: random, URL-safe, and no secret (it is in every access token and in the
/// session list). What makes it safe to show is that ending a session needs a token of the
/// same account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionId(String);

impl SessionId {
    /// Wraps an id.
    #[must_use]
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

bearer_secret! {
    /// A refresh token as the client holds it. Its `Debug` hides it: whoever holds it may renew
    /// the session.
    ///
    /// ```
    /// use quill_domain::RefreshToken;
    ///
    /// let token = RefreshToken::new("abc");
    /// assert_eq!(format!("{token:?}"), "RefreshToken(<redacted>)");
    /// ```
    RefreshToken
}

secret_digest! {
    /// The keyed digest of a refresh token: what the store keeps and looks tokens up by, so a
    /// copy of the database renews no one's session.
    RefreshDigest
}

/// Minting and digesting the secrets of sessions. `quill-infra` keys both digests with the
/// server's secret.
pub trait SessionSecrets: Send + Sync {
    /// A fresh, unguessable session id.
    fn new_session_id(&self) -> SessionId;

    /// A fresh, unguessable refresh token: the first of a session's chain.
    fn mint_refresh(&self) -> RefreshToken;

    /// The token that replaces `presented` when it is rotated. It is derived from
    /// `presented` under the server's key, so every tab racing with the same token is handed
    /// the same successor (one chain, nothing stored that could renew the session), while
    /// no one without the key can compute it.
    fn successor(&self, presented: &RefreshToken) -> RefreshToken;

    /// The digest a token is stored and looked up by.
    fn digest(&self, token: &RefreshToken) -> RefreshDigest;
}

/// A session to store.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// Its id.
    pub id: SessionId,
    /// Whose it is.
    pub user: UserId,
    /// The client's `User-Agent`, trimmed and cut to a bounded length, if it sent one.
    pub user_agent: Option<String>,
    /// When it began (also its first use).
    pub started_at: DateTime<Utc>,
    /// When the account proved itself for it (`auth_time`): the login that starts it. Every
    /// access token of the session carries it, refreshes included.
    pub authenticated_at: DateTime<Utc>,
    /// When it ends whatever happens (its absolute expiry).
    pub expires_at: DateTime<Utc>,
    /// The digest of its first refresh token, for an offline session.
    pub refresh: Option<RefreshDigest>,
}

/// A live session, as its owner sees it in the session list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// Its id.
    pub id: SessionId,
    /// When it began (the login).
    pub created_at: DateTime<Utc>,
    /// When it was last renewed (or began).
    pub last_used_at: DateTime<Utc>,
    /// The client's `User-Agent` at login.
    pub user_agent: Option<String>,
}

/// What the store knows of a presented refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldRefresh {
    /// The session it renews.
    pub session: SessionId,
    /// Whose session that is.
    pub user: UserId,
    /// The session's absolute expiry.
    pub session_expires_at: DateTime<Utc>,
    /// When the account proved itself for the session, which the renewed token carries on:
    /// a refresh is not an authentication.
    pub authenticated_at: DateTime<Utc>,
    /// When it was rotated (so it is spent); `None` while it is the live end of the chain.
    pub retired_at: Option<DateTime<Utc>>,
}

/// Storage of sessions and their refresh tokens. `quill-infra` implements it on SQLite and
/// PostgreSQL, the `testing` module in memory; both pass the same rules. Ending a session
/// drops its refresh tokens with it.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a new session.
    ///
    /// # Errors
    /// [`StoreError::AccountGone`] when its account was deleted meanwhile.
    async fn start(&self, session: NewSession) -> Result<(), StoreError>;

    /// The account's sessions that are live at `now`, the most recently used first.
    async fn sessions_of(
        &self,
        user: UserId,
        now: DateTime<Utc>,
    ) -> Result<Vec<SessionInfo>, StoreError>;

    /// Ends one session of `user`; `false` when `user` has no session with this id (another
    /// account's session is never touched).
    async fn end(&self, user: UserId, id: &SessionId) -> Result<bool, StoreError>;

    /// Ends every session of `user` and moves the account to its next token generation,
    /// in one write: afterwards no token issued so far is accepted, in a session or not, and
    /// no refresh token is live. A failure leaves both as they were, never one without the
    /// other. `false` when the account does not exist.
    async fn end_all_and_revoke_tokens(&self, user: UserId) -> Result<bool, StoreError>;

    /// The session a refresh token belongs to and whether it was rotated, if the store
    /// holds it.
    async fn refresh_holder(
        &self,
        token: &RefreshDigest,
    ) -> Result<Option<HeldRefresh>, StoreError>;

    /// Retires `presented` and stores `successor` as the session's live token, marking the
    /// session used at `now`, only if `presented` is still live (a compare-and-swap): of
    /// racing calls with one token exactly one gets `true`; the others change nothing.
    async fn rotate(
        &self,
        presented: &RefreshDigest,
        successor: &RefreshDigest,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Forgets sessions that expired by `now`, with their tokens; returns how many.
    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;
}

/// Where the tokens of an account stand: single tokens revoked on their own (a logout of a
/// token that names no session), and the account with its token's standing, read together
/// since that is what every token check needs. Implemented over the accounts' store.
#[async_trait]
pub trait TokenStandings: Send + Sync {
    /// Remembers one token as revoked until it would have expired anyway.
    async fn revoke_token(
        &self,
        token_id: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// The account with this id and where this token of it stands (its session's expiry,
    /// whether it was revoked on its own): all that checking a bearer token needs, in what a
    /// store should answer in one round trip. `session` is the token's `sid`; a token
    /// without one (issued by the original) is judged by its `token_id` alone.
    async fn by_id_with_token_standing(
        &self,
        id: UserId,
        session: Option<&SessionId>,
        token_id: &str,
    ) -> Result<Option<(User, TokenStanding)>, StoreError>;

    /// Forgets revocations of tokens that have expired by `now` (they are refused anyway);
    /// returns how many.
    async fn purge_revoked_tokens(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;
}
