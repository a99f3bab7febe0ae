//! [`ApiError`]: every way an `/api` request can fail, with the contract's status code and
//! `{"detail": ...}` body. Domain outcomes convert into it exhaustively, so a new domain
//! variant cannot go unmapped.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use quill_axum::FailureCause;
use quill_domain::{EmailFault, FieldError, FieldErrorKind, PostAction, PostError, Unexpected};
use serde::Serialize;
use utoipa::ToSchema;

mod outcomes;

/// One step of where in the request a refused value was: `["body", "password"]`,
/// `["path", "post_id"]`, or for malformed JSON `["body", <byte offset>]`.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
#[serde(untagged)]
pub enum LocPart {
    /// A section or field name.
    Name(String),
    /// A position.
    Index(usize),
}

/// One entry of a 422 `detail` list, in FastAPI's shape.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct ErrorItem {
    /// Pydantic's name for the problem (`missing`, `string_too_short`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// Where the value was.
    pub loc: Vec<LocPart>,
    /// A human-readable message.
    pub msg: String,
}

impl ErrorItem {
    /// An item at `[section, field]`.
    #[must_use]
    pub fn new(kind: &str, section: &str, field: &str, msg: impl Into<String>) -> Self {
        Self {
            kind: kind.to_owned(),
            loc: vec![
                LocPart::Name(section.to_owned()),
                LocPart::Name(field.to_owned()),
            ],
            msg: msg.into(),
        }
    }

    /// The item for a domain field refusal found in `section` (`body`, `query`, ...), under
    /// the domain's name for the field.
    #[must_use]
    pub fn from_field(section: &str, error: &FieldError) -> Self {
        Self::refused(section, error.field, &error.kind)
    }

    /// The item for a value refused for `kind`, at `[section, field]`, in the contract's
    /// (Pydantic's) code and wording.
    #[must_use]
    pub fn refused(section: &str, field: &str, kind: &FieldErrorKind) -> Self {
        let (code, msg) = contract_wording(field, kind);
        Self::new(code, section, field, msg)
    }
}

/// Pydantic's type code and message for a domain refusal: FastAPI clients match on both.
fn contract_wording(field: &str, kind: &FieldErrorKind) -> (&'static str, String) {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    // How the original's validators named the value in their messages.
    let noun = match field {
        "username" => "a username",
        "email" => "an email address",
        other => other,
    };
    match kind {
        FieldErrorKind::Missing => ("missing", "Field required".to_owned()),
        FieldErrorKind::TooShort { min } => (
            "string_too_short",
            format!(
                "String should have at least {min} character{}",
                plural(*min)
            ),
        ),
        FieldErrorKind::TooLong { max } => (
            "string_too_long",
            format!("String should have at most {max} character{}", plural(*max)),
        ),
        FieldErrorKind::TooSmall { min } => (
            "greater_than_equal",
            format!("Input should be greater than or equal to {min}"),
        ),
        FieldErrorKind::TooLarge { max } => (
            "less_than_equal",
            format!("Input should be less than or equal to {max}"),
        ),
        FieldErrorKind::Blank => (
            "value_error",
            format!("Value error, {noun} must not be blank"),
        ),
        FieldErrorKind::InvisibleCharacter => (
            "value_error",
            format!("Value error, {noun} must not contain control or invisible characters"),
        ),
        FieldErrorKind::SurroundingSpace => (
            "value_error",
            format!("Value error, {noun} must not begin or end with a space"),
        ),
        FieldErrorKind::MixedScripts => (
            "value_error",
            format!(
                "Value error, {noun} must not mix letters of different scripts \
                 (such as Latin and Cyrillic)"
            ),
        ),
        FieldErrorKind::NotAnEmail(fault) => (
            "value_error",
            format!(
                "value is not a valid email address: {}",
                match fault {
                    EmailFault::NoAtSign => "An email address must have an @-sign.",
                    EmailFault::Malformed => "The email address is not valid.",
                }
            ),
        ),
        FieldErrorKind::NotAPlainFileName => (
            "value_error",
            format!("Value error, {field} must be a plain file name"),
        ),
        FieldErrorKind::TooCommon => (
            "password_too_common",
            "This password is too common. Choose a less predictable one".to_owned(),
        ),
    }
}

