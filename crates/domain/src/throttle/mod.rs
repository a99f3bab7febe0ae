//! Throttling: the rates at which attempts that cost a password hash are admitted, the port a
//! store of buckets implements, and the one in-memory store every single-process deployment
//! (and every test) uses.
//!
//! Each limit is a token bucket written as GCRA (the generic cell rate algorithm): a bucket is
//! one instant, its *theoretical arrival time*, so a store keeps one number per key and
//! admitting an attempt is one compare-and-update, which a database does in one statement.
//! A burst is admitted back to back, then one attempt per refill interval; a refused caller is
//! told exactly how long to wait.

mod in_memory;

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::client::ClientKey;
use crate::error::Unexpected;
use crate::user::UserId;

pub use in_memory::InMemoryThrottle;

/// A token-bucket rate: `burst` attempts back to back, then `per_minute` regained per minute.
///
/// ```
/// use std::time::Duration;
/// use quill_domain::Rate;
///
/// let rate = Rate::new(5, 6);
/// assert_eq!(rate.refill_interval(), Duration::from_secs(10));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Attempts admitted back to back (at least 1).
    pub burst: u32,
    /// Attempts regained per minute (at least 1).
    pub per_minute: u32,
}

impl Rate {
    /// A rate of `burst` at once and `per_minute` regained per minute; zeros count as 1.
    #[must_use]
    pub const fn new(burst: u32, per_minute: u32) -> Self {
        Self { burst, per_minute }
    }

    /// How long regaining one attempt takes.
    #[must_use]
    pub fn refill_interval(self) -> Duration {
        Duration::from_micros(self.interval_micros().unsigned_abs())
    }

    /// The refill interval in microseconds (at least 1): the unit GCRA counts in, fine enough
    /// for a million attempts a minute.
    #[must_use]
    pub fn interval_micros(self) -> i64 {
        (60_000_000 / i64::from(self.per_minute.max(1))).max(1)
    }

    /// How far ahead of now a bucket's arrival time may run before attempts are refused: the
    /// whole burst's worth of intervals, in microseconds.
    #[must_use]
    pub fn window_micros(self) -> i64 {
        self.interval_micros()
            .saturating_mul(i64::from(self.burst.max(1)))
    }
}

/// Which limit a bucket belongs to. Buckets of different scopes never share a count, even
/// for the same subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ThrottleScope {
    /// Login attempts (and other password checks) charged to the client's address.
    LoginPerClient,
    /// Failed login attempts charged to the account named, existing or not.
    LoginFailuresPerAccount,
    /// Registrations charged to the client's address.
    RegisterPerClient,
    /// Password changes of one signed-in account: a bucket of the owner's own, which no
    /// stranger's guesses can empty.
    PasswordChangePerAccount,
    /// Password-reset requests charged to the client's address.
    ResetRequestsPerClient,
    /// Password-reset requests charged to the email typed, existing or not.
    ResetRequestsPerEmail,
    /// Refresh-token exchanges charged to the client's address.
    RefreshPerClient,
    /// Requests for a new email-verification link charged to the client's address.
    VerificationRequestsPerClient,
    /// Requests for a new email-verification link of one signed-in account.
    VerificationRequestsPerAccount,
}

impl ThrottleScope {
    /// A stable name, for logs and for stores that keep buckets by name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::LoginPerClient => "login_per_client",
            Self::LoginFailuresPerAccount => "login_failures_per_account",
            Self::RegisterPerClient => "register_per_client",
            Self::PasswordChangePerAccount => "password_change_per_account",
            Self::ResetRequestsPerClient => "reset_requests_per_client",
            Self::ResetRequestsPerEmail => "reset_requests_per_email",
            Self::RefreshPerClient => "refresh_per_client",
            Self::VerificationRequestsPerClient => "verification_requests_per_client",
            Self::VerificationRequestsPerAccount => "verification_requests_per_account",
        }
    }
}

/// One bucket: a scope and the subject it counts (a client key, a canonical email, an account
/// id). Stores digest the subject rather than keep it, so no email is ever stored or logged
/// through a throttle.
///
/// ```
/// use quill_domain::{ThrottleKey, ThrottleScope};
///
/// let key = ThrottleKey::account_email(ThrottleScope::LoginFailuresPerAccount, "alice@example.com");
/// assert_eq!(key.scope(), ThrottleScope::LoginFailuresPerAccount);
/// assert_eq!(key.to_string(), "login_failures_per_account:<subject>");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ThrottleKey {
    scope: ThrottleScope,
    subject: String,
}

impl ThrottleKey {
    /// The bucket of a client (an address or IPv6 prefix).
    #[must_use]
    pub fn client(scope: ThrottleScope, client: ClientKey) -> Self {
        Self {
            scope,
            subject: format!("ip:{client}"),
        }
    }

    /// The bucket of an account named by its canonical email (which may belong to no one).
    #[must_use]
    pub fn account_email(scope: ThrottleScope, canonical_email: &str) -> Self {
        Self {
            scope,
            subject: format!("email:{canonical_email}"),
        }
    }

    /// The bucket of an existing account, by id.
    #[must_use]
    pub fn account(scope: ThrottleScope, id: UserId) -> Self {
        Self {
            scope,
            subject: format!("user:{id}"),
        }
    }

    /// The limit this bucket belongs to.
    #[must_use]
    pub fn scope(&self) -> ThrottleScope {
        self.scope
    }

    /// The bytes a store digests into its key: the scope's name and the subject. Never log
    /// them: the subject may be an email.
    #[must_use]
    pub fn digest_input(&self) -> String {
        format!("{}\n{}", self.scope.name(), self.subject)
    }
}

