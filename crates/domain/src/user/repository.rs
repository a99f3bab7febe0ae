//! [`UserRepository`]: the storage of accounts, the port every capability that reads or
//! changes an account works through.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{NewUser, PasswordHash, User, UserChanges, UserId};
use crate::error::StoreError;
use crate::mail::Mail;

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
///         password_hash: FakeHasher::hash_uncounted(&Password::parse("quiet-harbour-lamp")?),
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
}
