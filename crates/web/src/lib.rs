//! quill's HTTP adapter: the `/api` routes of the contract, the extractors that turn requests
//! into domain values (and every refusal into the contract's error bodies), and the mapping
//! of domain outcomes to status codes.
//!
//! It knows the domain and nothing below it: no SeaORM, no hashing, no JWT library. The
//! services arrive ready-made in [`AppState`]; build the whole application with [`router`].
//! Start reading at [`router`], then `routes/`. The OpenAPI document is generated from the
//! handlers' attributes (the `openapi` module) and served with Swagger UI at `/docs`.

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

mod config;
#[cfg(test)]
mod contract_tests;
mod docs;
mod error;
mod extract;
mod failures;
pub mod metrics;
mod openapi;
mod pages;
#[cfg(test)]
mod picture_tests;
mod public_cache;
mod request_id;
mod requests;
mod routes;
mod security_headers;
mod state;
mod views;

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};
use tower_http::trace::TraceLayer;
use utoipa_axum::router::OpenApiRouter;

pub use config::HttpSettings;
pub use pages::{AssetPaths, TemplateError};
pub use state::{AppState, Readiness};

/// What the HTTP application is built with: its settings, where its files are, and whether
/// it records metrics.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Body limit, CORS, trusted proxies, request timeout.
    pub http: HttpSettings,
    /// Templates, static files and uploaded pictures.
    pub assets: AssetPaths,
    /// Whether every request is counted and timed through the `metrics` facade (see
    /// [`metrics`]); the application installs the recorder.
    pub record_metrics: bool,
}

/// The whole HTTP application: `/api`, its OpenAPI document and docs, pages and files,
/// health checks, fallbacks, and the layers every request passes (body limit, CORS,
/// security headers, tracing, error logging).
///
/// # Errors
/// [`TemplateError`] when a page template is missing or malformed.
pub fn router(state: AppState, config: &WebConfig) -> Result<Router, TemplateError> {
    let templates = pages::Templates::load(config.assets.templates_dir().as_deref())?
        .with_email_verification(state.auth.policy().email_verification);
    let (for_fallback, for_405) = (templates.clone(), templates.clone());
    let (api, document) = OpenApiRouter::default()
        .nest("/api", routes::api_router())
        .merge(routes::well_known_router())
        .split_for_parts();
    let mut paths: Vec<&str> = document.paths.paths.keys().map(String::as_str).collect();
    for page in pages::page_paths() {
        paths.push(page);
    }
    let known = routes::KnownPaths::new(paths);
    let mut app = Router::new()
        .merge(api)
        .merge(docs::router(&openapi::finish(document)))
        .merge(routes::health_router())
        .merge(pages::router(state.clone(), templates, &config.assets))
        .fallback(move |uri: axum::http::Uri| {
            let (templates, known) = (for_fallback.clone(), known.clone());
            async move { routes::fallback(&uri, &templates, &known) }
        })
        .method_not_allowed_fallback(move |uri: axum::http::Uri| {
            let templates = for_405.clone();
            async move { routes::method_not_allowed(&uri, &templates) }
        });
    // Outermost of the routing, so preflight requests are answered before method dispatch.
    // Only the configured origins ever get CORS headers; pages are same-origin anyway.
    if let Some(cors) = cors_layer(&config.http.cors_allowed_origins) {
        app = app.layer(cors);
    }
    let app = app
        .layer(axum::Extension(quill_axum::TrustedProxies::new(
            config.http.trusted_proxies.clone(),
        )))
        .layer(axum::middleware::from_fn(
            security_headers::security_headers,
        ))
        // Every body is capped by the layer below; axum's own 2 MiB default for multipart
        // would only get in the way of the picture upload's larger limit.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn_with_state(
            extract::BodyLimit {
                default: config.http.max_body_bytes,
                upload: state.auth.policy().max_upload_bytes,
            },
            extract::reject_oversized_bodies,
        ))
        .layer(axum::middleware::from_fn_with_state(
            std::sync::Arc::new(failures::OverloadLog::new(Duration::from_secs(10))),
            failures::log_failures,
        ))
        // A client that trickles its body, or a request stuck for any reason, ends here
        // rather than holding its connection and its task for ever.
        .layer(RequestBodyTimeoutLayer::new(config.http.request_timeout))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            config.http.request_timeout,
        ))
        .layer(axum::middleware::from_fn(error::explain_bare_timeouts))
        // Outside the timeouts, so a 408 carries the id too.
        .layer(PropagateRequestIdLayer::new(request_id::REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(request_id::request_span))
        .layer(SetRequestIdLayer::new(
            request_id::REQUEST_ID,
            MakeRequestUuid,
        ))
        .layer(axum::middleware::from_fn(
            request_id::drop_unsafe_request_ids,
        ));
    // Outermost, so what is counted is what the client got, in the time it took.
    let app = if config.record_metrics {
        app.layer(axum::middleware::from_fn_with_state(
            metrics::RequestMetrics::default(),
            metrics::record_request,
        ))
    } else {
        app
    };
    Ok(app.with_state(state))
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
