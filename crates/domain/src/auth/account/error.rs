//! What the account operations answer: [`RegisterError`] for creating an account,
//! [`ProfileReadError`] for reading anyone's public profile, [`ProfileError`] for changing and
//! deleting one's own, [`PasswordChangeError`] for a
//! signed-in password change.

use crate::auth::error::{Held, UserAction, stopped_into};
use crate::error::{StoreError, Unexpected};

/// Why a registration did not create an account.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// Another account has this username, or one that looks like it.
    #[error("username already exists")]
    UsernameTaken,
    /// Another account has this email address.
    #[error("email already registered")]
    EmailTaken,
    /// The password is common or contains the username or the email's local part
    /// ([`PasswordBlocklist`](crate::PasswordBlocklist)); refused before any other work.
    #[error("password too common")]
    PasswordTooCommon,
    /// Held back before any work (the client's registration rate, its hashing share, every
    /// hashing place taken); it may be retried.
    #[error(transparent)]
    Held(Held),
    /// A store could not answer right now; retry shortly.
    #[error("temporarily unavailable: {0}")]
    Unavailable(#[source] Unexpected),
    /// Something outside the rules failed.
    #[error(transparent)]
    Unexpected(Unexpected),
}

/// Why a public profile could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ProfileReadError {
    /// No account has the requested id.
    #[error("user not found")]
    UserNotFound,
    /// A store could not answer right now; retry shortly.
    #[error("temporarily unavailable: {0}")]
    Unavailable(#[source] Unexpected),
    /// Something outside the rules failed.
    #[error(transparent)]
    Unexpected(#[from] Unexpected),
}

impl From<StoreError> for ProfileReadError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(e) => Self::Unavailable(e),
            StoreError::Unexpected(e) => Self::Unexpected(e),
            // A read meets no conflict and no vanished row.
            other => Self::Unexpected(Unexpected::new(other)),
        }
    }
}

/// Why the caller's own profile could not be changed or deleted.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// No account has the requested id.
    #[error("user not found")]
    UserNotFound,
    /// The caller tried to change or delete an account that is not theirs.
    #[error("{}", .0.refused())]
    NotAllowed(UserAction),
    /// Another account has this username, or one that looks like it.
    #[error("username already exists")]
    UsernameTaken,
    /// Another account has this email address.
    #[error("email already registered")]
    EmailTaken,
    /// The change needs a recent authentication (within the policy's `reauth_max_age`) or
    /// the current password, and the request had neither.
    #[error("recent authentication required")]
    RecentAuthenticationRequired,
    /// The current password given to confirm the change is wrong.
    #[error("current password is incorrect")]
    WrongCurrentPassword,
    /// Checking the current password was held back before any work (a rate limit, the
    /// client's hashing share, every hashing place taken); it may be retried.
    #[error(transparent)]
    Held(Held),
    /// A store could not answer right now; retry shortly.
    #[error("temporarily unavailable: {0}")]
    Unavailable(#[source] Unexpected),
    /// Something outside the rules failed.
    #[error(transparent)]
    Unexpected(Unexpected),
}

/// Why a signed-in password change did not happen.
#[derive(Debug, thiserror::Error)]
pub enum PasswordChangeError {
    /// The current password given is wrong.
    #[error("current password is incorrect")]
    WrongCurrentPassword,
    /// The new password is common or contains the account's username or email local part
    /// ([`PasswordBlocklist`](crate::PasswordBlocklist)); refused before any other work.
    #[error("password too common")]
    PasswordTooCommon,
    /// The caller's account was deleted meanwhile.
    #[error("the account no longer exists")]
    AccountGone,
    /// Held back before any work (a rate limit, the client's hashing share, every hashing
    /// place taken); it may be retried.
    #[error(transparent)]
    Held(Held),
    /// A store could not answer right now; retry shortly.
    #[error("temporarily unavailable: {0}")]
    Unavailable(#[source] Unexpected),
    /// Something outside the rules failed.
    #[error(transparent)]
    Unexpected(Unexpected),
}

stopped_into!(RegisterError);
stopped_into!(PasswordChangeError);
stopped_into!(ProfileError);

impl From<StoreError> for RegisterError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::UsernameTaken => Self::UsernameTaken,
            StoreError::EmailTaken => Self::EmailTaken,
            StoreError::Unavailable(e) => Self::Unavailable(e),
            StoreError::Unexpected(e) => Self::Unexpected(e),
            // A new account refers to no other row.
            gone @ StoreError::AccountGone => Self::Unexpected(Unexpected::new(gone)),
        }
    }
}

impl From<StoreError> for ProfileError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::UsernameTaken => Self::UsernameTaken,
            StoreError::EmailTaken => Self::EmailTaken,
            StoreError::AccountGone => Self::UserNotFound,
            StoreError::Unavailable(e) => Self::Unavailable(e),
            StoreError::Unexpected(e) => Self::Unexpected(e),
        }
    }
}

impl From<StoreError> for PasswordChangeError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::AccountGone => Self::AccountGone,
            StoreError::Unavailable(e) => Self::Unavailable(e),
            StoreError::Unexpected(e) => Self::Unexpected(e),
            // A password change touches no name and no address.
            conflict @ (StoreError::UsernameTaken | StoreError::EmailTaken) => {
                Self::Unexpected(Unexpected::new(conflict))
            }
        }
    }
}
