//! [`InMemoryStore`]: users, posts, token revocations, sessions and reset tokens in memory,
//! with the database's uniqueness, cascade and id rules.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

mod posts;
mod recovery;
mod sessions;
mod verification;

use super::mail::InMemoryOutbox;
use crate::mail::Mail;
use crate::user::{Email, NewUser, PasswordHash, User, UserChanges, UserId, Username};
use crate::{MailedResets, Post, PostId, SessionId, SessionInfo, StoreError, UserRepository};

#[derive(Debug, Clone)]
struct StoredSession {
    user: UserId,
    info: SessionInfo,
    expires_at: DateTime<Utc>,
    authenticated_at: DateTime<Utc>,
}

#[derive(Debug, Default)]
pub(super) struct StoreState {
    pub(super) users: BTreeMap<UserId, User>,
    revoked_tokens: BTreeMap<String, DateTime<Utc>>,
    posts: BTreeMap<PostId, Post>,
    /// Reset tokens by digest: the holder and the expiry.
    resets: BTreeMap<[u8; 32], (UserId, DateTime<Utc>)>,
    /// What has been mailed of reset links, per account, as the pace counts it.
    reset_mails: BTreeMap<UserId, MailedResets>,
    sessions: BTreeMap<String, StoredSession>,
    /// Refresh tokens by digest: their session and when they were rotated.
    refresh_tokens: BTreeMap<[u8; 32], (SessionId, Option<DateTime<Utc>>)>,
    /// Email-verification tokens by digest: the holder, the email it verifies and the
    /// expiry.
    verifications: BTreeMap<[u8; 32], (UserId, String, DateTime<Utc>)>,
    /// When each account's current email was verified.
    verified: BTreeMap<UserId, DateTime<Utc>>,
    last_user_id: i64,
    last_post_id: i64,
}

/// Users and posts in memory, with the same uniqueness rules, cascade and never-reused ids
/// as the real database. One store implements [`UserRepository`], [`PostRepository`](crate::PostRepository) and
/// [`RecoveryStore`](crate::RecoveryStore), so posts can see their authors and a reset changes the password it
/// consumes a token for; the mail that goes with a change lands in its [`outbox`]
/// (`InMemoryStore::outbox`) under the same lock.
///
/// [`outbox`]: InMemoryStore::outbox
///
/// ```
/// use std::sync::Arc;
///
/// use quill_domain::testing::{FixedClock, InMemoryStore};
/// use quill_domain::PostService;
///
/// let store = Arc::new(InMemoryStore::new());
/// let posts = PostService::new(store.clone(), store.clone(), Arc::new(FixedClock::default()));
/// # let _ = posts;
/// assert_eq!(store.post_count(), 0);
/// ```
#[derive(Debug, Default)]
pub struct InMemoryStore {
    state: Mutex<StoreState>,
    outbox: Arc<InMemoryOutbox>,
}

impl StoreState {
    /// The account's mailed links no longer work: they stop answering reset requests.
    fn links_spent(&mut self, user: UserId) {
        if let Some(mailed) = self.reset_mails.get_mut(&user) {
            mailed.link_expires = DateTime::<Utc>::MIN_UTC;
        }
    }
}

