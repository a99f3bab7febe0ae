//! The time, as a port: injected everywhere so expiry and timestamps are testable, and so an
//! embedding application (or a test) decides what "now" is.

use chrono::{DateTime, Utc};

/// The current time, injectable so expiry and timestamps are testable.
///
/// ```
/// use chrono::{DateTime, Utc};
/// use quill_domain::Clock;
///
/// /// A clock that is always one fixed instant.
/// struct Frozen(DateTime<Utc>);
///
/// impl Clock for Frozen {
///     fn now(&self) -> DateTime<Utc> {
///         self.0
///     }
/// }
///
/// let at = DateTime::<Utc>::UNIX_EPOCH;
/// assert_eq!(Frozen(at).now(), at);
/// ```
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;
}
