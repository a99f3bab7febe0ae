//! [`Recency`]: how recent an authentication a sensitive change needs, the rule every
//! capability asks before changing what a stolen access token alone must not change (the
//! email, a second factor, the account's existence).

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::clamp;
use super::values::Caller;

/// The longest a caller's authentication may lie behind them for a sensitive change to go
/// through on their token alone (`REAUTH_MAX_AGE_MINUTES`); beyond it, the change needs the
/// current password.
///
/// ```
/// use std::time::Duration;
///
/// use quill_domain::Recency;
/// use quill_domain::testing::Harness;
///
/// let h = Harness::builder().user("alice", "alice@example.com", "quiet-harbour-lamp").build();
/// let alice = h.caller("alice"); // as if from a login just now
/// let recency = Recency::new(Duration::from_secs(10 * 60));
/// let now = alice.authenticated_at().unwrap();
/// assert!(recency.admits(&alice, now + chrono::Duration::minutes(10)));
/// assert!(!recency.admits(&alice, now + chrono::Duration::minutes(11)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recency {
    max_age: Duration,
}

impl Recency {
    /// Authentications at most `max_age` old count as recent.
    #[must_use]
    pub const fn new(max_age: Duration) -> Self {
        Self { max_age }
    }

    /// Whether `caller` authenticated recently enough at `now`. A token that does not say
    /// when its account authenticated never does. One that says a moment after `now` does:
    /// only this service signs the claim, and another server's clock may run slightly ahead.
    #[must_use]
    pub fn admits(&self, caller: &Caller, now: DateTime<Utc>) -> bool {
        self.admits_at(caller.authenticated_at(), now)
    }

    fn admits_at(&self, authenticated_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
        authenticated_at.is_some_and(|at| now - at <= clamp(self.max_age))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn noon() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 1, 1, 12, 0, 0).unwrap()
    }

    const TEN_MINUTES: Recency = Recency::new(Duration::from_secs(600));

    #[test]
    fn an_authentication_exactly_at_the_max_age_is_still_recent() {
        let at = noon() - chrono::Duration::minutes(10);
        assert!(TEN_MINUTES.admits_at(Some(at), noon()));
        assert!(!TEN_MINUTES.admits_at(Some(at - chrono::Duration::seconds(1)), noon()));
    }

    #[test]
    fn a_token_that_does_not_say_when_is_never_recent() {
        assert!(!TEN_MINUTES.admits_at(None, noon()));
    }

    #[test]
    fn an_authentication_a_moment_ahead_of_this_clock_is_recent() {
        assert!(TEN_MINUTES.admits_at(Some(noon() + chrono::Duration::seconds(2)), noon()));
    }
}
