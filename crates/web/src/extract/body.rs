//! The request body as bytes: the size limit every route shares (a declared oversized body
//! refused before anything reads it, an undeclared one cut off at the limit) and the media
//! type the body extractors dispatch on.

use axum::extract::Request;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// The request body limits, in bytes: every route's, and the picture upload's own.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyLimit {
    /// Every route but the upload (`MAX_BODY_BYTES`).
    pub(crate) default: usize,
    /// The upload's file (`MAX_UPLOAD_SIZE_BYTES`).
    pub(crate) upload: usize,
}

/// Room for the multipart framing around an upload's file: boundaries, part headers, a few
/// small fields.
const UPLOAD_FRAMING: usize = 64 * 1024;

/// Whether this is the picture upload (`PATCH /api/users/{id}/picture`), which has a limit of
/// its own.
fn is_upload(request: &Request) -> bool {
    request.method() == axum::http::Method::PATCH
        && request
            .uri()
            .path()
            .strip_prefix("/api/users/")
            .and_then(|rest| rest.strip_suffix("/picture"))
            .is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

/// Refuses a declared oversized body before anything reads it, and caps the body itself, so a
/// body of undeclared length (chunked) fails with 413 as soon as it passes the limit, however
/// it is read: JSON, forms, multipart, any route.
pub(crate) async fn reject_oversized_bodies(
    axum::extract::State(limit): axum::extract::State<BodyLimit>,
    request: Request,
    next: Next,
) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let (cap, refusal) = if is_upload(&request) {
        // Its handler reads the file up to the limit and answers 400 past it, as the contract
        // says; the cap only bounds what surrounds the file.
        (
            limit.upload + UPLOAD_FRAMING,
            ApiError::FileTooLarge {
                max_bytes: limit.upload,
            },
        )
    } else {
        (limit.default, ApiError::PayloadTooLarge)
    };
    if let Some(declared) = declared.filter(|n| *n > cap as u64) {
        // A client still sending when the answer comes sees its connection reset instead of
        // the answer. An upload somewhat over its limit is read to its end, keeping none of
        // it, so the person who picked too large a picture is told so.
        if is_upload(&request) && declared <= 4 * cap as u64 {
            use http_body_util::BodyExt as _;
            let mut body = request.into_body();
            while let Some(Ok(_)) = body.frame().await {}
        }
        return refusal.into_response();
    }
    let (parts, body) = request.into_parts();
    let capped = axum::body::Body::new(http_body_util::Limited::new(body, cap));
    next.run(Request::from_parts(parts, capped)).await
}

/// The whole body; past the limit the capped body fails, which is a 413.
pub(crate) async fn read_body(request: Request) -> Result<axum::body::Bytes, ApiError> {
    axum::body::to_bytes(request.into_body(), usize::MAX)
        .await
        .map_err(|error| body_failure(&error))
}

/// Why reading a body broke off, from the error's causes: past the size limit (413), past the
/// request's time limit while the client trickled it (408), or cut off some other way, such as
/// a client that hung up or a malformed chunk (400).
pub(crate) fn body_failure(error: &(dyn std::error::Error + 'static)) -> ApiError {
    let mut cause = Some(error);
    while let Some(current) = cause {
        if current.is::<http_body_util::LengthLimitError>() {
            return ApiError::PayloadTooLarge;
        }
        if current.is::<tower_http::timeout::TimeoutError>() {
            return ApiError::RequestTimeout;
        }
        cause = current.source();
    }
    ApiError::BadRequest("Request body could not be read")
}

pub(crate) fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default()
}
