//! [`Harness`]: the services wired to fakes, and [`HarnessBuilder`] to describe one.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::{
    FakeHasher, FakePictureProcessor, FakeResetSecrets, FakeSessionSecrets, FakeTokenCodec,
    FakeVerificationSecrets, FixedClock, InMemoryOutbox, InMemoryPictureStore, InMemoryStore,
    QueuedResetRequests, RecordedEvents,
};
use crate::PostService;
use crate::auth::{Auth, AuthPolicy, AuthPorts, Caller, Letters, Registration};
use crate::client::Client;
use crate::throttle::InMemoryThrottle;
use crate::user::{Email, NewUser, Password, User, Username};
use crate::{AccessToken, Clock, TokenCodec, UserRepository};
use crate::{NewSession, SessionSecrets};

/// The services wired to fakes, with the fakes kept at hand for assertions.
///
/// [`Harness::new`] gives empty fakes; [`Harness::builder`] also plants accounts with known
/// passwords, sets the clock and the token lifetime. Either way the fields are the very
/// objects the services use, so a test can advance [`clock`](Harness::clock), count
/// [`hasher`](Harness::hasher) calls or look into [`store`](Harness::store).
///
/// Downstream code that takes a capability's service (an HTTP extractor takes the
/// [`SessionService`](crate::SessionService), a job that checks tokens) gets it from
/// [`auth`](Harness::auth), a clone of which is as good as the real thing:
///
/// ```
/// use quill_domain::SessionService;
/// use quill_domain::testing::Harness;
///
/// /// Code under test: it only knows the service.
/// async fn whose_token(sessions: &SessionService, token: &str) -> Option<String> {
///     sessions.authenticate(token).await.ok().map(|caller| caller.username().to_owned())
/// }
///
/// let h = Harness::builder()
///     .user("alice", "alice@example.com", "quiet-harbour-lamp")
///     .build();
/// let token = h.token_for(&h.user("alice"));
/// futures_executor::block_on(async {
///     assert_eq!(whose_token(&h.auth.sessions, token.as_str()).await.as_deref(), Some("alice"));
///     assert_eq!(whose_token(&h.auth.sessions, "forged").await, None);
/// });
/// ```
#[derive(Debug)]
pub struct Harness {
    /// Users and posts.
    pub store: Arc<InMemoryStore>,
    /// Counts hashes and verifications.
    pub hasher: Arc<FakeHasher>,
    /// Unsigned tokens, 30 minutes by default.
    pub tokens: Arc<FakeTokenCodec>,
    /// Stands still at 2026-11-26T18:00:00Z (by default) until advanced.
    pub clock: Arc<FixedClock>,
    /// The rate limits' buckets, driven by [`clock`](Harness::clock).
    pub throttle: Arc<InMemoryThrottle>,
    /// Every audit event the services reported.
    pub events: Arc<RecordedEvents>,
    /// The mail the services queued (the store's outbox).
    pub outbox: Arc<InMemoryOutbox>,
    /// Reset requests waiting for [`handle_reset_requests`](Harness::handle_reset_requests).
    pub reset_requests: Arc<QueuedResetRequests>,
    /// Stored pictures.
    pub pictures: Arc<InMemoryPictureStore>,
    /// Turns `image:<x>` uploads into pictures; busy on demand.
    pub picture_processor: Arc<FakePictureProcessor>,
    /// Readable session ids and refresh tokens.
    pub session_secrets: Arc<FakeSessionSecrets>,
    /// Every auth capability over the fakes.
    pub auth: Auth,
    /// The ports [`auth`](Harness::auth) was built from.
    ports: AuthPorts,
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

    /// The ports [`auth`](Harness::auth) works through: for a test that builds its own
    /// [`Auth`] with one port replaced (a hasher that races, a throttle that fails) and the
    /// harness's fakes for the rest.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// use quill_domain::testing::{FakeHasher, Harness};
    /// use quill_domain::{Auth, AuthPolicy, AuthPorts};
    ///
    /// let h = Harness::new();
    /// let own_hasher = Arc::new(FakeHasher::new());
    /// let auth = Auth::new(AuthPorts { hasher: own_hasher, ..h.ports() }, AuthPolicy::default());
    /// # let _ = auth;
    /// ```
    #[must_use]
    pub fn ports(&self) -> AuthPorts {
        self.ports.clone()
    }