impl std::fmt::Debug for ThrottleKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ThrottleKey({self})")
    }
}

impl std::fmt::Display for ThrottleKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:<subject>", self.scope.name())
    }
}

/// What a bucket said to one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Go ahead; one attempt was taken from the bucket.
    Admitted,
    /// Not now; nothing was taken. The next attempt is admitted after this long.
    Refused {
        /// At least one second, rounded up to whole seconds.
        retry_after: Duration,
    },
}

/// One GCRA step: given a bucket's arrival time (`None` for a full bucket) and now, both in
/// microseconds since the epoch, the new arrival time to store, or how long to wait.
///
/// This is the rule every store implements (the database store in one SQL statement); it is
/// here so there is one definition to test against.
///
/// ```
/// use std::time::Duration;
/// use quill_domain::{Rate, throttle::gcra};
///
/// let rate = Rate::new(2, 60); // two at once, then one a second
/// let t0 = 0;
/// let first = gcra(None, t0, rate).unwrap();
/// let second = gcra(Some(first), t0, rate).unwrap();
/// assert_eq!(gcra(Some(second), t0, rate), Err(Duration::from_secs(1)));
/// assert!(gcra(Some(second), t0 + 1_000_000, rate).is_ok());
/// ```
///
/// # Errors
/// The wait, rounded up to whole seconds and at least one, when the attempt is refused.
pub fn gcra(arrival: Option<i64>, now: i64, rate: Rate) -> Result<i64, Duration> {
    let start = arrival.map_or(now, |tat| tat.max(now));
    let next = start.saturating_add(rate.interval_micros());
    let over = next
        .saturating_sub(now)
        .saturating_sub(rate.window_micros());
    if over > 0 {
        let seconds = over.unsigned_abs().div_ceil(1_000_000).max(1);
        return Err(Duration::from_secs(seconds));
    }
    Ok(next)
}

/// Gives one attempt back to a bucket (its arrival time moves one interval earlier, never
/// before now): what a success that should not count costs.
#[must_use]
pub fn gcra_refund(arrival: i64, now: i64, rate: Rate) -> i64 {
    arrival.saturating_sub(rate.interval_micros()).max(now)
}

/// Microseconds since the epoch: the unit of [`gcra`].
#[must_use]
pub fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// A store of buckets. [`InMemoryThrottle`] keeps them in the process (one server);
/// `quill-infra` keeps them in PostgreSQL, so limits hold for a whole fleet.
///
/// The time is passed in from the service's clock, so a test drives buckets with its clock.
#[async_trait]
pub trait Throttle: Send + Sync {
    /// Admits one attempt against `key`'s bucket at `rate`, or refuses it with the wait.
    ///
    /// # Errors
    /// [`Unexpected`] when the store cannot answer; the service then refuses the attempt
    /// (a throttle never fails open).
    async fn admit(
        &self,
        key: &ThrottleKey,
        rate: Rate,
        now: DateTime<Utc>,
    ) -> Result<Admission, Unexpected>;

    /// Gives one attempt back to `key`'s bucket (see [`gcra_refund`]).
    ///
    /// # Errors
    /// [`Unexpected`] when the store cannot answer.
    async fn refund(
        &self,
        key: &ThrottleKey,
        rate: Rate,
        now: DateTime<Utc>,
    ) -> Result<(), Unexpected>;

    /// Forgets buckets that are full again by `now` (they behave as absent ones); returns how
    /// many.
    ///
    /// # Errors
    /// [`Unexpected`] when the store cannot answer.
    async fn prune(&self, now: DateTime<Utc>) -> Result<u64, Unexpected>;
}

#[cfg(test)]
mod tests {

    use super::*;

    const SECOND: i64 = 1_000_000;

    #[test]
    fn a_burst_is_admitted_then_one_attempt_per_interval() {
        let rate = Rate::new(3, 6); // one every 10 s
        let mut tat = None;
        for _ in 0..3 {
            tat = Some(gcra(tat, 0, rate).unwrap());
        }
        assert_eq!(gcra(tat, 0, rate), Err(Duration::from_secs(10)));
        assert_eq!(gcra(tat, 4 * SECOND, rate), Err(Duration::from_secs(6)));
        let after_wait = gcra(tat, 10 * SECOND, rate).unwrap();
        assert_eq!(
            gcra(Some(after_wait), 10 * SECOND, rate),
            Err(Duration::from_secs(10))
        );
    }

    #[test]
    fn an_idle_bucket_refills_to_the_burst_and_no_further() {
        let rate = Rate::new(2, 60);
        let tat = gcra(None, 0, rate).unwrap();
        let later = 3_600 * SECOND;
        let first = gcra(Some(tat), later, rate).unwrap();
        let second = gcra(Some(first), later, rate).unwrap();
        assert!(gcra(Some(second), later, rate).is_err());
    }

    #[test]
    fn a_refund_gives_back_one_attempt_but_never_more_than_a_full_bucket() {
        let rate = Rate::new(1, 60);
        let tat = gcra(None, 0, rate).unwrap();
        assert!(gcra(Some(tat), 0, rate).is_err());
        let refunded = gcra_refund(tat, 0, rate);
        assert!(gcra(Some(refunded), 0, rate).is_ok());
        assert_eq!(gcra_refund(0, 5 * SECOND, rate), 5 * SECOND);
    }

    #[test]
    fn waits_are_rounded_up_to_whole_seconds() {
        let rate = Rate::new(1, 7); // 8.57 s
        let tat = gcra(None, 0, rate).unwrap();
        assert_eq!(gcra(Some(tat), 0, rate), Err(Duration::from_secs(9)));
    }
}
