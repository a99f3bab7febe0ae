//! The Prometheus endpoint, when `METRICS_ADDR` is set: the process records its metrics in a
//! Prometheus recorder and serves `GET /metrics` in the classic text format on that address
//! alone, never on the public listener.
//!
//! The `metrics` facade has one recorder per process, so [`MetricsEndpoint::bind`] installs
//! it once, at start-up; a process that never calls it (every in-process test) records
//! nothing. Counters and histograms are recorded as things happen (by quill-web's layer and
//! quill-infra's events adapter); the gauges are read from the stack when scraped.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use quill_infra::AuthStack;
use tokio::net::TcpListener;

use crate::serve::{ConnectionLimits, serve};

/// The latency buckets, in seconds: from a cached page (about a millisecond) to a login
/// that waited its turn behind many others.
const LATENCY_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// How often histogram samples are folded into their buckets between scrapes, so memory
/// stays flat however rarely the endpoint is scraped.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// Why the endpoint could not start.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// Another recorder is installed in this process already.
    #[error("installing the metrics recorder: {0}")]
    Recorder(String),
    /// `METRICS_ADDR` cannot be listened on.
    #[error("cannot listen on {addr} for metrics: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// What a scrape reads: the recorder's exposition and the stacks whose gauges it sets first.
#[derive(Clone)]
pub(crate) struct Exposition {
    handle: PrometheusHandle,
    stacks: Arc<Mutex<Vec<AuthStack>>>,
}

impl Exposition {
    /// Lets each scrape set this stack's gauges (hashing, pool) first.
    pub(crate) fn watch(&self, stack: AuthStack) {
        self.stacks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(stack);
    }

    fn render(&self) -> String {
        for stack in self
            .stacks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
        {
            stack.record_gauges();
        }
        self.handle.render()
    }
}

impl std::fmt::Debug for Exposition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exposition").finish_non_exhaustive()
    }
}

/// The metrics listener with the process's recorder installed: hand it to
/// [`Prepare::record_metrics`](crate::Prepare::record_metrics), then [`serve`](Self::serve)
/// it.
#[derive(Debug)]
pub struct MetricsEndpoint {
    exposition: Exposition,
    listener: TcpListener,
}

impl MetricsEndpoint {
    /// Installs the process's Prometheus recorder and listens on `addr`.
    ///
    /// # Errors
    /// [`MetricsError`] when a recorder is installed already or `addr` cannot be bound.
    pub async fn bind(addr: SocketAddr) -> Result<Self, MetricsError> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| MetricsError::Listen { addr, source })?;
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full(quill_web::metrics::HTTP_REQUEST_DURATION.to_owned()),
                &LATENCY_BUCKETS,
            )
            .map_err(|e| MetricsError::Recorder(e.to_string()))?
            .install_recorder()
            .map_err(|e| MetricsError::Recorder(e.to_string()))?;
        quill_web::metrics::describe();
        quill_infra::metrics::describe();
        Ok(Self {
            exposition: Exposition {
                handle,
                stacks: Arc::default(),
            },
            listener,
        })
    }

    /// Where it listens (the port chosen, when `METRICS_ADDR` named port 0).
    ///
    /// # Errors
    /// When the socket cannot tell.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub(crate) fn exposition(&self) -> Exposition {
        self.exposition.clone()
    }

    /// Serves `GET /metrics` (and nothing else: any other path is 404) until `shutdown`
    /// completes, with the same connection limits as the main listener.
    ///
    /// # Errors
    /// As [`serve`](crate::serve).
    pub async fn serve(
        self,
        limits: ConnectionLimits,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let upkeep = self.exposition.handle.clone();
        let upkeep = tokio::spawn(async move {
            let mut every = tokio::time::interval(UPKEEP_INTERVAL);
            loop {
                every.tick().await;
                upkeep.run_upkeep();
            }
        });
        let app = Router::new()
            .route("/metrics", get(scrape))
            .with_state(self.exposition);
        let served = serve(self.listener, app, limits, shutdown).await;
        upkeep.abort();
        served
    }
}

async fn scrape(State(exposition): State<Exposition>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        exposition.render(),
    )
}