    /// Registers an account through the service (from [`Client::UNKNOWN`]) and returns it as
    /// an authenticated caller. Unlike accounts planted by [`HarnessBuilder::user`], this
    /// counts one hash and one registration against the client's rate.
    ///
    /// # Panics
    /// If the inputs break a rule or the account clashes with an existing one: a harness
    /// set-up mistake, not an outcome under test.
    pub async fn register(&self, username: &str, email: &str, password: &str) -> Caller {
        let registration = Registration {
            username: Username::parse(username).unwrap_or_else(|e| panic!("harness: {e}")),
            email: Email::parse(email).unwrap_or_else(|e| panic!("harness: {e}")),
            password: Password::parse(password).unwrap_or_else(|e| panic!("harness: {e}")),
        };
        let created = self
            .auth
            .accounts
            .register(Client::UNKNOWN, registration)
            .await
            .unwrap_or_else(|e| panic!("harness: registering {username}: {e}"));
        let stored = UserRepository::by_id(&*self.store, created.public.id)
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("harness: {username} vanished after registering"));
        Caller::vouch_for(&stored, None, Some(self.clock.now()))
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

    /// The account named `username` as an authenticated caller, as if a token naming no
    /// session had just been verified, one from a login at the clock's time now: for calling
    /// the services' owner-only operations directly. Advance the clock to make that
    /// authentication old.
    ///
    /// # Panics
    /// If there is no such account.
    #[must_use]
    pub fn caller(&self, username: &str) -> Caller {
        Caller::vouch_for(&self.user(username), None, Some(self.clock.now()))
    }

    /// A valid token for `user`, issued now, in a session of its own started now (as a
    /// login without `offline_access` starts one, without counting as a login): the account
    /// authenticated now.
    ///
    /// # Panics
    /// If `user` is not stored.
    #[must_use]
    pub fn token_for(&self, user: &User) -> AccessToken {
        let now = self.clock.now();
        let id = self.session_secrets.new_session_id();
        self.store.plant_session(NewSession {
            id: id.clone(),
            user: user.id,
            user_agent: None,
            started_at: now,
            authenticated_at: now,
            expires_at: now + self.tokens.lifetime(),
            refresh: None,
        });
        self.tokens
            .issue(user, &id, now, now)
            .unwrap_or_else(|e| panic!("harness: {e}"))
    }

    /// Hands every waiting reset request to the service, as the background job does.
    ///
    /// # Panics
    /// If the service fails on one (the fakes do not fail).
    pub async fn handle_reset_requests(&self) {
        for request in self.reset_requests.drain() {
            self.auth
                .recovery
                .handle_reset_request(request)
                .await
                .unwrap_or_else(|e| panic!("harness: handling a reset request: {e}"));
        }
    }

    /// The token of the newest reset link queued for `address`, read from the mail's link.
    #[must_use]
    pub fn reset_token_mailed_to(&self, address: &str) -> Option<String> {
        self.token_mailed_to(address, "/reset-password#token=")
    }

    /// The token of the newest email-verification link queued for `address`, read from the
    /// mail's link.
    #[must_use]
    pub fn verification_token_mailed_to(&self, address: &str) -> Option<String> {
        self.token_mailed_to(address, "/verify-email#token=")
    }

    fn token_mailed_to(&self, address: &str, link: &str) -> Option<String> {
        self.outbox
            .queued()
            .iter()
            .rev()
            .filter(|mail| mail.to == address)
            .find_map(|mail| {
                let (_, after) = mail.body.split_once(link)?;
                Some(after.split_whitespace().next()?.to_owned())
            })
    }
}

/// An account to plant, in the words a test wrote it.
#[derive(Debug)]
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
///     .user("alice", "Alice@Example.com", "quiet-harbour-lamp")
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
#[derive(Debug)]
#[must_use]
pub struct HarnessBuilder {
    seeds: Vec<Seed>,
    now: Option<DateTime<Utc>>,
    token_lifetime: Duration,
    policy: AuthPolicy,
    reset_queue_capacity: Option<usize>,
}

