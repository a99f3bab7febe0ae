//! [`InMemoryStore`]: users, posts and token revocations in memory, with the database's
//! uniqueness, cascade and id rules.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::ports::{PostRepository, StoreError, UserRepository};
use crate::post::{NewPost, Page, Post, PostChanges, PostId, PostWithAuthor};
use crate::user::{Email, NewUser, PasswordHash, PublicUser, User, UserChanges, UserId, Username};

#[derive(Debug, Default)]
pub(super) struct StoreState {
    pub(super) users: BTreeMap<UserId, User>,
    revoked_tokens: BTreeMap<String, DateTime<Utc>>,
    posts: BTreeMap<PostId, Post>,
    last_user_id: i64,
    last_post_id: i64,
}

/// Users and posts in memory, with the same uniqueness rules, cascade and never-reused ids
/// as the real database. One store implements both [`UserRepository`] and
/// [`PostRepository`], so posts can see their authors.
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
            if username
                .is_some_and(|name| Username::key_of(&other.username) == Username::key_of(name))
            {
                return Some(StoreError::UsernameTaken);
            }
            if email.is_some_and(|email| other.email == email) {
                return Some(StoreError::EmailTaken);
            }
        }
        None
    }
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
        let wanted = Username::key_of(username);
        Ok(self
            .state()
            .users
            .values()
            .find(|u| Username::key_of(&u.username) == wanted)
            .map(|u| u.id))
    }

    async fn update(&self, id: UserId, changes: UserChanges) -> Result<Option<User>, StoreError> {
        let mut state = self.state();
        if let Some(clash) = Self::clash(
            &state,
            Some(id),
            changes.username.as_ref().map(Username::as_str),
            changes.email.as_ref().map(Email::as_str),
        ) {
            return Err(clash);
        }
        let Some(user) = state.users.get_mut(&id) else {
            return Ok(None);
        };
        if let Some(username) = changes.username {
            user.username = username.into_inner();
        }
        if let Some(email) = changes.email {
            user.email = email.into_inner();
        }
        if let Some(image_file) = changes.image_file {
            user.image_file = Some(image_file.as_str().to_owned());
        }
        Ok(Some(user.clone()))
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
        Ok(existed)
    }

    async fn change_password(&self, id: UserId, hash: PasswordHash) -> Result<bool, StoreError> {
        let mut state = self.state();
        let Some(user) = state.users.get_mut(&id) else {
            return Ok(false);
        };
        user.password_hash = hash;
        user.token_generation += 1;
        Ok(true)
    }

    async fn revoke_all_tokens(&self, id: UserId) -> Result<bool, StoreError> {
        let mut state = self.state();
        let Some(user) = state.users.get_mut(&id) else {
            return Ok(false);
        };
        user.token_generation += 1;
        Ok(true)
    }

    async fn revoke_token(
        &self,
        token_id: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.state()
            .revoked_tokens
            .insert(token_id.to_owned(), expires_at);
        Ok(())
    }

    async fn is_token_revoked(&self, token_id: &str) -> Result<bool, StoreError> {
        Ok(self.state().revoked_tokens.contains_key(token_id))
    }

    async fn purge_revoked_tokens(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut state = self.state();
        let before = state.revoked_tokens.len();
        state
            .revoked_tokens
            .retain(|_, expires_at| *expires_at > now);
        Ok((before - state.revoked_tokens.len()) as u64)
    }
}

#[async_trait]
impl PostRepository for InMemoryStore {
    async fn create(&self, post: NewPost) -> Result<Post, StoreError> {
        let mut state = self.state();
        if !state.users.contains_key(&post.user_id) {
            return Err(StoreError::AccountGone);
        }
        state.last_post_id += 1;
        let stored = Post {
            id: PostId(state.last_post_id),
            title: post.title.into_inner(),
            content: post.content.into_inner(),
            user_id: post.user_id,
            date_posted: post.date_posted,
        };
        state.posts.insert(stored.id, stored.clone());
        Ok(stored)
    }

    async fn by_id(&self, id: PostId) -> Result<Option<PostWithAuthor>, StoreError> {
        let state = self.state();
        Ok(state
            .posts
            .get(&id)
            .and_then(|post| with_author(&state, post)))
    }

    async fn list(
        &self,
        author: Option<UserId>,
        page: Page,
    ) -> Result<Vec<PostWithAuthor>, StoreError> {
        let state = self.state();
        let mut posts: Vec<&Post> = state
            .posts
            .values()
            .filter(|p| author.is_none_or(|a| p.user_id == a))
            .collect();
        posts.sort_by_key(|p| std::cmp::Reverse((p.date_posted, p.id)));
        let skip = usize::try_from(page.skip()).unwrap_or(usize::MAX);
        let limit = usize::try_from(page.limit()).unwrap_or(usize::MAX);
        Ok(posts
            .into_iter()
            .skip(skip)
            .take(limit)
            .filter_map(|p| with_author(&state, p))
            .collect())
    }

    async fn update(&self, id: PostId, changes: PostChanges) -> Result<Option<Post>, StoreError> {
        let mut state = self.state();
        let Some(post) = state.posts.get_mut(&id) else {
            return Ok(None);
        };
        if let Some(title) = changes.title {
            post.title = title.into_inner();
        }
        if let Some(content) = changes.content {
            post.content = content.into_inner();
        }
        Ok(Some(post.clone()))
    }

    async fn delete(&self, id: PostId) -> Result<bool, StoreError> {
        Ok(self.state().posts.remove(&id).is_some())
    }
}

fn with_author(state: &StoreState, post: &Post) -> Option<PostWithAuthor> {
    let author = state.users.get(&post.user_id)?;
    Some(PostWithAuthor {
        post: post.clone(),
        author: PublicUser::from(author),
    })
}
