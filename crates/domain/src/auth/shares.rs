//! Each client's share of a kind of place (hashing, picture uploads): a count per client key of
//! the requests it has running or waiting, capped by the policy. The places themselves (how
//! many run and wait in all) are bounded by whoever owns them; this only keeps one client from
//! holding all of them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::client::ClientKey;

/// The counts, shared by every clone of the service.
#[derive(Default)]
pub(crate) struct ClientShares {
    held: Mutex<HashMap<ClientKey, usize>>,
}

/// One place held by one client, given back when dropped (also when the request is
/// abandoned half-way).
pub(crate) struct HeldPlace {
    shares: Arc<ClientShares>,
    client: ClientKey,
}

impl ClientShares {
    fn held(&self) -> MutexGuard<'_, HashMap<ClientKey, usize>> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A place for `client`, unless it already holds `cap`.
    pub(crate) fn take(self: &Arc<Self>, client: ClientKey, cap: usize) -> Option<HeldPlace> {
        let mut held = self.held();
        let count = held.entry(client).or_insert(0);
        if *count >= cap.max(1) {
            return None;
        }
        *count += 1;
        Some(HeldPlace {
            shares: self.clone(),
            client,
        })
    }

    #[cfg(test)]
    pub(crate) fn clients(&self) -> usize {
        self.held().len()
    }
}

impl Drop for HeldPlace {
    fn drop(&mut self) {
        let mut held = self.shares.held();
        if let Some(count) = held.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                held.remove(&self.client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Client;

    #[test]
    fn a_client_holds_at_most_its_cap_and_gets_places_back_when_done() {
        let shares = Arc::new(ClientShares::default());
        let a = Client::new([192, 0, 2, 1].into()).key(64);
        let b = Client::new([192, 0, 2, 2].into()).key(64);
        let first = shares.take(a, 2).unwrap();
        let _second = shares.take(a, 2).unwrap();
        assert!(shares.take(a, 2).is_none());
        assert!(shares.take(b, 2).is_some(), "another client is unaffected");
        drop(first);
        assert!(shares.take(a, 2).is_some());
    }

    #[test]
    fn clients_holding_nothing_are_forgotten() {
        let shares = Arc::new(ClientShares::default());
        let a = Client::new([192, 0, 2, 1].into()).key(64);
        drop(shares.take(a, 1));
        assert_eq!(shares.clients(), 0);
    }
}
