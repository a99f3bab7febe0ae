//! The route table: `/api` (users and posts), the published token keys, health checks, and
//! the fallbacks that answer unknown paths and wrong methods in the contract's shapes.

mod health;
mod keys;
mod pictures;
mod posts;
mod recovery;
mod sessions;
mod slash;
mod users;
mod verification;

use axum::Router;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::pages::Templates;
use crate::state::AppState;

pub(crate) use slash::KnownPaths;

/// Every `/api` route of the contract (to be mounted under `/api`), together with its OpenAPI
/// description. Each route's path and method come from its handler's `#[utoipa::path]`, so
/// the router and the document are built from one source. One `routes!` per path: the macro
/// gives every path of one call the same method router.
pub(crate) fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(users::register))
        .routes(routes!(users::login))
        .routes(routes!(users::me))
        .routes(routes!(sessions::logout))
        .routes(routes!(sessions::logout_all))
        .routes(routes!(sessions::change_password))
        .routes(routes!(sessions::list_sessions))
        .routes(routes!(sessions::end_session))
        .routes(routes!(recovery::forgot_password))
        .routes(routes!(recovery::reset_password))
        .routes(routes!(verification::verify_email))
        .routes(routes!(verification::send_verification_email))
        .routes(routes!(verification::security))
        .routes(routes!(users::profile, users::update, users::delete))
        .routes(routes!(pictures::upload_picture, pictures::delete_picture))
        .routes(routes!(posts::list_by_user))
        .routes(routes!(posts::list, posts::create))
        .routes(routes!(
            posts::get,
            posts::replace,
            posts::patch,
            posts::delete
        ))
}

/// The documented routes outside `/api`: the key set other services verify tokens with.
pub(crate) fn well_known_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default().routes(routes!(keys::jwks))
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

/// Unknown paths: a redirect when the path without its trailing slash is known, else JSON
/// 404 under `/api` and the HTML error page elsewhere.
pub(crate) fn fallback(uri: &Uri, templates: &Templates, known: &KnownPaths) -> Response {
    if let Some(redirect) = known.redirect_without_slash(uri) {
        redirect
    } else if is_api(uri) {
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
