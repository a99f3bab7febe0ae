//! [`NotesError`]: how this service answers when a request fails, including quill's refusals
//! mapped to the statuses and messages this service chose (a taken username is a 409 here,
//! where quill's own API says 400).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use quill_domain::{
    FieldError, FieldErrorKind, Held, LoginError, RegisterError, Unexpected, ValidationErrors,
};

/// A failed request of the notes service.
#[derive(Debug)]
pub enum NotesError {
    /// 422: the body is not the JSON expected, or a field breaks a rule.
    Invalid(String),
    /// 409: the username or email belongs to another account.
    Conflict(&'static str),
    /// 401, with `WWW-Authenticate: Bearer`.
    Unauthorized(&'static str),
    /// 403.
    Forbidden(&'static str),
    /// 404.
    NotFound(&'static str),
    /// 429, with `Retry-After` in seconds.
    TooManyAttempts(u64),
    /// 503, with `Retry-After: 1`.
    Busy,
    /// 500: logged, never shown.
    Internal(Unexpected),
}

/// Load refusals, the same for every quill operation that meets them.
impl From<Held> for NotesError {
    fn from(held: Held) -> Self {
        match held {
            Held::Throttled { retry_after } | Held::ShareTaken { retry_after } => {
                Self::TooManyAttempts(retry_after.as_secs())
            }
            Held::Busy => Self::Busy,
        }
    }
}

/// Every outcome of quill's registration, decided here once. The matches have no catch-all
/// arm on purpose: if quill adds a variant, this stops compiling instead of answering it
/// wrongly.
impl From<RegisterError> for NotesError {
    fn from(error: RegisterError) -> Self {
        match error {
            RegisterError::UsernameTaken => Self::Conflict("That username is taken."),
            RegisterError::EmailTaken => {
                Self::Conflict("That email address is already registered.")
            }
            RegisterError::PasswordTooCommon => {
                Self::Invalid(FieldError::new("password", FieldErrorKind::TooCommon).to_string())
            }
            RegisterError::Held(held) => held.into(),
            RegisterError::Unavailable(cause) => unavailable(&cause),
            RegisterError::Unexpected(cause) => Self::Internal(cause),
        }
    }
}

/// Every outcome of quill's password login.
impl From<LoginError> for NotesError {
    fn from(error: LoginError) -> Self {
        match error {
            LoginError::InvalidCredentials => Self::Unauthorized("Wrong email or password."),
            LoginError::EmailNotVerified => {
                Self::Forbidden("Confirm your email address with the link we mailed you first.")
            }
            LoginError::Held(held) => held.into(),
            LoginError::Unavailable(cause) => unavailable(&cause),
            LoginError::Unexpected(cause) => Self::Internal(cause),
        }
    }
}

/// A store (the rate limiter's, or the accounts') that could not answer: logged, and the
/// client told to retry shortly.
fn unavailable(cause: &Unexpected) -> NotesError {
    tracing::error!(cause = %cause, "a store is unavailable");
    NotesError::Busy
}

impl From<ValidationErrors> for NotesError {
    fn from(errors: ValidationErrors) -> Self {
        Self::Invalid(errors.to_string())
    }
}

impl From<JsonRejection> for NotesError {
    fn from(rejection: JsonRejection) -> Self {
        Self::Invalid(rejection.body_text())
    }
}

impl IntoResponse for NotesError {
    fn into_response(self) -> Response {
        let retry_after = match &self {
            Self::TooManyAttempts(seconds) => Some((*seconds).max(1)),
            Self::Busy => Some(1),
            _ => None,
        };
        let (status, detail) = match self {
            Self::Invalid(reason) => (StatusCode::UNPROCESSABLE_ENTITY, reason),
            Self::Conflict(m) => (StatusCode::CONFLICT, m.to_owned()),
            Self::Unauthorized(m) => (StatusCode::UNAUTHORIZED, m.to_owned()),
            Self::Forbidden(m) => (StatusCode::FORBIDDEN, m.to_owned()),
            Self::NotFound(m) => (StatusCode::NOT_FOUND, m.to_owned()),
            Self::TooManyAttempts(_) => (
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts; try again later.".to_owned(),
            ),
            Self::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Busy; try again shortly.".to_owned(),
            ),
            Self::Internal(cause) => {
                tracing::error!(cause = %cause, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong.".to_owned(),
                )
            }
        };
        let mut response = (status, Json(serde_json::json!({ "detail": detail }))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