/// A failed `/api` request.
#[derive(Debug)]
pub enum ApiError {
    /// 422: the input was refused; every problem is listed.
    Validation(Vec<ErrorItem>),
    /// 400 with a message (duplicates).
    BadRequest(&'static str),
    /// 401 with a message and `WWW-Authenticate: Bearer`.
    Unauthorized(&'static str),
    /// 403 with a message.
    Forbidden(&'static str),
    /// 404 with a message.
    NotFound(&'static str),
    /// 405.
    MethodNotAllowed,
    /// 413: the body is over the configured limit.
    PayloadTooLarge,
    /// 400: a picture upload over its own limit, named in megabytes.
    FileTooLarge {
        /// The limit, in bytes.
        max_bytes: usize,
    },
    /// 408: the request, its body included, took longer than the configured limit.
    RequestTimeout,
    /// 503 with a message.
    Unavailable(&'static str),
    /// 429 with `Retry-After`: a rate limit was hit, or the client already holds its own
    /// share of places (its excess, not an outage).
    TooManyRequests {
        /// Seconds until the next attempt may succeed.
        retry_after_secs: u64,
    },
    /// 503 with `Retry-After`: every place (hashing slots and queue, picture uploads) is
    /// taken.
    Busy,
    /// 503 with `Retry-After`, answered like [`ApiError::Busy`]: a store (the rate limiter's,
    /// or the database, locked or read-only) cannot answer now; the cause is logged.
    StoreDown(Unexpected),
    /// 500; the cause is logged, never sent.
    Internal(Unexpected),
}

impl ApiError {
    /// The status code this error answers with.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::FileTooLarge { .. } => StatusCode::BAD_REQUEST,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::Unavailable(_) | Self::Busy | Self::StoreDown(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

// The two error bodies below are both what `ApiError` sends and what the OpenAPI document
// shows (their doc comments are its descriptions), so the two cannot disagree. Both are
// documented as closed objects (`deny_unknown_fields`): nothing else is ever sent.

/// `{"detail": "<message>"}`: the body of every refusal except a 422.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ErrorMessage {
    /// What went wrong, fit to show to a person.
    #[schema(example = "Not Found")]
    pub detail: &'static str,
}

/// `{"detail": [item, ...]}`: the body of a 422, listing every refused value.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ValidationFailure<'a> {
    /// One item per refused value.
    pub detail: &'a [ErrorItem],
}

fn message(status: StatusCode, text: &'static str) -> Response {
    (status, Json(ErrorMessage { detail: text })).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = match &self {
            Self::Validation(items) => {
                (status, Json(ValidationFailure { detail: items })).into_response()
            }
            Self::BadRequest(m)
            | Self::Unauthorized(m)
            | Self::Forbidden(m)
            | Self::NotFound(m)
            | Self::Unavailable(m) => message(status, m),
            Self::MethodNotAllowed => message(status, "Method Not Allowed"),
            Self::PayloadTooLarge => message(status, "Request body too large"),
            Self::FileTooLarge { max_bytes } => {
                // The contract's wording: the limit in whole megabytes (MiB), rounded up.
                let megabytes = max_bytes.div_ceil(1024 * 1024);
                let detail = format!("File too large. Maximum size is {megabytes}MB");
                (status, Json(serde_json::json!({ "detail": detail }))).into_response()
            }
            Self::RequestTimeout => message(status, "Request timed out"),
            Self::Internal(_) => message(status, "Internal Server Error"),
            Self::TooManyRequests { .. } => message(status, "Too many requests"),
            Self::Busy | Self::StoreDown(_) => message(status, "Server busy, try again shortly"),
        };
        match &self {
            Self::Unauthorized(_) => {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Self::TooManyRequests { retry_after_secs } => {
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from((*retry_after_secs).max(1)),
                );
            }
            Self::Busy | Self::StoreDown(_) => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            _ => {}
        }
        if let Self::StoreDown(error) | Self::Internal(error) = &self {
            response.extensions_mut().insert(FailureCause::of(error));
        }
        response
    }
}

impl From<PostError> for ApiError {
    fn from(error: PostError) -> Self {
        match error {
            PostError::NotFound => Self::NotFound("Post not found"),
            PostError::UserNotFound => Self::NotFound("User not found"),
            // Like any request of a deleted account's token.
            PostError::AuthorGone => Self::Unauthorized("User not found"),
            PostError::NotAllowed(PostAction::Update) => {
                Self::Forbidden("Not authorized to update this post")
            }
            PostError::NotAllowed(PostAction::Delete) => {
                Self::Forbidden("Not authorized to delete this post")
            }
            PostError::Unavailable(e) => Self::StoreDown(e),
            PostError::Unexpected(e) => Self::Internal(e),
        }
    }
}

/// The timeout layer gives up on a slow request with a bare 408; this gives it the contract's
/// body, as every other refusal has.
pub(crate) async fn explain_bare_timeouts(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let response = next.run(request).await;
    if response.status() == StatusCode::REQUEST_TIMEOUT
        && !response.headers().contains_key(header::CONTENT_TYPE)
    {
        return ApiError::RequestTimeout.into_response();
    }
    response
}
