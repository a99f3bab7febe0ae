//! The `quill` binary: reads settings (environment, `.env`, defaults), migrates the database,
//! and serves until Ctrl-C or SIGTERM.

use std::process::ExitCode;

use quill_server::Settings;

#[tokio::main]
async fn main() -> ExitCode {
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("quill: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    quill_server::install_logging(&settings.server);
    let auth = &settings.stack.auth;
    match (&auth.token_signing, auth.secret_key_generated) {
        (quill_infra::TokenSigning::Secret(_), true) => tracing::warn!(
            "SECRET_KEY is not set: signing tokens with a random key for this process only. \
             Every token dies when quill restarts. Set SECRET_KEY (at least 32 bytes) to keep them."
        ),
        (quill_infra::TokenSigning::Secret(algorithm), false) => {
            tracing::info!(?algorithm, "tokens are signed with SECRET_KEY");
        }
        (quill_infra::TokenSigning::Keys(signing), generated) => {
            // During a key rotation the operator checks here which key signs and how many
            // verify, on every replica.
            tracing::info!(
                algorithm = signing.keys.algorithm().name(),
                key_id = signing.keys.key_id(),
                verifying_keys = signing.keys.published().len(),
                issuer = %signing.issuer,
                audience = %signing.audience,
                "tokens are signed with SIGNING_KEY_FILE's key"
            );
            if generated {
                tracing::warn!(
                    "SECRET_KEY is not set: refresh-token digests and the audit trail's \
                     digests use a random key for this process only, so refresh tokens stop \
                     working and one account's digests change when quill restarts."
                );
            }
        }
    }
    match (&settings.stack.mail.smtp, settings.stack.environment) {
        (Some(smtp), _) => {
            tracing::info!(host = %smtp.host, port = smtp.port, "mail goes to the SMTP relay");
        }
        (None, quill_infra::Environment::Development) => tracing::info!(
            dir = %settings.stack.mail.mail_dir.display(),
            "SMTP_HOST is not set: mail is written as .eml files to the mail directory"
        ),
        (None, quill_infra::Environment::Production) => tracing::warn!(
            "SMTP_HOST is not set: password-reset mail and notices wait in the outbox until a \
             relay is configured"
        ),
    }
    let mut prepare = quill_server::prepare(&settings);
    let metrics = match settings.server.metrics_addr {
        None => None,
        Some(addr) => match quill_server::MetricsEndpoint::bind(addr).await {
            Ok(endpoint) => Some(endpoint),
            Err(e) => {
                tracing::error!("cannot start: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    if let Some(endpoint) = &metrics {
        prepare = prepare.record_metrics(endpoint);
    }
    let app = match prepare.await {
        Ok(app) => app,
        Err(e) => {
            tracing::error!("cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match quill_server::listen(settings.server.bind_addr) {
        Ok(listener) => listener,
        Err(e) => {
            tracing::error!("cannot listen on {}: {e}", settings.server.bind_addr);
            return ExitCode::FAILURE;
        }
    };
    tracing::info!("quill listening on http://{}", settings.server.bind_addr);
    let limits = quill_server::ConnectionLimits::from(&settings);
    if let Some(endpoint) = metrics {
        if let Ok(addr) = endpoint.local_addr() {
            tracing::info!("quill metrics on http://{addr}/metrics");
        }
        // Lives as long as the process: it ends when the main listener's shutdown returns.
        tokio::spawn(endpoint.serve(limits.clone(), std::future::pending()));
    }
    match quill_server::serve(listener, app, limits, quill_server::shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("server failed: {e}");
            ExitCode::FAILURE
        }
    }
}
