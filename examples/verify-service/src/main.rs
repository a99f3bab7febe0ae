//! Runs verify-service. Settings from the environment:
//!
//! - `QUILL_JWKS_URL`: quill's key set, e.g. `https://blog.example.com/.well-known/jwks.json`
//!   (required);
//! - `QUILL_TOKEN_ISSUER`: the `iss` quill's tokens carry (its `TOKEN_ISSUER`, required);
//! - `QUILL_TOKEN_AUDIENCE`: their `aud` (default `quill`);
//! - `BIND_ADDR`: where to listen (default `127.0.0.1:8100`).

use quill_axum::{JwksSettings, JwksVerifier};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let setting = |name: &str| std::env::var(name).map_err(|_| format!("{name} is required"));
    let url = setting("QUILL_JWKS_URL")?.parse()?;
    let issuer = setting("QUILL_TOKEN_ISSUER")?;
    let audience = std::env::var("QUILL_TOKEN_AUDIENCE").unwrap_or_else(|_| "quill".to_owned());
    let bind = std::env::var("BIND_ADDR").unwrap_or_else(|_| "127.0.0.1:8100".to_owned());
    let verifier = JwksVerifier::new(JwksSettings::new(url, issuer, audience));
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    eprintln!(
        "verify-service listening on http://{}",
        listener.local_addr()?
    );
    axum::serve(listener, verify_service::app(verifier)).await?;
    Ok(())
}
