//! [`AuthError`]: every outcome of [`AuthService`](crate::AuthService) a caller branches on.

use std::time::Duration;

use crate::error::Unexpected;
use crate::ports::{HashingError, StoreError};

/// Which self-service action a caller attempted on someone else's account, carried by
/// [`AuthError::NotAllowed`] so the refusal can name it.
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

/// The outcomes of [`AuthService`](crate::AuthService) a caller branches on.
///
/// Every variant but [`Unexpected`](AuthError::Unexpected) is a normal refusal with a fixed
/// meaning, so a front end maps them to its own responses with one exhaustive `match` (no
/// `_` arm: a variant added later then fails to compile instead of answering wrongly).
/// quill's HTTP layer answers with the contract's statuses; an embedding application may
/// choose others:
///
/// ```
/// use quill_domain::AuthError;
///
/// /// A status code and message of the application's own choosing.
/// fn status_of(error: &AuthError) -> (u16, &'static str) {
///     match error {
///         AuthError::UsernameTaken => (409, "that name is taken"),
///         AuthError::EmailTaken => (409, "that email is registered"),
///         AuthError::InvalidCredentials => (401, "wrong email or password"),
///         AuthError::InvalidToken | AuthError::AccountGone => (401, "please log in again"),
///         AuthError::UserNotFound => (404, "no such user"),
///         AuthError::NotAllowed(_) => (403, "not yours"),
///         AuthError::WrongCurrentPassword => (400, "the current password is wrong"),
///         AuthError::InvalidResetToken => (400, "that link has expired"),
///         AuthError::InvalidRefreshToken => (400, "please log in again"),
///         AuthError::SessionNotFound => (404, "no such session"),
///         AuthError::PictureTooLarge { .. } => (413, "that picture is too large"),
///         AuthError::InvalidPicture => (400, "that is not a picture"),
///         AuthError::NoPicture => (400, "there is no picture"),
///         AuthError::Throttled { .. } => (429, "slow down"),
///         AuthError::ShareTaken { .. } => (429, "finish what you started first"),
///         AuthError::Busy | AuthError::Unavailable(_) => (503, "try again shortly"),
///         // Log `error` (its source chain says what broke); never show it.
///         AuthError::Unexpected(_) => (500, "something went wrong"),
///     }
/// }
///
/// assert_eq!(status_of(&AuthError::EmailTaken).0, 409);
/// ```
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Another account has this username, ignoring case.
    #[error("username already exists")]
    UsernameTaken,
    /// Another account has this email address.
    #[error("email already registered")]
    EmailTaken,
    /// Unknown email or wrong password; deliberately the same outcome for both.
    #[error("incorrect email or password")]
    InvalidCredentials,
    /// The token is forged, malformed, expired or revoked.
    #[error("invalid or expired token")]
    InvalidToken,
    /// The token is genuine but its account has been deleted since.
    #[error("the token's account no longer exists")]
    AccountGone,
    /// No account has the requested id.
    #[error("user not found")]
    UserNotFound,
    /// The caller tried to change or delete an account that is not theirs.
    #[error("not authorized to {}", match .0 {
        UserAction::Update => "update this user",
        UserAction::Delete => "delete this user",
        UserAction::UpdatePicture => "update this user's picture",
        UserAction::DeletePicture => "delete this user's picture",
    })]
    NotAllowed(UserAction),
    /// A password change named the wrong current password.
    #[error("current password is incorrect")]
    WrongCurrentPassword,
    /// A password reset named a token that is unknown, spent or expired (one outcome for
    /// all three).
    #[error("invalid or expired reset token")]
    InvalidResetToken,
    /// A refresh token that is unknown, spent (outside the grace for racing tabs), or of a
    /// session that has ended or expired: one outcome for all.
    #[error("invalid or expired refresh token")]
    InvalidRefreshToken,
    /// Ending a session the caller does not have (another account's, or an unknown id).
    #[error("session not found")]
    SessionNotFound,
    /// An upload over the policy's size limit.
    #[error("the picture is larger than {max_bytes} bytes")]
    PictureTooLarge {
        /// The limit, in bytes.
        max_bytes: usize,
    },
    /// An upload that is no usable JPEG, PNG, GIF or WebP.
    #[error("not a usable image")]
    InvalidPicture,
    /// Removing the picture of an account that has none.
    #[error("no profile picture to delete")]
    NoPicture,
    /// A rate limit refused the attempt before any work; it may be retried after the wait.
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
    /// Every place is taken, by whichever clients (hashing, picture uploads); retry shortly.
    #[error("every place is taken")]
    Busy,
    /// A store could not answer right now (the rate limiter's, so the attempt was refused
    /// rather than let through unlimited; or the database, locked or read-only); retry
    /// shortly. The source says why.
    #[error("temporarily unavailable: {0}")]
    Unavailable(#[source] Unexpected),
    /// Something outside the rules failed.
    #[error(transparent)]
    Unexpected(#[from] Unexpected),
}

impl From<StoreError> for AuthError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::UsernameTaken => Self::UsernameTaken,
            StoreError::EmailTaken => Self::EmailTaken,
            StoreError::AccountGone => Self::AccountGone,
            StoreError::Unavailable(e) => Self::Unavailable(e),
            StoreError::Unexpected(e) => Self::Unexpected(e),
        }
    }
}

impl From<HashingError> for AuthError {
    fn from(error: HashingError) -> Self {
        match error {
            HashingError::Busy => Self::Busy,
            HashingError::Unexpected(e) => Self::Unexpected(e),
        }
    }
}
