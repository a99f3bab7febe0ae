//! `GET /.well-known/jwks.json`: the public keys that verify this service's tokens, as a JSON
//! Web Key Set (RFC 7517), so that another service can check a token offline, holding no
//! secret. Under a shared-secret algorithm the set is empty: that secret is never published.

use axum::Json;
use axum::extract::State;
use axum::http::header::CACHE_CONTROL;
use axum::response::{IntoResponse, Response};
use quill_domain::{PublicKeyMaterial, PublishedKey, SessionService};
use serde::Serialize;
use utoipa::ToSchema;

/// How long a verifier may keep the set before asking again; a key rotation waits this long
/// between publishing a new key and signing with it.
pub(crate) const KEY_SET_MAX_AGE_SECONDS: u32 = 300;

/// A set of public keys (`{"keys": [...]}`).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct JwkSetBody {
    /// The keys that verify, the one signing today first.
    keys: Vec<JwkBody>,
}

/// One public key.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct JwkBody {
    /// `OKP` (Ed25519) or `EC` (P-256).
    kty: String,
    /// `Ed25519` or `P-256`.
    crv: String,
    /// The public key (Ed25519) or the point's x coordinate, base64url.
    x: String,
    /// The point's y coordinate, base64url (P-256 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    y: Option<String>,
    /// The key's id, which tokens name in their `kid`: its RFC 7638 thumbprint.
    kid: String,
    /// The one algorithm this key verifies: `EdDSA` or `ES256`.
    alg: String,
    /// Always `sig`.
    #[serde(rename = "use")]
    key_use: String,
}

impl From<PublishedKey> for JwkBody {
    fn from(key: PublishedKey) -> Self {
        let (kty, crv, x, y) = match key.material {
            PublicKeyMaterial::Ed25519 { x } => ("OKP", "Ed25519", x, None),
            PublicKeyMaterial::P256 { x, y } => ("EC", "P-256", x, Some(y)),
        };
        Self {
            kty: kty.to_owned(),
            crv: crv.to_owned(),
            x,
            y,
            kid: key.key_id,
            alg: key.algorithm.to_owned(),
            key_use: "sig".to_owned(),
        }
    }
}

/// The public keys that verify tokens.
#[utoipa::path(
    get,
    path = "/.well-known/jwks.json",
    tag = "tokens",
    operation_id = "json_web_key_set",
    responses(
        (status = 200, description = "The public keys that verify access tokens, the one \
            signing today first; empty when tokens are signed with a shared secret.",
            body = JwkSetBody,
            headers(("Cache-Control" = String, description = "`public, max-age=300`."))),
    )
)]
pub(crate) async fn jwks(State(sessions): State<SessionService>) -> Response {
    let body = JwkSetBody {
        keys: sessions
            .published_keys()
            .into_iter()
            .map(JwkBody::from)
            .collect(),
    };
    (
        [(
            CACHE_CONTROL,
            format!("public, max-age={KEY_SET_MAX_AGE_SECONDS}"),
        )],
        Json(body),
    )
        .into_response()
}
