//! The ports: what the domain needs from the outside world, as traits that adapters
//! (`quill-infra`, or the fakes in `testing`) implement. Each is narrow enough that a fake
//! fits in a few lines, and an embedding application may bring its own implementation of
//! any one (its own clock, say) while taking the rest from `quill-infra`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::content_tag::PostVersion;
use crate::error::Unexpected;
use crate::mail::Mail;
use crate::picture::PictureSwap;
use crate::post::{NewPost, Page, Post, PostChanges, PostId, PostWithAuthor};
use crate::secret::bearer_secret;
use crate::sessions::SessionId;
use crate::user::{NewUser, Password, PasswordHash, User, UserChanges, UserId};

/// Why a storage operation failed. The two uniqueness variants are what the store's own
/// constraints reported, so a race between two writers still ends in a typed outcome.
///
/// The services turn it into their own errors:
///
/// ```
/// use quill_domain::{AuthError, StoreError};
///
/// assert!(matches!(AuthError::from(StoreError::EmailTaken), AuthError::EmailTaken));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another account already has this username, or one that looks like it (compared by
    /// case-folded form and by confusable skeleton).
    #[error("username already taken")]
    UsernameTaken,
    /// Another account already has this email address.
    #[error("email already registered")]
    EmailTaken,
    /// The row refers to an account that no longer exists (it was deleted meanwhile), as
    /// the store's own foreign key reported.
    #[error("the account no longer exists")]
    AccountGone,
    /// The store cannot take this now (locked, read-only, out of connections), though nothing
    /// is wrong with the request: retry shortly.
    #[error("the store is unavailable: {0}")]
    Unavailable(#[source] Unexpected),
    /// Anything else.
    #[error(transparent)]
    Unexpected(#[from] Unexpected),
}

/// Storage of accounts. `quill-infra` implements it on SQLite and PostgreSQL, the
/// `testing` module in memory; both pass the same rules.
///
/// ```
/// use quill_domain::testing::{FakeHasher, InMemoryStore};
/// use quill_domain::{Email, NewUser, Password, StoreError, UserRepository, Username};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = InMemoryStore::new();
/// let alice = |email: &str| -> Result<NewUser, Box<dyn std::error::Error>> {
///     Ok(NewUser {
///         username: Username::parse("alice")?,
///         email: Email::parse(email)?,
///         password_hash: FakeHasher::hash_uncounted(&Password::parse("password123")?),
///     })
/// };
/// # futures_executor::block_on(async {
/// let stored = store.create(alice("alice@example.com")?).await?;
/// assert_eq!(store.id_by_username("ALICE").await?, Some(stored.id));
/// assert!(matches!(
///     store.create(alice("other@example.com")?).await,
///     Err(StoreError::UsernameTaken)
/// ));
/// # Ok(())
/// # })
/// # }
/// ```
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

    /// The id of the account whose username is this one's by either unique key: the same
    /// ignoring case ([`Username::key_of`](crate::Username::key_of)) or a lookalike
    /// ([`Username::skeleton_of`](crate::Username::skeleton_of)), if any.
    async fn id_by_username(&self, username: &str) -> Result<Option<UserId>, StoreError>;

    /// Applies profile changes and moves the account's profile revision; `None` when the
    /// account no longer exists. `notice`, when given (an email change's notice to the old
    /// address), is queued in the outbox at `now` in the same transaction as the change, so
    /// there is never a change without its notice nor a notice without its change.
    ///
    /// # Errors
    /// As [`UserRepository::create`] for uniqueness; any failure leaves the account and the
    /// outbox as they were.
    async fn update(
        &self,
        id: UserId,
        changes: UserChanges,
        notice: Option<Mail>,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, StoreError>;

    /// Replaces the stored password hash with `fresh` only if it is still `expected` (a
    /// compare-and-swap), leaving the token generation alone: a parameter upgrade after a
    /// login must never undo a password change that happened meanwhile. `false` when the hash
    /// had changed (or the account is gone) and nothing was written.
    async fn replace_password_hash(
        &self,
        id: UserId,
        expected: &PasswordHash,
        fresh: PasswordHash,
    ) -> Result<bool, StoreError>;

    /// Deletes the account and, with it, all its posts; `false` when it did not exist.
    async fn delete(&self, id: UserId) -> Result<bool, StoreError>;

    /// Remembers one token as revoked until it would have expired anyway.
    async fn revoke_token(
        &self,
        token_id: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// The account with this id and where this token of it stands (its session's expiry,
    /// whether it was revoked on its own): all that checking a bearer token needs, in what a
    /// store should answer in one round trip. `session` is the token's `sid`; a token
    /// without one (issued by the original) is judged by its `token_id` alone.
    async fn by_id_with_token_standing(
        &self,
        id: UserId,
        session: Option<&SessionId>,
        token_id: &str,
    ) -> Result<Option<(User, TokenStanding)>, StoreError>;

    /// Forgets revocations of tokens that have expired by `now` (they are refused anyway);
    /// returns how many.
    async fn purge_revoked_tokens(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;

    /// Sets the account's picture to `new` only if it is still `expected` (a
    /// compare-and-swap, so two uploads racing leave one picture and no lost file), moving
    /// its profile revision.
    async fn swap_image_file(
        &self,
        id: UserId,
        expected: Option<&str>,
        new: Option<&str>,
    ) -> Result<PictureSwap, StoreError>;

    /// Whether any account's picture is `name`.
    async fn image_file_in_use(&self, name: &str) -> Result<bool, StoreError>;
}

/// Storage of posts. Listing is newest first; deleting an author deletes their posts
/// (that is [`UserRepository::delete`]'s job).
///
/// ```
/// use quill_domain::testing::InMemoryStore;
/// use quill_domain::{Page, PostRepository};
///
/// let store = InMemoryStore::new();
/// let everyone = futures_executor::block_on(store.list(None, Page::default())).unwrap();
/// assert!(everyone.is_empty());
/// ```
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

    /// The versions of the posts [`PostRepository::list`] would return for the same page,
    /// in the same order, read without their content: what revalidating a cached page costs.
    async fn list_versions(
        &self,
        author: Option<UserId>,
        page: Page,
    ) -> Result<Vec<PostVersion>, StoreError>;

    /// Applies changes and moves the post's revision; `None` when the post no longer exists.
    async fn update(&self, id: PostId, changes: PostChanges) -> Result<Option<Post>, StoreError>;

    /// Deletes the post; `false` when it did not exist.
    async fn delete(&self, id: PostId) -> Result<bool, StoreError>;
}

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

/// Why a hash or verification did not run.
#[derive(Debug, thiserror::Error)]
pub enum HashingError {
    /// Every hashing place (running or waiting) is taken: the work was refused at once,
    /// without queueing, so a flood cannot grow memory or latency without bound.
    #[error("every hashing place is taken")]
    Busy,
    /// Anything else.
    #[error(transparent)]
    Unexpected(#[from] Unexpected),
}

/// Password hashing. Implementations keep this expensive work off async worker threads and
/// bound how much of it runs at once and how much may wait: past that bound they answer
/// [`HashingError::Busy`] at once.
///
/// ```
/// use quill_domain::testing::FakeHasher;
/// use quill_domain::{Password, PasswordHasher, Verification};
///
/// # futures_executor::block_on(async {
/// let hasher = FakeHasher::new();
/// let hash = hasher.hash(&Password::attempt("password123")).await?;
/// let right = hasher.verify(&Password::attempt("password123"), &hash).await?;
/// let wrong = hasher.verify(&Password::attempt("password124"), &hash).await?;
/// assert_eq!((right, wrong), (Verification::Match, Verification::Mismatch));
/// # Ok::<(), quill_domain::HashingError>(())
/// # }).unwrap();
/// ```
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    /// Hashes a new password with the configured parameters and a fresh salt.
    ///
    /// # Errors
    /// [`HashingError::Busy`] when every place is taken.
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashingError>;

    /// Checks a password against a stored hash, with the cost the hash itself names.
    ///
    /// # Errors
    /// [`HashingError::Busy`] when every place is taken.
    async fn verify(
        &self,
        password: &Password,
        hash: &PasswordHash,
    ) -> Result<Verification, HashingError>;

    /// A hash of no one's password, with the configured parameters, verified against when
    /// an email is unknown so that both failures cost the same.
    fn dummy_hash(&self) -> &PasswordHash;
}

bearer_secret! {
    /// A signed, expiring access token. Its `Debug` hides it: it is a bearer credential.
    ///
    /// ```
    /// use quill_domain::AccessToken;
    ///
    /// let token = AccessToken::new("eyJhbGciOi...");
    /// assert_eq!(token.as_str(), "eyJhbGciOi...");
    /// assert_eq!(format!("{token:?}"), "AccessToken(<redacted>)");
    /// ```
    AccessToken
}

/// A token was refused. The two kinds are told apart only for counting (an operator sees
/// expired tokens as routine, forged ones as a signal): [`AuthService`] reports both as
/// [`AuthError::InvalidToken`], so no caller can tell an attacker which.
///
/// [`AuthService`]: crate::AuthService
/// [`AuthError::InvalidToken`]: crate::AuthError::InvalidToken
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenRejected {
    /// Not a token this service issued: forged, malformed, or of another algorithm.
    #[error("token rejected: not genuine")]
    Invalid,
    /// Genuine, but past its expiry.
    #[error("token rejected: expired")]
    Expired,
}

/// Where a token stands in the store, besides its signature and expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenStanding {
    /// When the token's session ends; `None` when it names none, or names one that was
    /// ended (logged out, or ended from the session list).
    pub session_ends: Option<DateTime<Utc>>,
    /// Whether the token was revoked on its own: how a token naming no session logs out. It
    /// matters for such tokens only (a session's tokens end with their session), so a store
    /// need not look for a token that names a session.
    pub revoked: bool,
}

/// What a genuine, unexpired token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClaims {
    /// The account it was issued to (`sub`).
    pub user: UserId,
    /// The session it belongs to (`sid`); `None` for a token the original issued, which
    /// names no session.
    pub session: Option<SessionId>,
    /// Its unique id (`jti`), by which this one token can be revoked.
    pub token_id: String,
    /// The account's token generation when it was issued (`gen`); logging out everywhere
    /// or changing the password moves the account to the next generation.
    pub generation: i64,
    /// When it stops being valid (`exp`).
    pub expires_at: DateTime<Utc>,
}

