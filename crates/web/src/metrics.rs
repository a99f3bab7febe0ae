//! HTTP metrics, recorded through the `metrics` facade when the application counts requests
//! ([`WebConfig::record_metrics`](crate::WebConfig::record_metrics)): every request by its
//! route template, method and status class, and its latency by route template.
//!
//! Every label is a word of quill's or a template of its router (`/api/posts/{id}`), never
//! the raw path: a request no route matched is `unmatched`, a method outside HTTP's own
//! `other`, so no client can mint a label (nor make the exposition grow without bound).
//!
//! A route's handles are registered with the recorder at its first request and kept, so an
//! ordinary request allocates nothing for its metrics: it finds its route's handles by the
//! template and bumps them.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use metrics::{Counter, Histogram, counter, describe_counter, describe_histogram, histogram};

/// Requests answered, by `route`, `method` and `status` class.
pub const HTTP_REQUESTS: &str = "quill_http_requests_total";

/// How long answering took, in seconds, by `route`: a histogram, whose buckets the exporter
/// sets.
pub const HTTP_REQUEST_DURATION: &str = "quill_http_request_duration_seconds";

/// The `route` label of a request no route matched.
const UNMATCHED: &str = "unmatched";

/// HTTP's own methods, each its own `method` label; any other method is `other`.
static KNOWN_METHODS: [Method; 9] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
    Method::OPTIONS,
    Method::TRACE,
    Method::CONNECT,
];

/// The `status` labels.
const STATUS_CLASSES: [&str; 6] = ["1xx", "2xx", "3xx", "4xx", "5xx", "other"];

/// Gives the recorder the help text of the HTTP metrics. Call it once, after installing the
/// recorder.
pub fn describe() {
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by route template, method and status class."
    );
    describe_histogram!(
        HTTP_REQUEST_DURATION,
        metrics::Unit::Seconds,
        "Time to answer an HTTP request, by route template."
    );
}

/// One route's handles: its latency histogram, and a counter per method and status class,
/// each registered the first time it is needed.
struct RouteMetrics {
    duration: Histogram,
    /// By method (the known ones, then `other`), then by status class.
    requests: [[OnceLock<Counter>; STATUS_CLASSES.len()]; KNOWN_METHODS.len() + 1],
}

/// The handles of every route seen so far, by template: as many as the router has routes,
/// plus `unmatched`.
#[derive(Clone, Default)]
pub(crate) struct RequestMetrics {
    routes: Arc<RwLock<HashMap<Box<str>, Arc<RouteMetrics>>>>,
}

impl RequestMetrics {
    fn route(&self, route: &str) -> Arc<RouteMetrics> {
        let known = self.routes.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(metrics) = known.get(route) {
            return metrics.clone();
        }
        drop(known);
        let mut routes = self.routes.write().unwrap_or_else(PoisonError::into_inner);
        routes
            .entry(route.into())
            .or_insert_with(|| {
                Arc::new(RouteMetrics {
                    duration: histogram!(HTTP_REQUEST_DURATION, "route" => route.to_owned()),
                    requests: Default::default(),
                })
            })
            .clone()
    }
}

/// Counts and times one request, after every other layer has had its say (so a 408 or a
/// 413 is counted as what the client got).
pub(crate) async fn record_request(
    State(metrics): State<RequestMetrics>,
    matched: Option<MatchedPath>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = KNOWN_METHODS
        .iter()
        .position(|known| known == request.method())
        .unwrap_or(KNOWN_METHODS.len());
    let response = next.run(request).await;
    let elapsed = started.elapsed().as_secs_f64();
    let route = matched.as_ref().map_or(UNMATCHED, MatchedPath::as_str);
    let status = status_index(response.status());
    let handles = metrics.route(route);
    handles.duration.record(elapsed);
    handles.requests[method][status]
        .get_or_init(|| {
            counter!(
                HTTP_REQUESTS,
                "route" => route.to_owned(),
                "method" => KNOWN_METHODS.get(method).map_or("other", Method::as_str),
                "status" => STATUS_CLASSES[status],
            )
        })
        .increment(1);
    response
}

