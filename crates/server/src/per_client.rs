//! How many connections each client holds at once, so that one address cannot take every
//! place of the connection ceiling and leave the other clients waiting in the listen backlog.
//! A client is what the auth core's per-client limits are charged to (an IPv4 address, an IPv6
//! prefix); the trusted proxies are exempt, since each of their connections carries other
//! clients.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

use quill_domain::{Client, ClientKey};

/// Each client's count of open connections; a client holding none has no entry.
type Counts = Arc<Mutex<HashMap<ClientKey, usize>>>;

/// The connections each client holds, counted while they are open.
#[derive(Debug)]
pub(crate) struct ConnectionsPerClient {
    limit: usize,
    ipv6_prefix: u8,
    exempt: Arc<[IpAddr]>,
    held: Counts,
}

impl ConnectionsPerClient {
    /// At most `limit` connections per client, IPv6 clients grouped by their first
    /// `ipv6_prefix` bits; the `exempt` peers are never counted.
    pub(crate) fn new(limit: usize, ipv6_prefix: u8, exempt: &[IpAddr]) -> Self {
        Self {
            limit,
            ipv6_prefix,
            exempt: exempt.iter().map(|ip| ip.to_canonical()).collect(),
            held: Arc::default(),
        }
    }

    /// One more connection from `peer`, counted until the returned [`Held`] is dropped; `None`
    /// when its client already holds its limit.
    pub(crate) fn admit(&self, peer: IpAddr) -> Option<Held> {
        if self.exempt.contains(&peer.to_canonical()) {
            return Some(Held { counted: None });
        }
        let key = Client::new(peer).key(self.ipv6_prefix);
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let count = held.entry(key).or_default();
        if *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(Held {
            counted: Some((key, Arc::clone(&self.held))),
        })
    }

    #[cfg(test)]
    fn clients(&self) -> usize {
        self.held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// One open connection's place in its client's count, given back when dropped.
#[derive(Debug)]
pub(crate) struct Held {
    counted: Option<(ClientKey, Counts)>,
}

impl Drop for Held {
    fn drop(&mut self) {
        let Some((key, held)) = self.counted.take() else {
            return;
        };
        let mut held = held.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = held.get_mut(&key) {
            *count -= 1;
            // A client with no connection left is forgotten, so the map holds only the
            // clients connected now, however many addresses come and go.
            if *count == 0 {
                held.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn admit_all(counter: &ConnectionsPerClient, peer: &str, n: usize) -> Vec<Held> {
        (0..n)
            .map(|i| {
                counter
                    .admit(ip(peer))
                    .unwrap_or_else(|| panic!("{peer}'s connection {i} refused"))
            })
            .collect()
    }

    #[test]
    fn a_client_holding_its_limit_is_refused_one_more_while_others_are_admitted() {
        let counter = ConnectionsPerClient::new(3, 64, &[]);
        let _held = admit_all(&counter, "192.0.2.7", 3);
        assert!(counter.admit(ip("192.0.2.7")).is_none());
        assert!(counter.admit(ip("192.0.2.8")).is_some());
    }

    #[test]
    fn a_closed_connection_gives_its_place_back_and_an_idle_client_is_forgotten() {
        let counter = ConnectionsPerClient::new(2, 64, &[]);
        let mut held = admit_all(&counter, "192.0.2.7", 2);
        assert!(counter.admit(ip("192.0.2.7")).is_none());
        held.pop();
        assert!(counter.admit(ip("192.0.2.7")).is_some());
        drop(held);
        assert_eq!(counter.clients(), 0);
    }

    #[test]
    fn ipv6_addresses_in_one_prefix_share_one_count() {
        let counter = ConnectionsPerClient::new(2, 64, &[]);
        let _held = [
            counter.admit(ip("2001:db8:1:2::a")).unwrap(),
            counter.admit(ip("2001:db8:1:2:ffff::b")).unwrap(),
        ];
        assert!(counter.admit(ip("2001:db8:1:2::c")).is_none());
        assert!(counter.admit(ip("2001:db8:1:3::a")).is_some());
        let whole_addresses = ConnectionsPerClient::new(1, 128, &[]);
        let _first = whole_addresses.admit(ip("2001:db8:1:2::a")).unwrap();
        assert!(whole_addresses.admit(ip("2001:db8:1:2::b")).is_some());
    }

    #[test]
    fn an_ipv4_address_is_one_client_however_it_is_written() {
        let counter = ConnectionsPerClient::new(1, 64, &[]);
        let _held = counter.admit(ip("192.0.2.7")).unwrap();
        assert!(counter.admit(ip("::ffff:192.0.2.7")).is_none());
        assert!(counter.admit(ip("192.0.2.8")).is_some());
    }

    #[test]
    fn trusted_proxies_are_never_counted_however_many_connections_they_hold() {
        let counter = ConnectionsPerClient::new(1, 64, &[ip("10.0.0.1")]);
        let held = admit_all(&counter, "10.0.0.1", 50);
        assert_eq!(admit_all(&counter, "::ffff:10.0.0.1", 5).len(), 5);
        assert_eq!(counter.clients(), 0);
        drop(held);
        assert_eq!(counter.clients(), 0);
        let _held = counter.admit(ip("10.0.0.2")).unwrap();
        assert!(counter.admit(ip("10.0.0.2")).is_none());
    }
}
