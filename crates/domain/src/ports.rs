//! The ports: what the domain needs from the outside world, as traits that adapters
//! (`quill-infra`, or the fakes in `testing`) implement. Each is narrow enough that a fake
//! fits in a few lines.

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::Unexpected;
use crate::post::{NewPost, Page, Post, PostChanges, PostId, PostWithAuthor};
use crate::user::{NewUser, Password, PasswordHash, User, UserChanges, UserId};

/// Why a storage operation failed. The two uniqueness variants are what the store's own
/// constraints reported, so a race between two writers still ends in a typed outcome.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another account already has this username (compared case-insensitively).
    #[error("username already taken")]
    UsernameTaken,
    /// Another account already has this email address.
    #[error("email already registered")]
    EmailTaken,
    /// Anything else.
    #[error(transparent)]
    Unexpected(#[from] Unexpected),
}

/// Storage of accounts.
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// Stores a new account with a fresh, never-used id.
    ///
    /// # Errors
    /// [`StoreError::UsernameTaken`] / [`StoreError::EmailTaken`] when a uniqueness rule
    /// (enforced by the store itself) refuses it.
    async fn create(&self, user: NewUser) -> Result<User, StoreError>;

    /// The account with this id, if any.
    async fn by_id(&self, id: UserId) -> Result<Option<User>, StoreError>;

    /// The account with this canonical email address, if any.
    async fn by_email(&self, email: &str) -> Result<Option<User>, StoreError>;

    /// The id of the account whose username equals this one ignoring case, if any.
    async fn id_by_username(&self, username: &str) -> Result<Option<UserId>, StoreError>;

    /// Applies profile changes; `None` when the account no longer exists.
    ///
    /// # Errors
    /// As [`UserRepository::create`] for uniqueness.
    async fn update(&self, id: UserId, changes: UserChanges) -> Result<Option<User>, StoreError>;

    /// Replaces the stored password hash (after a parameter upgrade).
    async fn set_password_hash(&self, id: UserId, hash: PasswordHash) -> Result<(), StoreError>;

    /// Deletes the account and, with it, all its posts; `false` when it did not exist.
    async fn delete(&self, id: UserId) -> Result<bool, StoreError>;
}

/// Storage of posts.
#[async_trait]
pub trait PostRepository: Send + Sync {
    /// Stores a new post.
    async fn create(&self, post: NewPost) -> Result<Post, StoreError>;

    /// The post with this id and its author, if any.
    async fn by_id(&self, id: PostId) -> Result<Option<PostWithAuthor>, StoreError>;

    /// A newest-first page of posts with their authors, of one author or of everyone.
    async fn list(
        &self,
        author: Option<UserId>,
        page: Page,
    ) -> Result<Vec<PostWithAuthor>, StoreError>;

    /// Applies changes; `None` when the post no longer exists.
    async fn update(&self, id: PostId, changes: PostChanges) -> Result<Option<Post>, StoreError>;

    /// Deletes the post; `false` when it did not exist.
    async fn delete(&self, id: PostId) -> Result<bool, StoreError>;
}

/// What checking a password against a stored hash found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// The password is wrong (or the hash unusable).
    Mismatch,
    /// The password is right and the hash uses the current parameters.
    Match,
    /// The password is right but the hash uses other parameters: store a fresh one.
    MatchNeedsRehash,
}

/// Password hashing. Implementations keep this expensive work off async worker threads and
/// bound how much of it runs at once.
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    /// Hashes a new password with the configured parameters and a fresh salt.
    async fn hash(&self, password: &Password) -> Result<PasswordHash, Unexpected>;

    /// Checks a password against a stored hash, with the cost the hash itself names.
    async fn verify(
        &self,
        password: &Password,
        hash: &PasswordHash,
    ) -> Result<Verification, Unexpected>;

    /// A hash of no one's password, with the configured parameters, verified against when
    /// an email is unknown so that both failures cost the same.
    fn dummy_hash(&self) -> &PasswordHash;
}

/// A signed, expiring access token. Its `Debug` hides it: it is a bearer credential.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(String);

impl AccessToken {
    /// Wraps an encoded token.
    #[must_use]
    pub fn new(encoded: impl Into<String>) -> Self {
        Self(encoded.into())
    }

    /// The encoded token, to hand to the client.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The encoded token, taken out.
    #[must_use]
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

/// A token was refused: forged, malformed, expired or of another algorithm. Deliberately
/// without detail, so no caller can tell an attacker which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("token rejected")]
pub struct TokenRejected;

/// Issuing and checking access tokens.
pub trait TokenCodec: Send + Sync {
    /// A token naming `user`, issued at `now`, expiring after the configured lifetime.
    ///
    /// # Errors
    /// [`Unexpected`] if encoding fails.
    fn issue(&self, user: UserId, now: DateTime<Utc>) -> Result<AccessToken, Unexpected>;

    /// The user a token names, if it is genuine and unexpired at `now`.
    ///
    /// # Errors
    /// [`TokenRejected`] for anything else.
    fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<UserId, TokenRejected>;
}

/// The current time, injectable so expiry and timestamps are testable.
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// The system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
