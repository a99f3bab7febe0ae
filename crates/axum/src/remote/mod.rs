//! Offline verification of quill's tokens by another service (the `jwks` feature):
//! [`JwksVerifier`] checks an `EdDSA` or `ES256` access token against the public keys quill
//! publishes at `/.well-known/jwks.json`, and [`AuthUser<TokenSubject>`](crate::AuthUser)
//! is the extractor that uses it. Such a service shares no database and no secret with
//! quill: it trusts the signature, the issuer and the audience, and the expiry.
//!
//! What it cannot see, by the nature of offline checks: a logout or an ended session takes
//! effect for it when the access token expires (`ACCESS_TOKEN_EXPIRE_MINUTES`, 30 by
//! default), not at once as on quill itself.
//!
//! The keys are fetched on first use, kept for [`JwksSettings::max_age`], and fetched again
//! early when a token names a key id the set does not hold (a rotation), at most once per
//! [`JwksSettings::refetch_interval`], so a flood of made-up key ids cannot turn into a
//! flood of requests to quill. A key is only ever taken from the configured URL (a token's
//! `jku` or `x5u` is never followed), and each key verifies only its own algorithm.
//!
//! A client presents the same token on every request, and an Ed25519 or P-256 check costs
//! tens of microseconds, so a verified token is remembered (up to
//! [`JwksSettings::verified_tokens`] of them) together with the key that verified it. A
//! remembered token is still checked for expiry on every use, and only while the key set in
//! use still holds that very key: a key removed by a rotation, or a set fetched again, sends
//! every token back to a full check.

mod keys;
#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::Uri;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use hashlink::LruCache;
use http_body_util::Empty;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use jsonwebtoken::Validation;
use quill_domain::{Clock, SessionId, UserId};
use serde::Deserialize;

use self::keys::{Key, KeyCache};
use crate::extract::{AuthUser, token_of};
use crate::refusal::AuthRefusal;

/// The `typ` quill gives its asymmetrically signed access tokens (RFC 9068).
const ACCESS_TOKEN_TYPE: &str = "at+jwt";

/// What a verified quill token says: all a service without quill's database knows of its
/// caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSubject {
    /// The account (`sub`).
    pub user: UserId,
    /// The session the token belongs to (`sid`).
    pub session: Option<SessionId>,
    /// The token's own id (`jti`).
    pub token_id: String,
    /// When it stops being valid (`exp`, Unix seconds).
    pub expires_at: i64,
}

/// Where the keys are and what the tokens must say.
#[derive(Debug, Clone)]
pub struct JwksSettings {
    /// quill's key set, e.g. `https://blog.example.com/.well-known/jwks.json`.
    pub jwks_url: Uri,
    /// The `iss` tokens must carry (quill's `TOKEN_ISSUER`, by default its `PUBLIC_BASE_URL`).
    pub issuer: String,
    /// The `aud` tokens must carry (quill's `TOKEN_AUDIENCE`, by default `quill`).
    pub audience: String,
    /// How long a fetched key set is used before it is fetched again (quill serves it with
    /// `max-age=300`).
    pub max_age: Duration,
    /// The shortest time between two fetches prompted by an unknown key id.
    pub refetch_interval: Duration,
    /// How long one fetch may take.
    pub fetch_timeout: Duration,
    /// How many verified tokens are remembered, so that the next request with one skips its
    /// signature check; 0 checks every signature every time.
    pub verified_tokens: usize,
}

impl JwksSettings {
    /// Settings with quill's defaults: keys kept five minutes, an unknown key id refetched
    /// at most every ten seconds, a fetch given five seconds, ten thousand verified tokens
    /// remembered (a few megabytes at most).
    #[must_use]
    pub fn new(jwks_url: Uri, issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        Self {
            jwks_url,
            issuer: issuer.into(),
            audience: audience.into(),
            max_age: Duration::from_secs(300),
            refetch_interval: Duration::from_secs(10),
            fetch_timeout: Duration::from_secs(5),
            verified_tokens: 10_000,
        }
    }
}

/// Why a key set could not be had.
#[derive(Debug, thiserror::Error)]
pub enum JwksError {
    /// The request failed or timed out.
    #[error("fetching the key set failed: {0}")]
    Fetch(String),
    /// quill answered, but not with a key set.
    #[error("the key set is unusable: {0}")]
    Unusable(String),
}

/// A token whose signature and claims passed, with the key that verified it.
#[derive(Clone)]
struct Remembered {
    subject: TokenSubject,
    kid: String,
    key: Arc<Key>,
}

/// The system's time, the verifier's unless it is given a clock.
struct SystemTime;

impl Clock for SystemTime {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Verifies quill's asymmetrically signed access tokens offline, from its published keys.
/// Cheap to clone (one shared cache); put it in the application's state and let
/// [`AuthUser<TokenSubject>`](crate::AuthUser) use it through `FromRef`.
#[derive(Clone)]
pub struct JwksVerifier {
    inner: Arc<Inner>,
}

struct Inner {
    settings: JwksSettings,
    /// Where the time comes from, for expiry and for the key set's age.
    clock: Arc<dyn Clock>,
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Empty<Bytes>>,
    cache: RwLock<KeyCache>,
    /// Verified tokens, most recently used kept; `None` when the settings remember none.
    verified: Option<Mutex<LruCache<Box<str>, Remembered>>>,
    /// One fetch at a time: callers that find the cache stale while a fetch runs wait for it.
    fetching: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for JwksVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksVerifier")
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

impl JwksVerifier {
    /// A verifier for these settings, on the system's time. Nothing is fetched until the
    /// first token.
    #[must_use]
    pub fn new(settings: JwksSettings) -> Self {
        Self::with_clock(settings, Arc::new(SystemTime))
    }

