//! [`FixedClock`]: a clock that stands still until advanced.

use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Duration, TimeZone as _, Utc};

use crate::Clock;

/// A clock that stands still until told to move.
///
/// ```
/// use chrono::{Duration, TimeZone as _, Utc};
/// use quill_domain::Clock as _;
/// use quill_domain::testing::FixedClock;
///
/// let start = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
/// let clock = FixedClock::at(start);
/// clock.advance(Duration::minutes(31));
/// assert_eq!(clock.now(), start + Duration::minutes(31));
/// ```
#[derive(Debug)]
pub struct FixedClock {
    now: Mutex<DateTime<Utc>>,
}

impl FixedClock {
    /// A clock reading `now`.
    #[must_use]
    pub fn at(now: DateTime<Utc>) -> Self {
        Self {
            now: Mutex::new(now),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
    }
}

impl Default for FixedClock {
    fn default() -> Self {
        Self::at(
            Utc.with_ymd_and_hms(2026, 11, 26, 18, 0, 0)
                .single()
                .unwrap_or_default(),
        )
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
