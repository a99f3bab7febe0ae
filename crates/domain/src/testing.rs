//! In-memory fakes of every port and a [`Harness`] that wires them into the services, so
//! rules can be tested in microseconds with no database, no runtime and no real crypto.
//! Enabled by the `test-util` feature, for this crate's tests and for downstream crates.
//!
//! ```
//! use quill_domain::testing::Harness;
//! # futures_executor::block_on(async {
//! let h = Harness::new();
//! let alice = h.register("alice", "alice@example.com", "password123").await;
//! let token = h.auth.login("ALICE@example.com", &quill_domain::Password::attempt("password123")).await.unwrap();
//! assert_eq!(h.auth.authenticate(token.as_str()).await.unwrap().id, alice.id);
//! assert_eq!(h.hasher.verifications(), 1);
//! # });
//! ```

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Duration, TimeZone as _, Utc};

use crate::auth::{AuthService, Registration};
use crate::error::Unexpected;
use crate::ports::{
    AccessToken, Clock, PasswordHasher, PostRepository, StoreError, TokenCodec, TokenRejected,
    UserRepository, Verification,
};
use crate::post::{NewPost, Page, Post, PostChanges, PostId, PostWithAuthor};
use crate::posts::PostService;
use crate::user::{
    Email, NewUser, Password, PasswordHash, PublicUser, User, UserChanges, UserId, Username,
};

#[derive(Default)]
struct StoreState {
    users: BTreeMap<UserId, User>,
    posts: BTreeMap<PostId, Post>,
    last_user_id: i64,
    last_post_id: i64,
}

/// Users and posts in memory, with the same uniqueness rules, cascade and never-reused ids
/// as the real database.
#[derive(Default)]
pub struct InMemoryStore {
    state: Mutex<StoreState>,
}

impl InMemoryStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, StoreState> {
        // A test that panicked mid-operation must not hide the next test's result.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many posts are stored (to check cascades).
    #[must_use]
    pub fn post_count(&self) -> usize {
        self.state().posts.len()
    }

