//! quill-axum: quill's auth core as axum extractors, for any axum service (quill's own web
//! layer builds on it too). It depends on `axum` and `quill-domain` only: no database, no
//! hashing, no token library, no templates.
//!
//! - [`AuthUser`] / [`MaybeAuthUser`] / [`CurrentSession`]: the caller, authenticated from an
//!   `Authorization: Bearer` header by any state that yields an
//!   [`SessionService`](quill_domain::SessionService) (the session capability) through `FromRef`.
//! - [`ClientAddr`]: the client's address, for the service's per-client limits (believing
//!   `X-Forwarded-For` only from [`TrustedProxies`]).
//! - with the `jwks` feature, `JwksVerifier` and `AuthUser<TokenSubject>`: quill's
//!   asymmetrically signed tokens verified offline from its published key set, for a service
//!   that shares no database and no secret with quill.
//! - [`AuthRefusal`]: what the extractors refuse with: 401 with `WWW-Authenticate: Bearer` and
//!   a `{"detail": ...}` body, which an application may replace (see [`AuthRefusal`]).
//!
//! ```
//! use axum::Router;
//! use axum::extract::FromRef;
//! use axum::routing::get;
//! use quill_axum::AuthUser;
//! use quill_domain::{Auth, SessionService};
//!
//! #[derive(Clone)]
//! struct AppState {
//!     auth: Auth,
//! }
//!
//! impl FromRef<AppState> for SessionService {
//!     fn from_ref(state: &AppState) -> Self {
//!         state.auth.sessions.clone()
//!     }
//! }
//!
//! async fn whoami(AuthUser(caller): AuthUser) -> String {
//!     caller.username().to_owned()
//! }
//!
//! let h = quill_domain::testing::Harness::new();
//! let app: Router = Router::new()
//!     .route("/whoami", get(whoami))
//!     .with_state(AppState { auth: h.auth.clone() });
//! # let _ = app;
//! ```

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

mod client;
mod extract;
mod refusal;
#[cfg(feature = "jwks")]
mod remote;

pub use client::{ClientAddr, TrustedProxies};

// The embedding guide's service compiles as written.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/embedding.md")]
mod embedding_guide {}
pub use extract::{AuthUser, CurrentSession, MaybeAuthUser, bearer_token};
pub use refusal::{AuthRefusal, FailureCause};
#[cfg(feature = "jwks")]
pub use remote::{JwksError, JwksSettings, JwksVerifier, TokenSubject};
