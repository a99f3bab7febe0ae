//! notes-service: a small private-notes API that embeds quill's auth core instead of running
//! quill's server.
//!
//! It has its own routes, its own state and its own error responses, and no auth logic:
//! accounts, password hashing, tokens, the database schema for users, login throttling,
//! hashing back-pressure, the audit trail and their clean-up all come from quill. What it brings is configuration ([`settings`]), a database connection (made,
//! migrated and wired by [`quill_infra::AuthStack::connect`]) and quill's
//! [`AuthUser`](quill_axum::AuthUser) extractor (from the light `quill-axum` crate) on the
//! routes it protects, which works
//! because [`NotesState`] hands out quill's [`SessionService`] through [`FromRef`].
//!
//! | route | auth | does |
//! | --- | --- | --- |
//! | `POST /register` | - | JSON `{username, email, password}`: 201 `{id, username, email}`, 409 when taken, 422 when invalid |
//! | `POST /login` | - | JSON `{email, password}`: 200 `{access_token, token_type}`, 401 |
//! | `GET /notes` | Bearer | 200, the caller's notes, oldest first |
//! | `POST /notes` | Bearer | JSON `{text}`: 201 the new note, 422 when empty or too long |
//!
//! Errors are `{"detail": "..."}`; a 401 carries `WWW-Authenticate: Bearer`.
//!
//! Start reading at [`router`]; the handlers are in `routes.rs`, the responses for quill's
//! refusals in [`error`].

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod error;
mod notes;
mod routes;
#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::post;
use quill_domain::{Auth, SessionService};
use quill_infra::config::{extract, setting_names, sources, text};
use quill_infra::{AuthStack, ConfigError, MaintenanceHandle, StackSettings, StartError};
use serde::Deserialize;

pub use error::NotesError;
use notes::NoteStore;

/// Where the notes service keeps its accounts when `DATABASE_URL` is not set: a SQLite file
/// of its own, so it never shares quill's `blog.db` by accident.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://notes.db?mode=rwc";

/// What every handler can reach. Cheap to clone.
#[derive(Debug, Clone)]
pub struct NotesState {
    auth: Auth,
    notes: Arc<NoteStore>,
    // Held so the auth core's clean-up runs exactly as long as the application.
    _maintenance: Option<Arc<MaintenanceHandle>>,
}

impl NotesState {
    /// A state over quill's auth service (real or from the test harness) and an empty
    /// notebook.
    #[must_use]
    pub fn new(auth: Auth) -> Self {
        Self {
            auth,
            notes: Arc::new(NoteStore::default()),
            _maintenance: None,
        }
    }
}

/// What the registration and login handlers call.
impl FromRef<NotesState> for Auth {
    fn from_ref(state: &NotesState) -> Self {
        state.auth.clone()
    }
}

/// What lets quill's [`AuthUser`](quill_axum::AuthUser) extractor find the session
/// capability in this application's state.
impl FromRef<NotesState> for SessionService {
    fn from_ref(state: &NotesState) -> Self {
        state.auth.sessions.clone()
    }
}

/// The notes service's routes over `state`.
pub fn router(state: NotesState) -> Router {
    Router::new()
        .route("/register", post(routes::register))
        .route("/login", post(routes::login))
        .route("/notes", post(routes::add_note).get(routes::list_notes))
        .with_state(state)
}

/// The whole application for these settings: connects to the database, applies quill's
/// pending migrations, wires quill's services (with their background clean-up) and returns
/// the router, ready to serve with `into_make_service_with_connect_info::<SocketAddr>()` so
/// per-client limits see each client's address.
///
/// # Errors
/// [`StartError`] naming the step that failed.
pub async fn app(settings: &StackSettings) -> Result<Router, StartError> {
    let stack = AuthStack::connect(settings).await?;
    let mut state = NotesState::new(stack.auth.clone());
    state._maintenance = Some(Arc::new(stack.spawn_maintenance()));
    Ok(router(state))
}

/// What the notes service reads: quill's auth stack's settings, and its own.
#[derive(Debug, Clone)]
pub struct NotesSettings {
    /// quill's, as quill reads them, except that the database defaults to
    /// [`DEFAULT_DATABASE_URL`].
    pub quill: StackSettings,
    /// The service's own.
    pub service: ServiceSettings,
}

/// The service's own settings, a section beside quill's in the same sources.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ServiceSettings {
    /// Where the service listens (`BIND_ADDR`).
    #[serde(deserialize_with = "bind_addr")]
    pub bind_addr: SocketAddr,
    /// The tracing filter (`RUST_LOG`).
    #[serde(deserialize_with = "text::text")]
    pub rust_log: String,
}

impl ServiceSettings {
    /// The tracing filter when `RUST_LOG` is not set or not usable.
    pub const DEFAULT_RUST_LOG: &'static str = "info";
}

impl Default for ServiceSettings {
    fn default() -> Self {
        Self {
            bind_addr: SocketAddr::from(([127, 0, 0, 1], 8000)),
            rust_log: Self::DEFAULT_RUST_LOG.to_owned(),
        }
    }
}

fn bind_addr<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
    text::parsed(d, "an address and port such as 127.0.0.1:8000")
}

/// The settings from the environment over a `.env` file over defaults: quill's sections and
/// the service's own, from one set of sources reduced to the names they read.
///
/// # Errors
/// The first unusable setting, naming it.
pub fn settings() -> Result<NotesSettings, ConfigError> {
    let mut names = StackSettings::names();
    names.extend(setting_names::<ServiceSettings>());
    let sources = sources(Path::new(".env"), &names)?;
    let mut quill = StackSettings::from_figment(&sources)?;
    if !sources.contains("database_url") {
        DEFAULT_DATABASE_URL.clone_into(&mut quill.database.url);
    }
    Ok(NotesSettings {
        quill,
        service: extract(&sources)?,
    })
}
