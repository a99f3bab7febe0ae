//! The audit trail, as a rule: which authentication events happen and what each says.
//! every capability's service reports every one to an [`AuthEvents`] port, so an
//! embedding application records the same trail as quill without a line of its own.
//! `quill-infra` writes them as `tracing` events (target `audit`) and counts them for its
//! metrics; the `testing` module keeps them for assertions. Refused tokens reach the port
//! too, with their [`TokenRefusal`] reason, to be counted rather than written down.
//!
//! An event never carries a password, a hash or a token. The email a failed login named is
//! handed to the port wrapped in [`AttemptedAccount`], which never shows it: an adapter
//! records a keyed digest of it, so a campaign against one account can be seen in the trail
//! without the trail holding anyone's address.

use std::fmt;

use crate::client::Client;
use crate::throttle::ThrottleScope;
use crate::user::UserId;

/// What was attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthAction {
    /// Creating an account.
    Register,
    /// Exchanging a password for a token.
    Login,
    /// Revoking one token.
    Logout,
    /// Revoking every token of an account.
    LogoutEverywhere,
    /// Changing one's password.
    PasswordChange,
    /// Deleting one's account.
    AccountDeletion,
    /// Confirming a sensitive change with the current password, for a caller whose
    /// authentication is no longer recent.
    Reauthentication,
    /// Asking for a password-reset link (recorded when the background job has handled it: a
    /// success when an account had the email and its link was queued).
    PasswordResetRequest,
    /// Setting a new password with a reset link's token.
    PasswordReset,
    /// A reset request refused because the queue of requests was full.
    ResetRequestsBusy,
    /// Mailing a link that verifies an account's email (at registration or on request; a
    /// refusal when the email needed no link).
    VerificationMail,
    /// Verifying an email with a mailed link's token.
    EmailVerification,
    /// Renewing a session with a refresh token.
    Refresh,
    /// A spent refresh token presented again after the grace for racing tabs: the session
    /// it belonged to is ended, since a copy of the token is in someone else's hands.
    RefreshReplay,
    /// Ending one session from the session list.
    SessionEnd,
    /// An attempt refused by a rate limit, before any hashing.
    RateLimited,
    /// An attempt refused because every hashing place was taken.
    HashingBusy,
    /// An attempt refused because its client already held its own share of the hashing
    /// places: that client's excess, not back-pressure on everyone.
    HashingShareTaken,
    /// An attempt refused because the throttle's store could not answer (limits fail
    /// closed).
    ThrottleUnavailable,
}

impl AuthAction {
    /// The stable name written to the audit trail.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Login => "login",
            Self::Logout => "logout",
            Self::LogoutEverywhere => "logout_everywhere",
            Self::PasswordChange => "password_change",
            Self::AccountDeletion => "account_deletion",
            Self::Reauthentication => "reauthentication",
            Self::PasswordResetRequest => "password_reset_request",
            Self::PasswordReset => "password_reset",
            Self::ResetRequestsBusy => "reset_requests_busy",
            Self::VerificationMail => "verification_mail",
            Self::EmailVerification => "email_verification",
            Self::Refresh => "refresh",
            Self::RefreshReplay => "refresh_replay",
            Self::SessionEnd => "session_end",
            Self::RateLimited => "rate_limited",
            Self::HashingBusy => "hashing_busy",
            Self::HashingShareTaken => "hashing_share_taken",
            Self::ThrottleUnavailable => "throttle_unavailable",
        }
    }
}

/// How it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthOutcome {
    /// It happened.
    Success,
    /// It was tried and the rules said no (a wrong password, a taken name).
    Failure,
    /// It was not even tried (a limit, back-pressure).
    Refused,
}

impl AuthOutcome {
    /// The stable name written to the audit trail.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Refused => "refused",
        }
    }
}

/// Why a presented token was refused. The caller is only ever told that its token is invalid
/// or expired (or that its account is gone); the reason is for counting, so an operator can
/// tell routine expiry from forged tokens.
///
/// ```
/// use quill_domain::TokenRefusal;
///
/// assert_eq!(TokenRefusal::Superseded.name(), "superseded");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenRefusal {
    /// Not a token this service issued (forged, malformed, another algorithm).
    Invalid,
    /// Genuine but past its expiry.
    Expired,
    /// Revoked on its own (logged out).
    Revoked,
    /// Issued before its account moved to a later token generation (logout everywhere, a
    /// password change).
    Superseded,
    /// Genuine, but its account has been deleted since.
    AccountGone,
    /// Genuine, but its session reached its absolute expiry.
    SessionExpired,
}

impl TokenRefusal {
    /// The stable name counted.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Invalid => "invalid",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
            Self::Superseded => "superseded",
            Self::AccountGone => "account_gone",
            Self::SessionExpired => "session_expired",
        }
    }
}

/// The account a login attempt named, as its canonical email, for an adapter to digest. Its
/// `Debug` and `Display` never show the address.
///
/// ```
/// use quill_domain::AttemptedAccount;
///
/// let attempted = AttemptedAccount::new("alice@example.com");
/// assert_eq!(format!("{attempted:?} {attempted}"), "AttemptedAccount(<redacted>) <redacted>");
/// assert_eq!(attempted.canonical_email(), "alice@example.com");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct AttemptedAccount(String);

impl AttemptedAccount {
    /// The attempt on this canonical email.
    #[must_use]
    pub fn new(canonical_email: impl Into<String>) -> Self {
        Self(canonical_email.into())
    }

    /// The address, for digesting; never log it.
    #[must_use]
    pub fn canonical_email(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AttemptedAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AttemptedAccount(<redacted>)")
    }
}

impl fmt::Display for AttemptedAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// One entry of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthEvent {
    /// What was attempted.
    pub action: AuthAction,
    /// How it ended.
    pub outcome: AuthOutcome,
    /// The account, when known (never guessed from an email for a failed login).
    pub user: Option<UserId>,
    /// Where the attempt came from.
    pub client: Client,
    /// For refusals by a limit: which one.
    pub limit: Option<ThrottleScope>,
    /// For a failed login: the account it named (existing or not), to be digested.
    pub attempted: Option<AttemptedAccount>,
}

impl fmt::Display for AuthEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.action.name(), self.outcome.name())?;
        if let Some(user) = self.user {
            write!(f, " user {user}")?;
        }
        write!(f, " from {}", self.client)
    }
}

/// Where the audit trail goes. Recording must be cheap and must not fail the action: an
/// implementation that writes somewhere slow queues the event itself.
pub trait AuthEvents: Send + Sync {
    /// Records one event.
    fn record(&self, event: &AuthEvent);

    /// Notes that a presented token was refused, and why. Not an entry of the trail: a client
    /// holding a dead token presents it at every request, so this is for counting, and an
    /// implementation with no counters ignores it (the default).
    fn token_refused(&self, reason: TokenRefusal) {
        let _ = reason;
    }
}

/// A trail that goes nowhere, for code that has no use for one (a one-off command).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAuthEvents;

impl AuthEvents for NoAuthEvents {
    fn record(&self, _: &AuthEvent) {}
}
