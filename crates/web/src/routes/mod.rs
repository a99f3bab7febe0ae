//! The route table: `/api` (users and posts), health checks, and the fallbacks that answer
//! unknown paths and wrong methods in the contract's shapes.

mod health;
mod posts;
mod users;

use axum::Router;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::error::ApiError;
use crate::pages::Templates;
use crate::state::AppState;

/// Every `/api` route of the contract (mounted under `/api`).
pub(crate) fn api_router() -> Router<AppState> {
    Router::new()
        .route("/users", post(users::register))
        .route("/users/token", post(users::login))
        .route("/users/me", get(users::me))
        .route(
            "/users/{user_id}",
            get(users::profile)
                .patch(users::update)
                .delete(users::delete),
        )
        .route("/users/{user_id}/posts", get(posts::list_by_user))
        .route("/posts", get(posts::list).post(posts::create))
        .route(
            "/posts/{post_id}",
            get(posts::get)
                .put(posts::replace)
                .patch(posts::patch)
                .delete(posts::delete),
        )
}

/// Liveness and readiness checks.
pub(crate) fn health_router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
}

fn is_api(uri: &Uri) -> bool {
    let path = uri.path();
    path == "/api" || path.starts_with("/api/")
}

/// Unknown paths: JSON 404 under `/api`, the HTML error page elsewhere.
pub(crate) fn fallback(uri: &Uri, templates: &Templates) -> Response {
    if is_api(uri) {
        ApiError::NotFound("Not Found").into_response()
    } else {
        templates.error_page(
            StatusCode::NOT_FOUND,
            "The page you are looking for does not exist.",
        )
    }
}

/// Known paths with a method they do not serve.
pub(crate) fn method_not_allowed(uri: &Uri, templates: &Templates) -> Response {
    if is_api(uri) {
        ApiError::MethodNotAllowed.into_response()
    } else {
        templates.error_page(
            StatusCode::METHOD_NOT_ALLOWED,
            "That action is not allowed here.",
        )
    }
}
