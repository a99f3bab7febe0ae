//! [`InMemoryStore`]: users, posts, token revocations, sessions and reset tokens in memory,
//! with the database's uniqueness, cascade and id rules.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::mail::InMemoryOutbox;
use crate::content_tag::PostVersion;
use crate::mail::Mail;
use crate::picture::PictureSwap;
use crate::ports::{PostRepository, StoreError, TokenStanding, UserRepository};
use crate::post::{NewPost, Page, Post, PostChanges, PostId, PostWithAuthor};
use crate::recovery::{MailedResets, RecoveryStore, ResetDigest, ResetIssue, ResetMailPace};
use crate::sessions::{
    HeldRefresh, NewSession, RefreshDigest, SessionId, SessionInfo, SessionStore,
};
use crate::user::{Email, NewUser, PasswordHash, PublicUser, User, UserChanges, UserId, Username};

#[derive(Debug, Clone)]
struct StoredSession {
    user: UserId,
    info: SessionInfo,
    expires_at: DateTime<Utc>,
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
    last_user_id: i64,
    last_post_id: i64,
}

/// Users and posts in memory, with the same uniqueness rules, cascade and never-reused ids
/// as the real database. One store implements [`UserRepository`], [`PostRepository`] and
/// [`RecoveryStore`], so posts can see their authors and a reset changes the password it
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
        state.end_sessions(id, None);
        Ok(existed)
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

    async fn by_id_with_token_standing(
        &self,
        id: UserId,
        session: Option<&SessionId>,
        token_id: &str,
    ) -> Result<Option<(User, TokenStanding)>, StoreError> {
        let state = self.state();
        let Some(user) = state.users.get(&id) else {
            return Ok(None);
        };
        let session_ends = session
            .and_then(|sid| state.sessions.get(sid.as_str()))
            .filter(|stored| stored.user == id)
            .map(|stored| stored.expires_at);
        let standing = TokenStanding {
            session_ends,
            revoked: state.revoked_tokens.contains_key(token_id),
        };
        Ok(Some((user.clone(), standing)))
    }

    async fn swap_image_file(
        &self,
        id: UserId,
        expected: Option<&str>,
        new: Option<&str>,
    ) -> Result<PictureSwap, StoreError> {
        let mut state = self.state();
        let Some(user) = state.users.get_mut(&id) else {
            return Ok(PictureSwap::Gone);
        };
        if user.image_file.as_deref() != expected {
            return Ok(PictureSwap::Changed);
        }
        user.image_file = new.map(str::to_owned);
        user.profile_revision += 1;
        Ok(PictureSwap::Swapped)
    }

    async fn image_file_in_use(&self, name: &str) -> Result<bool, StoreError> {
        Ok(self
            .state()
            .users
            .values()
            .any(|u| u.image_file.as_deref() == Some(name)))
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
            revision: 0,
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

    async fn list_versions(
        &self,
        author: Option<UserId>,
        page: Page,
    ) -> Result<Vec<PostVersion>, StoreError> {
        Ok(self
            .list(author, page)
            .await?
            .iter()
            .map(PostWithAuthor::version)
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
        post.revision += 1;
        Ok(Some(post.clone()))
    }

    async fn delete(&self, id: PostId) -> Result<bool, StoreError> {
        Ok(self.state().posts.remove(&id).is_some())
    }
}

#[async_trait]
impl RecoveryStore for InMemoryStore {
    async fn issue_reset(
        &self,
        user: UserId,
        digest: ResetDigest,
        expires_at: DateTime<Utc>,
        mail: Mail,
        pace: ResetMailPace,
    ) -> Result<ResetIssue, StoreError> {
        let mut state = self.state();
        if !state.users.contains_key(&user) {
            return Ok(ResetIssue::NoAccount);
        }
        let mailed = state.reset_mails.get(&user).copied();
        let Some(next) = pace.next(mailed, expires_at) else {
            return Ok(ResetIssue::Paced);
        };
        state.reset_mails.insert(user, next);
        state.resets.retain(|_, (holder, _)| *holder != user);
        state.resets.insert(digest.0, (user, expires_at));
        self.outbox.push(mail, pace.now);
        Ok(ResetIssue::Issued)
    }

    async fn reset_holder(
        &self,
        digest: ResetDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, StoreError> {
        let state = self.state();
        Ok(match state.resets.get(&digest.0) {
            Some((holder, expires_at)) if *expires_at > now => state.users.get(holder).cloned(),
            _ => None,
        })
    }

    async fn complete_reset(
        &self,
        digest: ResetDigest,
        now: DateTime<Utc>,
        hash: PasswordHash,
        notice: Mail,
    ) -> Result<Option<UserId>, StoreError> {
        let mut state = self.state();
        let holder = match state.resets.remove(&digest.0) {
            Some((holder, expires_at)) if expires_at > now => holder,
            _ => return Ok(None),
        };
        state.resets.retain(|_, (other, _)| *other != holder);
        state.links_spent(holder);
        let Some(user) = state.users.get_mut(&holder) else {
            return Ok(None);
        };
        user.password_hash = hash;
        user.token_generation += 1;
        state.end_sessions(holder, None);
        self.outbox.push(notice, now);
        Ok(Some(holder))
    }

    async fn change_password(
        &self,
        id: UserId,
        hash: PasswordHash,
        keep: Option<&SessionId>,
        notice: Mail,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut state = self.state();
        let Some(user) = state.users.get_mut(&id) else {
            return Ok(false);
        };
        user.password_hash = hash;
        user.token_generation += 1;
        state.resets.retain(|_, (holder, _)| *holder != id);
        state.links_spent(id);
        state.end_sessions(id, keep);
        self.outbox.push(notice, now);
        Ok(true)
    }

    async fn purge_expired_resets(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut state = self.state();
        let before = state.resets.len();
        state.resets.retain(|_, (_, expires_at)| *expires_at > now);
        let day_over_at = now - chrono::Duration::days(1);
        state
            .reset_mails
            .retain(|_, m| m.day_started > day_over_at || m.link_expires > now);
        Ok((before - state.resets.len()) as u64)
    }
}

impl InMemoryStore {
    /// Stores a session directly, as [`SessionStore::start`] would.
    ///
    /// # Panics
    /// If its account is not stored: a harness set-up mistake.
    pub(super) fn plant_session(&self, session: NewSession) {
        let user = session.user;
        self.state()
            .start_session(session)
            .unwrap_or_else(|e| panic!("harness: planting a session of {user}: {e}"));
    }
}

impl StoreState {
    fn start_session(&mut self, session: NewSession) -> Result<(), StoreError> {
        if !self.users.contains_key(&session.user) {
            return Err(StoreError::AccountGone);
        }
        if let Some(refresh) = session.refresh {
            self.refresh_tokens
                .insert(refresh.0, (session.id.clone(), None));
        }
        self.sessions.insert(
            session.id.as_str().to_owned(),
            StoredSession {
                user: session.user,
                info: SessionInfo {
                    id: session.id,
                    created_at: session.started_at,
                    last_used_at: session.started_at,
                    user_agent: session.user_agent,
                },
                expires_at: session.expires_at,
            },
        );
        Ok(())
    }

    /// Ends `user`'s sessions but `keep`, with their refresh tokens; returns how many.
    fn end_sessions(&mut self, user: UserId, keep: Option<&SessionId>) -> u64 {
        let before = self.sessions.len();
        self.sessions
            .retain(|id, s| s.user != user || keep.is_some_and(|k| k.as_str() == id));
        self.drop_orphan_refresh_tokens();
        (before - self.sessions.len()) as u64
    }

    /// What the database's cascade does: refresh tokens go with their session.
    fn drop_orphan_refresh_tokens(&mut self) {
        let sessions = &self.sessions;
        self.refresh_tokens
            .retain(|_, (session, _)| sessions.contains_key(session.as_str()));
    }
}

#[async_trait]
impl SessionStore for InMemoryStore {
    async fn start(&self, session: NewSession) -> Result<(), StoreError> {
        self.state().start_session(session)
    }

    async fn sessions_of(
        &self,
        user: UserId,
        now: DateTime<Utc>,
    ) -> Result<Vec<SessionInfo>, StoreError> {
        let mut live: Vec<SessionInfo> = self
            .state()
            .sessions
            .values()
            .filter(|s| s.user == user && s.expires_at > now)
            .map(|s| s.info.clone())
            .collect();
        live.sort_by(|a, b| {
            (b.last_used_at, b.created_at, b.id.as_str()).cmp(&(
                a.last_used_at,
                a.created_at,
                a.id.as_str(),
            ))
        });
        Ok(live)
    }

    async fn end(&self, user: UserId, id: &SessionId) -> Result<bool, StoreError> {
        let mut state = self.state();
        if state
            .sessions
            .get(id.as_str())
            .is_none_or(|s| s.user != user)
        {
            return Ok(false);
        }
        state.sessions.remove(id.as_str());
        state.drop_orphan_refresh_tokens();
        Ok(true)
    }

    async fn end_all_and_revoke_tokens(&self, user: UserId) -> Result<bool, StoreError> {
        let mut state = self.state();
        let Some(account) = state.users.get_mut(&user) else {
            return Ok(false);
        };
        account.token_generation += 1;
        state.end_sessions(user, None);
        Ok(true)
    }

    async fn refresh_holder(
        &self,
        token: &RefreshDigest,
    ) -> Result<Option<HeldRefresh>, StoreError> {
        let state = self.state();
        let Some((session, retired_at)) = state.refresh_tokens.get(&token.0) else {
            return Ok(None);
        };
        Ok(state.sessions.get(session.as_str()).map(|s| HeldRefresh {
            session: session.clone(),
            user: s.user,
            session_expires_at: s.expires_at,
            retired_at: *retired_at,
        }))
    }

    async fn rotate(
        &self,
        presented: &RefreshDigest,
        successor: &RefreshDigest,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut state = self.state();
        let session = match state.refresh_tokens.get_mut(&presented.0) {
            Some((session, retired_at @ None)) => {
                *retired_at = Some(now);
                session.clone()
            }
            _ => return Ok(false),
        };
        state
            .refresh_tokens
            .insert(successor.0, (session.clone(), None));
        if let Some(stored) = state.sessions.get_mut(session.as_str()) {
            stored.info.last_used_at = now;
        }
        Ok(true)
    }

    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut state = self.state();
        let before = state.sessions.len();
        state.sessions.retain(|_, s| s.expires_at > now);
        state.drop_orphan_refresh_tokens();
        Ok((before - state.sessions.len()) as u64)
    }
}

fn with_author(state: &StoreState, post: &Post) -> Option<PostWithAuthor> {
    let author = state.users.get(&post.user_id)?;
    Some(PostWithAuthor {
        post: post.clone(),
        author: PublicUser::from(author),
    })
}
