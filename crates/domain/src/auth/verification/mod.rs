//! The verification capability: proving that an account holds its email address. A link
//! with a one-time token is mailed at registration and on the owner's request (unless
//! [`EmailVerification::Off`](crate::EmailVerification::Off)); presenting the token marks the
//! email it was mailed to as verified, if the account still has that email; and with
//! [`EmailVerification::Required`](crate::EmailVerification::Required) a right password for
//! an unverified account signs no one in (the login capability asks here). The values and
//! ports are in `store`, the rules in `service`.

mod service;
mod store;

use std::sync::Arc;

pub use service::LinkRequest;
pub use store::{
    AccountSecurity, VerificationDigest, VerificationIssue, VerificationSecrets, VerificationStore,
    VerificationToken,
};

use super::error::{Held, stopped_into};
use super::guard::Guard;
use super::letters::Letters;
use super::policy::AuthPolicy;
use crate::error::{StoreError, Unexpected};
use crate::user::UserRepository;

/// Why a verification link was not presented successfully.
#[derive(Debug, thiserror::Error)]
pub enum VerifyEmailError {
    /// The token is unknown, spent or expired, or its account's email changed since it was
    /// mailed (one outcome for all four).
    #[error("invalid or expired verification token")]
    InvalidVerificationToken,
    /// A store could not answer right now; retry shortly.
    #[error("temporarily unavailable: {0}")]
    Unavailable(#[source] Unexpected),
    /// Something outside the rules failed.
    #[error(transparent)]
    Unexpected(Unexpected),
}

impl From<StoreError> for VerifyEmailError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::AccountGone => Self::InvalidVerificationToken,
            StoreError::Unavailable(e) => Self::Unavailable(e),
            StoreError::Unexpected(e) => Self::Unexpected(e),
            conflict @ (StoreError::UsernameTaken | StoreError::EmailTaken) => {
                Self::Unexpected(Unexpected::new(conflict))
            }
        }
    }
}

impl From<Unexpected> for VerifyEmailError {
    fn from(e: Unexpected) -> Self {
        Self::Unexpected(e)
    }
}

/// Why a signed-in owner's request for a new verification link was not answered.
#[derive(Debug, thiserror::Error)]
pub enum VerificationMailError {
    /// The account was deleted after its token was checked.
    #[error("account not found")]
    AccountGone,
    /// Held back before any work (the client's or the account's rate limit).
    #[error(transparent)]
    Held(Held),
    /// A store could not answer right now; retry shortly.
    #[error("temporarily unavailable: {0}")]
    Unavailable(#[source] Unexpected),
    /// Something outside the rules failed.
    #[error(transparent)]
    Unexpected(Unexpected),
}

stopped_into!(VerificationMailError);

impl From<StoreError> for VerificationMailError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::AccountGone => Self::AccountGone,
            StoreError::Unavailable(e) => Self::Unavailable(e),
            StoreError::Unexpected(e) => Self::Unexpected(e),
            conflict @ (StoreError::UsernameTaken | StoreError::EmailTaken) => {
                Self::Unexpected(Unexpected::new(conflict))
            }
        }
    }
}

/// Why an account's security overview could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SecurityReadError {
    /// A store could not answer right now; retry shortly.
    #[error("temporarily unavailable: {0}")]
    Unavailable(#[source] Unexpected),
    /// Something outside the rules failed.
    #[error(transparent)]
    Unexpected(Unexpected),
}

impl From<StoreError> for SecurityReadError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(e) => Self::Unavailable(e),
            StoreError::Unexpected(e) => Self::Unexpected(e),
            other => Self::Unexpected(Unexpected::new(other)),
        }
    }
}

/// What a [`VerificationService`] works through besides the shared guard.
#[derive(Clone)]
pub struct VerificationPorts {
    /// Accounts, read for the email a link is mailed to.
    pub users: Arc<dyn UserRepository>,
    /// Verification tokens and whether each account's email is verified.
    pub verifications: Arc<dyn VerificationStore>,
    /// Minting and digesting verification tokens.
    pub verification_secrets: Arc<dyn VerificationSecrets>,
    /// What the mails say.
    pub letters: Letters,
}

/// Email verification, with its rate limits and audit events.
///
/// Cheap to clone: shared handles to its ports.
#[derive(Clone)]
pub struct VerificationService {
    users: Arc<dyn UserRepository>,
    store: Arc<dyn VerificationStore>,
    secrets: Arc<dyn VerificationSecrets>,
    letters: Letters,
    guard: Guard,
    policy: AuthPolicy,
}

impl VerificationService {
    /// The verification service over these ports.
    #[must_use]
    pub fn new(ports: VerificationPorts, guard: Guard, policy: AuthPolicy) -> Self {
        Self {
            users: ports.users,
            store: ports.verifications,
            secrets: ports.verification_secrets,
            letters: ports.letters,
            guard,
            policy,
        }
    }
}

crate::opaque_debug!(VerificationService, VerificationPorts);