/// Issuing and checking access tokens. The time is passed in (from the service's
/// [`Clock`]), so expiry is testable.
///
/// ```
/// use chrono::{Duration, TimeZone as _, Utc};
/// use quill_domain::testing::{FakeTokenCodec, Harness};
/// use quill_domain::{SessionId, TokenCodec, TokenRejected};
///
/// let h = Harness::builder().user("alice", "alice@example.com", "password123").build();
/// let alice = h.user("alice");
/// let codec = FakeTokenCodec::new(Duration::minutes(30));
/// let now = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
/// let session = SessionId::new("session-1");
/// let token = codec.issue(&alice, &session, now)?;
/// assert_eq!(codec.verify(token.as_str(), now).map(|c| c.user), Ok(alice.id));
/// assert_eq!(
///     codec.verify(token.as_str(), now + Duration::minutes(30)),
///     Err(TokenRejected::Expired)
/// );
/// assert_eq!(codec.verify("forged", now), Err(TokenRejected::Invalid));
/// # Ok::<(), quill_domain::Unexpected>(())
/// ```
pub trait TokenCodec: Send + Sync {
    /// A fresh token for `user` (of its current token generation) in `session`, issued at
    /// `now`, expiring after [`TokenCodec::lifetime`], with an id of its own.
    ///
    /// # Errors
    /// [`Unexpected`] if encoding fails.
    fn issue(
        &self,
        user: &User,
        session: &SessionId,
        now: DateTime<Utc>,
    ) -> Result<AccessToken, Unexpected>;

