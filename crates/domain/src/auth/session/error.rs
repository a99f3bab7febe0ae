//! What the session operations answer: [`TokenError`] for a token check, [`RefreshError`] for
//! renewing a session, [`SessionError`] for listing and ending sessions.

use std::time::Duration;

use crate::auth::error::{Held, Stopped};
use crate::error::{StoreError, Unexpected};

/// Why a presented access token speaks for no one.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The token is forged, malformed, expired or revoked (one outcome for all, so no caller
    /// can tell an attacker which).
    #[error("invalid or expired token")]
    InvalidToken,
    /// The token is genuine but its account has been deleted since.
    #[error("the token's account no longer exists")]
    AccountGone,
    /// The store could not answer right now; retry shortly.
    #[error("temporarily unavailable: {0}")]
    Unavailable(#[source] Unexpected),
    /// Something outside the rules failed.
    #[error(transparent)]
    Unexpected(#[from] Unexpected),
}

/// Why a refresh token was not exchanged.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// A refresh token that is unknown, spent (outside the grace for racing tabs), or of a
    /// session that has ended or expired: one outcome for all.
    #[error("invalid or expired refresh token")]
    InvalidRefreshToken,
    /// The client's refresh rate refused the attempt; it may be retried after the wait.
    #[error("too many attempts; retry after {} s", retry_after.as_secs())]
    Throttled {
        /// How long until the next attempt can be admitted.
        retry_after: Duration,
    },
    /// A store (the rate limiter's, or the sessions') could not answer; retry shortly.
    #[error("temporarily unavailable: {0}")]
    Unavailable(#[source] Unexpected),
    /// Something outside the rules failed.
    #[error(transparent)]
    Unexpected(#[from] Unexpected),
}

/// Why a session could not be listed or ended.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// Ending a session the caller does not have (another account's, or an unknown id).
    #[error("session not found")]
    SessionNotFound,
    /// The caller's account was deleted meanwhile.
    #[error("the account no longer exists")]
    AccountGone,
    /// The store could not answer right now; retry shortly.
    #[error("temporarily unavailable: {0}")]
    Unavailable(#[source] Unexpected),
    /// Something outside the rules failed.
    #[error(transparent)]
    Unexpected(#[from] Unexpected),
}

/// Store failures every session operation meets the same way: a conflict on a name or an
/// address cannot come from a session's tables, so one is a failure outside the rules.
macro_rules! store_into {
    ($error:ty, $gone:expr) => {
        impl From<StoreError> for $error {
            fn from(error: StoreError) -> Self {
                match error {
                    StoreError::AccountGone => $gone,
                    StoreError::Unavailable(e) => Self::Unavailable(e),
                    StoreError::Unexpected(e) => Self::Unexpected(e),
                    conflict @ (StoreError::UsernameTaken | StoreError::EmailTaken) => {
                        Self::Unexpected(Unexpected::new(conflict))
                    }
                }
            }
        }
    };
}

store_into!(TokenError, Self::AccountGone);
store_into!(RefreshError, Self::InvalidRefreshToken);
store_into!(SessionError, Self::AccountGone);

impl From<Stopped> for RefreshError {
    fn from(stopped: Stopped) -> Self {
        match stopped {
            Stopped::Held(Held::Throttled { retry_after }) => Self::Throttled { retry_after },
            // Only a rate limit stands before a refresh: it takes no place anyone shares.
            Stopped::Held(held) => Self::Unexpected(Unexpected::new(held)),
            Stopped::Unavailable(e) => Self::Unavailable(e),
            Stopped::Unexpected(e) => Self::Unexpected(e),
        }
    }
}
