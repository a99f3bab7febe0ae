//! The authentication service: registration, login, token checks and self-service account
//! changes, with every rule that decides them, including the abuse-resistance ones (rate
//! limits, each client's share of the hashing places) and the audit trail. [`AuthService`]
//! is what an HTTP layer (quill's or an embedding application's) calls; [`AuthError`] is
//! everything it can refuse.

mod account;
mod claims;
mod error;
mod gate;
mod picture;
mod places;
mod policy;
mod recovery;
mod registration;
mod session;
mod turns;

use std::sync::Arc;

pub use account::{Maintenance, ProfileUpdate};
pub use error::{AuthError, UserAction};
pub use picture::{UploadLoad, UploadPlace};
pub use policy::AuthPolicy;
pub use session::{Caller, Grant, OwnSession, Session, SessionStart};
pub use turns::HashingLoad;

use crate::client::Client;
use crate::events::{AttemptedAccount, AuthAction, AuthEvent, AuthEvents, AuthOutcome};
use crate::mail::Letters;
use crate::picture::{PictureProcessor, PictureStore};
use crate::ports::{AccessToken, Clock, PasswordHasher, TokenCodec, UserRepository, Verification};
use crate::recovery::{RecoveryStore, ResetRequestQueue, ResetSecrets};
use crate::sessions::{SessionSecrets, SessionStore};
use crate::throttle::{Throttle, ThrottleKey, ThrottleScope};
use crate::user::{Email, Password, User, Username};
use places::HashingShares;
use turns::HashingTurns;

/// A checked registration: each field has passed its `parse`, so [`AuthService::register`]
/// only has uniqueness left to decide.
///
/// ```
/// use quill_domain::{Email, Password, Registration, Username, ValidationErrors};
///
/// /// Checks every field and reports all the problems at once.
/// fn check(username: &str, email: &str, password: &str) -> Result<Registration, ValidationErrors> {
///     let mut errors = ValidationErrors::new();
///     let username = errors.collect(Username::parse(username));
///     let email = errors.collect(Email::parse(email));
///     let password = errors.collect(Password::parse(password));
///     match (username, email, password) {
///         (Some(username), Some(email), Some(password)) => Ok(Registration {
///             username,
///             email,
///             password,
///         }),
///         _ => Err(errors),
///     }
/// }
///
/// assert!(check("alice", "alice@example.com", "password123").is_ok());
/// let refused = check("", "not-an-email", "short").unwrap_err();
/// let fields: Vec<_> = refused.errors().iter().map(|e| e.field).collect();
/// assert_eq!(fields, ["username", "email", "password"]);
/// ```
#[derive(Debug, Clone)]
pub struct Registration {
    /// Chosen display name.
    pub username: Username,
    /// Email address, the login name.
    pub email: Email,
    /// Chosen password.
    pub password: Password,
}

/// Every port [`AuthService`] works through. `quill_infra::AuthStack` fills it with the real
/// adapters; the `testing` module's `Harness` with fakes.
#[derive(Clone)]
pub struct AuthPorts {
    /// Accounts and token revocations.
    pub users: Arc<dyn UserRepository>,
    /// Password hashing, bounded.
    pub hasher: Arc<dyn PasswordHasher>,
    /// Issuing and checking access tokens.
    pub tokens: Arc<dyn TokenCodec>,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// The rate limits' buckets.
    pub throttle: Arc<dyn Throttle>,
    /// The audit trail.
    pub events: Arc<dyn AuthEvents>,
    /// Reset tokens, and the password changes that go with a notice mail.
    pub recovery: Arc<dyn RecoveryStore>,
    /// Reset requests waiting for the background job.
    pub reset_requests: Arc<dyn ResetRequestQueue>,
    /// Minting and digesting reset tokens.
    pub reset_secrets: Arc<dyn ResetSecrets>,
    /// What the mails say, with links to the site's public address.
    pub letters: Letters,
    /// Stored profile pictures.
    pub pictures: Arc<dyn PictureStore>,
    /// Turning uploads into pictures, bounded.
    pub picture_processor: Arc<dyn PictureProcessor>,
    /// Sessions and their refresh tokens.
    pub sessions: Arc<dyn SessionStore>,
    /// Minting and digesting session ids and refresh tokens.
    pub session_secrets: Arc<dyn SessionSecrets>,
}

