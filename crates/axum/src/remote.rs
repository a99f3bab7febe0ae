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

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::Uri;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use hashlink::LruCache;
use http_body_util::{BodyExt as _, Empty, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use jsonwebtoken::jwk::{JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use quill_domain::{Clock, SessionId, UserId};
use serde::Deserialize;

use crate::extract::{AuthUser, token_of};
use crate::refusal::{AuthRefusal, FailureCause};

/// The `typ` quill gives its asymmetrically signed access tokens (RFC 9068).
const ACCESS_TOKEN_TYPE: &str = "at+jwt";

/// The largest key set read, in bytes: a few keys take well under a kilobyte each.
const MAX_KEY_SET_BYTES: usize = 64 * 1024;

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

/// One usable key: what verifies, and the one algorithm it verifies.
struct Key {
    decoding: DecodingKey,
    algorithm: Algorithm,
}

/// A token whose signature and claims passed, with the key that verified it.
#[derive(Clone)]
struct Remembered {
    subject: TokenSubject,
    kid: String,
    key: Arc<Key>,
}

#[derive(Default)]
struct KeyCache {
    keys: HashMap<String, Arc<Key>>,
    fetched_at: Option<DateTime<Utc>>,
    last_attempt: Option<DateTime<Utc>>,
}

/// The system's time, the verifier's unless it is given a clock.
struct SystemTime;

impl Clock for SystemTime {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Whether more than `span` has passed from `then` to `now` (a clock that went back counts
/// as no time passed).
fn elapsed_at_least(then: DateTime<Utc>, now: DateTime<Utc>, span: Duration) -> bool {
    (now - then).to_std().is_ok_and(|passed| passed >= span)
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

    /// The key with this id: from the cache while it is fresh, else after a fetch (an
    /// unknown id prompts one only once per refetch interval).
    async fn key(&self, kid: &str) -> Result<Option<Arc<Key>>, AuthRefusal> {
        let settings = &self.inner.settings;
        let now = self.inner.clock.now();
        let (found, fresh, may_refetch) = {
            let cache = self.read_cache();
            let fresh = cache
                .fetched_at
                .is_some_and(|at| !elapsed_at_least(at, now, settings.max_age));
            let may_refetch = cache
                .last_attempt
                .is_none_or(|at| elapsed_at_least(at, now, settings.refetch_interval));
            (cache.keys.get(kid).cloned(), fresh, may_refetch)
        };
        match found {
            Some(key) if fresh => return Ok(Some(key)),
            None if fresh && !may_refetch => return Ok(None),
            _ => {}
        }
        let _one_fetch = self.inner.fetching.lock().await;
        // Another caller may have fetched while this one waited.
        let now = self.inner.clock.now();
        let refetched_meanwhile = self
            .read_cache()
            .last_attempt
            .is_some_and(|at| !elapsed_at_least(at, now, settings.refetch_interval));
        if !refetched_meanwhile {
            self.refresh().await?;
        }
        Ok(self.read_cache().keys.get(kid).cloned())
    }

    fn read_cache(&self) -> std::sync::RwLockReadGuard<'_, KeyCache> {
        // The cache holds no invariant a panicking writer could break half-way.
        self.inner
            .cache
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Fetches the key set and replaces the cached keys with it. A failed fetch keeps the
    /// keys held so far (quill being briefly unreachable must not log everyone out); with no
    /// keys at all it is a failure.
    async fn refresh(&self) -> Result<(), AuthRefusal> {
        let fetched = self.fetch().await;
        let mut cache = self
            .inner
            .cache
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let now = self.inner.clock.now();
        cache.last_attempt = Some(now);
        match fetched {
            Ok(keys) => {
                cache.keys = keys;
                cache.fetched_at = Some(now);
                Ok(())
            }
            Err(_) if !cache.keys.is_empty() => Ok(()),
            Err(error) => Err(AuthRefusal::Failed(FailureCause::of(&error))),
        }
    }

    /// Now by the verifier's clock, in Unix seconds.
    fn unix_now(&self) -> i64 {
        self.inner.clock.now().timestamp()
    }

    async fn fetch(&self) -> Result<HashMap<String, Arc<Key>>, JwksError> {
        let settings = &self.inner.settings;
        let request = self.inner.client.get(settings.jwks_url.clone());
        let response = tokio::time::timeout(settings.fetch_timeout, request)
            .await
            .map_err(|_| JwksError::Fetch("timed out".to_owned()))?
            .map_err(|e| JwksError::Fetch(e.to_string()))?;
        if !response.status().is_success() {
            return Err(JwksError::Fetch(format!("status {}", response.status())));
        }
        let body = tokio::time::timeout(
            settings.fetch_timeout,
            Limited::new(response.into_body(), MAX_KEY_SET_BYTES).collect(),
        )
        .await
        .map_err(|_| JwksError::Fetch("timed out".to_owned()))?
        .map_err(|e| JwksError::Fetch(e.to_string()))?
        .to_bytes();
        let set: JwkSet =
            serde_json::from_slice(&body).map_err(|e| JwksError::Unusable(e.to_string()))?;
        Ok(usable_keys(&set))
    }
}

/// The keys of a set that verify quill's algorithms, by id: each pinned to the one algorithm
/// it names. Keys without an id or of another kind are skipped.
fn usable_keys(set: &JwkSet) -> HashMap<String, Arc<Key>> {
    set.keys
        .iter()
        .filter_map(|jwk| {
            let algorithm = match jwk.common.key_algorithm? {
                KeyAlgorithm::EdDSA => Algorithm::EdDSA,
                KeyAlgorithm::ES256 => Algorithm::ES256,
                _ => return None,
            };
            let decoding = DecodingKey::from_jwk(jwk).ok()?;
            let kid = jwk.common.key_id.clone()?;
            Some((
                kid,
                Arc::new(Key {
                    decoding,
                    algorithm,
                }),
            ))
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use quill_domain::testing::FixedClock;

    use super::*;

    /// The tests' clock, standing still at its default time until a test moves it.
    fn clock() -> Arc<FixedClock> {
        Arc::new(FixedClock::default())
    }

    /// Now by a fresh [`clock`], in Unix seconds: what the tokens' times count from.
    fn start() -> i64 {
        clock().now().timestamp()
    }

    #[test]
    fn only_keys_with_an_id_and_quills_algorithms_are_kept() {
        let set: JwkSet = serde_json::from_value(serde_json::json!({"keys": [
            {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
             "kid": "ed", "alg": "EdDSA", "use": "sig"},
            {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
             "alg": "EdDSA"},
            {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac", "alg": "HS256"},
        ]}))
        .unwrap();
        let keys = usable_keys(&set);
        assert_eq!(keys.keys().collect::<Vec<_>>(), ["ed"]);
        assert_eq!(keys["ed"].algorithm, Algorithm::EdDSA);
    }

    #[tokio::test]
    async fn a_token_of_another_type_or_without_a_key_id_is_refused_before_any_fetch() {
        let verifier = JwksVerifier::with_clock(
            JwksSettings::new(
                Uri::from_static("http://127.0.0.1:9/.well-known/jwks.json"),
                "issuer",
                "quill",
            ),
            clock(),
        );
        assert!(matches!(
            verifier.verify("not.a.token").await,
            Err(AuthRefusal::Invalid)
        ));
        // An HS256 header: `typ` JWT, no `kid`.
        let hs = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.c2ln";
        assert!(matches!(
            verifier.verify(hs).await,
            Err(AuthRefusal::Invalid)
        ));
        assert!(
            verifier.read_cache().last_attempt.is_none(),
            "nothing fetched"
        );
    }

    /// A key of these tests alone (made with `openssl genpkey -algorithm ed25519`), as PKCS#8
    /// DER in base64, and its public half as a JWK's `x`.
    const TEST_KEY_PKCS8: &str = "MC4CAQAwBQYDK2VwBCIEIEWOk31zIh6t9betx5fjbC5lca9CfMVuiKUKw91leS/5";
    const TEST_KEY_X: &str = "Rsx8xfTsNU6N0bd74BaBuFPcSYNVsyQbiJt3SdDgsNU";

    fn key_set_with_test_key() -> String {
        serde_json::json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": TEST_KEY_X,
            "kid": "test", "alg": "EdDSA", "use": "sig"}]})
        .to_string()
    }

    /// A token as quill signs one, valid for `seconds` more.
    fn signed_token(seconds: i64) -> String {
        signed_token_with(|_| {}, |_| {}, seconds)
    }

    /// A token signed with the test key, its header and claims changed by the callers.
    fn signed_token_with(
        header_change: impl FnOnce(&mut jsonwebtoken::Header),
        claims_change: impl FnOnce(&mut serde_json::Value),
        seconds: i64,
    ) -> String {
        use base64::Engine as _;
        let der = base64::engine::general_purpose::STANDARD
            .decode(TEST_KEY_PKCS8)
            .unwrap();
        let mut header = jsonwebtoken::Header::new(Algorithm::EdDSA);
        header.typ = Some(ACCESS_TOKEN_TYPE.to_owned());
        header.kid = Some("test".to_owned());
        header_change(&mut header);
        let mut claims = serde_json::json!({"sub": "7", "exp": start() + seconds,
            "iss": "issuer", "aud": "quill", "jti": "token-1", "sid": "session-1"});
        claims_change(&mut claims);
        jsonwebtoken::encode(
            &header,
            &claims,
            &jsonwebtoken::EncodingKey::from_ed_der(&der),
        )
        .unwrap()
    }

    /// Serves `router` on a free port; settings for its key set, issuer `issuer`, audience
    /// `quill`.
    async fn serve(router: axum::Router) -> JwksSettings {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/.well-known/jwks.json",
            listener.local_addr().unwrap()
        );
        tokio::spawn(async move { axum::serve(listener, router).await });
        JwksSettings::new(url.parse().unwrap(), "issuer", "quill")
    }

    /// A key set server whose answer the test can change, and a verifier that asks it on
    /// `clock`'s time.
    async fn verifier_of_served_set(
        tune: impl FnOnce(&mut JwksSettings),
        clock: Arc<FixedClock>,
    ) -> (JwksVerifier, Arc<Mutex<String>>) {
        let served = Arc::new(Mutex::new(key_set_with_test_key()));
        let answer = served.clone();
        let router = axum::Router::new().route(
            "/.well-known/jwks.json",
            axum::routing::get(move || {
                let body = answer.lock().unwrap().clone();
                async move { body }
            }),
        );
        let mut settings = serve(router).await;
        tune(&mut settings);
        (JwksVerifier::with_clock(settings, clock), served)
    }

    #[tokio::test]
    async fn a_token_with_a_critical_extension_or_not_yet_valid_is_refused() {
        let (verifier, _served) = verifier_of_served_set(|_| {}, clock()).await;
        let critical = signed_token_with(|h| h.crit = Some(vec!["exp".into()]), |_| {}, 600);
        let early = signed_token_with(|_| {}, |c| c["nbf"] = (start() + 300).into(), 600);
        let due = signed_token_with(|_| {}, |c| c["nbf"] = (start() - 1).into(), 600);
        for refused in [critical, early] {
            assert!(matches!(
                verifier.verify(&refused).await,
                Err(AuthRefusal::Invalid)
            ));
        }
        assert_eq!(verifier.verify(&due).await.unwrap().user, UserId(7));
    }

    #[tokio::test]
    async fn a_remembered_token_is_still_refused_once_it_expires() {
        let clock = clock();
        let (verifier, _served) = verifier_of_served_set(|_| {}, clock.clone()).await;
        let token = signed_token(1);
        for _ in 0..2 {
            let subject = verifier.verify(&token).await.unwrap();
            assert_eq!(subject.user, UserId(7));
            assert_eq!(subject.session, Some(SessionId::new("session-1")));
        }
        assert!(verifier.remembered(&token).is_some());
        clock.advance(chrono::Duration::seconds(1));
        assert!(
            verifier.verify(&token).await.is_ok(),
            "valid through its last second"
        );
        clock.advance(chrono::Duration::seconds(1));
        assert!(matches!(
            verifier.verify(&token).await,
            Err(AuthRefusal::Invalid)
        ));
    }

    #[tokio::test]
    async fn a_remembered_token_is_refused_once_its_key_leaves_the_set() {
        let (verifier, served) = verifier_of_served_set(
            |settings| {
                settings.max_age = Duration::ZERO;
                settings.refetch_interval = Duration::ZERO;
            },
            clock(),
        )
        .await;
        let token = signed_token(600);
        verifier.verify(&token).await.unwrap();
        assert!(verifier.remembered(&token).is_some());
        *served.lock().unwrap() = r#"{"keys":[]}"#.to_owned();
        assert!(matches!(
            verifier.verify(&token).await,
            Err(AuthRefusal::Invalid)
        ));
    }

    #[tokio::test]
    async fn a_token_differing_from_a_remembered_one_is_checked_in_full() {
        let (verifier, _served) = verifier_of_served_set(|_| {}, clock()).await;
        let token = signed_token(600);
        verifier.verify(&token).await.unwrap();
        let (signed, signature) = token.rsplit_once('.').unwrap();
        let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
        let tampered = format!("{signed}.{flipped}{}", &signature[1..]);
        assert!(matches!(
            verifier.verify(&tampered).await,
            Err(AuthRefusal::Invalid)
        ));
    }

    #[tokio::test]
    async fn with_no_memory_every_token_is_checked_in_full() {
        let (verifier, _served) =
            verifier_of_served_set(|settings| settings.verified_tokens = 0, clock()).await;
        let token = signed_token(600);
        verifier.verify(&token).await.unwrap();
        verifier.verify(&token).await.unwrap();
        assert!(verifier.remembered(&token).is_none());
    }

    #[tokio::test]
    async fn made_up_key_ids_prompt_at_most_one_fetch_per_refetch_interval() {
        use std::sync::atomic::{AtomicUsize, Ordering};

        let fetches = Arc::new(AtomicUsize::new(0));
        let counted = fetches.clone();
        let router = axum::Router::new().route(
            "/.well-known/jwks.json",
            axum::routing::get(move || {
                counted.fetch_add(1, Ordering::SeqCst);
                async { r#"{"keys":[]}"# }
            }),
        );
        let mut settings = serve(router).await;
        settings.refetch_interval = Duration::from_secs(3600);
        let verifier = JwksVerifier::with_clock(settings, clock());

        let b64 = |json: &str| {
            use base64::Engine as _;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
        };
        for n in 0..20 {
            let header = b64(&format!(
                r#"{{"alg":"EdDSA","typ":"at+jwt","kid":"made-up-{n}"}}"#
            ));
            let token = format!("{header}.{}.c2ln", b64(r#"{"sub":"1"}"#));
            let refused = verifier.verify(&token).await;
            assert!(matches!(refused, Err(AuthRefusal::Invalid)), "{refused:?}");
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }
}
