//! [`ClientAddr`]: the address a request came from, which the auth core's per-client limits
//! are charged to.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use quill_domain::Client;

/// Proxies whose `X-Forwarded-For` is believed for the client's address. Put it in the
/// request extensions (`router.layer(Extension(TrustedProxies::new(..)))`); without it, or
/// with an empty list, the socket peer is the client. An IPv4 proxy is also recognised when
/// it reaches a dual-stack socket as its IPv4-mapped IPv6 address.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Arc<[IpAddr]>);

impl TrustedProxies {
    /// These proxies.
    #[must_use]
    pub fn new(proxies: Vec<IpAddr>) -> Self {
        Self(proxies.into_iter().map(|ip| ip.to_canonical()).collect())
    }

    /// Whether `ip` is one of these proxies.
    #[must_use]
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(&ip.to_canonical())
    }

    /// The client behind a peer: the peer itself unless it is a trusted proxy. Else
    /// `forwarded`, every `X-Forwarded-For` header line in order, is read as one
    /// comma-separated list from the right (each proxy appends the address it was reached
    /// from, so only the entries right of the first untrusted one were written by proxies we
    /// trust): the first address that is not a trusted proxy is the client. An entry is an
    /// address, `ip:port`, `[v6]` or `[v6]:port`. An entry that is none of these ends the walk,
    /// and the hop that wrote it (the trusted proxy just right of it, or the peer) is the
    /// client, so junk in the header can never make a fresh client per request.
    ///
    /// ```
    /// use quill_axum::TrustedProxies;
    ///
    /// let proxy = "10.0.0.1".parse().unwrap();
    /// let trusted = TrustedProxies::new(vec![proxy]);
    /// // The client sent the first line itself; the proxy appended the second.
    /// let seen = trusted.client_behind(proxy, ["6.6.6.6", "1.2.3.4:50312"]);
    /// assert_eq!(seen.to_string(), "1.2.3.4");
    /// let junk = trusted.client_behind(proxy, ["1.2.3.4, unknown"]);
    /// assert_eq!(junk.to_string(), "10.0.0.1");
    /// let direct = trusted.client_behind("203.0.113.9".parse().unwrap(), ["1.2.3.4"]);
    /// assert_eq!(direct.to_string(), "203.0.113.9");
    /// ```
    #[must_use]
    pub fn client_behind<'a, I>(&self, peer: IpAddr, forwarded: I) -> Client
    where
        I: IntoIterator<Item = &'a str>,
        I::IntoIter: DoubleEndedIterator,
    {
        if !self.contains(peer) {
            return Client::new(peer);
        }
        let mut hop = peer;
        for entry in forwarded
            .into_iter()
            .rev()
            .flat_map(|line| line.rsplit(','))
        {
            match entry_address(entry) {
                Some(ip) if self.contains(ip) => hop = ip,
                Some(ip) => return Client::new(ip),
                None => break,
            }
        }
        Client::new(hop)
    }
}

/// The address one `X-Forwarded-For` entry names: `ip`, `ip:port`, `[v6]` or `[v6]:port`.
fn entry_address(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(socket) = entry.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    let bracketed = entry.strip_prefix('[')?.strip_suffix(']')?;
    bracketed.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
}

/// The client's address: the socket peer (serve with
/// `into_make_service_with_connect_info::<SocketAddr>()`), or, when the peer is one of the
/// [`TrustedProxies`], the address it forwarded. Without connection info every request
/// counts as one unknown client, which limits everyone together: serving without it is a
/// mistake that fails safe.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Client);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
        // A line that is not visible ASCII reads as one empty entry: it names no address, so
        // the walk stops at the hop that wrote it.
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .map(|line| line.to_str().unwrap_or_default());
        let client = match parts.extensions.get::<TrustedProxies>() {
            Some(trusted) => trusted.client_behind(peer, forwarded),
            None => Client::new(peer),
        };
        Ok(Self(client))
    }
}

