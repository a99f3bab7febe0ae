//! Registrations in flight on this server, by the name and the address they register: while
//! one holds a claim on a key, another registration of the same key waits for it to end
//! (holding no hashing place) and then looks again at what the store says, instead of
//! hashing a password that the store's uniqueness rule would throw away. Registrations of
//! other keys never wait. The store's constraints stay the judge across servers; this only
//! spares one server the duplicate work.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use event_listener::{Event, EventListener};

/// What a registration claims: its username's comparison key and its canonical address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum ClaimKey {
    Username(String),
    Email(String),
}

/// The claims held now, each with the event its end is announced on; shared by every clone
/// of the service.
#[derive(Default)]
pub(crate) struct RegistrationClaims {
    held: Mutex<HashMap<ClaimKey, Arc<Event>>>,
}

/// Claims held by one registration, released when dropped (also when the request is
/// abandoned half-way), waking whoever waits for them.
pub(crate) struct HeldClaims {
    claims: Arc<RegistrationClaims>,
    keys: Vec<ClaimKey>,
}

impl RegistrationClaims {
    fn held(&self) -> MutexGuard<'_, HashMap<ClaimKey, Arc<Event>>> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// All of `keys` at once, or, when another registration holds one of them, a listener
    /// that fires when it ends. Nothing is claimed unless everything is, so two
    /// registrations each holding what the other wants cannot both wait.
    pub(crate) fn claim(
        self: &Arc<Self>,
        keys: Vec<ClaimKey>,
    ) -> Result<HeldClaims, EventListener> {
        let mut held = self.held();
        if let Some(ended) = keys.iter().find_map(|key| held.get(key)) {
            // Listening under the lock: the release removes the key under it too, so its
            // notification cannot come before this listener exists.
            return Err(ended.listen());
        }
        for key in &keys {
            held.insert(key.clone(), Arc::new(Event::new()));
        }
        Ok(HeldClaims {
            claims: self.clone(),
            keys,
        })
    }

    #[cfg(test)]
    fn count(&self) -> usize {
        self.held().len()
    }
}

impl Drop for HeldClaims {
    fn drop(&mut self) {
        let ended: Vec<Arc<Event>> = {
            let mut held = self.claims.held();
            self.keys
                .iter()
                .filter_map(|key| held.remove(key))
                .collect()
        };
        for event in ended {
            event.notify(usize::MAX);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(n: &str) -> ClaimKey {
        ClaimKey::Username(n.to_owned())
    }

    fn email(e: &str) -> ClaimKey {
        ClaimKey::Email(e.to_owned())
    }

    #[test]
    fn a_key_is_held_by_one_registration_at_a_time_and_its_waiters_hear_its_end() {
        let claims = Arc::new(RegistrationClaims::default());
        let first = claims
            .claim(vec![name("alice"), email("a@example.com")])
            .unwrap();
        let Err(listener) = claims.claim(vec![name("alice"), email("other@example.com")]) else {
            panic!("a held name was claimed twice");
        };
        assert!(claims.claim(vec![email("a@example.com")]).is_err());
        drop(first);
        futures_executor::block_on(listener);
        assert_eq!(claims.count(), 0);
        assert!(claims.claim(vec![name("alice")]).is_ok());
    }

    #[test]
    fn a_refused_claim_takes_none_of_its_keys() {
        let claims = Arc::new(RegistrationClaims::default());
        let _bob = claims.claim(vec![email("b@example.com")]).unwrap();
        assert!(
            claims
                .claim(vec![name("carol"), email("b@example.com")])
                .is_err()
        );
        assert!(claims.claim(vec![name("carol")]).is_ok());
    }
}
