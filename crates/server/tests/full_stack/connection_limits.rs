//! The connection ceilings as clients meet them: an address holding more connections than its
//! share keeps no other address waiting for a place.

use std::net::SocketAddr;
use std::time::Duration;

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpSocket, TcpStream};

use crate::support::spawn_app_with;

/// How long a step that should be prompt may take before the test gives up on it.
const PROMPTLY: Duration = Duration::from_secs(5);

/// A connection to `server` from `source` (any address of 127.0.0.0/8 is this machine), or
/// `None` when the server reset it before the connect returned.
async fn connect_from(source: [u8; 4], server: SocketAddr) -> Option<TcpStream> {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((source, 0))).unwrap();
    match socket.connect(server).await {
        Ok(stream) => Some(stream),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => None,
        Err(e) => panic!("connecting from {source:?}: {e}"),
    }
}

/// Whether the server answers `/healthz` on this connection (`true`) or has closed it
/// (`false`); `None` when it does neither promptly.
async fn served(stream: &mut TcpStream) -> Option<bool> {
    let exchange = async {
        if stream
            .write_all(b"GET /healthz HTTP/1.1\r\nhost: quill\r\n\r\n")
            .await
            .is_err()
        {
            return false;
        }
        let mut start = [0u8; 12];
        match stream.read(&mut start).await {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                assert_eq!(&start[..n], &b"HTTP/1.1 200"[..n]);
                true
            }
        }
    };
    tokio::time::timeout(PROMPTLY, exchange).await.ok()
}

#[tokio::test]
async fn an_address_holding_more_than_its_share_of_connections_keeps_no_other_address_waiting() {
    let app = spawn_app_with(&[
        ("MAX_CONNECTIONS", "6"),
        ("MAX_CONNECTIONS_PER_CLIENT", "4"),
        // No idle connection is let go while the test looks.
        ("HEADER_READ_TIMEOUT_SECONDS", "120"),
    ])
    .await;
    let server: SocketAddr = app.base.trim_start_matches("http://").parse().unwrap();
    // More idle connections than there are places, all queued before the other address asks.
    let mut flood = Vec::new();
    for _ in 0..20 {
        flood.push(connect_from([127, 0, 0, 2], server).await);
    }
    let other = tokio::time::timeout(
        PROMPTLY,
        app.client.get(format!("{}/healthz", app.base)).send(),
    )
    .await
    .expect("127.0.0.1 was kept waiting behind 127.0.0.2's connections")
    .unwrap();
    assert_eq!(other.status(), StatusCode::OK);
    let mut held = 0;
    for (i, stream) in flood.iter_mut().enumerate() {
        let Some(stream) = stream else {
            continue;
        };
        match served(stream).await {
            Some(true) => held += 1,
            Some(false) => {}
            None => panic!("127.0.0.2's connection {i} was neither served nor closed"),
        }
    }
    assert_eq!(held, 4, "127.0.0.2 held {held} connections");
}
