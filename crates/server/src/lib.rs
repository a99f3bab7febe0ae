//! quill's composition root: the one place that knows every layer. It loads settings,
//! connects to the database and migrates it, builds the adapters into the domain services,
//! hands them to the HTTP layer, and serves with graceful shutdown.
//!
//! [`prepare`] and [`serve`] are separate so tests can bind port 0 themselves and run the
//! real application against a fresh database.

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

mod serve;

pub use quill_infra::StartError;
pub use serve::{ConnectionLimits, serve};

use std::sync::Arc;

use async_trait::async_trait;
use axum::Router;
use quill_infra::{AuthStack, MaintenanceHandle, Settings, connect};
use quill_web::{AppState, AssetPaths, Readiness, WebConfig};
use sea_orm::DatabaseConnection;

/// Readiness of the database, holding the auth core's maintenance for as long as the
/// application (whose state owns this) lives.
struct DatabaseReadiness {
    db: DatabaseConnection,
    _maintenance: MaintenanceHandle,
}

#[async_trait]
impl Readiness for DatabaseReadiness {
    async fn check(&self) -> Result<(), String> {
        self.db.ping().await.map_err(|e| e.to_string())?;
        quill_infra::probe_writable(&self.db)
            .await
            .map_err(|e| format!("the database takes no writes: {e}"))
    }
}

/// The whole application for these settings: connects, applies pending migrations, wires
/// the services and returns the router, ready to serve.
///
/// # Errors
/// [`StartError`] naming the step that failed.
pub async fn prepare(settings: &Settings) -> Result<Router, StartError> {
    prepare_observed(settings, None).await
}

/// Called once for every SQL statement the application runs after start-up.
pub type StatementObserver = Arc<dyn Fn() + Send + Sync>;

/// [`prepare`], optionally reporting every SQL statement run after migrations: lets tests
/// hold request paths to a query budget without timing anything.
///
/// # Errors
/// [`StartError`] naming the step that failed.
pub async fn prepare_observed(
    settings: &Settings,
    on_statement: Option<StatementObserver>,
) -> Result<Router, StartError> {
    let mut db = connect(
        &settings.database_url,
        settings.database_max_connections,
        settings.database_acquire_timeout,
    )
    .await?;
    quill_infra::migrate(&db).await?;
    quill_infra::blog::migrate_blog(&db).await?;
    if let Some(observer) = on_statement {
        db.set_metric_callback(move |_| observer());
    }
    let stack = AuthStack::new(settings, db.clone()).await?;
    let state = AppState {
        auth: stack.auth.clone(),
        posts: quill_infra::blog::post_service(&stack),
        readiness: Arc::new(DatabaseReadiness {
            db,
            _maintenance: stack.spawn_maintenance(),
        }),
    };
    let web = WebConfig {
        max_body_bytes: settings.max_body_bytes,
        cors_allowed_origins: settings.cors_allowed_origins.clone(),
        assets: AssetPaths {
            assets_dir: settings.assets_dir.clone(),
            media_dir: settings.media_dir.clone(),
        },
        trusted_proxies: settings.trusted_proxies.clone(),
        request_timeout: settings.request_timeout,
    };
    quill_web::router(state, &web).map_err(StartError::application)
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
