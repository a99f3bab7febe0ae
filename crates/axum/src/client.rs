//! [`ClientAddr`]: the address a request came from, which the auth core's per-client limits
//! are charged to.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use quill_domain::Client;

/// Proxies whose `X-Forwarded-For` is believed for the client's address. Put it in the
/// request extensions (`router.layer(Extension(TrustedProxies::new(..)))`); without it, or
/// with an empty list, the socket peer is the client.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Arc<[IpAddr]>);

impl TrustedProxies {
    /// These proxies.
    #[must_use]
    pub fn new(proxies: Vec<IpAddr>) -> Self {
        Self(proxies.into())
    }

    /// The client behind a peer: the peer itself unless it is a trusted proxy; else the last
    /// address in `forwarded` that is not itself a trusted proxy.
    ///
    /// ```
    /// use quill_axum::TrustedProxies;
    ///
    /// let proxy = "10.0.0.1".parse().unwrap();
    /// let trusted = TrustedProxies::new(vec![proxy]);
    /// let seen = trusted.client_behind(proxy, Some("6.6.6.6, 1.2.3.4"));
    /// assert_eq!(seen.to_string(), "1.2.3.4");
    /// let direct = trusted.client_behind("203.0.113.9".parse().unwrap(), Some("1.2.3.4"));
    /// assert_eq!(direct.to_string(), "203.0.113.9");
    /// ```
    #[must_use]
    pub fn client_behind(&self, peer: IpAddr, forwarded: Option<&str>) -> Client {
        let trusted = &*self.0;
        if !trusted.contains(&peer) {
            return Client::new(peer);
        }
        let Some(chain) = forwarded else {
            return Client::new(peer);
        };
        // Entries are appended by each proxy; only those after the last untrusted hop were
        // written by proxies we trust, so walk from the right.
        let ip = chain
            .split(',')
            .rev()
            .map(str::trim)
            .map_while(|entry| entry.parse::<IpAddr>().ok())
            .find(|ip| !trusted.contains(ip))
            .unwrap_or(peer);
        Client::new(ip)
    }
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
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        let client = match parts.extensions.get::<TrustedProxies>() {
            Some(trusted) => trusted.client_behind(peer, forwarded),
            None => Client::new(peer),
        };
        Ok(Self(client))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let proxy = ip("10.0.0.1");
        let trusted = TrustedProxies::new(vec![proxy]);
        let seen = |peer, chain| trusted.client_behind(peer, chain).ip();
        assert_eq!(seen(ip("203.0.113.9"), Some("1.2.3.4")), ip("203.0.113.9"));
        assert_eq!(seen(proxy, Some("1.2.3.4")), ip("1.2.3.4"));
        assert_eq!(seen(proxy, Some("6.6.6.6, 1.2.3.4")), ip("1.2.3.4"));
        assert_eq!(seen(proxy, Some("1.2.3.4, 10.0.0.1")), ip("1.2.3.4"));
        assert_eq!(seen(proxy, Some("garbage")), proxy);
        assert_eq!(seen(proxy, None), proxy);
    }
}
