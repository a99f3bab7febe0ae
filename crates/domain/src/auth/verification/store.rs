//! Email verification as values and ports: the one-time [`VerificationToken`] a mail carries
//! and the [`VerificationDigest`] that is all a store keeps of it, the
//! [`VerificationSecrets`] that mint them, the [`VerificationStore`] that keeps them beside
//! the accounts, and [`AccountSecurity`], what an account's owner is shown of its assurance.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::{StoreError, Unexpected};
use crate::mail::Mail;
use crate::secret::{bearer_secret, secret_digest};
use crate::user::UserId;

bearer_secret! {
    /// A verification token as the mail carries it (URL-safe text). Its `Debug` hides it:
    /// whoever holds it may confirm the address.
    ///
    /// ```
    /// use quill_domain::VerificationToken;
    ///
    /// let token = VerificationToken::new("abc");
    /// assert_eq!(format!("{token:?}"), "VerificationToken(<redacted>)");
    /// ```
    VerificationToken
}

secret_digest! {
    /// The digest of a verification token: what the store keeps and looks tokens up by, so a
    /// copy of the database verifies no one's email.
    VerificationDigest
}

/// Making verification tokens and digesting presented ones: the cryptography, kept out of the
/// domain. `quill-infra` mints 32 random bytes and digests with SHA-256.
pub trait VerificationSecrets: Send + Sync {
    /// A fresh, unguessable token and its digest.
    ///
    /// # Errors
    /// [`Unexpected`] when no randomness can be had.
    fn mint(&self) -> Result<(VerificationToken, VerificationDigest), Unexpected>;

    /// The digest of a presented token (any text: a forged one simply matches nothing).
    fn digest(&self, token: &str) -> VerificationDigest;
}

/// A verification link about to be stored: its digest, the address it verifies and until
/// when it works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationIssue {
    /// The account it belongs to.
    pub user: UserId,
    /// The address the link is mailed to and verifies.
    pub email: String,
    /// The token's digest.
    pub digest: VerificationDigest,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
}

/// Verification tokens and the state of each account's email, with the mail that carries a
/// link queued in the same transaction as its token (into the
/// [`MailOutbox`](crate::MailOutbox) the store keeps), so no token is stored without its mail
/// and no link is mailed without its token.
#[async_trait]
pub trait VerificationStore: Send + Sync {
    /// Stores the token in place of every earlier verification token of the account and
    /// queues `mail` at `now`, in one transaction, if the account still has the email the
    /// token verifies; `false` (nothing written) when it has not, or is gone.
    async fn issue_verification(
        &self,
        issue: VerificationIssue,
        mail: Mail,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Consumes the token if it is still valid at `now` and, in the same transaction, marks
    /// its account's email verified at `now` if the account still has the email the token
    /// was mailed to. Of racing calls with one token at most one gets `Some`; the others, a
    /// spent or expired token and one whose account's email has changed since get `None`.
    async fn complete_verification(
        &self,
        digest: VerificationDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<UserId>, StoreError>;

    /// When the account's current email was verified; `None` when it was not (a changed
    /// email is not verified until its own link is used) or the account is gone.
    async fn email_verified_at(&self, user: UserId) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// Forgets tokens that expired by `now`; returns how many.
    async fn purge_expired_verifications(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;
}

/// What an account's owner is shown of how the account is protected. Only true statements:
/// quill has no second factor, passkeys or recovery codes yet, so those read as absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSecurity {
    /// Whether the account's current email has been verified by a mailed link.
    pub email_verified: bool,
    /// A new email waiting for its confirmation, if any.
    pub pending_email: Option<String>,
    /// Whether the account signs in with a password.
    pub password_set: bool,
    /// Whether a one-time-password second factor is enrolled.
    pub totp: bool,
    /// How many passkeys are registered.
    pub passkeys: u32,
    /// How many recovery codes are left, when the account has any.
    pub recovery_codes_left: Option<u32>,
}
