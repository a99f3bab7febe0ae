//! The failures every port shares: [`Unexpected`], the one opaque failure no caller can act on
//! (a lost database connection, a hashing thread that panicked), and [`StoreError`], what a
//! storage port reports, its uniqueness outcomes typed so a race between two writers still
//! ends in a typed answer.

use std::error::Error;

/// A failure outside the rules: callers report it (as a 500, say) and do not branch on it.
///
/// It keeps the adapter's error as its [`source`](Error::source) so the cause chain can be
/// logged at the edge, without the domain naming any adapter's error type.
///
/// ```
/// use quill_domain::Unexpected;
///
/// let failure = Unexpected::new(std::io::Error::other("disk on fire"));
/// assert_eq!(failure.to_string(), "disk on fire");
/// assert_eq!(Unexpected::new("just a message").to_string(), "just a message");
/// ```
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct Unexpected(Box<dyn Error + Send + Sync + 'static>);

impl Unexpected {
    /// Wraps an adapter's error (or a message) as an unexpected failure.
    pub fn new(cause: impl Into<Box<dyn Error + Send + Sync + 'static>>) -> Self {
        Self(cause.into())
    }
}

/// Why a storage operation failed. The two uniqueness variants are what the store's own
/// constraints reported, so a race between two writers still ends in a typed outcome.
///
/// The services turn it into their own errors:
///
/// ```
/// use quill_domain::{RegisterError, StoreError};
///
/// assert!(matches!(RegisterError::from(StoreError::EmailTaken), RegisterError::EmailTaken));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another account already has this username, or one that looks like it (compared by
    /// case-folded form and by confusable skeleton).
    #[error("username already taken")]
    UsernameTaken,
    /// Another account already has this email address.
    #[error("email already registered")]
    EmailTaken,
    /// The row refers to an account that no longer exists (it was deleted meanwhile), as
    /// the store's own foreign key reported.
    #[error("the account no longer exists")]
    AccountGone,
    /// The store cannot take this now (locked, read-only, out of connections), though nothing
    /// is wrong with the request: retry shortly.
    #[error("the store is unavailable: {0}")]
    Unavailable(#[source] Unexpected),
    /// Anything else.
    #[error(transparent)]
    Unexpected(#[from] Unexpected),
}
