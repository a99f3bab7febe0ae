//! In-memory fakes of every port and a [`Harness`] that wires them into the services, so
//! rules, and code built on [`AuthService`], can be tested in microseconds with no database,
//! no runtime and no real crypto. Enabled by the `test-util` feature, for this crate's tests
//! and for downstream crates:
//!
//! ```toml
//! [dev-dependencies]
//! quill-domain = { version = "0.1", features = ["test-util"] }
//! ```
//!
//! | port | fake | what it does instead |
//! | --- | --- | --- |
//! | [`UserRepository`], [`PostRepository`] | [`InMemoryStore`] | maps behind a mutex, with the database's uniqueness, cascade and id rules |
//! | [`PasswordHasher`] | [`FakeHasher`] | readable `fake:v2:<password>` "hashes", counted |
//! | [`TokenCodec`] | [`FakeTokenCodec`] | unsigned `fake:<id>:<expiry>` tokens that still expire |
//! | [`Clock`] | [`FixedClock`] | stands still until advanced |
//!
//! [`Harness::builder`] sets up accounts with known passwords, the clock and the token
//! lifetime in one expression; the fakes stay reachable as fields for assertions:
//!
//! ```
//! use chrono::{Duration, TimeZone as _, Utc};
//! use quill_domain::testing::Harness;
//! use quill_domain::{AuthError, Password};
//! # futures_executor::block_on(async {
//! let h = Harness::builder()
//!     .user("alice", "alice@example.com", "password123")
//!     .clock_at(Utc.with_ymd_and_hms(2030, 1, 1, 12, 0, 0).unwrap())
//!     .token_lifetime(Duration::minutes(5))
//!     .build();
//!
//! let token = h
//!     .auth
//!     .login("ALICE@example.com", &Password::attempt("password123"))
//!     .await?;
//! assert_eq!(h.auth.authenticate(token.as_str()).await?.id, h.user("alice").id);
//! assert_eq!(h.hasher.verifications(), 1);
//!
//! h.clock.advance(Duration::minutes(5));
//! assert!(matches!(
//!     h.auth.authenticate(token.as_str()).await,
//!     Err(AuthError::InvalidToken)
//! ));
//! # Ok::<(), AuthError>(())
//! # }).unwrap();
//! ```

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Duration, TimeZone as _, Utc};

use crate::auth::{AuthService, Registration};
use crate::error::Unexpected;
use crate::ports::{
    AccessToken, Clock, PasswordHasher, PostRepository, StoreError, TokenClaims, TokenCodec,
    TokenRejected, UserRepository, Verification,
};
use crate::post::{NewPost, Page, Post, PostChanges, PostId, PostWithAuthor};
use crate::posts::PostService;
use crate::user::{
    Email, NewUser, Password, PasswordHash, PublicUser, User, UserChanges, UserId, Username,
};

#[derive(Default)]
struct StoreState {
    users: BTreeMap<UserId, User>,
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

