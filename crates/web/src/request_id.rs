//! Request ids: every response carries `X-Request-Id`, and every log line written while the
//! request is served carries it too, in the request's span. An id a client or a proxy sent is
//! kept when it is a short, safe token (so one id follows a request through a load balancer
//! and quill); anything else is replaced by a fresh one, so no client can write arbitrary
//! text into the logs.

use axum::extract::Request;
use axum::http::HeaderName;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Span;

/// The header the id travels in, both ways.
pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest id kept as sent.
const MAX_KEPT_LEN: usize = 128;

/// Whether an incoming id may be kept: 1 to 128 characters of letters, digits and `-_.:`.
fn is_safe(id: &[u8]) -> bool {
    (1..=MAX_KEPT_LEN).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Drops an incoming id that is not safe to keep (and any second one), so that the id layer
/// after this one makes a fresh id instead.
pub(crate) async fn drop_unsafe_request_ids(mut request: Request, next: Next) -> Response {
    let headers = request.headers();
    let sent: Vec<_> = headers.get_all(&REQUEST_ID).iter().collect();
    let keep = sent.len() == 1 && is_safe(sent[0].as_bytes());
    if !keep && !sent.is_empty() {
        request.headers_mut().remove(&REQUEST_ID);
    }
    next.run(request).await
}

/// The span every request is served in: its method, path (no query string) and id. At info
/// level, so the id reaches every line the default filter lets through.
pub(crate) fn request_span<B>(request: &axum::http::Request<B>) -> Span {
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = request.uri().path(),
        request_id = id,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_tokens_are_kept_and_anything_else_is_not() {
        assert!(is_safe(b"abc-123"));
        assert!(is_safe(b"0f5e9c2a-1b2c-4d3e-8f90-a1b2c3d4e5f6"));
        assert!(is_safe("a".repeat(128).as_bytes()));
        for unsafe_id in [
            &b""[..],
            "a".repeat(129).as_bytes(),
            b"abc 123",
            b"abc\n123",
            b"abc\"},{\"level\":\"ERROR",
            "caf\u{e9}".as_bytes(),
        ] {
            assert!(
                !is_safe(unsafe_id),
                "{:?}",
                String::from_utf8_lossy(unsafe_id)
            );
        }
    }
}
