//! quill's composition root: the one place that knows every layer. It loads settings (each
//! layer's section from one set of sources, [`Settings`]), connects to the database and migrates it, builds the adapters into the domain services,
//! hands them to the HTTP layer, and serves with graceful shutdown.
//!
//! [`prepare`] and [`serve`] are separate so tests can bind port 0 themselves and run the
//! real application against a fresh database.

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

mod logging;
mod metrics;
mod per_client;
mod serve;
mod settings;

pub use logging::install_logging;
pub use metrics::{MetricsEndpoint, MetricsError};
pub use quill_infra::{StartError, StatementObserver};
pub use serve::{ConnectionLimits, LISTEN_BACKLOG, listen, serve};
pub use settings::{LogFormat, ServerSettings, Settings};

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use axum::Router;
use quill_infra::{AuthStack, Connect, MaintenanceHandle};
use quill_web::{AppState, AssetPaths, Readiness, WebConfig};

/// Readiness of the stack's database and of its mail delivery, holding the auth core's
/// background work for as long as the application (whose state owns this) lives.
struct DatabaseReadiness {
    stack: AuthStack,
    maintenance: MaintenanceHandle,
}

#[async_trait]
impl Readiness for DatabaseReadiness {
    async fn check(&self) -> Result<(), String> {
        self.stack.ping().await.map_err(|e| e.to_string())?;
        let db = self.stack.connection();
        let mut behind = quill_infra::pending_migrations(db)
            .await
            .map_err(|e| e.to_string())?;
        behind.extend(
            quill_infra::blog::pending_blog_migrations(db)
                .await
                .map_err(|e| e.to_string())?,
        );
        if !behind.is_empty() {
            return Err(format!("migrations not applied: {}", behind.join(", ")));
        }
        quill_infra::probe_writable(db)
            .await
            .map_err(|e| format!("the database takes no writes: {e}"))?;
        if self.stack.delivers_mail() && !self.maintenance.delivers_mail() {
            return Err("mail delivery has stopped".to_owned());
        }
        Ok(())
    }
}

/// The whole application for these settings: once awaited, it connects, applies pending
/// migrations, wires the services and returns the router, ready to serve. Options such as
/// [`observe_statements`](Prepare::observe_statements) go before the `.await`.
///
/// # Errors
/// [`StartError`] naming the step that failed.
pub fn prepare(settings: &Settings) -> Prepare<'_> {
    Prepare {
        settings,
        stack: AuthStack::connect(&settings.stack),
        metrics: None,
    }
}

/// [`prepare`] before it is awaited: its options, then `.await` for the router.
#[derive(Debug)]
#[must_use = "nothing starts until this is awaited"]
pub struct Prepare<'a> {
    settings: &'a Settings,
    stack: Connect<'a>,
    metrics: Option<metrics::Exposition>,
}

impl Prepare<'_> {
    /// Reports every SQL statement the application runs once the auth core's schema is up to
    /// date (the blog's migration statements at start-up included): lets tests hold request
    /// paths to a query budget without timing anything.
    pub fn observe_statements(mut self, observer: StatementObserver) -> Self {
        self.stack = self.stack.observe_statements(observer);
        self
    }

    /// Reads the time from `clock` instead of the system's (see
    /// [`Connect::clock`](quill_infra::Connect::clock)): tests move it on instead of waiting.
    pub fn clock(mut self, clock: Arc<dyn quill_domain::Clock>) -> Self {
        self.stack = self.stack.clock(clock);
        self
    }

    /// Records the application's metrics for `endpoint` to expose: every request, the auth
    /// core's events, and at each scrape the hashing and pool gauges.
    pub fn record_metrics(mut self, endpoint: &MetricsEndpoint) -> Self {
        self.stack = self.stack.record_metrics();
        self.metrics = Some(endpoint.exposition());
        self
    }

    async fn run(self) -> Result<Router, StartError> {
        let settings = self.settings;
        let stack = self.stack.await?;
        if let Some(exposition) = &self.metrics {
            exposition.watch(stack.clone());
        }
        quill_infra::blog::migrate_blog(stack.connection()).await?;
        let state = AppState {
            auth: stack.auth.clone(),
            posts: quill_infra::blog::post_service(&stack),
            readiness: Arc::new(DatabaseReadiness {
                maintenance: stack.spawn_maintenance(),
                stack: stack.clone(),
            }),
        };
        let web = WebConfig {
            http: settings.http.clone(),
            assets: AssetPaths {
                assets_dir: settings.server.assets_dir.clone(),
                media_dir: settings.stack.auth.pictures.media_dir.clone(),
            },
            record_metrics: self.metrics.is_some(),
        };
        quill_web::router(state, &web).map_err(StartError::application)
    }
}

impl<'a> IntoFuture for Prepare<'a> {
    type Output = Result<Router, StartError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
