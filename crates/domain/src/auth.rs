//! The authentication service: registration, login, token checks and self-service account
//! changes, with every rule that decides them. [`AuthService`] is what an HTTP layer (quill's
//! or an embedding application's) calls; [`AuthError`] is everything it can refuse.

use std::sync::Arc;

use crate::error::Unexpected;
use crate::ports::{
    AccessToken, Clock, PasswordHasher, StoreError, TokenClaims, TokenCodec, UserRepository,
    Verification,
};
use crate::user::{
    Email, NewUser, Password, PrivateUser, PublicUser, User, UserChanges, UserId, Username,
};

/// Which self-service action a caller attempted on someone else's account, carried by
/// [`AuthError::NotAllowed`] so the refusal can name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserAction {
    /// Changing the profile.
    Update,
    /// Deleting the account.
    Delete,
}

/// The outcomes of [`AuthService`] a caller branches on.
///
/// Every variant but [`Unexpected`](AuthError::Unexpected) is a normal refusal with a fixed
/// meaning, so a front end maps them to its own responses with one exhaustive `match` (no
/// `_` arm: a variant added later then fails to compile instead of answering wrongly).
/// quill's HTTP layer answers with the contract's statuses; an embedding application may
/// choose others:
///
/// ```
/// use quill_domain::AuthError;
///
/// /// A status code and message of the application's own choosing.
/// fn status_of(error: &AuthError) -> (u16, &'static str) {
///     match error {
///         AuthError::UsernameTaken => (409, "that name is taken"),
///         AuthError::EmailTaken => (409, "that email is registered"),
///         AuthError::InvalidCredentials => (401, "wrong email or password"),
///         AuthError::InvalidToken | AuthError::AccountGone => (401, "please log in again"),
///         AuthError::UserNotFound => (404, "no such user"),
///         AuthError::NotAllowed(_) => (403, "not yours"),
///         AuthError::WrongCurrentPassword => (400, "the current password is wrong"),
///         // Log `error` (its source chain says what broke); never show it.
///         AuthError::Unexpected(_) => (500, "something went wrong"),
///     }
/// }
///
/// assert_eq!(status_of(&AuthError::EmailTaken).0, 409);
/// ```
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Another account has this username, ignoring case.
    #[error("username already exists")]
    UsernameTaken,
    /// Another account has this email address.
    #[error("email already registered")]
    EmailTaken,
    /// Unknown email or wrong password; deliberately the same outcome for both.
    #[error("incorrect email or password")]
    InvalidCredentials,
    /// The token is forged, malformed or expired.
    #[error("invalid or expired token")]
    InvalidToken,
    /// The token is genuine but its account has been deleted since.
    #[error("the token's account no longer exists")]
    AccountGone,
    /// No account has the requested id.
    #[error("user not found")]
    UserNotFound,
    /// The caller tried to change or delete an account that is not theirs.
    #[error("not authorized to {} this user", match .0 { UserAction::Update => "update", UserAction::Delete => "delete" })]
    NotAllowed(UserAction),
    /// A password change named the wrong current password.
    #[error("current password is incorrect")]
    WrongCurrentPassword,
    /// Something outside the rules failed.
    #[error(transparent)]
    Unexpected(#[from] Unexpected),
}

impl From<StoreError> for AuthError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::UsernameTaken => Self::UsernameTaken,
            StoreError::EmailTaken => Self::EmailTaken,
            StoreError::Unexpected(e) => Self::Unexpected(e),
        }
    }
}

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

/// Checked changes to one's own profile; `None` leaves a field unchanged. See
/// [`AuthService::update_profile`].
pub type ProfileUpdate = UserChanges;

/// An authenticated request: the caller's account and what their token says.
#[derive(Debug, Clone)]
pub struct Session {
    /// The caller.
    pub user: User,
    /// Their token's claims.
    pub claims: TokenClaims,
}

/// Registration, login, token checks and account self-service.
///
/// Cheap to clone: it holds only shared handles to its ports. Build it from real adapters
/// with `quill_infra::AuthStack`, or from fakes with the `testing` module's `Harness` (as
/// the examples here do); either way code that takes an `AuthService` cannot tell.
///
/// # Examples
///
/// ```
/// use quill_domain::testing::Harness;
/// use quill_domain::{AuthError, Password};
///
/// let h = Harness::builder()
///     .user("alice", "alice@example.com", "password123")
///     .build();
/// # futures_executor::block_on(async {
/// let token = h
///     .auth
///     .login("alice@example.com", &Password::attempt("password123"))
///     .await?;
/// let caller = h.auth.authenticate(token.as_str()).await?;
/// assert_eq!(caller.username, "alice");
/// # Ok::<(), AuthError>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct AuthService {
    // One shared allocation: handlers clone the service for every request.
    ports: Arc<AuthPorts>,
}

