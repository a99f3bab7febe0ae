//! Who is asking, as far as abuse resistance is concerned: the client's network address, and
//! the key its limits are charged to.
//!
//! One IPv6 customer usually holds a whole /64 (and can pick any address in it at will), so
//! per-client limits key IPv6 clients by prefix; an IPv4-mapped IPv6 address is the IPv4
//! client it stands for. How long the prefix is, is [`AuthPolicy`](crate::AuthPolicy)'s
//! `ipv6_client_prefix`.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The network address a request came from, as the front end determined it (the socket
/// peer, or what a trusted proxy reported). Every service call
/// that may hash a password takes one, so per-client limits cannot be forgotten.
///
/// ```
/// use quill_domain::Client;
///
/// let client = Client::new([192, 0, 2, 7].into());
/// assert_eq!(client.to_string(), "192.0.2.7");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Client(IpAddr);

impl Client {
    /// A caller whose address is not known (a command-line tool, a job). Every such caller
    /// shares one set of per-client limits.
    pub const UNKNOWN: Self = Self(IpAddr::V4(Ipv4Addr::UNSPECIFIED));

    /// The client at this address.
    #[must_use]
    pub const fn new(ip: IpAddr) -> Self {
        Self(ip)
    }

    /// The address, as given.
    #[must_use]
    pub const fn ip(self) -> IpAddr {
        self.0
    }

    /// What per-client limits are charged to: an IPv4 address as it is (also when written
    /// IPv4-mapped), an IPv6 address cut to its first `ipv6_prefix` bits (at most 128).
    ///
    /// ```
    /// use quill_domain::Client;
    ///
    /// let a = Client::new("2001:db8:1:2::a".parse().unwrap());
    /// let b = Client::new("2001:db8:1:2:ffff::b".parse().unwrap());
    /// let elsewhere = Client::new("2001:db8:1:3::a".parse().unwrap());
    /// assert_eq!(a.key(64), b.key(64));
    /// assert_ne!(a.key(64), elsewhere.key(64));
    /// assert_ne!(a.key(128), b.key(128));
    ///
    /// let mapped = Client::new("::ffff:192.0.2.7".parse().unwrap());
    /// assert_eq!(mapped.key(64), Client::new([192, 0, 2, 7].into()).key(64));
    /// ```
    #[must_use]
    pub fn key(self, ipv6_prefix: u8) -> ClientKey {
        match self.0 {
            IpAddr::V4(v4) => ClientKey(IpAddr::V4(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => ClientKey(IpAddr::V4(v4)),
                None => {
                    let bits = u32::from(ipv6_prefix.min(128));
                    let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
                    ClientKey(IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask)))
                }
            },
        }
    }
}

impl fmt::Display for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The unit per-client limits are charged to: an IPv4 address or an IPv6 prefix (its
/// network address). Made by [`Client::key`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientKey(IpAddr);

impl fmt::Display for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str, prefix: u8) -> String {
        Client::new(text.parse().unwrap()).key(prefix).to_string()
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_prefix() {
        assert_eq!(key("2001:db8:aa:bb:cc::1", 64), "2001:db8:aa:bb::");
        assert_eq!(key("2001:db8:aa:bb:cc::1", 48), "2001:db8:aa::");
        assert_eq!(key("2001:db8:aa:bb:cc::1", 128), "2001:db8:aa:bb:cc::1");
        assert_eq!(key("2001:db8:aa:bb:cc::1", 0), "::");
        assert_eq!(key("2001:db8:aa:bb:cc::1", 200), "2001:db8:aa:bb:cc::1");
    }

    #[test]
    fn ipv4_clients_are_keyed_by_their_whole_address_however_written() {
        assert_eq!(key("192.0.2.1", 64), "192.0.2.1");
        assert_eq!(key("::ffff:192.0.2.1", 64), "192.0.2.1");
        assert_ne!(key("192.0.2.1", 64), key("192.0.2.2", 64));
    }
}