    fn clash(
        state: &StoreState,
        except: Option<UserId>,
        username: Option<&str>,
        email: Option<&str>,
    ) -> Option<StoreError> {
        let others = state.users.values().filter(|u| Some(u.id) != except);
        for other in others {
            if username.is_some_and(|name| other.username.to_lowercase() == name.to_lowercase()) {
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
        };
        state.users.insert(stored.id, stored.clone());
        Ok(stored)
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
        let wanted = username.to_lowercase();
        Ok(self
            .state()
            .users
            .values()
            .find(|u| u.username.to_lowercase() == wanted)
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

    async fn set_password_hash(&self, id: UserId, hash: PasswordHash) -> Result<(), StoreError> {
        if let Some(user) = self.state().users.get_mut(&id) {
            user.password_hash = hash;
        }
        Ok(())
    }

    async fn delete(&self, id: UserId) -> Result<bool, StoreError> {
        let mut state = self.state();
        let existed = state.users.remove(&id).is_some();
        state.posts.retain(|_, post| post.user_id != id);
        Ok(existed)
    }
}

#[async_trait]
impl PostRepository for InMemoryStore {
    async fn create(&self, post: NewPost) -> Result<Post, StoreError> {
        let mut state = self.state();
        if !state.users.contains_key(&post.user_id) {
            return Err(StoreError::Unexpected(Unexpected::new(
                "foreign key: no such author",
            )));
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

/// A hasher that does no cryptography and counts its calls. Hashes look like
/// `fake:v2:<password>`; a hash of another version (`fake:v1:...`) verifies but asks for a
/// rehash, like a real hash with outdated parameters.
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
        Ok(PasswordHash::new(format!(
            "{}{}",
            Self::CURRENT,
            password.expose()
        )))
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

/// A token codec without signatures: tokens read `fake:<user id>:<expiry, Unix seconds>`.
pub struct FakeTokenCodec {
    lifetime: Duration,
}

impl FakeTokenCodec {
    /// Tokens that live for `lifetime`.
    #[must_use]
    pub fn new(lifetime: Duration) -> Self {
        Self { lifetime }
    }
}

impl Default for FakeTokenCodec {
    fn default() -> Self {
        Self::new(Duration::minutes(30))
    }
}

impl TokenCodec for FakeTokenCodec {
    fn issue(&self, user: UserId, now: DateTime<Utc>) -> Result<AccessToken, Unexpected> {
        let expires = (now + self.lifetime).timestamp();
        Ok(AccessToken::new(format!("fake:{user}:{expires}")))
    }

    fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<UserId, TokenRejected> {
        let mut parts = token.strip_prefix("fake:").ok_or(TokenRejected)?.split(':');
        let user: i64 = parts
            .next()
            .and_then(|p| p.parse().ok())
            .ok_or(TokenRejected)?;
        let expires: i64 = parts
            .next()
            .and_then(|p| p.parse().ok())
            .ok_or(TokenRejected)?;
        if parts.next().is_some() || now.timestamp() >= expires {
            return Err(TokenRejected);
        }
        Ok(UserId(user))
    }
}

/// A clock that stands still until told to move.
pub struct FixedClock {
    now: Mutex<DateTime<Utc>>,
}

impl FixedClock {
    /// A clock reading `now`.
    #[must_use]
    pub fn at(now: DateTime<Utc>) -> Self {
        Self {
            now: Mutex::new(now),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
    }
}

impl Default for FixedClock {
    fn default() -> Self {
        Self::at(
            Utc.with_ymd_and_hms(2026, 11, 26, 18, 0, 0)
                .single()
                .unwrap_or_default(),
        )
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The services wired to fakes, with the fakes kept at hand for assertions.
pub struct Harness {
    /// Users and posts.
    pub store: Arc<InMemoryStore>,
    /// Counts hashes and verifications.
    pub hasher: Arc<FakeHasher>,
    /// Unsigned tokens, 30 minutes by default.
    pub tokens: Arc<FakeTokenCodec>,
    /// Stands still at 2026-11-26T18:00:00Z until advanced.
    pub clock: Arc<FixedClock>,
    /// The auth service over the fakes.
    pub auth: AuthService,
    /// The post service over the fakes.
    pub posts: PostService,
}

impl Default for Harness {
    fn default() -> Self {
        Self::new()
    }
}

impl Harness {
    /// Fresh fakes, empty store.
    #[must_use]
    pub fn new() -> Self {
        let store = Arc::new(InMemoryStore::new());
        let hasher = Arc::new(FakeHasher::new());
        let tokens = Arc::new(FakeTokenCodec::default());
        let clock = Arc::new(FixedClock::default());
        let auth = AuthService::new(store.clone(), hasher.clone(), tokens.clone(), clock.clone());
        let posts = PostService::new(store.clone(), store.clone(), clock.clone());
        Self {
            store,
            hasher,
            tokens,
            clock,
            auth,
            posts,
        }
    }

    /// Registers an account through the service and returns it as stored.
    ///
    /// # Panics
    /// If the inputs break a rule or the account clashes with an existing one: a harness
    /// set-up mistake, not an outcome under test.
    pub async fn register(&self, username: &str, email: &str, password: &str) -> User {
        let registration = Registration {
            username: Username::parse(username).unwrap_or_else(|e| panic!("harness: {e}")),
            email: Email::parse(email).unwrap_or_else(|e| panic!("harness: {e}")),
            password: Password::parse(password).unwrap_or_else(|e| panic!("harness: {e}")),
        };
        let created = self
            .auth
            .register(registration)
            .await
            .unwrap_or_else(|e| panic!("harness: registering {username}: {e}"));
        UserRepository::by_id(&*self.store, created.public.id)
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("harness: {username} vanished after registering"))
    }

    /// A valid token for `user`, issued now.
    ///
    /// # Panics
    /// Never with the fake codec.
    #[must_use]
    pub fn token_for(&self, user: &User) -> AccessToken {
        self.tokens
            .issue(user.id, self.clock.now())
            .unwrap_or_else(|e| panic!("harness: {e}"))
    }
}
