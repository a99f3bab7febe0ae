//! What every handler can reach: the domain services and a readiness probe.

use std::sync::Arc;

use async_trait::async_trait;
use axum::extract::FromRef;
use quill_domain::{Auth, PostService, SessionService};

/// Whether the service's dependencies (the database) answer; implemented by the composition
/// root, which owns the connection.
#[async_trait]
pub trait Readiness: Send + Sync {
    /// `Err` with a short reason when not ready.
    async fn check(&self) -> Result<(), String>;
}

/// The shared state of the HTTP application. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Every auth capability: accounts, login, sessions, recovery, pictures.
    pub auth: Auth,
    /// Posts.
    pub posts: PostService,
    /// Readiness of the dependencies, for `/readyz`.
    pub readiness: Arc<dyn Readiness>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The services hold ports (stores, hashers, keys), which have nothing to show.
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

impl FromRef<AppState> for SessionService {
    fn from_ref(state: &AppState) -> Self {
        state.auth.sessions.clone()
    }
}
