//! Serving the application on a bound listener with the limits a public server needs: a
//! ceiling on connections and on each client's share of them, a deadline for each request's headers (which is also how long an
//! idle keep-alive connection is kept), and a deadline for graceful shutdown, after which the
//! connections still open are dropped. axum's own `serve` runs hyper without a timer, so a
//! client sending one header byte a second, or holding a half-open connection, would keep a
//! connection (and a terminated process) alive forever.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use quill_infra::config::text;
use serde::Deserialize;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::per_client::ConnectionsPerClient;

/// The connection-level limits of [`serve`]: a settings section of the server's own, but for
/// the two values it shares with other sections, filled in from them by
/// `From<&Settings>` (the client grouping of the auth policy, the HTTP layer's proxies).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ConnectionLimits {
    /// How long a connection may take to send a request's headers, and may stay idle between
    /// requests, before it is closed (`HEADER_READ_TIMEOUT_SECONDS`).
    #[serde(
        rename = "header_read_timeout_seconds",
        deserialize_with = "text::seconds"
    )]
    pub header_read_timeout: Duration,
    /// Connections served at once; further ones wait in the listen backlog
    /// (`MAX_CONNECTIONS`).
    #[serde(deserialize_with = "text::positive")]
    pub max_connections: usize,
    /// Connections one client (an IPv4 address, or an IPv6 prefix of `ipv6_client_prefix`
    /// bits) holds at once; one more is closed as soon as it is accepted, before it takes one
    /// of the `max_connections` places (`MAX_CONNECTIONS_PER_CLIENT`).
    #[serde(deserialize_with = "text::positive")]
    pub max_connections_per_client: usize,
    /// How many leading bits of an IPv6 address make one client.
    #[serde(skip)]
    pub ipv6_client_prefix: u8,
    /// Peers whose connections are not counted per client: the trusted proxies, each of whose
    /// connections carries other clients.
    #[serde(skip)]
    pub trusted_proxies: Arc<[IpAddr]>,
    /// After the shutdown signal, how long requests in flight may take to finish; then the
    /// remaining connections are dropped (`SHUTDOWN_GRACE_SECONDS`).
    #[serde(rename = "shutdown_grace_seconds", deserialize_with = "text::seconds")]
    pub shutdown_grace: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            max_connections: 1024,
            // Far more than a browser opens (six per host), far fewer than MAX_CONNECTIONS.
            max_connections_per_client: 64,
            ipv6_client_prefix: quill_domain::AuthPolicy::default().ipv6_client_prefix,
            trusted_proxies: Arc::new([]),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

impl From<&crate::Settings> for ConnectionLimits {
    fn from(settings: &crate::Settings) -> Self {
        Self {
            ipv6_client_prefix: settings.stack.auth.policy.ipv6_client_prefix,
            trusted_proxies: settings.http.trusted_proxies.iter().copied().collect(),
            ..settings.connections.clone()
        }
    }
}

/// How many connections the kernel may queue for [`listen`]'s listener before it is asked for
/// them (it caps this at `net.core.somaxconn`). More than any one client's share of the
/// connection ceiling can fill, so while the accept loop closes the connections of one
/// address over its share, others still find room in the queue; once the queue is full a
/// new client's first packet is dropped and it retries only a second later.
pub const LISTEN_BACKLOG: u32 = 4096;

/// A listener on `addr` with a queue of [`LISTEN_BACKLOG`] connections, for [`serve`]. Call
/// it within the runtime.
///
/// # Errors
/// When the address cannot be bound.
pub fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    // As the runtime's own bind does: a restarted server rebinds at once, whatever
    // connections of its predecessor are still winding down.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Serves `app` on an already-bound listener until `shutdown` completes, then stops
/// accepting, lets requests in flight finish for at most the grace period, and drops what is
/// left. Each request sees its peer address as `ConnectInfo<SocketAddr>`.
///
/// # Errors
/// None today: a failed `accept` (out of file descriptors, say) is logged and retried.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let places = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let per_client = ConnectionsPerClient::new(
        limits.max_connections_per_client,
        limits.ipv6_client_prefix,
        &limits.trusted_proxies,
    );
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    tokio::pin!(shutdown);
    'serving: loop {
        let place = tokio::select! {
            place = places.clone().acquire_owned() => match place {
                Ok(place) => place,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        // A connection over its client's share is closed here, and the place waits for the
        // next one: however fast one address reconnects, it holds no more than its share.
        let (stream, peer, held) = loop {
            let (stream, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        tracing::warn!("accepting a connection failed (retrying): {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break 'serving,
            };
            match per_client.admit(peer.ip()) {
                Some(held) => break (stream, peer, held),
                None => {
                    tracing::debug!("closing a connection from {peer}: its client holds its share");
                    // Reset rather than closed: a flood of refused connections leaves no
                    // TIME_WAIT entry behind, and the client learns at once.
                    let _ = stream.set_zero_linger();
                    drop(stream);
                }
            }
        };
        let service = tower::ServiceExt::map_request(
            app.clone(),
            move |mut request: hyper::Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            },
        );
        let connection = graceful
            .watch(http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service)));
        connections.spawn(async move {
            // Held for the connection's life: the ceilings count open connections.
            let _place = place;
            let _held = held;
            if let Err(e) = connection.await {
                tracing::debug!("connection from {peer} ended: {e}");
            }
        });
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            open = connections.len(),
            "shutdown grace period over: dropping the connections still open"
        );
    }
    connections.abort_all();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_listener_queues_more_connections_than_one_flooding_address_keeps_open() {
        let listener = listen(SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
        let addr = listener.local_addr().unwrap();
        // Nothing is accepted: every connection must find room in the queue. A connection
        // that finds none is not refused but ignored, and retries a second later.
        let connections: Vec<_> = (0..1_100)
            .map(|_| tokio::spawn(tokio::net::TcpStream::connect(addr)))
            .collect();
        let all = async {
            for connection in connections {
                connection.await.unwrap().unwrap();
            }
        };
        tokio::time::timeout(Duration::from_secs(10), all)
            .await
            .expect("connections beyond the queue waited");
    }
}
