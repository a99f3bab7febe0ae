//! [`FakeHasher`]: readable "hashes", every call counted.

use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;

use crate::user::{Password, PasswordHash};
use crate::{PasswordHasher, Unexpected, Verification};

/// A hasher that does no cryptography and counts its calls. Hashes look like
/// `fake:v2:<password>`; a hash of another version (`fake:v1:...`) verifies but asks for a
/// rehash, like a real hash with outdated parameters.
///
/// ```
/// use quill_domain::testing::FakeHasher;
/// use quill_domain::{Password, PasswordHash, PasswordHasher, Verification};
///
/// let hasher = FakeHasher::new();
/// let outdated = PasswordHash::new("fake:v1:quiet-harbour-lamp");
/// let verdict = futures_executor::block_on(
///     hasher.verify(&Password::attempt("quiet-harbour-lamp"), &outdated),
/// );
/// assert_eq!(verdict.unwrap(), Verification::MatchNeedsRehash);
/// assert_eq!(hasher.verifications(), 1);
/// ```
#[derive(Debug)]
pub struct FakeHasher {
    hashes: AtomicUsize,
    verifications: AtomicUsize,
    dummy: PasswordHash,
}

impl Default for FakeHasher {
    fn default() -> Self {
        Self {
            hashes: AtomicUsize::new(0),
            verifications: AtomicUsize::new(0),
            dummy: PasswordHash::new(format!("{}{}", Self::CURRENT, Self::DUMMY_PASSWORD)),
        }
    }
}

impl FakeHasher {
    /// The prefix of hashes made with the current parameters.
    pub const CURRENT: &'static str = "fake:v2:";
    const DUMMY_PASSWORD: &'static str = "dummy password";

    /// The password the dummy hash was made from, to prove it opens no account.
    #[must_use]
    pub fn dummy_hash_password(&self) -> &'static str {
        Self::DUMMY_PASSWORD
    }

    /// The hash [`PasswordHasher::hash`] would make, without counting it: for planting
    /// accounts that a test did not create through the service.
    #[must_use]
    pub fn hash_uncounted(password: &Password) -> PasswordHash {
        PasswordHash::new(format!("{}{}", Self::CURRENT, password.expose()))
    }

    /// A hasher with zeroed counters.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// How many hashes were computed.
    #[must_use]
    pub fn hashes(&self) -> usize {
        self.hashes.load(Ordering::SeqCst)
    }

    /// How many verifications ran.
    #[must_use]
    pub fn verifications(&self) -> usize {
        self.verifications.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl PasswordHasher for FakeHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, Unexpected> {
        self.hashes.fetch_add(1, Ordering::SeqCst);
        Ok(Self::hash_uncounted(password))
    }

    async fn verify(
        &self,
        password: &Password,
        hash: &PasswordHash,
    ) -> Result<Verification, Unexpected> {
        self.verifications.fetch_add(1, Ordering::SeqCst);
        let stored = hash.as_str();
        let (current, plain) = match stored.strip_prefix(Self::CURRENT) {
            Some(plain) => (true, plain),
            None => match stored.strip_prefix("fake:v1:") {
                Some(plain) => (false, plain),
                None => return Ok(Verification::Mismatch),
            },
        };
        Ok(match (plain == password.expose(), current) {
            (false, _) => Verification::Mismatch,
            (true, true) => Verification::Match,
            (true, false) => Verification::MatchNeedsRehash,
        })
    }

    fn dummy_hash(&self) -> &PasswordHash {
        &self.dummy
    }
}