struct AuthPorts {
    users: Arc<dyn UserRepository>,
    hasher: Arc<dyn PasswordHasher>,
    tokens: Arc<dyn TokenCodec>,
    clock: Arc<dyn Clock>,
}

impl AuthService {
    /// A service over these ports.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// use quill_domain::AuthService;
    /// use quill_domain::testing::{FakeHasher, FakeTokenCodec, FixedClock, InMemoryStore};
    ///
    /// let auth = AuthService::new(
    ///     Arc::new(InMemoryStore::new()),
    ///     Arc::new(FakeHasher::new()),
    ///     Arc::new(FakeTokenCodec::default()),
    ///     Arc::new(FixedClock::default()),
    /// );
    /// # let _ = auth;
    /// ```
    #[must_use]
    pub fn new(
        users: Arc<dyn UserRepository>,
        hasher: Arc<dyn PasswordHasher>,
        tokens: Arc<dyn TokenCodec>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            ports: Arc::new(AuthPorts {
                users,
                hasher,
                tokens,
                clock,
            }),
        }
    }

    /// Creates an account.
    ///
    /// The username is checked before the email, so a request duplicating both reports the
    /// username. The store's own constraints decide races, with the same outcomes.
    ///
    /// # Errors
    /// [`AuthError::UsernameTaken`], [`AuthError::EmailTaken`], or [`AuthError::Unexpected`].
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    /// use quill_domain::{AuthError, Email, Password, Registration, Username};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let h = Harness::builder()
    ///     .user("alice", "alice@example.com", "password123")
    ///     .build();
    /// let again = Registration {
    ///     username: Username::parse("ALICE")?,
    ///     email: Email::parse("other@example.com")?,
    ///     password: Password::parse("password123")?,
    /// };
    /// let outcome = futures_executor::block_on(h.auth.register(again));
    /// assert!(matches!(outcome, Err(AuthError::UsernameTaken)));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn register(&self, registration: Registration) -> Result<PrivateUser, AuthError> {
        let Registration {
            username,
            email,
            password,
        } = registration;
        if self
            .ports
            .users
            .id_by_username(username.as_str())
            .await?
            .is_some()
        {
            return Err(AuthError::UsernameTaken);
        }
        if self.ports.users.by_email(email.as_str()).await?.is_some() {
            return Err(AuthError::EmailTaken);
        }
        let password_hash = self.ports.hasher.hash(&password).await?;
        let user = self
            .ports
            .users
            .create(NewUser {
                username,
                email,
                password_hash,
            })
            .await?;
        Ok(PrivateUser::from(&user))
    }

    /// Checks an email and password and issues an access token.
    ///
    /// Whatever the email, exactly one password verification runs (against a dummy hash when
    /// no account has that email), so an unknown email and a wrong password are
    /// indistinguishable in outcome and in time. A correct password whose hash used older
    /// parameters gets its hash upgraded.
    ///
    /// # Errors
    /// [`AuthError::InvalidCredentials`] for an unknown email or a wrong password.
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    /// use quill_domain::{AuthError, Password};
    ///
    /// let h = Harness::builder()
    ///     .user("alice", "alice@example.com", "password123")
    ///     .build();
    /// # futures_executor::block_on(async {
    /// // The email is matched in its canonical form.
    /// let token = h.auth.login(" ALICE@example.com", &Password::attempt("password123")).await;
    /// assert!(token.is_ok());
    ///
    /// let unknown = h.auth.login("bob@example.com", &Password::attempt("password123")).await;
    /// let wrong = h.auth.login("alice@example.com", &Password::attempt("password124")).await;
    /// assert!(matches!(unknown, Err(AuthError::InvalidCredentials)));
    /// assert!(matches!(wrong, Err(AuthError::InvalidCredentials)));
    /// // One verification each time, even for the unknown email.
    /// assert_eq!(h.hasher.verifications(), 3);
    /// # });
    /// ```
    pub async fn login(&self, email: &str, password: &Password) -> Result<AccessToken, AuthError> {
        let account = self.ports.users.by_email(&Email::normalize(email)).await?;
        let stored_hash = match &account {
            Some(user) => &user.password_hash,
            None => self.ports.hasher.dummy_hash(),
        };
        let verdict = self.ports.hasher.verify(password, stored_hash).await?;
        let user = match (account, verdict) {
            (Some(user), Verification::Match | Verification::MatchNeedsRehash) => user,
            _ => return Err(AuthError::InvalidCredentials),
        };
        if verdict == Verification::MatchNeedsRehash {
            self.upgrade_hash(&user, password).await;
        }
        Ok(self.ports.tokens.issue(&user, self.ports.clock.now())?)
    }

    /// Best effort: the login already succeeded, and a failed upgrade is retried at the next
    /// login, so its failure must not turn a right password into an error.
    async fn upgrade_hash(&self, user: &User, password: &Password) {
        if let Ok(fresh) = self.ports.hasher.hash(password).await {
            let _ = self.ports.users.set_password_hash(user.id, fresh).await;
        }
    }

    /// The account a bearer token belongs to.
    ///
    /// # Errors
    /// [`AuthError::InvalidToken`] for a bad or expired token, [`AuthError::AccountGone`] when
    /// its account was deleted since.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::Duration;
    /// use quill_domain::AuthError;
    /// use quill_domain::testing::Harness;
    ///
    /// let h = Harness::builder()
    ///     .user("alice", "alice@example.com", "password123")
    ///     .build();
    /// let alice = h.user("alice");
    /// let token = h.token_for(&alice);
    /// # futures_executor::block_on(async {
    /// assert_eq!(h.auth.authenticate(token.as_str()).await?.id, alice.id);
    /// assert!(matches!(
    ///     h.auth.authenticate("forged").await,
    ///     Err(AuthError::InvalidToken)
    /// ));
    ///
    /// h.auth.delete_account(&alice, alice.id).await?;
    /// assert!(matches!(
    ///     h.auth.authenticate(token.as_str()).await,
    ///     Err(AuthError::AccountGone)
    /// ));
    /// # Ok::<(), AuthError>(())
    /// # }).unwrap();
    /// ```
    pub async fn authenticate(&self, token: &str) -> Result<User, AuthError> {
        Ok(self.session(token).await?.user)
    }

    /// The account a bearer token belongs to, with what the token says (to log it out).
    ///
    /// A token is refused when it is not genuine or has expired, when it was revoked on its
    /// own (logout), or when its account has moved to a later token generation since it was
    /// issued (logout everywhere, password change).
    ///
    /// # Errors
    /// [`AuthError::InvalidToken`], or [`AuthError::AccountGone`] when its account was
    /// deleted since.
    pub async fn session(&self, token: &str) -> Result<Session, AuthError> {
        let claims = self
            .ports
            .tokens
            .verify(token, self.ports.clock.now())
            .map_err(|_| AuthError::InvalidToken)?;
        let (user, revoked) = self
            .ports
            .users
            .by_id_with_token_status(claims.user, &claims.token_id)
            .await?
            .ok_or(AuthError::AccountGone)?;
        if revoked || claims.generation != user.token_generation {
            return Err(AuthError::InvalidToken);
        }
        Ok(Session { user, claims })
    }

    /// Revokes the token of this session; it is refused from now on, and remembered only
    /// until it would have expired anyway.
    ///
    /// # Errors
    /// [`AuthError::Unexpected`] only.
    pub async fn logout(&self, session: &Session) -> Result<(), AuthError> {
        self.ports
            .users
            .revoke_token(&session.claims.token_id, session.claims.expires_at)
            .await?;
        Ok(())
    }

    /// Forgets revocations of tokens that have expired by now (they are refused anyway), so
    /// the store holds only live revocations; returns how many were forgotten. Call it
    /// periodically.
    ///
    /// # Errors
    /// [`AuthError::Unexpected`] only.
    pub async fn forget_expired_revocations(&self) -> Result<u64, AuthError> {
        Ok(self
            .ports
            .users
            .purge_revoked_tokens(self.ports.clock.now())
            .await?)
    }

    /// Revokes every token the caller holds, on every device.
    ///
    /// # Errors
    /// [`AuthError::AccountGone`] when the account was deleted meanwhile.
    pub async fn logout_everywhere(&self, caller: &User) -> Result<(), AuthError> {
        if self.ports.users.revoke_all_tokens(caller.id).await? {
            Ok(())
        } else {
            Err(AuthError::AccountGone)
        }
    }

    /// Changes the caller's password after checking the current one (one verification),
    /// revokes every token issued before, and returns a fresh token for the new password.
    ///
    /// # Errors
    /// [`AuthError::WrongCurrentPassword`]; [`AuthError::AccountGone`] when the account was
    /// deleted meanwhile.
    pub async fn change_password(
        &self,
        caller: &User,
        current: &Password,
        new: &Password,
    ) -> Result<AccessToken, AuthError> {
        match self
            .ports
            .hasher
            .verify(current, &caller.password_hash)
            .await?
        {
            Verification::Match | Verification::MatchNeedsRehash => {}
            Verification::Mismatch => return Err(AuthError::WrongCurrentPassword),
        }
        let hash = self.ports.hasher.hash(new).await?;
        if !self.ports.users.change_password(caller.id, hash).await? {
            return Err(AuthError::AccountGone);
        }
        let user = self
            .ports
            .users
            .by_id(caller.id)
            .await?
            .ok_or(AuthError::AccountGone)?;
        Ok(self.ports.tokens.issue(&user, self.ports.clock.now())?)
    }

    /// Anyone's public profile.
    ///
    /// # Errors
    /// [`AuthError::UserNotFound`].
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    /// use quill_domain::{AuthError, UserId};
    ///
    /// let h = Harness::builder()
    ///     .user("alice", "alice@example.com", "password123")
    ///     .build();
    /// # futures_executor::block_on(async {
    /// let profile = h.auth.public_profile(h.user("alice").id).await?;
    /// assert_eq!(profile.username, "alice");
    /// assert_eq!(profile.image_path(), "/static/profile_pics/default.jpg");
    /// assert!(matches!(
    ///     h.auth.public_profile(UserId(99)).await,
    ///     Err(AuthError::UserNotFound)
    /// ));
    /// # Ok::<(), AuthError>(())
    /// # }).unwrap();
    /// ```
    pub async fn public_profile(&self, id: UserId) -> Result<PublicUser, AuthError> {
        let user = self
            .ports
            .users
            .by_id(id)
            .await?
            .ok_or(AuthError::UserNotFound)?;
        Ok(PublicUser::from(&user))
    }

    /// Changes the caller's own profile. A user may change the letter case of their own
    /// name; any other clash with another account is refused.
    ///
    /// # Errors
    /// [`AuthError::NotAllowed`] when `target` is not the caller (whether or not it exists),
    /// [`AuthError::UserNotFound`], [`AuthError::UsernameTaken`], [`AuthError::EmailTaken`].
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    /// use quill_domain::{AuthError, ProfileUpdate, UserAction, Username};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let h = Harness::builder()
    ///     .user("alice", "alice@example.com", "password123")
    ///     .user("bob", "bob@example.com", "password123")
    ///     .build();
    /// let (alice, bob) = (h.user("alice"), h.user("bob"));
    /// # futures_executor::block_on(async {
    /// let recased = ProfileUpdate {
    ///     username: Some(Username::parse("Alice")?),
    ///     ..ProfileUpdate::default()
    /// };
    /// let updated = h.auth.update_profile(&alice, alice.id, recased.clone()).await?;
    /// assert_eq!(updated.public.username, "Alice");
    ///
    /// let meddling = h.auth.update_profile(&bob, alice.id, recased).await;
    /// assert!(matches!(meddling, Err(AuthError::NotAllowed(UserAction::Update))));
    /// # Ok(())
    /// # })
    /// # }
    /// ```
    pub async fn update_profile(
        &self,
        caller: &User,
        target: UserId,
        changes: ProfileUpdate,
    ) -> Result<PrivateUser, AuthError> {
        if caller.id != target {
            return Err(AuthError::NotAllowed(UserAction::Update));
        }
        if let Some(username) = &changes.username
            && let Some(owner) = self.ports.users.id_by_username(username.as_str()).await?
            && owner != caller.id
        {
            return Err(AuthError::UsernameTaken);
        }
        if let Some(email) = &changes.email
            && let Some(owner) = self.ports.users.by_email(email.as_str()).await?
            && owner.id != caller.id
        {
            return Err(AuthError::EmailTaken);
        }
        let user = self
            .ports
            .users
            .update(target, changes)
            .await?
            .ok_or(AuthError::UserNotFound)?;
        Ok(PrivateUser::from(&user))
    }

    /// Deletes the caller's own account and all their posts.
    ///
    /// # Errors
    /// [`AuthError::NotAllowed`] when `target` is not the caller, [`AuthError::UserNotFound`].
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    /// use quill_domain::{AuthError, UserAction};
    ///
    /// let h = Harness::builder()
    ///     .user("alice", "alice@example.com", "password123")
    ///     .user("bob", "bob@example.com", "password123")
    ///     .build();
    /// let (alice, bob) = (h.user("alice"), h.user("bob"));
    /// # futures_executor::block_on(async {
    /// assert!(matches!(
    ///     h.auth.delete_account(&bob, alice.id).await,
    ///     Err(AuthError::NotAllowed(UserAction::Delete))
    /// ));
    /// h.auth.delete_account(&alice, alice.id).await?;
    /// assert!(h.auth.public_profile(alice.id).await.is_err());
    /// # Ok::<(), AuthError>(())
    /// # }).unwrap();
    /// ```
    pub async fn delete_account(&self, caller: &User, target: UserId) -> Result<(), AuthError> {
        if caller.id != target {
            return Err(AuthError::NotAllowed(UserAction::Delete));
        }
        if self.ports.users.delete(target).await? {
            Ok(())
        } else {
            Err(AuthError::UserNotFound)
        }
    }
}
