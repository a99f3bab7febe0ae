//! Argon2id password hashing, kept off the async workers.
//!
//! Every hash and verification runs on tokio's blocking pool. How many run at once, who waits
//! and who is refused is decided before the work reaches this adapter, by the domain's one
//! hashing gate (`quill_domain::HashingGate`: one slot per CPU by default, a bounded queue,
//! each client's share): so a login flood never stalls other requests or multiplies Argon2's
//! memory use, and the adapter keeps no queue of its own.

use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use async_trait::async_trait;
use quill_domain::{Password, PasswordHash, PasswordHasher, Unexpected, Verification};

use crate::config::Argon2Settings;

/// [`PasswordHasher`] with Argon2id (version 19, 16-byte salt, 32-byte output, PHC strings).
/// Verifies hashes of any Argon2 variant and parameters (such as those written by Python's
/// argon2-cffi) and reports those with other parameters than the configured ones for rehash.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use quill_domain::{Password, PasswordHasher, Verification};
/// use quill_infra::{Argon2Hasher, Argon2Settings};
///
/// let cheap = Argon2Settings {
///     memory_kib: 1024,
///     iterations: 1,
///     parallelism: 1,
/// };
/// let hasher = Argon2Hasher::new(cheap)?;
/// let hash = hasher.hash(&Password::attempt("quiet-harbour-lamp")).await?;
/// assert!(hash.as_str().starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
/// let verdict = hasher.verify(&Password::attempt("quiet-harbour-lamp"), &hash).await?;
/// assert_eq!(verdict, Verification::Match);
/// # Ok(())
/// # }
/// ```
pub struct Argon2Hasher {
    argon2: Argon2<'static>,
    dummy: PasswordHash,
}

/// The output length quill writes, as the original did.
const OUTPUT_LEN: usize = 32;

impl Argon2Hasher {
    /// A hasher with these parameters. How many hashes run at once is the domain's hashing
    /// gate's to bound, not the hasher's.
    ///
    /// Computes the dummy hash for unknown emails right away, so call it at start-up (it
    /// blocks for one hash).
    ///
    /// # Errors
    /// [`Unexpected`] when the parameters are out of Argon2's range.
    pub fn new(settings: Argon2Settings) -> Result<Self, Unexpected> {
        let params = settings.params()?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let dummy = argon2
            .hash_password(b"quill: a password no account has")
            .map_err(|e| Unexpected::new(format!("computing the dummy hash: {e}")))?;
        Ok(Self {
            argon2,
            dummy: PasswordHash::new(dummy.to_string()),
        })
    }

    /// One slot per CPU: hashing is CPU-bound, so more would only add memory and latency.
    #[must_use]
    pub fn default_slots() -> usize {
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    }

    async fn run_blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Argon2<'static>) -> T + Send + 'static,
    ) -> Result<T, Unexpected> {
        let argon2 = self.argon2.clone();
        tokio::task::spawn_blocking(move || work(&argon2))
            .await
            .map_err(Unexpected::new)
    }

    fn is_current(&self, stored: &argon2::PasswordHash) -> bool {
        let Ok(params) = Params::try_from(stored) else {
            return false;
        };
        let configured = self.argon2.params();
        stored.algorithm.as_str() == argon2::ARGON2ID_IDENT.as_str()
            && stored.version == Some(Version::V0x13.into())
            && params.m_cost() == configured.m_cost()
            && params.t_cost() == configured.t_cost()
            && params.p_cost() == configured.p_cost()
            && params.output_len() == Some(OUTPUT_LEN)
    }
}

#[async_trait]
impl PasswordHasher for Argon2Hasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, Unexpected> {
        let plain = password.expose().to_owned();
        let hashed = self
            .run_blocking(move |argon2| {
                argon2
                    .hash_password(plain.as_bytes())
                    .map(|h| h.to_string())
            })
            .await?;
        hashed
            .map(PasswordHash::new)
            .map_err(|e| Unexpected::new(format!("hashing a password: {e}")))
    }

    async fn verify(
        &self,
        password: &Password,
        hash: &PasswordHash,
    ) -> Result<Verification, Unexpected> {
        // An unreadable stored hash still costs one verification (against the dummy), so a
        // corrupt row is not a timing oracle either.
        let (phc, readable) = match argon2::PasswordHash::new(hash.as_str()) {
            Ok(parsed) => (parsed.to_string(), true),
            Err(_) => (self.dummy.as_str().to_owned(), false),
        };
        let current = readable
            && argon2::PasswordHash::new(&phc).is_ok_and(|parsed| self.is_current(&parsed));
        let plain = password.expose().to_owned();
        let matched = self
            .run_blocking(move |argon2| {
                argon2
                    .verify_password(plain.as_bytes(), phc.as_str())
                    .is_ok()
            })
            .await?;
        Ok(match (matched && readable, current) {
            (false, _) => Verification::Mismatch,
            (true, true) => Verification::Match,
            (true, false) => Verification::MatchNeedsRehash,
        })
    }

    fn dummy_hash(&self) -> &PasswordHash {
        &self.dummy
    }
}

