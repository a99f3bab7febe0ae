//! The `notes-service` binary: reads quill's settings (environment, `.env`, defaults, with
//! its own database file), migrates, and serves the notes API until Ctrl-C.

use std::process::ExitCode;

use notes_service::ServiceSettings;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let settings = match notes_service::settings() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("notes-service: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    let filter = EnvFilter::try_new(&settings.service.rust_log)
        .unwrap_or_else(|_| EnvFilter::new(ServiceSettings::DEFAULT_RUST_LOG));
    tracing_subscriber::fmt().with_env_filter(filter).init();
    if settings.quill.auth.secret_key_generated {
        tracing::warn!(
            "SECRET_KEY is not set: tokens are signed with a random key and die on restart"
        );
    }
    let app = match notes_service::app(&settings.quill).await {
        Ok(app) => app,
        Err(e) => {
            tracing::error!("cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match tokio::net::TcpListener::bind(settings.service.bind_addr).await {
        Ok(listener) => listener,
        Err(e) => {
            tracing::error!("cannot listen on {}: {e}", settings.service.bind_addr);
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(
        "notes-service listening on http://{}",
        settings.service.bind_addr
    );
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    match axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("server failed: {e}");
            ExitCode::FAILURE
        }
    }
}