impl InMemoryStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    pub(super) fn state(&self) -> MutexGuard<'_, StoreState> {
        // A test that panicked mid-operation must not hide the next test's result.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The outbox this store's changes queue their mail in.
    #[must_use]
    pub fn outbox(&self) -> Arc<InMemoryOutbox> {
        self.outbox.clone()
    }

    /// How many reset tokens are stored (live or expired).
    #[must_use]
    pub fn reset_count(&self) -> usize {
        self.state().resets.len()
    }

    /// How many email-verification tokens are stored (live or expired).
    #[must_use]
    pub fn verification_count(&self) -> usize {
        self.state().verifications.len()
    }

    /// How many sessions are stored (live or expired).
    #[must_use]
    pub fn session_count(&self) -> usize {
        self.state().sessions.len()
    }

    /// How many posts are stored (to check cascades).
    #[must_use]
    pub fn post_count(&self) -> usize {
        self.state().posts.len()
    }

    /// Stores an account at once, with the same checks as [`UserRepository::create`]; no
    /// `.await` needed, which is what lets [`HarnessBuilder::build`] stay synchronous.
    pub(super) fn insert_user(&self, user: NewUser) -> Result<User, StoreError> {
        let mut state = self.state();
        if let Some(clash) = Self::clash(
            &state,
            None,
            Some(user.username.as_str()),
            Some(user.email.as_str()),
        ) {
            return Err(clash);
        }
        state.last_user_id += 1;
        let stored = User {
            id: UserId(state.last_user_id),
            username: user.username.into_inner(),
            email: user.email.into_inner(),
            password_hash: user.password_hash,
            image_file: None,
            token_generation: 0,
            profile_revision: 0,
        };
        state.users.insert(stored.id, stored.clone());
        Ok(stored)
    }

    fn clash(
        state: &StoreState,
        except: Option<UserId>,
        username: Option<&str>,
        email: Option<&str>,
    ) -> Option<StoreError> {
        let others = state.users.values().filter(|u| Some(u.id) != except);
        for other in others {
            if username.is_some_and(|name| same_name(&other.username, name)) {
                return Some(StoreError::UsernameTaken);
            }
            if email.is_some_and(|email| other.email == email) {
                return Some(StoreError::EmailTaken);
            }
        }
        None
    }
}

/// Whether two names are one by the database's two unique keys: the case-folded form and
/// the lookalike skeleton.
fn same_name(a: &str, b: &str) -> bool {
    Username::key_of(a) == Username::key_of(b)
        || Username::skeleton_of(a) == Username::skeleton_of(b)
}
#[async_trait]
impl UserRepository for InMemoryStore {
    async fn create(&self, user: NewUser) -> Result<User, StoreError> {
        self.insert_user(user)
    }

    async fn by_id(&self, id: UserId) -> Result<Option<User>, StoreError> {
        Ok(self.state().users.get(&id).cloned())
    }

    async fn by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        Ok(self
            .state()
            .users
            .values()
            .find(|u| u.email == email)
            .cloned())
    }

    async fn id_by_username(&self, username: &str) -> Result<Option<UserId>, StoreError> {
        Ok(self
            .state()
            .users
            .values()
            .find(|u| same_name(&u.username, username))
            .map(|u| u.id))
    }

    async fn update(
        &self,
        id: UserId,
        changes: UserChanges,
        notice: Option<Mail>,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, StoreError> {
        let mut state = self.state();
        if let Some(clash) = Self::clash(
            &state,
            Some(id),
            changes.username.as_ref().map(Username::as_str),
            changes.email.as_ref().map(Email::as_str),
        ) {
            return Err(clash);
        }
        // Borrowed through the guard once, so the account and its verification can be
        // changed together.
        let state = &mut *state;
        let Some(user) = state.users.get_mut(&id) else {
            return Ok(None);
        };
        if changes.username.is_some() || changes.email.is_some() || changes.image_file.is_some() {
            user.profile_revision += 1;
        }
        if let Some(username) = changes.username {
            user.username = username.into_inner();
        }
        if let Some(email) = changes.email {
            // A new address is unverified until its own link is used.
            if user.email != email.as_str() {
                state.verified.remove(&id);
            }
            user.email = email.into_inner();
        }
        if let Some(image_file) = changes.image_file {
            user.image_file = Some(image_file.as_str().to_owned());
        }
        let updated = user.clone();
        // Queued under the same lock, as the database queues it in the same transaction.
        if let Some(notice) = notice {
            self.outbox.push(notice, now);
        }
        Ok(Some(updated))
    }

    async fn replace_password_hash(
        &self,
        id: UserId,
        expected: &PasswordHash,
        fresh: PasswordHash,
    ) -> Result<bool, StoreError> {
        let mut state = self.state();
        match state.users.get_mut(&id) {
            Some(user) if user.password_hash == *expected => {
                user.password_hash = fresh;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn delete(&self, id: UserId) -> Result<bool, StoreError> {
        let mut state = self.state();
        let existed = state.users.remove(&id).is_some();
        state.posts.retain(|_, post| post.user_id != id);
        state.resets.retain(|_, (holder, _)| *holder != id);
        state
            .verifications
            .retain(|_, (holder, _, _)| *holder != id);
        state.verified.remove(&id);
        state.end_sessions(id, None);
        Ok(existed)
    }
}