    /// A verifier reading the time from `clock`: for expiry and for the key set's age, so a
    /// test moves its clock on instead of waiting.
    #[must_use]
    pub fn with_clock(settings: JwksSettings, clock: Arc<dyn Clock>) -> Self {
        // The Mozilla roots compiled in (no system store to depend on), ring for the crypto;
        // plain HTTP is allowed for a key set on a private network or in tests.
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .build();
        let verified = (settings.verified_tokens > 0)
            .then(|| Mutex::new(LruCache::new(settings.verified_tokens)));
        Self {
            inner: Arc::new(Inner {
                settings,
                clock,
                client: Client::builder(TokioExecutor::new()).build(connector),
                cache: RwLock::new(KeyCache::default()),
                verified,
                fetching: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// What `token` says, if quill signed it with a key it publishes, for this issuer and
    /// audience, and it has not expired.
    ///
    /// # Errors
    /// [`AuthRefusal::Invalid`] for a token that fails any check, [`AuthRefusal::Failed`]
    /// when no key set could be had at all.
    pub async fn verify(&self, token: &str) -> Result<TokenSubject, AuthRefusal> {
        if let Some(known) = self.remembered(token) {
            let key = self.key(&known.kid).await?;
            if key.is_some_and(|key| Arc::ptr_eq(&key, &known.key)) {
                // The check jsonwebtoken makes, with no leeway: valid through its `exp` second.
                return match known.subject.expires_at >= self.unix_now() {
                    true => Ok(known.subject),
                    false => Err(AuthRefusal::Invalid),
                };
            }
        }
        let (subject, kid, key) = self.verify_afresh(token).await?;
        if let Some(verified) = &self.inner.verified {
            let remembered = Remembered {
                subject: subject.clone(),
                kid,
                key,
            };
            verified
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(token.into(), remembered);
        }
        Ok(subject)
    }

    fn remembered(&self, token: &str) -> Option<Remembered> {
        // The memory holds no invariant a panicking writer could break half-way.
        let verified = self.inner.verified.as_ref()?;
        verified
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(token)
            .cloned()
    }

    /// Every check of `token`, the signature's included; what it says, and the key that
    /// verified it.
    async fn verify_afresh(
        &self,
        token: &str,
    ) -> Result<(TokenSubject, String, Arc<Key>), AuthRefusal> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthRefusal::Invalid)?;
        // A critical extension must be understood or the token refused (RFC 7515, 4.1.11);
        // quill signs with none and understands none.
        if header.typ.as_deref() != Some(ACCESS_TOKEN_TYPE) || header.crit.is_some() {
            return Err(AuthRefusal::Invalid);
        }
        let kid = header.kid.ok_or(AuthRefusal::Invalid)?;
        let key = self.key(&kid).await?.ok_or(AuthRefusal::Invalid)?;
        if key.algorithm != header.alg {
            return Err(AuthRefusal::Invalid);
        }
        let mut validation = Validation::new(key.algorithm);
        // Times are checked below against the verifier's clock, not jsonwebtoken's.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.set_issuer(&[&self.inner.settings.issuer]);
        validation.set_audience(&[&self.inner.settings.audience]);
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        let claims = jsonwebtoken::decode::<Presented>(token, &key.decoding, &validation)
            .map_err(|_| AuthRefusal::Invalid)?
            .claims;
        // The checks jsonwebtoken makes, with no leeway: valid through its `exp` second and,
        // for a token that carries an `nbf` (quill sets none), from that second on.
        let now = self.unix_now();
        if claims.exp < now || claims.nbf.is_some_and(|nbf| nbf > now) {
            return Err(AuthRefusal::Invalid);
        }
        let user: i64 = claims.sub.parse().map_err(|_| AuthRefusal::Invalid)?;
        let subject = TokenSubject {
            user: UserId(user),
            session: claims.sid.map(SessionId::new),
            token_id: claims.jti.ok_or(AuthRefusal::Invalid)?,
            expires_at: claims.exp,
        };
        Ok((subject, kid, key))
    }

    /// Now by the verifier's clock, in Unix seconds.
    fn unix_now(&self) -> i64 {
        self.inner.clock.now().timestamp()
    }
}

#[derive(Deserialize)]
struct Presented {
    sub: String,
    exp: i64,
    nbf: Option<i64>,
    jti: Option<String>,
    sid: Option<String>,
}

impl<S> FromRequestParts<S> for AuthUser<TokenSubject>
where
    S: Send + Sync,
    JwksVerifier: FromRef<S>,
{
    type Rejection = AuthRefusal;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AuthRefusal> {
        let token = token_of(&parts.headers)?.ok_or(AuthRefusal::Missing)?;
        Ok(Self(JwksVerifier::from_ref(state).verify(token).await?))
    }
}
