//! Failed page requests: what the API would have answered becomes the HTML error page with
//! the matching status and a message fit for anyone to read.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::templates::Templates;
use crate::error::ApiError;

/// A page request that failed: rendered as the error page with the matching status.
#[derive(Debug)]
pub(crate) enum PageError {
    /// What the API would have answered.
    Api(ApiError),
    /// A template failed at render time.
    Render(String),
}

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        Self::Api(error)
    }
}

impl From<quill_domain::PostError> for PageError {
    fn from(error: quill_domain::PostError) -> Self {
        Self::Api(error.into())
    }
}

impl From<quill_domain::ProfileReadError> for PageError {
    fn from(error: quill_domain::ProfileReadError) -> Self {
        Self::Api(error.into())
    }
}

/// Carries a page failure to [`render_page_errors`], which owns the templates.
#[derive(Debug, Clone)]
struct FailedPage {
    status: StatusCode,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        const OUR_FAULT: &str = "Something went wrong on our side. Please try again.";
        let (status, message, cause) = match self {
            Self::Api(ApiError::NotFound(m)) => (StatusCode::NOT_FOUND, format!("{m}."), None),
            Self::Api(ApiError::Validation(_)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "That address does not point at anything: check the link.".to_owned(),
                None,
            ),
            Self::Api(ApiError::Internal(e)) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                OUR_FAULT.to_owned(),
                Some(quill_axum::FailureCause::of(&e)),
            ),
            Self::Api(other) => (other.status(), OUR_FAULT.to_owned(), None),
            Self::Render(reason) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                OUR_FAULT.to_owned(),
                Some(quill_axum::FailureCause(reason.into())),
            ),
        };
        let mut response = status.into_response();
        if let Some(cause) = cause {
            response.extensions_mut().insert(cause);
        }
        response
            .extensions_mut()
            .insert(FailedPage { status, message });
        response
    }
}

/// Renders the error page for failed page requests (which cannot reach the templates
/// themselves).
pub(super) async fn render_page_errors(
    State(templates): State<Templates>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    match response.extensions().get::<FailedPage>().cloned() {
        Some(failed) => {
            // Keep the extensions (the cause of a 500, for the logging middleware).
            let (parts, _) = response.into_parts();
            let mut page = templates.error_page(failed.status, &failed.message);
            page.extensions_mut().extend(parts.extensions);
            page
        }
        None => response,
    }
}
