//! The key set behind [`JwksVerifier`]: fetched from the configured URL only, kept for
//! its maximum age by the verifier's clock, fetched again early for an unknown key id at most
//! once per refetch interval, and each key pinned to the one algorithm it names.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use http_body_util::{BodyExt as _, Limited};
use jsonwebtoken::jwk::{JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey};

use super::{JwksError, JwksVerifier};
use crate::refusal::{AuthRefusal, FailureCause};

/// The largest key set read, in bytes: a few keys take well under a kilobyte each.
const MAX_KEY_SET_BYTES: usize = 64 * 1024;

/// One usable key: what verifies, and the one algorithm it verifies.
pub(super) struct Key {
    pub(super) decoding: DecodingKey,
    pub(super) algorithm: Algorithm,
}

#[derive(Default)]
pub(super) struct KeyCache {
    pub(super) keys: HashMap<String, Arc<Key>>,
    pub(super) fetched_at: Option<DateTime<Utc>>,
    pub(super) last_attempt: Option<DateTime<Utc>>,
}

/// Whether more than `span` has passed from `then` to `now` (a clock that went back counts
/// as no time passed).
fn elapsed_at_least(then: DateTime<Utc>, now: DateTime<Utc>, span: Duration) -> bool {
    (now - then).to_std().is_ok_and(|passed| passed >= span)
}

impl JwksVerifier {
    /// The key with this id: from the cache while it is fresh, else after a fetch (an
    /// unknown id prompts one only once per refetch interval).
    pub(super) async fn key(&self, kid: &str) -> Result<Option<Arc<Key>>, AuthRefusal> {
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

    pub(super) fn read_cache(&self) -> std::sync::RwLockReadGuard<'_, KeyCache> {
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
pub(super) fn usable_keys(set: &JwkSet) -> HashMap<String, Arc<Key>> {
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
