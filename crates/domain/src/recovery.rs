//! Account recovery by email, as values and ports: the one-time [`ResetToken`] a mail
//! carries and the [`ResetDigest`] that is all a store keeps of it, the [`ResetRequest`]s that
//! wait for the background job, and the ports the rules of
//! [`AuthService::request_password_reset`](crate::AuthService::request_password_reset) and
//! [`AuthService::reset_password`](crate::AuthService::reset_password) work through.

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::client::Client;
use crate::error::Unexpected;
use crate::mail::Mail;
use crate::ports::StoreError;
use crate::secret::{bearer_secret, secret_digest};
use crate::sessions::SessionId;
use crate::user::{PasswordHash, User, UserId};

bearer_secret! {
    /// A reset token as the mail carries it (URL-safe text). Its `Debug` hides it: whoever holds
    /// it may set the account's password.
    ///
    /// ```
    /// use quill_domain::ResetToken;
    ///
    /// let token = ResetToken::new("abc");
    /// assert_eq!(format!("{token:?}"), "ResetToken(<redacted>)");
    /// ```
    ResetToken
}

secret_digest! {
    /// The digest of a reset token: what the store keeps and looks tokens up by, so a copy of
    /// the database resets no one's password.
    ResetDigest
}

/// Making reset tokens and digesting presented ones: the cryptography, kept out of the
/// domain. `quill-infra` mints 32 random bytes and digests with SHA-256.
pub trait ResetSecrets: Send + Sync {
    /// A fresh, unguessable token and its digest.
    ///
    /// # Errors
    /// [`Unexpected`] when no randomness can be had.
    fn mint(&self) -> Result<(ResetToken, ResetDigest), Unexpected>;

    /// The digest of a presented token (any text: a forged one simply matches nothing).
    fn digest(&self, token: &str) -> ResetDigest;
}

/// A request for a reset link, as it waits for the background job: the answer has been
/// given, so nothing about the account may depend on it any more.
#[derive(Clone, PartialEq, Eq)]
pub struct ResetRequest {
    /// The canonical email typed, which may belong to no one.
    pub email: String,
    /// Who asked.
    pub client: Client,
}

impl fmt::Debug for ResetRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResetRequest")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

/// Where reset requests wait between the answer and the job that handles them. Bounded: a
/// full queue refuses at once.
pub trait ResetRequestQueue: Send + Sync {
    /// Queues a request; `false` when the queue is full.
    fn push(&self, request: ResetRequest) -> bool;
}

/// Reset tokens and the mail that goes with every change of them, each change in one
/// transaction with its mail (into the [`MailOutbox`](crate::MailOutbox) the same store
/// keeps), so no token is issued without its mail and no password changes without its
/// notice.
#[async_trait]
pub trait RecoveryStore: Send + Sync {
    /// Gives `user` this token, in place of any earlier one (an account has at most one),
    /// valid until `expires_at`, and queues `mail` with it. `false` when the account no
    /// longer exists (nothing is written).
    async fn issue_reset(
        &self,
        user: UserId,
        digest: ResetDigest,
        expires_at: DateTime<Utc>,
        mail: Mail,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// The account holding a token that is still valid at `now`, if any; consumes nothing.
    async fn reset_holder(
        &self,
        digest: ResetDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, StoreError>;

    /// Consumes the token if it is still valid at `now` and, in the same transaction, sets
    /// the holder's password hash, moves the account to its next token generation, ends
    /// all its sessions, drops its other reset tokens and queues `notice`. Of racing calls with one token exactly one
    /// gets `Some`; the others, and a spent or expired token, get `None` and change nothing.
    async fn complete_reset(
        &self,
        digest: ResetDigest,
        now: DateTime<Utc>,
        hash: PasswordHash,
        notice: Mail,
    ) -> Result<Option<UserId>, StoreError>;

    /// Sets a new password hash (a signed-in owner's change), moves the account to its next
    /// token generation, ends its sessions but `keep` (the owner's own), drops its reset
    /// tokens and queues `notice`, in one transaction; `false` when the account no longer
    /// exists.
    async fn change_password(
        &self,
        user: UserId,
        hash: PasswordHash,
        keep: Option<&SessionId>,
        notice: Mail,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Forgets tokens that expired by `now`; returns how many.
    async fn purge_expired_resets(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;
}
