//! The bucket store kept in the process's memory: bounded, with keys kept as keyed digests.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Admission, Rate, Throttle, ThrottleKey, gcra, gcra_refund, micros};
use crate::error::Unexpected;

#[derive(Debug, Default)]
struct Buckets {
    /// Arrival time and insertion number, by digest of the key.
    by_key: HashMap<u64, (i64, u64)>,
    /// Digests by insertion number: the oldest bucket is the first.
    by_age: BTreeMap<u64, u64>,
    inserted: u64,
}

/// Buckets in the process's memory, for one server (the embedded default on SQLite) and for
/// tests. Keys are kept as keyed 64-bit digests (a per-process random SipHash key), so a long
/// or hostile subject costs no more memory than a short one, and the number of buckets is
/// capped: past the ceiling the oldest bucket is dropped first.
///
/// ```
/// use chrono::Utc;
/// use quill_domain::{Admission, InMemoryThrottle, Rate, Throttle, ThrottleKey, ThrottleScope};
///
/// let throttle = InMemoryThrottle::new(10_000);
/// let key = ThrottleKey::account_email(ThrottleScope::LoginFailuresPerAccount, "a@example.com");
/// let now = Utc::now();
/// # futures_executor::block_on(async {
/// assert_eq!(throttle.admit(&key, Rate::new(1, 1), now).await?, Admission::Admitted);
/// assert!(matches!(
///     throttle.admit(&key, Rate::new(1, 1), now).await?,
///     Admission::Refused { .. }
/// ));
/// # Ok::<(), quill_domain::Unexpected>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct InMemoryThrottle {
    buckets: Mutex<Buckets>,
    digest: std::hash::RandomState,
    max_keys: usize,
}

impl InMemoryThrottle {
    /// The default ceiling on buckets: about 5 MiB of memory at most.
    pub const DEFAULT_MAX_KEYS: usize = 100_000;

    /// An empty store holding at most `max_keys` buckets (at least 1).
    #[must_use]
    pub fn new(max_keys: usize) -> Self {
        Self {
            buckets: Mutex::new(Buckets::default()),
            digest: std::hash::RandomState::new(),
            max_keys: max_keys.max(1),
        }
    }

    /// How many buckets are held now.
    #[must_use]
    pub fn len(&self) -> usize {
        self.buckets().by_key.len()
    }

    /// Whether no bucket is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn buckets(&self) -> MutexGuard<'_, Buckets> {
        self.buckets.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn digest_of(&self, key: &ThrottleKey) -> u64 {
        self.digest.hash_one(key.digest_input())
    }
}

impl Default for InMemoryThrottle {
    fn default() -> Self {
        Self::new(Self::DEFAULT_MAX_KEYS)
    }
}

#[async_trait]
impl Throttle for InMemoryThrottle {
    async fn admit(
        &self,
        key: &ThrottleKey,
        rate: Rate,
        now: DateTime<Utc>,
    ) -> Result<Admission, Unexpected> {
        let digest = self.digest_of(key);
        let mut buckets = self.buckets();
        let existing = buckets.by_key.get(&digest).copied();
        let next = match gcra(existing.map(|(tat, _)| tat), micros(now), rate) {
            Ok(next) => next,
            Err(retry_after) => return Ok(Admission::Refused { retry_after }),
        };
        if let Some((_, age)) = existing {
            buckets.by_key.insert(digest, (next, age));
            return Ok(Admission::Admitted);
        }
        while buckets.by_key.len() >= self.max_keys {
            let Some((_, oldest)) = buckets.by_age.pop_first() else {
                break;
            };
            buckets.by_key.remove(&oldest);
        }
        buckets.inserted += 1;
        let age = buckets.inserted;
        buckets.by_key.insert(digest, (next, age));
        buckets.by_age.insert(age, digest);
        Ok(Admission::Admitted)
    }

    async fn refund(
        &self,
        key: &ThrottleKey,
        rate: Rate,
        now: DateTime<Utc>,
    ) -> Result<(), Unexpected> {
        let digest = self.digest_of(key);
        if let Some((tat, _)) = self.buckets().by_key.get_mut(&digest) {
            *tat = gcra_refund(*tat, micros(now), rate);
        }
        Ok(())
    }

    async fn prune(&self, now: DateTime<Utc>) -> Result<u64, Unexpected> {
        let now = micros(now);
        let mut buckets = self.buckets();
        let Buckets { by_key, by_age, .. } = &mut *buckets;
        let before = by_key.len();
        by_key.retain(|_, (tat, age)| {
            let live = *tat > now;
            if !live {
                by_age.remove(age);
            }
            live
        });
        Ok((before - by_key.len()) as u64)
    }
}

#[cfg(test)]
mod tests {
    use futures_executor::block_on;

    use super::*;
    use crate::throttle::ThrottleScope;
    use crate::user::UserId;

    fn key(n: usize) -> ThrottleKey {
        ThrottleKey::account_email(ThrottleScope::LoginFailuresPerAccount, &format!("{n}@x"))
    }

    #[test]
    fn the_in_memory_store_holds_at_most_its_ceiling_dropping_the_oldest_first() {
        let throttle = InMemoryThrottle::new(3);
        let rate = Rate::new(1, 1);
        let now = DateTime::<Utc>::UNIX_EPOCH;
        block_on(async {
            for n in 0..5 {
                throttle.admit(&key(n), rate, now).await.unwrap();
            }
            assert_eq!(throttle.len(), 3);
            // The two oldest were forgotten (a full bucket again), the newest are remembered.
            assert_eq!(
                throttle.admit(&key(0), rate, now).await.unwrap(),
                Admission::Admitted
            );
            assert!(matches!(
                throttle.admit(&key(4), rate, now).await.unwrap(),
                Admission::Refused { .. }
            ));
        });
    }

    #[test]
    fn pruning_forgets_exactly_the_buckets_that_are_full_again() {
        let throttle = InMemoryThrottle::new(10);
        let now = DateTime::<Utc>::UNIX_EPOCH;
        block_on(async {
            throttle
                .admit(&key(1), Rate::new(1, 60), now)
                .await
                .unwrap();
            throttle.admit(&key(2), Rate::new(1, 1), now).await.unwrap();
            let pruned = throttle
                .prune(now + chrono::Duration::seconds(2))
                .await
                .unwrap();
            assert_eq!(pruned, 1);
            assert_eq!(throttle.len(), 1);
            assert!(matches!(
                throttle.admit(&key(2), Rate::new(1, 1), now).await.unwrap(),
                Admission::Refused { .. }
            ));
        });
    }

    #[test]
    fn scopes_keep_separate_counts_for_one_subject() {
        let throttle = InMemoryThrottle::default();
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let rate = Rate::new(1, 1);
        let id = UserId(7);
        block_on(async {
            let login = ThrottleKey::account(ThrottleScope::LoginFailuresPerAccount, id);
            let change = ThrottleKey::account(ThrottleScope::PasswordChangePerAccount, id);
            throttle.admit(&login, rate, now).await.unwrap();
            assert_eq!(
                throttle.admit(&change, rate, now).await.unwrap(),
                Admission::Admitted
            );
        });
    }
}
