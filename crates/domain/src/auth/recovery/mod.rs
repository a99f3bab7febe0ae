//! The recovery capability: asking for a password-reset link (answered at once, the same for
//! every email, with the work done afterwards by a background job) and setting a new password
//! with the link's token (once, before it expires, ending every earlier session). The values
//! and ports are in `store`, the rules in `service`.

mod service;
mod store;

use std::sync::Arc;

pub use store::{
    MailedResets, RecoveryStore, ResetDigest, ResetIssue, ResetMailPace, ResetRequest,
    ResetRequestQueue, ResetSecrets, ResetToken,
};

use super::error::{Held, stopped_into};
use super::guard::Guard;
use super::hashing::HashingGate;
use super::letters::Letters;
use super::policy::AuthPolicy;
use crate::error::{StoreError, Unexpected};
use crate::user::UserRepository;

/// Why a reset request or a reset was not done.
#[derive(Debug, thiserror::Error)]
pub enum ResetError {
    /// A reset named a token that is unknown, spent or expired (one outcome for all three).
    #[error("invalid or expired reset token")]
    InvalidResetToken,
    /// The new password is common or contains the account's username or email local part
    /// ([`PasswordBlocklist`](crate::PasswordBlocklist)); refused before any hashing, and the
    /// token still works.
    #[error("password too common")]
    PasswordTooCommon,
    /// Held back before any work (a rate limit, the client's hashing share, every hashing
    /// place or every queued request's place taken); it may be retried.
    #[error(transparent)]
    Held(Held),
    /// A store could not answer right now; retry shortly.
    #[error("temporarily unavailable: {0}")]
    Unavailable(#[source] Unexpected),
    /// Something outside the rules failed.
    #[error(transparent)]
    Unexpected(Unexpected),
}

stopped_into!(ResetError);

impl From<StoreError> for ResetError {
    fn from(error: StoreError) -> Self {
        match error {
            // The account went while its reset was being completed: its link is no more.
            StoreError::AccountGone => Self::InvalidResetToken,
            StoreError::Unavailable(e) => Self::Unavailable(e),
            StoreError::Unexpected(e) => Self::Unexpected(e),
            conflict @ (StoreError::UsernameTaken | StoreError::EmailTaken) => {
                Self::Unexpected(Unexpected::new(conflict))
            }
        }
    }
}

/// What a [`RecoveryService`] works through besides the shared gate and guard.
#[derive(Clone)]
pub struct RecoveryPorts {
    /// Accounts, looked up by the email a request names.
    pub users: Arc<dyn UserRepository>,
    /// Reset tokens, and the password changes that go with a notice mail.
    pub recovery: Arc<dyn RecoveryStore>,
    /// Reset requests waiting for the background job.
    pub reset_requests: Arc<dyn ResetRequestQueue>,
    /// Minting and digesting reset tokens.
    pub reset_secrets: Arc<dyn ResetSecrets>,
    /// What the mails say.
    pub letters: Letters,
}

/// Password resets, with their rate limits, hashing back-pressure and audit events.
///
/// Cheap to clone: shared handles to its ports.
#[derive(Clone)]
pub struct RecoveryService {
    users: Arc<dyn UserRepository>,
    recovery: Arc<dyn RecoveryStore>,
    reset_requests: Arc<dyn ResetRequestQueue>,
    reset_secrets: Arc<dyn ResetSecrets>,
    letters: Letters,
    gate: HashingGate,
    guard: Guard,
    policy: AuthPolicy,
}

impl RecoveryService {
    /// The recovery service over these ports.
    #[must_use]
    pub fn new(ports: RecoveryPorts, gate: HashingGate, guard: Guard, policy: AuthPolicy) -> Self {
        Self {
            users: ports.users,
            recovery: ports.recovery,
            reset_requests: ports.reset_requests,
            reset_secrets: ports.reset_secrets,
            letters: ports.letters,
            gate,
            guard,
            policy,
        }
    }
}

crate::opaque_debug!(RecoveryService, RecoveryPorts);