    /// Stores an account at once, with the same checks as [`UserRepository::create`]; no
    /// `.await` needed, which is what lets [`HarnessBuilder::build`] stay synchronous.
    fn insert_user(&self, user: NewUser) -> Result<User, StoreError> {
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
///
/// ```
/// use quill_domain::testing::FakeHasher;
/// use quill_domain::{Password, PasswordHash, PasswordHasher, Verification};
///
/// let hasher = FakeHasher::new();
/// let outdated = PasswordHash::new("fake:v1:password123");
/// let verdict = futures_executor::block_on(
///     hasher.verify(&Password::attempt("password123"), &outdated),
/// );
/// assert_eq!(verdict.unwrap(), Verification::MatchNeedsRehash);
/// assert_eq!(hasher.verifications(), 1);
/// ```
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

/// A token codec without signatures: tokens read
/// `fake:<user id>:<generation>:<expiry, Unix seconds>:<token id>`. They expire like real
/// ones and each has its own id, so expiry and revocation rules are testable; see
/// [`TokenCodec`] for an example.
pub struct FakeTokenCodec {
    lifetime: Duration,
    issued: AtomicUsize,
}

impl FakeTokenCodec {
    /// Tokens that live for `lifetime`.
    #[must_use]
    pub fn new(lifetime: Duration) -> Self {
        Self {
            lifetime,
            issued: AtomicUsize::new(0),
        }
    }
}

impl FakeTokenCodec {
    /// How long the tokens it issues live.
    #[must_use]
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }
}

impl Default for FakeTokenCodec {
    fn default() -> Self {
        Self::new(Duration::minutes(30))
    }
}

impl TokenCodec for FakeTokenCodec {
    fn issue(&self, user: &User, now: DateTime<Utc>) -> Result<AccessToken, Unexpected> {
        let expires = (now + self.lifetime).timestamp();
        let serial = self.issued.fetch_add(1, Ordering::SeqCst);
        Ok(AccessToken::new(format!(
            "fake:{}:{}:{expires}:t{serial}",
            user.id, user.token_generation
        )))
    }

    fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<TokenClaims, TokenRejected> {
        let parts: Vec<&str> = token
            .strip_prefix("fake:")
            .ok_or(TokenRejected)?
            .split(':')
            .collect();
        let [user, generation, expires, token_id] = parts.as_slice() else {
            return Err(TokenRejected);
        };
        let number = |text: &str| text.parse::<i64>().map_err(|_| TokenRejected);
        let expires_at = DateTime::from_timestamp(number(expires)?, 0).ok_or(TokenRejected)?;
        if now >= expires_at {
            return Err(TokenRejected);
        }
        Ok(TokenClaims {
            user: UserId(number(user)?),
            token_id: (*token_id).to_owned(),
            generation: number(generation)?,
            expires_at,
        })
    }
}

/// A clock that stands still until told to move.
///
/// ```
/// use chrono::{Duration, TimeZone as _, Utc};
/// use quill_domain::Clock as _;
/// use quill_domain::testing::FixedClock;
///
/// let start = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
/// let clock = FixedClock::at(start);
/// clock.advance(Duration::minutes(31));
/// assert_eq!(clock.now(), start + Duration::minutes(31));
/// ```
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
///
/// [`Harness::new`] gives empty fakes; [`Harness::builder`] also plants accounts with known
/// passwords, sets the clock and the token lifetime. Either way the fields are the very
/// objects the services use, so a test can advance [`clock`](Harness::clock), count
/// [`hasher`](Harness::hasher) calls or look into [`store`](Harness::store).
///
/// Downstream code that takes an [`AuthService`] (an HTTP extractor, a job that checks
/// tokens) gets [`auth`](Harness::auth), a clone of which is as good as the real thing:
///
/// ```
/// use quill_domain::AuthService;
/// use quill_domain::testing::Harness;
///
/// /// Code under test: it only knows the service.
/// async fn whose_token(auth: &AuthService, token: &str) -> Option<String> {
///     auth.authenticate(token).await.ok().map(|user| user.username)
/// }
///
/// let h = Harness::builder()
///     .user("alice", "alice@example.com", "password123")
///     .build();
/// let token = h.token_for(&h.user("alice"));
/// futures_executor::block_on(async {
///     assert_eq!(whose_token(&h.auth, token.as_str()).await.as_deref(), Some("alice"));
///     assert_eq!(whose_token(&h.auth, "forged").await, None);
/// });
/// ```
pub struct Harness {
    /// Users and posts.
    pub store: Arc<InMemoryStore>,
    /// Counts hashes and verifications.
    pub hasher: Arc<FakeHasher>,
    /// Unsigned tokens, 30 minutes by default.
    pub tokens: Arc<FakeTokenCodec>,
    /// Stands still at 2026-11-26T18:00:00Z (by default) until advanced.
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
    /// Fresh fakes, empty store, the clock at 2026-11-26T18:00:00Z, 30-minute tokens.
    #[must_use]
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// Starts describing a harness: see [`HarnessBuilder`].
    pub fn builder() -> HarnessBuilder {
        HarnessBuilder::default()
    }