    /// How long the tokens it issues are valid.
    fn lifetime(&self) -> chrono::Duration;

    /// What a token says, if it is genuine and unexpired at `now`.
    ///
    /// # Errors
    /// [`TokenRejected::Expired`] for a genuine token past its expiry,
    /// [`TokenRejected::Invalid`] for anything else.
    fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<TokenClaims, TokenRejected>;

    /// The public keys that verify this codec's tokens, for other services to check them
    /// without a shared secret. A codec signing with a shared secret publishes none: the
    /// secret mints tokens as well as checking them.
    fn published_keys(&self) -> Vec<PublishedKey> {
        Vec::new()
    }
}

/// A public key that verifies tokens, in the terms of a JSON Web Key (RFC 7517): what a
/// service needs to check a token offline, and nothing that could sign one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedKey {
    /// The key's id (`kid`), which a token's header names: its RFC 7638 thumbprint.
    pub key_id: String,
    /// The one algorithm this key verifies (`alg`: `EdDSA` or `ES256`).
    pub algorithm: &'static str,
    /// The key's material.
    pub material: PublicKeyMaterial,
}

/// A public key's coordinates, base64url without padding as JWKs carry them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKeyMaterial {
    /// An Ed25519 key (`kty: OKP`, `crv: Ed25519`).
    Ed25519 {
        /// The 32-byte public key.
        x: String,
    },
    /// A P-256 key (`kty: EC`, `crv: P-256`).
    P256 {
        /// The point's x coordinate.
        x: String,
        /// The point's y coordinate.
        y: String,
    },
}

/// The current time, injectable so expiry and timestamps are testable.
///
/// ```
/// use chrono::{DateTime, Utc};
/// use quill_domain::Clock;
///
/// /// A clock that is always one fixed instant.
/// struct Frozen(DateTime<Utc>);
///
/// impl Clock for Frozen {
///     fn now(&self) -> DateTime<Utc> {
///         self.0
///     }
/// }
///
/// let at = DateTime::<Utc>::UNIX_EPOCH;
/// assert_eq!(Frozen(at).now(), at);
/// ```
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;
}
