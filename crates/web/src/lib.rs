//! quill's HTTP adapter: the `/api` routes of the contract, the extractors that turn requests
//! into domain values (and every refusal into the contract's error bodies), and the mapping
//! of domain outcomes to status codes.
//!
//! It knows the domain and nothing below it: no SeaORM, no hashing, no JWT library. The
//! services arrive ready-made in [`AppState`]; build the whole application with [`router`].
//! Start reading at [`router`], then `routes/`.

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod error;
pub mod extract;
mod routes;
pub mod state;
pub mod views;

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;

pub use error::ApiError;
pub use extract::AuthUser;
pub use state::{AppState, Readiness};

/// HTTP-level settings.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Origins allowed to call `/api` from a browser on another origin (empty: none).
    pub cors_allowed_origins: Vec<String>,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: 256 * 1024,
            cors_allowed_origins: Vec::new(),
        }
    }
}

/// The whole HTTP application: `/api`, health checks, fallbacks, and the layers every
/// request passes (body limit, CORS, tracing, error logging).
pub fn router(state: AppState, config: &WebConfig) -> Router {
    let mut app = Router::new()
        .nest("/api", routes::api_router())
        .merge(routes::health_router())
        .fallback(routes::fallback)
        .method_not_allowed_fallback(routes::method_not_allowed);
    // Outermost of the routing, so preflight requests are answered before method dispatch.
    // Only the configured origins ever get CORS headers; pages are same-origin anyway.
    if let Some(cors) = cors_layer(&config.cors_allowed_origins) {
        app = app.layer(cors);
    }
    app.layer(axum::middleware::from_fn_with_state(
        extract::BodyLimit(config.max_body_bytes),
        extract::reject_oversized_bodies,
    ))
    .layer(axum::middleware::from_fn(error::log_internal_errors))
    .layer(TraceLayer::new_for_http())
    .with_state(state)
}

fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
            .max_age(Duration::from_secs(600)),
    )
}