    /// Registers an account through the service and returns it as stored. Unlike accounts
    /// planted by [`HarnessBuilder::user`], this counts one hash.
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

    /// The stored account whose username is `username` (ignoring case), as it is now.
    ///
    /// # Panics
    /// If there is none: the test asked for an account it never set up (or deleted).
    #[must_use]
    pub fn user(&self, username: &str) -> User {
        let wanted = username.to_lowercase();
        self.store
            .state()
            .users
            .values()
            .find(|u| u.username.to_lowercase() == wanted)
            .cloned()
            .unwrap_or_else(|| panic!("harness: no account named {username}"))
    }

    /// A valid token for `user`, issued now.
    ///
    /// # Panics
    /// Never with the fake codec.
    #[must_use]
    pub fn token_for(&self, user: &User) -> AccessToken {
        self.tokens
            .issue(user, self.clock.now())
            .unwrap_or_else(|e| panic!("harness: {e}"))
    }
}

/// An account to plant, in the words a test wrote it.
struct Seed {
    username: String,
    email: String,
    password: String,
}

/// Describes a [`Harness`]: the accounts that already exist (with passwords the test knows),
/// the instant the clock stands at, and how long tokens live. Made by [`Harness::builder`].
///
/// Planted accounts pass the same parsing and uniqueness rules as a registration (the email
/// is lower-cased, a duplicate is refused) but are stored directly rather than through the
/// service, so [`FakeHasher`]'s counters start at zero and count only the test's own calls.
///
/// ```
/// use chrono::{Duration, TimeZone as _, Utc};
/// use quill_domain::testing::Harness;
/// use quill_domain::Clock as _;
///
/// let noon = Utc.with_ymd_and_hms(2030, 1, 1, 12, 0, 0).unwrap();
/// let h = Harness::builder()
///     .user("alice", "Alice@Example.com", "password123")
///     .user("bob", "bob@example.com", "hunter2hunter2")
///     .clock_at(noon)
///     .token_lifetime(Duration::hours(1))
///     .build();
/// assert_eq!(h.user("alice").email, "alice@example.com");
/// assert_ne!(h.user("alice").id, h.user("bob").id);
/// assert_eq!(h.clock.now(), noon);
/// assert_eq!(h.tokens.lifetime(), Duration::hours(1));
/// assert_eq!(h.hasher.hashes(), 0);
/// ```
#[must_use]
pub struct HarnessBuilder {
    seeds: Vec<Seed>,
    now: Option<DateTime<Utc>>,
    token_lifetime: Duration,
}

impl Default for HarnessBuilder {
    fn default() -> Self {
        Self {
            seeds: Vec::new(),
            now: None,
            token_lifetime: FakeTokenCodec::default().lifetime(),
        }
    }
}

impl HarnessBuilder {
    /// An account that exists from the start, with this username, email and password. Log
    /// in as it with the password, or skip the login with [`Harness::token_for`].
    pub fn user(mut self, username: &str, email: &str, password: &str) -> Self {
        self.seeds.push(Seed {
            username: username.to_owned(),
            email: email.to_owned(),
            password: password.to_owned(),
        });
        self
    }

    /// Where the clock stands (2026-11-26T18:00:00Z if not set).
    pub fn clock_at(mut self, now: DateTime<Utc>) -> Self {
        self.now = Some(now);
        self
    }

