//! [`AuthRefusal`]: why an authenticating extractor refused a request, and its default
//! response.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use quill_domain::TokenError;

/// Why [`AuthUser`](crate::AuthUser), [`MaybeAuthUser`](crate::MaybeAuthUser) or
/// [`CurrentSession`](crate::CurrentSession) refused a request.
///
/// Its response is quill's: 401 with `WWW-Authenticate: Bearer` and
/// `{"detail": "<message>"}`, or 500 `{"detail": "Internal Server Error"}` when the check
/// itself failed (the cause rides in the response's extensions as a [`FailureCause`], for a
/// logging layer; it is never sent). An application with other bodies takes the extractor as
/// `Result<AuthUser, AuthRefusal>` and answers in its own words:
///
/// ```
/// use axum::http::StatusCode;
/// use quill_axum::{AuthRefusal, AuthUser};
///
/// async fn handler(caller: Result<AuthUser, AuthRefusal>) -> Result<String, (StatusCode, String)> {
///     match caller {
///         Ok(AuthUser(caller)) => Ok(format!("hello {}", caller.username())),
///         Err(refusal) => Err((refusal.status(), format!("<p>{}</p>", refusal.message()))),
///     }
/// }
/// # let _ = handler;
/// ```
#[derive(Debug, Clone)]
pub enum AuthRefusal {
    /// No `Authorization: Bearer` header (or an empty credential).
    Missing,
    /// The token is forged, malformed, expired or revoked.
    Invalid,
    /// The token is genuine but its account has been deleted since.
    AccountGone,
    /// Checking the token failed (the database did not answer, say).
    Failed(FailureCause),
}

/// The cause of a failed request, carried in the response's extensions so a logging layer
/// can record it once; never sent to the client.
#[derive(Debug, Clone)]
pub struct FailureCause(pub Arc<str>);

impl FailureCause {
    /// The error and its whole `source()` chain, joined by `": "`.
    ///
    /// ```
    /// use quill_axum::FailureCause;
    /// use quill_domain::Unexpected;
    ///
    /// let cause = FailureCause::of(&Unexpected::new(std::io::Error::other("disk full")));
    /// assert_eq!(&*cause.0, "disk full");
    /// ```
    #[must_use]
    pub fn of(error: &dyn std::error::Error) -> Self {
        let mut text = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        Self(text.into())
    }
}

impl AuthRefusal {
    /// The status it answers with: 401, or 500 for [`AuthRefusal::Failed`].
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Failed(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Missing | Self::Invalid | Self::AccountGone => StatusCode::UNAUTHORIZED,
        }
    }

    /// The message of the default body, fit to show to a person.
    #[must_use]
    pub fn message(&self) -> &'static str {
        match self {
            Self::Missing => "Not authenticated",
            Self::Invalid => "Invalid or expired token",
            Self::AccountGone => "User not found",
            Self::Failed(_) => "Internal Server Error",
        }
    }
}

impl From<TokenError> for AuthRefusal {
    fn from(error: TokenError) -> Self {
        match error {
            TokenError::InvalidToken => Self::Invalid,
            TokenError::AccountGone => Self::AccountGone,
            failed @ (TokenError::Unavailable(_) | TokenError::Unexpected(_)) => {
                Self::Failed(FailureCause::of(&failed))
            }
        }
    }
}

impl IntoResponse for AuthRefusal {
    fn into_response(self) -> Response {
        // The messages are fixed ASCII without quotes or backslashes, so no JSON escaping is
        // needed, and no JSON library either.
        let body = format!("{{\"detail\":\"{}\"}}", self.message());
        let mut response = (self.status(), Body::from(body)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        match self {
            Self::Failed(cause) => {
                response.extensions_mut().insert(cause);
            }
            Self::Missing | Self::Invalid | Self::AccountGone => {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
        }
        response
    }
}
