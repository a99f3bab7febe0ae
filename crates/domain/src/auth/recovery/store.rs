//! Account recovery by email, as values and ports: the one-time [`ResetToken`] a mail
//! carries and the [`ResetDigest`] that is all a store keeps of it, the [`ResetRequest`]s that
//! wait for the background job, and the ports the rules of
//! [`RecoveryService::request_password_reset`](super::RecoveryService::request_password_reset) and
//! [`RecoveryService::reset_password`](super::RecoveryService::reset_password) work through.

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::auth::session::SessionId;
use crate::client::Client;
use crate::error::{StoreError, Unexpected};
use crate::mail::Mail;
use crate::secret::{bearer_secret, secret_digest};
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

/// How often one account is mailed a reset link, whoever asks: the rule
/// [`RecoveryService::handle_reset_request`](super::RecoveryService::handle_reset_request) hands the
/// store, which applies it in the transaction that would issue the token, so requests handled
/// at once (on several servers too) cannot each mail.
///
/// A request is answered by the link already mailed while that link still works and was
/// mailed less than `resend_after` ago; and an account is mailed at most `mails_per_day`
/// links in a day, counted from the first mail of that day.
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use quill_domain::{MailedResets, ResetMailPace};
///
/// let start = Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap();
/// let pace = |now| ResetMailPace { now, resend_after: Duration::minutes(15), mails_per_day: 5 };
/// let first = pace(start).next(None, start + Duration::hours(1)).unwrap();
/// // Five minutes later the link mailed first still works: it answers this request too.
/// assert_eq!(pace(start + Duration::minutes(5)).next(Some(first), start + Duration::hours(2)), None);
/// // Twenty minutes later a new link goes out, the day's second.
/// let second = pace(start + Duration::minutes(20)).next(Some(first), start + Duration::hours(2)).unwrap();
/// assert_eq!(second.mails, 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResetMailPace {
    /// The time of the request's handling.
    pub now: DateTime<Utc>,
    /// How long a mailed link that still works answers new requests.
    pub resend_after: chrono::Duration,
    /// The most links one account is mailed in a day.
    pub mails_per_day: u32,
}

/// What has been mailed to one account, as the pace counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailedResets {
    /// When the current day of mails began (its first mail).
    pub day_started: DateTime<Utc>,
    /// Links mailed since then.
    pub mails: u32,
    /// When the last link was mailed.
    pub last_mailed: DateTime<Utc>,
    /// Until when that link works; a spent or replaced link counts as expired.
    pub link_expires: DateTime<Utc>,
}

impl ResetMailPace {
    /// A link mailed after this instant, while it works, answers a new request.
    #[must_use]
    pub fn recent_since(&self) -> DateTime<Utc> {
        self.now - self.resend_after
    }

    /// A day of mails that began at or before this instant is over.
    #[must_use]
    pub fn day_over_at(&self) -> DateTime<Utc> {
        self.now - chrono::Duration::days(1)
    }

    /// The record after mailing a link that works until `link_expires`, or `None` when the
    /// pace says to mail nothing: a recent link still works, or the day's mails are spent.
    /// Stores apply exactly this rule (the in-memory one by calling it).
    #[must_use]
    pub fn next(
        &self,
        mailed: Option<MailedResets>,
        link_expires: DateTime<Utc>,
    ) -> Option<MailedResets> {
        let (day_started, mails) = match mailed {
            None => (self.now, 1),
            Some(m) if m.last_mailed > self.recent_since() && m.link_expires > self.now => {
                return None;
            }
            Some(m) if m.day_started <= self.day_over_at() => (self.now, 1),
            Some(m) if m.mails < self.mails_per_day => (m.day_started, m.mails + 1),
            Some(_) => return None,
        };
        Some(MailedResets {
            day_started,
            mails,
            last_mailed: self.now,
            link_expires,
        })
    }
}

/// What came of handing the store a fresh reset token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetIssue {
    /// The token replaced any earlier one and its mail is queued.
    Issued,
    /// The pace said to mail nothing; nothing was written.
    Paced,
    /// No such account (any more); nothing was written.
    NoAccount,
}

/// Reset tokens and the mail that goes with every change of them, each change in one
/// transaction with its mail (into the [`MailOutbox`](crate::MailOutbox) the same store
/// keeps), so no token is issued without its mail and no password changes without its
/// notice.
#[async_trait]
pub trait RecoveryStore: Send + Sync {
    /// Gives `user` this token, in place of any earlier one (an account has at most one),
    /// valid until `expires_at`, and queues `mail` with it, if `pace` (applied to what the
    /// store has recorded of the account's reset mails, as [`ResetMailPace::next`] does)
    /// lets it; records the mail with the token. Spent and replaced links stop counting as
    /// working ones for the pace.
    async fn issue_reset(
        &self,
        user: UserId,
        digest: ResetDigest,
        expires_at: DateTime<Utc>,
        mail: Mail,
        pace: ResetMailPace,
    ) -> Result<ResetIssue, StoreError>;

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
