//! [`NotesError`]: how this service answers when a request fails, including quill's refusals
//! mapped to the statuses and messages this service chose (a taken username is a 409 here,
//! where quill's own API says 400).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use quill_domain::{AuthError, Unexpected, ValidationErrors};

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

/// Every outcome of quill's [`AuthService`](quill_domain::AuthService), decided here once.
/// The match has no catch-all arm on purpose: if quill adds a variant, this stops compiling
/// instead of answering it wrongly.
impl From<AuthError> for NotesError {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::UsernameTaken => Self::Conflict("That username is taken."),
            AuthError::EmailTaken => Self::Conflict("That email address is already registered."),
            AuthError::InvalidCredentials => Self::Unauthorized("Wrong email or password."),
            AuthError::InvalidToken | AuthError::AccountGone => {
                Self::Unauthorized("Please log in again.")
            }
            AuthError::UserNotFound => Self::NotFound("No such user."),
            AuthError::NotAllowed(_) => Self::Forbidden("That account is not yours."),
            AuthError::WrongCurrentPassword => {
                Self::Invalid("The current password is wrong.".to_owned())
            }
            AuthError::InvalidResetToken => {
                Self::Invalid("That reset link has expired or was used already.".to_owned())
            }
            AuthError::InvalidRefreshToken => {
                Self::Invalid("That session has ended; please log in again.".to_owned())
            }
            AuthError::SessionNotFound => Self::NotFound("No such session."),
            AuthError::PictureTooLarge { max_bytes } => {
                Self::Invalid(format!("Pictures may be at most {max_bytes} bytes."))
            }
            AuthError::InvalidPicture => Self::Invalid("That is not a picture.".to_owned()),
            AuthError::NoPicture => Self::Invalid("There is no picture to remove.".to_owned()),
            AuthError::Throttled { retry_after } | AuthError::ShareTaken { retry_after } => {
                Self::TooManyAttempts(retry_after.as_secs())
            }
            AuthError::Busy => Self::Busy,
            AuthError::Unavailable(cause) => {
                tracing::error!(cause = %cause, "the rate limiter is unavailable");
                Self::Busy
            }
            AuthError::Unexpected(cause) => Self::Internal(cause),
        }
    }
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
