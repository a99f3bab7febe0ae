//! `GET /openapi.json` (the generated document) and `GET /docs` (Swagger UI over it).
//!
//! Swagger UI's files are compiled into the binary from the vendored copy inside the
//! `utoipa-swagger-ui` crate, so the docs need no network at build time or at run time, and
//! every request the page makes goes to this server. The page carries its own
//! Content-Security-Policy (the pages' default one would be kept otherwise, see
//! `pages::security_headers`), as strict as Swagger UI allows.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use utoipa::openapi::OpenApi;
use utoipa_swagger_ui::Config;

use crate::state::AppState;

/// Where the document is served.
pub(crate) const OPENAPI_PATH: &str = "/openapi.json";

/// Where Swagger UI is served.
pub(crate) const DOCS_PATH: &str = "/docs";

/// Swagger UI needs scripts and styles from this server only, JSON from `/openapi.json` and
/// the API, and `data:` images for its icons. It is never framed and posts no forms.
const DOCS_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// The Swagger UI files the page loads; anything else under `/docs/` is the usual 404 page.
const ASSETS: &[&str] = &[
    "swagger-ui.css",
    "index.css",
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
    "swagger-initializer.js",
    "favicon-32x32.png",
    "favicon-16x16.png",
];

/// The page itself. Swagger UI's own `index.html` uses relative links, which would break at
/// `/docs` without a trailing slash; this one links its files absolutely and has no inline
/// script or style, so the policy above holds.
const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>quill API docs</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="stylesheet" href="/docs/index.css">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
<link rel="icon" type="image/png" href="/docs/favicon-16x16.png" sizes="16x16">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/swagger-ui-standalone-preset.js"></script>
<script src="/docs/swagger-initializer.js"></script>
</body>
</html>
"#;

/// How Swagger UI is set up: the document above, no top bar (which could load documents
/// from elsewhere), no online validator badge (an off-site request), and the request
/// duration shown when trying operations.
fn swagger_config() -> Config<'static> {
    Config::new([OPENAPI_PATH])
        .use_base_layout()
        .validator_url("none")
        .display_request_duration(true)
        .query_config_enabled(false)
}

/// A file served as is, with its content type.
#[derive(Debug, Clone)]
struct Asset {
    bytes: Bytes,
    content_type: HeaderValue,
}

impl IntoResponse for Asset {
    fn into_response(self) -> Response {
        (
            [
                (header::CONTENT_TYPE, self.content_type),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            ],
            self.bytes,
        )
            .into_response()
    }
}

/// Reads one Swagger UI file out of the binary (the initializer filled in with
/// [`swagger_config`]). `None` would mean a broken build; the file is then left unrouted.
fn swagger_asset(name: &str, config: &Arc<Config<'static>>) -> Option<Asset> {
    match utoipa_swagger_ui::serve(name, Arc::clone(config)) {
        Ok(Some(file)) if !file.gzpipped => Some(Asset {
            bytes: Bytes::from(file.bytes.into_owned()),
            content_type: HeaderValue::from_str(&file.content_type)
                .unwrap_or(HeaderValue::from_static("application/octet-stream")),
        }),
        Ok(_) => {
            tracing::error!(name, "Swagger UI file missing from the build");
            None
        }
        Err(error) => {
            tracing::error!(name, %error, "Swagger UI file could not be prepared");
            None
        }
    }
}

fn document_json(document: &OpenApi) -> Bytes {
    match serde_json::to_vec(document) {
        Ok(json) => Bytes::from(json),
        Err(error) => {
            // Cannot happen for a document of plain maps and strings; an empty one is safer
            // than refusing to start over the docs.
            tracing::error!(%error, "the OpenAPI document could not be serialised");
            Bytes::from_static(b"{}")
        }
    }
}

/// `/openapi.json`, `/docs` and Swagger UI's files under `/docs/`. Everything is prepared
/// once here; requests only copy bytes.
pub(crate) fn router(document: &OpenApi) -> Router<AppState> {
    let openapi = Asset {
        bytes: document_json(document),
        content_type: HeaderValue::from_static("application/json"),
    };
    let page = (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (
                header::CONTENT_SECURITY_POLICY,
                DOCS_CONTENT_SECURITY_POLICY,
            ),
            (header::X_FRAME_OPTIONS, "DENY"),
        ],
        PAGE,
    );
    let mut router = Router::new()
        .route(OPENAPI_PATH, get(move || async move { openapi }))
        .route(DOCS_PATH, get(move || async move { page }))
        .route("/docs/", get(|| async { Redirect::permanent(DOCS_PATH) }));
    for (name, asset) in swagger_assets() {
        let asset = asset.clone();
        router = router.route(
            &format!("{DOCS_PATH}/{name}"),
            get(move || async move { asset }),
        );
    }
    router
}

/// Swagger UI's files, unpacked from the binary once per process: their configuration is a
/// constant, and unpacking costs more than building the rest of the application (which a
/// process may do many times, as tests do).
fn swagger_assets() -> &'static [(&'static str, Asset)] {
    static ASSETS_UNPACKED: std::sync::OnceLock<Vec<(&'static str, Asset)>> =
        std::sync::OnceLock::new();
    ASSETS_UNPACKED.get_or_init(|| {
        let config = Arc::new(swagger_config());
        ASSETS
            .iter()
            .filter_map(|name| Some((*name, swagger_asset(name, &config)?)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_the_page_links_is_served_from_the_build() {
        let config = Arc::new(swagger_config());
        for name in ASSETS {
            assert!(swagger_asset(name, &config).is_some(), "{name}");
            assert!(PAGE.contains(&format!("\"/docs/{name}\"")), "{name}");
        }
    }

    #[test]
    fn the_initializer_points_swagger_ui_at_the_local_document() {
        let config = Arc::new(swagger_config());
        let initializer = swagger_asset("swagger-initializer.js", &config).unwrap();
        let text = String::from_utf8(initializer.bytes.to_vec()).unwrap();
        assert!(text.contains(r#""url": "/openapi.json""#), "{text}");
        assert!(!text.contains("petstore"), "{text}");
        assert!(text.contains(r#""validatorUrl": "none""#), "{text}");
    }
}
