//! [`PasswordHasher`]: the port that turns passwords into hashes and checks them, and what it
//! answers.

use async_trait::async_trait;

use crate::error::Unexpected;
use crate::user::{Password, PasswordHash};

/// What checking a password against a stored hash found. See
/// [`PasswordHasher::verify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// The password is wrong (or the hash unusable).
    Mismatch,
    /// The password is right and the hash uses the current parameters.
    Match,
    /// The password is right but the hash uses other parameters: store a fresh one.
    MatchNeedsRehash,
}

/// Password hashing. Implementations keep this expensive work off async worker threads; how
/// much of it runs at once, and who waits for it, is the domain's [`HashingGate`](super::HashingGate)'s
/// to decide, so an implementation keeps no queue of its own.
///
/// ```
/// use quill_domain::testing::FakeHasher;
/// use quill_domain::{Password, PasswordHasher, Verification};
///
/// # futures_executor::block_on(async {
/// let hasher = FakeHasher::new();
/// let hash = hasher.hash(&Password::attempt("quiet-harbour-lamp")).await?;
/// let right = hasher.verify(&Password::attempt("quiet-harbour-lamp"), &hash).await?;
/// let wrong = hasher.verify(&Password::attempt("password124"), &hash).await?;
/// assert_eq!((right, wrong), (Verification::Match, Verification::Mismatch));
/// # Ok::<(), quill_domain::Unexpected>(())
/// # }).unwrap();
/// ```
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    /// Hashes a new password with the configured parameters and a fresh salt.
    ///
    /// # Errors
    /// [`Unexpected`] when the work could not run (its thread panicked, say).
    async fn hash(&self, password: &Password) -> Result<PasswordHash, Unexpected>;

    /// Checks a password against a stored hash, with the cost the hash itself names.
    ///
    /// # Errors
    /// [`Unexpected`] when the work could not run.
    async fn verify(
        &self,
        password: &Password,
        hash: &PasswordHash,
    ) -> Result<Verification, Unexpected>;

    /// A hash of no one's password, with the configured parameters, verified against when
    /// an email is unknown so that both failures cost the same.
    fn dummy_hash(&self) -> &PasswordHash;
}