/// The index of `status`'s class in [`STATUS_CLASSES`].
fn status_index(status: StatusCode) -> usize {
    match status.as_u16() / 100 {
        class @ 1..=5 => usize::from(class - 1),
        _ => STATUS_CLASSES.len() - 1,
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::sync::Arc;

    use axum::Router;
    use axum::body::Body;
    use axum::extract::ConnectInfo;
    use axum::routing::get;
    use metrics_exporter_prometheus::PrometheusBuilder;
    use quill_domain::testing::Harness;
    use tower::ServiceExt as _;

    use super::*;
    use crate::{AppState, Readiness, WebConfig};

    fn app() -> Router {
        Router::new()
            .route("/users/{id}", get(|| async { "someone" }))
            .route(
                "/broken",
                get(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
            )
            .fallback(|| async { StatusCode::NOT_FOUND })
            .layer(axum::middleware::from_fn_with_state(
                RequestMetrics::default(),
                record_request,
            ))
    }

    /// The exposition after these requests (method, path) went through `app`.
    fn exposition_after(app: &Router, requests: &[(&str, &str)]) -> String {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        metrics::with_local_recorder(&recorder, || {
            describe();
            runtime.block_on(async {
                for (method, path) in requests {
                    let mut request = Request::builder()
                        .method(*method)
                        .uri(*path)
                        .body(Body::empty())
                        .unwrap();
                    request
                        .extensions_mut()
                        .insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 1], 40000))));
                    app.clone().oneshot(request).await.unwrap();
                }
            });
        });
        handle.render()
    }

    struct AlwaysReady;

    #[async_trait::async_trait]
    impl Readiness for AlwaysReady {
        async fn check(&self) -> Result<(), String> {
            Ok(())
        }
    }

    fn quill(record_metrics: bool) -> Router {
        let h = Harness::new();
        let state = AppState {
            auth: h.auth.clone(),
            posts: h.posts,
            readiness: Arc::new(AlwaysReady),
        };
        let config = WebConfig {
            record_metrics,
            ..WebConfig::default()
        };
        crate::router(state, &config).unwrap()
    }

    #[test]
    fn quills_routes_are_counted_by_their_templates_and_only_when_asked_to() {
        let requests = [
            ("GET", "/api/users/me"),
            ("GET", "/api/posts/7"),
            ("GET", "/nope"),
        ];
        let text = exposition_after(&quill(true), &requests);
        for line in [
            r#"quill_http_requests_total{route="/api/users/me",method="GET",status="4xx"} 1"#,
            r#"quill_http_requests_total{route="/api/posts/{post_id}",method="GET",status="4xx"} 1"#,
            r#"quill_http_requests_total{route="unmatched",method="GET",status="4xx"} 1"#,
        ] {
            assert!(
                text.contains(line),
                "no {line:?} in
{text}"
            );
        }
        let off = exposition_after(&quill(false), &requests);
        assert!(!off.contains("quill_http_requests_total{"), "{off}");
    }

    #[test]
    fn requests_are_counted_by_route_template_method_and_status_class_never_by_raw_path() {
        let text = exposition_after(
            &app(),
            &[
                ("GET", "/users/42"),
                ("GET", "/users/43"),
                ("GET", "/broken"),
                ("GET", "/nowhere/alice@example.com"),
                ("BREW", "/users/44"),
            ],
        );
        for line in [
            r#"quill_http_requests_total{route="/users/{id}",method="GET",status="2xx"} 2"#,
            r#"quill_http_requests_total{route="/broken",method="GET",status="5xx"} 1"#,
            r#"quill_http_requests_total{route="unmatched",method="GET",status="4xx"} 1"#,
            r#"quill_http_requests_total{route="/users/{id}",method="other",status="4xx"} 1"#,
            r#"quill_http_request_duration_seconds_count{route="/users/{id}"} 3"#,
            "# HELP quill_http_requests_total HTTP requests answered",
        ] {
            assert!(text.contains(line), "no {line:?} in\n{text}");
        }
        for raw in ["/users/42", "alice", "BREW", "nowhere"] {
            assert!(!text.contains(raw), "{raw:?} became a label:\n{text}");
        }
    }
}
