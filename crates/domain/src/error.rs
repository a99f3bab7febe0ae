//! The one opaque failure every port and service may report: something broke that no caller
//! can act on (a lost database connection, a hashing thread that panicked).

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