/// Registration, login, token checks and account self-service, with the rate limits,
/// hashing back-pressure and audit trail enforced on every call: no caller can forget them.
///
/// Cheap to clone: it holds only shared handles to its ports. Build it from real adapters
/// with `quill_infra::AuthStack`, or from fakes with the `testing` module's `Harness` (as
/// the examples here do); either way code that takes an `AuthService` cannot tell.
///
/// # Examples
///
/// ```
/// use quill_domain::testing::Harness;
/// use quill_domain::{AuthError, Client, Password};
///
/// let h = Harness::builder()
///     .user("alice", "alice@example.com", "password123")
///     .build();
/// let client = Client::new([192, 0, 2, 1].into());
/// # futures_executor::block_on(async {
/// let token = h
///     .auth
///     .login(client, "alice@example.com", &Password::attempt("password123"))
///     .await?;
/// let caller = h.auth.authenticate(token.as_str()).await?;
/// assert_eq!(caller.username(), "alice");
/// # Ok::<(), AuthError>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct AuthService {
    // One shared allocation: handlers clone the service for every request.
    ports: Arc<AuthPorts>,
    policy: AuthPolicy,
    shares: Arc<HashingShares>,
    turns: Arc<HashingTurns>,
    uploads: Arc<picture::UploadPlaces>,
    registrations: Arc<claims::RegistrationClaims>,
}

impl std::fmt::Debug for AuthPorts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Ports are trait objects (stores, hashers, keys) with nothing fit to show.
        f.debug_struct("AuthPorts").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for AuthService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Its ports hold keys and stores; its policy is shown by `policy()`.
        f.debug_struct("AuthService").finish_non_exhaustive()
    }
}

impl AuthService {
    /// A service over these ports, enforcing this policy.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// use quill_domain::testing::{
    ///     FakeHasher, FakePictureProcessor, FakeResetSecrets, FakeSessionSecrets, FakeTokenCodec,
    ///     FixedClock, InMemoryPictureStore, InMemoryStore, QueuedResetRequests, RecordedEvents,
    /// };
    /// use quill_domain::{AuthPolicy, AuthPorts, AuthService, InMemoryThrottle, Letters};
    ///
    /// let store = Arc::new(InMemoryStore::new());
    /// let auth = AuthService::new(
    ///     AuthPorts {
    ///         users: store.clone(),
    ///         hasher: Arc::new(FakeHasher::new()),
    ///         tokens: Arc::new(FakeTokenCodec::default()),
    ///         clock: Arc::new(FixedClock::default()),
    ///         throttle: Arc::new(InMemoryThrottle::default()),
    ///         events: Arc::new(RecordedEvents::default()),
    ///         recovery: store.clone(),
    ///         reset_requests: Arc::new(QueuedResetRequests::default()),
    ///         reset_secrets: Arc::new(FakeResetSecrets::default()),
    ///         letters: Letters::default(),
    ///         pictures: Arc::new(InMemoryPictureStore::default()),
    ///         picture_processor: Arc::new(FakePictureProcessor::default()),
    ///         sessions: store.clone(),
    ///         session_secrets: Arc::new(FakeSessionSecrets::default()),
    ///     },
    ///     AuthPolicy::default(),
    /// );
    /// # let _ = auth;
    /// ```
    #[must_use]
    pub fn new(ports: AuthPorts, policy: AuthPolicy) -> Self {
        Self {
            ports: Arc::new(ports),
            policy,
            shares: Arc::new(HashingShares::default()),
            turns: Arc::new(HashingTurns::new(
                policy.hashing_slots,
                policy.hashing_queue_limit,
            )),
            uploads: Arc::new(picture::UploadPlaces::default()),
            registrations: Arc::new(claims::RegistrationClaims::default()),
        }
    }

    /// The policy this service enforces.
    #[must_use]
    pub fn policy(&self) -> &AuthPolicy {
        &self.policy
    }

    /// The public keys other services verify this service's tokens with (none when tokens
    /// are signed with a shared secret).
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    ///
    /// assert!(Harness::new().auth.published_keys().is_empty());
    /// ```
    #[must_use]
    pub fn published_keys(&self) -> Vec<crate::PublishedKey> {
        self.ports.tokens.published_keys()
    }

