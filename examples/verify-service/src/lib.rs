//! verify-service: a service of its own that accepts quill's users. It holds no copy of
//! quill's database and no secret; it checks each bearer token offline against the public
//! keys quill publishes (`/.well-known/jwks.json`), with the issuer and audience it expects,
//! through `quill-axum`'s `jwks` feature. quill must sign with `ALGORITHM=EdDSA` or `ES256`.
//!
//! Its one route, `GET /whoami`, answers the verified caller's account id and session, or
//! quill's own 401 refusals.

use axum::Router;
use axum::extract::FromRef;
use axum::routing::get;
use quill_axum::{AuthUser, JwksVerifier, TokenSubject};
use serde_json::{Value, json};

/// The service's state: the verifier (a shared key cache) is all it needs of quill.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Verifies quill's tokens.
    pub verifier: JwksVerifier,
}

impl FromRef<AppState> for JwksVerifier {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}

/// The service's routes.
pub fn app(verifier: JwksVerifier) -> Router {
    Router::new()
        .route("/whoami", get(whoami))
        .with_state(AppState { verifier })
}

/// A protected route: without a token quill signed, `AuthUser` answers 401 before this runs.
async fn whoami(AuthUser(caller): AuthUser<TokenSubject>) -> axum::Json<Value> {
    axum::Json(json!({
        "user_id": caller.user.0,
        "session": caller.session.as_ref().map(|s| s.as_str().to_owned()),
    }))
}