impl Default for HarnessBuilder {
    fn default() -> Self {
        Self {
            seeds: Vec::new(),
            now: None,
            token_lifetime: FakeTokenCodec::default().lifetime(),
            policy: AuthPolicy::default(),
            reset_queue_capacity: None,
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

    /// The rate limits and hashing shares the service enforces ([`AuthPolicy::default`] if
    /// not set).
    pub fn policy(mut self, policy: AuthPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// How many reset requests may wait for
    /// [`Harness::handle_reset_requests`] before the service answers busy (no limit if not
    /// set).
    pub fn reset_queue_capacity(mut self, capacity: usize) -> Self {
        self.reset_queue_capacity = Some(capacity);
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
        let throttle = Arc::new(InMemoryThrottle::default());
        let events = Arc::new(RecordedEvents::default());
        let outbox = store.outbox();
        let reset_requests = Arc::new(
            self.reset_queue_capacity
                .map_or_else(QueuedResetRequests::default, QueuedResetRequests::bounded),
        );
        let pictures = Arc::new(InMemoryPictureStore::default());
        let picture_processor = Arc::new(FakePictureProcessor::default());
        let session_secrets = Arc::new(FakeSessionSecrets::default());
        let ports = AuthPorts {
            users: store.clone(),
            standings: store.clone(),
            picture_owners: store.clone(),
            hasher: hasher.clone(),
            tokens: tokens.clone(),
            clock: clock.clone(),
            throttle: throttle.clone(),
            events: events.clone(),
            recovery: store.clone(),
            reset_requests: reset_requests.clone(),
            reset_secrets: Arc::new(FakeResetSecrets::default()),
            letters: Letters::default(),
            pictures: pictures.clone(),
            picture_processor: picture_processor.clone(),
            sessions: store.clone(),
            session_secrets: session_secrets.clone(),
            verifications: store.clone(),
            verification_secrets: Arc::new(FakeVerificationSecrets::default()),
        };
        let auth = Auth::new(ports.clone(), self.policy);
        let posts = PostService::new(store.clone(), store.clone(), clock.clone());
        Harness {
            store,
            hasher,
            tokens,
            clock,
            throttle,
            events,
            outbox,
            reset_requests,
            pictures,
            picture_processor,
            session_secrets,
            auth,
            ports,
            posts,
        }
    }
}

#[cfg(test)]
mod tests {
    use futures_executor::block_on;

    use super::*;
    use crate::user::UserId;
    use crate::{LoginError, TokenError};

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
            .user("alice", "alice@example.com", "quiet-harbour-lamp")
            .build();
        block_on(async {
            assert!(
                h.auth
                    .login
                    .with_password(
                        Client::UNKNOWN,
                        "alice@example.com",
                        &Password::attempt("quiet-harbour-lamp")
                    )
                    .await
                    .is_ok()
            );
            assert!(matches!(
                h.auth
                    .login
                    .with_password(
                        Client::UNKNOWN,
                        "alice@example.com",
                        &Password::attempt("password124")
                    )
                    .await,
                Err(LoginError::InvalidCredentials)
            ));
        });
        assert_eq!(h.hasher.hashes(), 0);
        assert_eq!(h.hasher.verifications(), 2);
    }

    #[test]
    fn planted_accounts_get_ids_in_the_order_given() {
        let h = Harness::builder()
            .user("alice", "alice@example.com", "quiet-harbour-lamp")
            .user("bob", "bob@example.com", "quiet-harbour-lamp")
            .build();
        assert_eq!(h.user("alice").id, UserId(1));
        assert_eq!(h.user("BOB").id, UserId(2));
    }

    #[test]
    #[should_panic(expected = "harness: planting ALICE: username already taken")]
    fn planting_two_accounts_with_one_username_is_a_set_up_mistake() {
        let _ = Harness::builder()
            .user("alice", "alice@example.com", "quiet-harbour-lamp")
            .user("ALICE", "other@example.com", "quiet-harbour-lamp")
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
            .user("alice", "alice@example.com", "quiet-harbour-lamp")
            .token_lifetime(Duration::seconds(10))
            .build();
        let token = h.token_for(&h.user("alice"));
        block_on(async {
            h.clock.advance(Duration::seconds(9));
            assert!(h.auth.sessions.authenticate(token.as_str()).await.is_ok());
            h.clock.advance(Duration::seconds(1));
            assert!(matches!(
                h.auth.sessions.authenticate(token.as_str()).await,
                Err(TokenError::InvalidToken)
            ));
        });
    }
}
