//! The system's clock: the adapter of the domain's [`Clock`] port that reads the real time.
//! It lives here, not in the domain, because reading the time is a side effect the rules
//! only ever reach through the port (tests give them a fixed clock instead).

use chrono::{DateTime, Utc};
use quill_domain::Clock;

/// The system's clock, the one [`AuthStack`](crate::AuthStack) wires in.
///
/// ```
/// use chrono::Utc;
/// use quill_domain::Clock;
/// use quill_infra::SystemClock;
///
/// let before = Utc::now();
/// let now = SystemClock.now();
/// assert!(before <= now && now <= Utc::now());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