impl std::fmt::Debug for Argon2Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The cost; the dummy hash is nobody's business.
        f.debug_struct("Argon2Hasher")
            .field("params", &self.argon2.params())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> Argon2Settings {
        Argon2Settings {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        }
    }

    const PYTHON_ORIGINAL_HASH: &str = "$argon2id$v=19$m=65536,t=3,p=4$qlkJrous4MJWnpRCenDsAg$Y/aDbGQ/eq2u9S0FMoz1nHDZnmLp96Y/oN+P25EHwm4";
    /// The password the original hashed into [`PYTHON_ORIGINAL_HASH`]: common, but a login
    /// attempt is never screened, so an account made before the rule still signs in.
    const PYTHON_ORIGINAL_PASSWORD: &str = "password123";

    #[tokio::test]
    async fn a_hash_written_by_the_python_original_verifies_and_a_wrong_password_does_not() {
        let hasher = Argon2Hasher::new(Argon2Settings::default()).unwrap();
        let stored = PasswordHash::new(PYTHON_ORIGINAL_HASH);
        let right = hasher
            .verify(&Password::attempt(PYTHON_ORIGINAL_PASSWORD), &stored)
            .await
            .unwrap();
        assert_eq!(right, Verification::Match);
        let wrong = hasher
            .verify(&Password::attempt("password124"), &stored)
            .await
            .unwrap();
        assert_eq!(wrong, Verification::Mismatch);
    }

    #[tokio::test]
    async fn new_hashes_are_argon2id_v19_phc_strings_with_the_configured_parameters() {
        let hasher = Argon2Hasher::new(cheap()).unwrap();
        let hash = hasher
            .hash(&Password::attempt("quiet-harbour-lamp"))
            .await
            .unwrap();
        assert!(
            hash.as_str().starts_with("$argon2id$v=19$m=1024,t=1,p=1$"),
            "{}",
            hash.as_str()
        );
        let parsed = argon2::PasswordHash::new(hash.as_str()).unwrap();
        assert_eq!(parsed.salt.unwrap().len(), 16);
        assert_eq!(parsed.hash.unwrap().len(), 32);
        let verdict = hasher
            .verify(&Password::attempt("quiet-harbour-lamp"), &hash)
            .await
            .unwrap();
        assert_eq!(verdict, Verification::Match);
    }

    #[tokio::test]
    async fn two_hashes_of_one_password_differ_by_salt() {
        let hasher = Argon2Hasher::new(cheap()).unwrap();
        let a = hasher
            .hash(&Password::attempt("quiet-harbour-lamp"))
            .await
            .unwrap();
        let b = hasher
            .hash(&Password::attempt("quiet-harbour-lamp"))
            .await
            .unwrap();
        assert_ne!(a, b);
    }

    #[tokio::test]
    async fn a_right_password_with_other_parameters_asks_for_a_rehash() {
        let hasher = Argon2Hasher::new(cheap()).unwrap();
        let stored = PasswordHash::new(PYTHON_ORIGINAL_HASH);
        let verdict = hasher
            .verify(&Password::attempt(PYTHON_ORIGINAL_PASSWORD), &stored)
            .await
            .unwrap();
        assert_eq!(verdict, Verification::MatchNeedsRehash);
    }

    #[tokio::test]
    async fn an_unreadable_stored_hash_is_a_mismatch_not_an_error() {
        let hasher = Argon2Hasher::new(cheap()).unwrap();
        let verdict = hasher
            .verify(
                &Password::attempt("quiet-harbour-lamp"),
                &PasswordHash::new("not a hash"),
            )
            .await
            .unwrap();
        assert_eq!(verdict, Verification::Mismatch);
    }

    #[tokio::test]
    async fn the_dummy_hash_uses_the_configured_parameters() {
        let hasher = Argon2Hasher::new(cheap()).unwrap();
        assert!(
            hasher
                .dummy_hash()
                .as_str()
                .starts_with("$argon2id$v=19$m=1024,t=1,p=1$")
        );
    }
}