#[cfg(test)]
mod tests {
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use axum::http::{HeaderValue, Request};

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    /// The client a request from `peer` is charged to, with `trusted` as the proxies and
    /// `lines` as its `X-Forwarded-For` header fields, in order.
    fn client_of(peer: &str, trusted: &[&str], lines: &[&[u8]]) -> IpAddr {
        let mut request = Request::builder();
        for line in lines {
            request = request.header("x-forwarded-for", HeaderValue::from_bytes(line).unwrap());
        }
        let (mut parts, ()) = request.body(()).unwrap().into_parts();
        parts
            .extensions
            .insert(ConnectInfo(SocketAddr::new(ip(peer), 40_000)));
        parts.extensions.insert(TrustedProxies::new(
            trusted.iter().map(|proxy| ip(proxy)).collect(),
        ));
        let extracting = pin!(ClientAddr::from_request_parts(&mut parts, &()));
        // The extractor reads only the request, so it is ready at its first poll.
        let Poll::Ready(Ok(ClientAddr(client))) =
            extracting.poll(&mut Context::from_waker(Waker::noop()))
        else {
            panic!("the client's address was not ready at once");
        };
        client.ip()
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let proxy = "10.0.0.1";
        let seen = |peer, lines| client_of(peer, &[proxy], lines);
        assert_eq!(seen("203.0.113.9", &[b"1.2.3.4"]), ip("203.0.113.9"));
        assert_eq!(seen(proxy, &[b"1.2.3.4"]), ip("1.2.3.4"));
        assert_eq!(seen(proxy, &[b"6.6.6.6, 1.2.3.4"]), ip("1.2.3.4"));
        assert_eq!(seen(proxy, &[b"1.2.3.4, 10.0.0.1"]), ip("1.2.3.4"));
        assert_eq!(seen(proxy, &[]), ip(proxy));
    }

    #[test]
    fn a_forged_first_header_line_is_passed_over_for_the_line_the_proxy_appended() {
        let seen = |forged: &'static [u8]| {
            client_of("10.0.0.1", &["10.0.0.1"], &[forged, b"198.51.100.7"])
        };
        assert_eq!(seen(b"6.6.6.6"), ip("198.51.100.7"));
        assert_eq!(seen(b"6.6.6.7, 6.6.6.8"), ip("198.51.100.7"));
    }

    #[test]
    fn every_header_line_is_read_as_one_list_walked_from_the_right() {
        let trusted = ["10.0.0.1", "10.0.0.2"];
        let seen = |lines| client_of("10.0.0.1", &trusted, lines);
        assert_eq!(
            seen(&[b"6.6.6.6", b"198.51.100.7, 10.0.0.2", b"10.0.0.2"]),
            ip("198.51.100.7")
        );
        assert_eq!(
            seen(&[b"6.6.6.6, 198.51.100.7", b"10.0.0.2"]),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn entries_with_a_port_or_in_brackets_name_their_address() {
        let seen = |line: &'static [u8]| client_of("10.0.0.1", &["10.0.0.1"], &[line]);
        assert_eq!(seen(b"198.51.100.7:4711"), ip("198.51.100.7"));
        assert_eq!(seen(b"[2001:db8::7]"), ip("2001:db8::7"));
        assert_eq!(seen(b"[2001:db8::7]:4711"), ip("2001:db8::7"));
        assert_eq!(seen(b"6.6.6.6, [2001:db8::7]:4711"), ip("2001:db8::7"));
        assert_eq!(seen(b" 2001:db8::7 "), ip("2001:db8::7"));
    }

    #[test]
    fn a_trusted_proxy_written_with_a_port_is_still_walked_past() {
        let seen = client_of(
            "10.0.0.1",
            &["10.0.0.1", "10.0.0.2"],
            &[b"198.51.100.7, 10.0.0.2:8080"],
        );
        assert_eq!(seen, ip("198.51.100.7"));
    }

    #[test]
    fn an_unparseable_entry_charges_the_hop_that_wrote_it_not_a_fresh_key() {
        let trusted = ["10.0.0.1", "10.0.0.2"];
        let seen = |lines| client_of("10.0.0.1", &trusted, lines);
        assert_eq!(seen(&[b"garbage"]), ip("10.0.0.1"));
        assert_eq!(seen(&[b"1.2.3.4, garbage"]), ip("10.0.0.1"));
        assert_eq!(seen(&[b"1.2.3.4, garbage, 10.0.0.2"]), ip("10.0.0.2"));
        assert_eq!(seen(&[b"1.2.3.4", b"unknown", b"10.0.0.2"]), ip("10.0.0.2"));
        assert_eq!(seen(&[b"1.2.3.4, , 10.0.0.2"]), ip("10.0.0.2"));
        assert_eq!(seen(&[b"1.2.3.4:port"]), ip("10.0.0.1"));
        assert_eq!(seen(&[b"[1.2.3.4]"]), ip("10.0.0.1"));
        assert_eq!(seen(&[b"1.2.3.4", b"caf\xc3\xa9"]), ip("10.0.0.1"));
    }

    #[test]
    fn a_trusted_proxy_reached_over_a_dual_stack_socket_is_still_trusted() {
        let seen = client_of("::ffff:10.0.0.1", &["10.0.0.1"], &[b"198.51.100.7"]);
        assert_eq!(seen, ip("198.51.100.7"));
    }

    #[test]
    fn a_chain_of_trusted_proxies_alone_names_the_farthest_of_them() {
        let seen = client_of("10.0.0.1", &["10.0.0.1", "10.0.0.2"], &[b"10.0.0.2"]);
        assert_eq!(seen, ip("10.0.0.2"));
    }
}