    /// How long issued tokens live (30 minutes if not set).
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// The harness, with the planted accounts stored in the order they were given (so the
    /// first gets id 1).
    ///
    /// # Panics
    /// If a planted account breaks a rule (a 7-character password, a malformed email) or
    /// clashes with an earlier one: a set-up mistake, not an outcome under test.
    #[must_use]
    pub fn build(self) -> Harness {
        let store = Arc::new(InMemoryStore::new());
        for seed in self.seeds {
            let parsed = NewUser {
                username: Username::parse(seed.username.as_str())
                    .unwrap_or_else(|e| panic!("harness: {e}")),
                email: Email::parse(&seed.email).unwrap_or_else(|e| panic!("harness: {e}")),
                password_hash: FakeHasher::hash_uncounted(
                    &Password::parse(seed.password).unwrap_or_else(|e| panic!("harness: {e}")),
                ),
            };
            store
                .insert_user(parsed)
                .unwrap_or_else(|e| panic!("harness: planting {}: {e}", seed.username));
        }
        let hasher = Arc::new(FakeHasher::new());
        let tokens = Arc::new(FakeTokenCodec::new(self.token_lifetime));
        let clock = Arc::new(self.now.map_or_else(FixedClock::default, FixedClock::at));
        let auth = AuthService::new(store.clone(), hasher.clone(), tokens.clone(), clock.clone());
        let posts = PostService::new(store.clone(), store.clone(), clock.clone());
        Harness {
            store,
            hasher,
            tokens,
            clock,
            auth,
            posts,
        }
    }
}

#[cfg(test)]
mod tests {
    use futures_executor::block_on;

    use super::*;
    use crate::AuthError;

    #[test]
    fn a_harness_from_new_is_the_same_as_an_empty_builder() {
        let h = Harness::new();
        assert_eq!(h.clock.now(), FixedClock::default().now());
        assert_eq!(h.tokens.lifetime(), Duration::minutes(30));
        assert!(
            block_on(h.store.by_email("alice@example.com"))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn planted_accounts_log_in_with_their_password_and_only_with_it() {
        let h = Harness::builder()
            .user("alice", "alice@example.com", "password123")
            .build();
        block_on(async {
            assert!(
                h.auth
                    .login("alice@example.com", &Password::attempt("password123"))
                    .await
                    .is_ok()
            );
            assert!(matches!(
                h.auth
                    .login("alice@example.com", &Password::attempt("password124"))
                    .await,
                Err(AuthError::InvalidCredentials)
            ));
        });
        assert_eq!(h.hasher.hashes(), 0);
        assert_eq!(h.hasher.verifications(), 2);
    }

    #[test]
    fn planted_accounts_get_ids_in_the_order_given() {
        let h = Harness::builder()
            .user("alice", "alice@example.com", "password123")
            .user("bob", "bob@example.com", "password123")
            .build();
        assert_eq!(h.user("alice").id, UserId(1));
        assert_eq!(h.user("BOB").id, UserId(2));
    }

    #[test]
    #[should_panic(expected = "harness: planting ALICE: username already taken")]
    fn planting_two_accounts_with_one_username_is_a_set_up_mistake() {
        let _ = Harness::builder()
            .user("alice", "alice@example.com", "password123")
            .user("ALICE", "other@example.com", "password123")
            .build();
    }

    #[test]
    #[should_panic(expected = "harness: password")]
    fn planting_an_account_with_a_too_short_password_is_a_set_up_mistake() {
        let _ = Harness::builder()
            .user("alice", "alice@example.com", "short")
            .build();
    }

    #[test]
    fn tokens_expire_after_the_chosen_lifetime_on_the_fixed_clock() {
        let h = Harness::builder()
            .user("alice", "alice@example.com", "password123")
            .token_lifetime(Duration::seconds(10))
            .build();
        let token = h.token_for(&h.user("alice"));
        block_on(async {
            h.clock.advance(Duration::seconds(9));
            assert!(h.auth.authenticate(token.as_str()).await.is_ok());
            h.clock.advance(Duration::seconds(1));
            assert!(matches!(
                h.auth.authenticate(token.as_str()).await,
                Err(AuthError::InvalidToken)
            ));
        });
    }
}
