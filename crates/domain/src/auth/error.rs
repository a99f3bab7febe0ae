//! What the capabilities' errors share: [`Held`], the load outcomes (a rate limit, a client's
//! share, every place taken) that any operation doing expensive or limited work may meet, and
//! [`UserAction`], which names the change a refusal on someone else's account was about. Each
//! operation's own error enum lives with its capability and holds only what that operation
//! can answer, so a front end maps each one exhaustively and a caller never branches on an
//! outcome that cannot happen.

use std::time::Duration;

use crate::error::Unexpected;

/// Which self-service action a caller attempted on someone else's account, carried by the
/// `NotAllowed` refusals so the refusal can name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserAction {
    /// Changing the profile.
    Update,
    /// Deleting the account.
    Delete,
    /// Changing the profile picture.
    UpdatePicture,
    /// Removing the profile picture.
    DeletePicture,
}

impl UserAction {
    /// What the caller was not allowed to do, as the refusal's message says it.
    #[must_use]
    pub fn refused(self) -> &'static str {
        match self {
            Self::Update => "not authorized to update this user",
            Self::Delete => "not authorized to delete this user",
            Self::UpdatePicture => "not authorized to update this user's picture",
            Self::DeletePicture => "not authorized to delete this user's picture",
        }
    }
}

/// The attempt was held back before any work was done, to keep the service up for everyone:
/// it may be retried (after the wait, where there is one).
///
/// ```
/// use std::time::Duration;
///
/// use quill_domain::Held;
///
/// /// A status code of the application's own choosing.
/// fn status_of(held: Held) -> u16 {
///     match held {
///         Held::Throttled { .. } | Held::ShareTaken { .. } => 429,
///         Held::Busy => 503,
///     }
/// }
///
/// assert_eq!(status_of(Held::Throttled { retry_after: Duration::from_secs(3) }), 429);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Held {
    /// A rate limit refused the attempt; it may be retried after the wait.
    #[error("too many attempts; retry after {} s", retry_after.as_secs())]
    Throttled {
        /// How long until the next attempt can be admitted (whole seconds, at least one).
        retry_after: Duration,
    },
    /// This client already holds its own share of the places (hashing, or picture uploads):
    /// its excess, not an outage, so it is told to slow down while everyone else is served.
    /// It may be retried after the wait, or as soon as one of its own requests finishes.
    #[error("this client holds its share of places; retry after {} s", retry_after.as_secs())]
    ShareTaken {
        /// How long to wait before retrying (whole seconds, at least one).
        retry_after: Duration,
    },
    /// Every place is taken, by whichever clients (hashing, picture uploads, queued reset
    /// requests); retry shortly.
    #[error("every place is taken")]
    Busy,
}

/// Why the guard or a gate stopped an attempt: held back, or a store that could not answer
/// (the rate limiter's, so the attempt was refused rather than let through unlimited), or a
/// failure outside the rules. Each operation's error takes it with `?`.
#[derive(Debug)]
pub(crate) enum Stopped {
    Held(Held),
    Unavailable(Unexpected),
    Unexpected(Unexpected),
}

impl From<Held> for Stopped {
    fn from(held: Held) -> Self {
        Self::Held(held)
    }
}

/// Implements `From<Stopped>`, `From<Held>` and `From<Unexpected>` for an operation's error
/// that has `Held`, `Unavailable` and `Unexpected` variants.
macro_rules! stopped_into {
    ($error:ty) => {
        impl From<$crate::auth::error::Stopped> for $error {
            fn from(stopped: $crate::auth::error::Stopped) -> Self {
                match stopped {
                    $crate::auth::error::Stopped::Held(held) => Self::Held(held),
                    $crate::auth::error::Stopped::Unavailable(e) => Self::Unavailable(e),
                    $crate::auth::error::Stopped::Unexpected(e) => Self::Unexpected(e),
                }
            }
        }

        impl From<$crate::auth::error::Held> for $error {
            fn from(held: $crate::auth::error::Held) -> Self {
                Self::Held(held)
            }
        }

        impl From<$crate::error::Unexpected> for $error {
            fn from(e: $crate::error::Unexpected) -> Self {
                Self::Unexpected(e)
            }
        }
    };
}
pub(crate) use stopped_into;