    /// Checks an email and password from `client` and issues an access token.
    ///
    /// Before any hashing, the client's login rate and the account's failure rate are charged
    /// (refusals carry the wait) and the client takes one of its hashing places. Then,
    /// whatever the email, exactly one password verification runs (against a dummy hash when
    /// no account has that email), so an unknown email and a wrong password are
    /// indistinguishable in outcome and in time. A success gives the account's attempt back:
    /// only failures count against an account. A correct password whose hash used older
    /// parameters gets its hash upgraded, unless the password changed meanwhile.
    ///
    /// # Errors
    /// [`AuthError::InvalidCredentials`] for an unknown email or a wrong password;
    /// [`AuthError::Throttled`], [`AuthError::Busy`], [`AuthError::Unavailable`].
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    /// use quill_domain::{AuthError, Client, Password};
    ///
    /// let h = Harness::builder()
    ///     .user("alice", "alice@example.com", "password123")
    ///     .build();
    /// let client = Client::new([192, 0, 2, 1].into());
    /// # futures_executor::block_on(async {
    /// // The email is matched in its canonical form.
    /// let token = h.auth.login(client, " ALICE@example.com", &Password::attempt("password123")).await;
    /// assert!(token.is_ok());
    ///
    /// let unknown = h.auth.login(client, "bob@example.com", &Password::attempt("password123")).await;
    /// let wrong = h.auth.login(client, "alice@example.com", &Password::attempt("password124")).await;
    /// assert!(matches!(unknown, Err(AuthError::InvalidCredentials)));
    /// assert!(matches!(wrong, Err(AuthError::InvalidCredentials)));
    /// // One verification each time, even for the unknown email.
    /// assert_eq!(h.hasher.verifications(), 3);
    /// # });
    /// ```
    pub async fn login(
        &self,
        client: Client,
        email: &str,
        password: &Password,
    ) -> Result<AccessToken, AuthError> {
        let grant = self
            .sign_in(client, email, password, SessionStart::default())
            .await?;
        Ok(grant.access_token)
    }

    /// [`AuthService::login`], starting a session as `start` describes: every login starts
    /// one (the access token names it), and an offline one comes with a refresh token that
    /// renews it until its absolute expiry.
    ///
    /// # Errors
    /// As [`AuthService::login`].
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    /// use quill_domain::{AuthError, Client, Password, SessionStart};
    ///
    /// let h = Harness::builder()
    ///     .user("alice", "alice@example.com", "password123")
    ///     .build();
    /// # futures_executor::block_on(async {
    /// let start = SessionStart::new(Some("Firefox"), true);
    /// let grant = h
    ///     .auth
    ///     .sign_in(Client::UNKNOWN, "alice@example.com", &Password::attempt("password123"), start)
    ///     .await?;
    /// let refresh = grant.refresh_token.expect("an offline session has a refresh token");
    /// let renewed = h.auth.refresh(Client::UNKNOWN, &refresh).await?;
    /// assert!(h.auth.authenticate(renewed.access_token.as_str()).await.is_ok());
    /// # Ok::<(), AuthError>(())
    /// # }).unwrap();
    /// ```
    pub async fn sign_in(
        &self,
        client: Client,
        email: &str,
        password: &Password,
        start: SessionStart,
    ) -> Result<Grant, AuthError> {
        let email = Email::normalize(email);
        let key = self.client_key(client);
        self.admit(
            client,
            None,
            &ThrottleKey::client(ThrottleScope::LoginPerClient, key),
            self.policy.login_per_client,
        )
        .await?;
        let account_key =
            ThrottleKey::account_email(ThrottleScope::LoginFailuresPerAccount, &email);
        let account_rate = self.policy.login_failures_per_account;
        self.admit(client, None, &account_key, account_rate).await?;
        let _place = self.hashing_place(client, key, None)?;
        let account = self.ports.users.by_email(&email).await?;
        let stored_hash = match &account {
            Some(user) => &user.password_hash,
            None => self.ports.hasher.dummy_hash(),
        };
        let verdict = self.verified(client, None, password, stored_hash).await?;
        let user = match (account, verdict) {
            (Some(user), Verification::Match | Verification::MatchNeedsRehash) => user,
            _ => {
                self.ports.events.record(&AuthEvent {
                    action: AuthAction::Login,
                    outcome: AuthOutcome::Failure,
                    user: None,
                    client,
                    limit: None,
                    attempted: Some(AttemptedAccount::new(email)),
                });
                return Err(AuthError::InvalidCredentials);
            }
        };
        // Best effort: a failed refund only leaves the account's bucket stricter.
        let _ = self
            .ports
            .throttle
            .refund(&account_key, account_rate, self.ports.clock.now())
            .await;
        if verdict == Verification::MatchNeedsRehash {
            self.upgrade_hash(client, &user, password).await;
        }
        let outcome = self.start_session(&user, start).await;
        self.record_result(AuthAction::Login, &outcome, Some(user.id), client);
        outcome
    }

    /// Best effort: the login already succeeded, and a failed upgrade is retried at the next
    /// login, so its failure must not turn a right password into an error. The write is a
    /// compare-and-swap on the hash that was verified, so a password change that won the race
    /// is never undone.
    async fn upgrade_hash(&self, client: Client, user: &User, password: &Password) {
        if let Ok(fresh) = self.hashed(client, Some(user.id), password).await {
            let _ = self
                .ports
                .users
                .replace_password_hash(user.id, &user.password_hash, fresh)
                .await;
        }
    }
}
