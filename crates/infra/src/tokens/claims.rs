//! What a token carries, issued and presented, its id, and the memory of tokens whose
//! signature an asymmetric key has already checked.

use quill_domain::Unexpected;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// How many tokens with a checked signature an asymmetric codec remembers: at one token per
/// active client, a few megabytes at most.
const VERIFIED_TOKENS: usize = 10_000;

/// Tokens whose signature an asymmetric key has already checked, most recently used kept.
/// An Ed25519 or P-256 verification costs tens of microseconds, a large share of a cheap
/// request, while a client presents the same token on every request. Only the signature
/// check (and the header and claims checks made with it) is remembered: expiry is checked
/// again on every use, and revocation is the domain's, after this. The keys cannot change
/// while the process runs, so nothing remembered outlives the key that verified it.
pub(super) struct VerifiedTokens(std::sync::Mutex<hashlink::LruCache<Box<str>, PresentedClaims>>);

impl VerifiedTokens {
    pub(super) fn new() -> Self {
        Self(std::sync::Mutex::new(hashlink::LruCache::new(
            VERIFIED_TOKENS,
        )))
    }

    pub(super) fn get(&self, token: &str) -> Option<PresentedClaims> {
        // A poisoned lock only means another thread panicked mid-update of a cache: verify
        // afresh rather than trust or fail.
        self.0.lock().ok()?.get(token).cloned()
    }

    pub(super) fn remember(&self, token: &str, claims: &PresentedClaims) {
        if let Ok(mut cache) = self.0.lock() {
            cache.insert(token.into(), claims.clone());
        }
    }
}

#[derive(Serialize)]
pub(super) struct IssuedClaims<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) iss: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) aud: Option<&'a str>,
    pub(super) sub: &'a str,
    pub(super) exp: i64,
    pub(super) iat: i64,
    pub(super) jti: &'a str,
    #[serde(rename = "gen")]
    pub(super) generation: i64,
    pub(super) sid: &'a str,
    /// When the account last proved itself in the session (OIDC Core's `auth_time`).
    pub(super) auth_time: i64,
}

/// What a presented token says. Tokens the original service issued with the same key carry
/// only `sub` and `exp` (and `iat`); they are accepted as tokens of generation 0 in no
/// session, with an id derived from the token itself, so logout and logout-everywhere revoke
/// them too.
#[derive(Clone, Deserialize)]
pub(super) struct PresentedClaims {
    pub(super) sub: String,
    pub(super) exp: i64,
    pub(super) jti: Option<String>,
    #[serde(rename = "gen", default)]
    pub(super) generation: i64,
    pub(super) sid: Option<String>,
    /// When the account last proved itself; absent from the original's tokens and from
    /// quill's before it carried one, which then never count as a recent authentication.
    pub(super) auth_time: Option<i64>,
    /// Not before: quill never sets it, but a token that carries one is not valid earlier.
    pub(super) nbf: Option<i64>,
}

/// The id of a token that names none: `sig:` and 60 hex digits of its SHA-256, within the
/// 64 characters a revocation keeps.
pub(super) fn derived_token_id(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sig:{}", &hex[..60])
}

/// A fresh token id: 128 random bits, hex-encoded.
pub(super) fn token_id() -> Result<String, Unexpected> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| Unexpected::new(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
