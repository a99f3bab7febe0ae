//! The authentication service: registration, login, token checks and self-service account
//! changes, with every rule that decides them.

use std::sync::Arc;

use crate::error::Unexpected;
use crate::ports::{
    AccessToken, Clock, PasswordHasher, StoreError, TokenCodec, UserRepository, Verification,
};
use crate::user::{
    Email, NewUser, Password, PrivateUser, PublicUser, User, UserChanges, UserId, Username,
};

/// Which self-service action a caller attempted on someone else's account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserAction {
    /// Changing the profile.
    Update,
    /// Deleting the account.
    Delete,
}

/// The outcomes of [`AuthService`] a caller branches on.
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

/// A checked registration.
#[derive(Debug, Clone)]
pub struct Registration {
    /// Chosen display name.
    pub username: Username,
    /// Email address, the login name.
    pub email: Email,
    /// Chosen password.
    pub password: Password,
}

/// Checked changes to one's own profile; `None` leaves a field unchanged.
pub type ProfileUpdate = UserChanges;

/// Registration, login, token checks and account self-service.
///
/// Cheap to clone: it holds only shared handles to its ports.
#[derive(Clone)]
pub struct AuthService {
    users: Arc<dyn UserRepository>,
    hasher: Arc<dyn PasswordHasher>,
    tokens: Arc<dyn TokenCodec>,
    clock: Arc<dyn Clock>,
}

impl AuthService {
    /// A service over these ports.
    #[must_use]
    pub fn new(
        users: Arc<dyn UserRepository>,
        hasher: Arc<dyn PasswordHasher>,
        tokens: Arc<dyn TokenCodec>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            users,
            hasher,
            tokens,
            clock,
        }
    }

    /// Creates an account.
    ///
    /// The username is checked before the email, so a request duplicating both reports the
    /// username. The store's own constraints decide races, with the same outcomes.
    ///
    /// # Errors
    /// [`AuthError::UsernameTaken`], [`AuthError::EmailTaken`], or [`AuthError::Unexpected`].
    pub async fn register(&self, registration: Registration) -> Result<PrivateUser, AuthError> {
        let Registration {
            username,
            email,
            password,
        } = registration;
        if self
            .users
            .id_by_username(username.as_str())
            .await?
            .is_some()
        {
            return Err(AuthError::UsernameTaken);
        }
        if self.users.by_email(email.as_str()).await?.is_some() {
            return Err(AuthError::EmailTaken);
        }
        let password_hash = self.hasher.hash(&password).await?;
        let user = self
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
    pub async fn login(&self, email: &str, password: &Password) -> Result<AccessToken, AuthError> {
        let account = self.users.by_email(&Email::normalize(email)).await?;
        let stored_hash = match &account {
            Some(user) => &user.password_hash,
            None => self.hasher.dummy_hash(),
        };
        let verdict = self.hasher.verify(password, stored_hash).await?;
        let user = match (account, verdict) {
            (Some(user), Verification::Match | Verification::MatchNeedsRehash) => user,
            _ => return Err(AuthError::InvalidCredentials),
        };
        if verdict == Verification::MatchNeedsRehash {
            self.upgrade_hash(&user, password).await;
        }
        Ok(self.tokens.issue(user.id, self.clock.now())?)
    }

    /// Best effort: the login already succeeded, and a failed upgrade is retried at the next
    /// login, so its failure must not turn a right password into an error.
    async fn upgrade_hash(&self, user: &User, password: &Password) {
        if let Ok(fresh) = self.hasher.hash(password).await {
            let _ = self.users.set_password_hash(user.id, fresh).await;
        }
    }

    /// The account a bearer token belongs to.
    ///
    /// # Errors
    /// [`AuthError::InvalidToken`] for a bad or expired token, [`AuthError::AccountGone`] when
    /// its account was deleted since.
    pub async fn authenticate(&self, token: &str) -> Result<User, AuthError> {
        let id = self
            .tokens
            .verify(token, self.clock.now())
            .map_err(|_| AuthError::InvalidToken)?;
        self.users.by_id(id).await?.ok_or(AuthError::AccountGone)
    }

    /// Anyone's public profile.
    ///
    /// # Errors
    /// [`AuthError::UserNotFound`].
    pub async fn public_profile(&self, id: UserId) -> Result<PublicUser, AuthError> {
        let user = self.users.by_id(id).await?.ok_or(AuthError::UserNotFound)?;
        Ok(PublicUser::from(&user))
    }

    /// Changes the caller's own profile. A user may change the letter case of their own
    /// name; any other clash with another account is refused.
    ///
    /// # Errors
    /// [`AuthError::NotAllowed`] when `target` is not the caller (whether or not it exists),
    /// [`AuthError::UserNotFound`], [`AuthError::UsernameTaken`], [`AuthError::EmailTaken`].
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
            && let Some(owner) = self.users.id_by_username(username.as_str()).await?
            && owner != caller.id
        {
            return Err(AuthError::UsernameTaken);
        }
        if let Some(email) = &changes.email
            && let Some(owner) = self.users.by_email(email.as_str()).await?
            && owner.id != caller.id
        {
            return Err(AuthError::EmailTaken);
        }
        let user = self
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
    pub async fn delete_account(&self, caller: &User, target: UserId) -> Result<(), AuthError> {
        if caller.id != target {
            return Err(AuthError::NotAllowed(UserAction::Delete));
        }
        if self.users.delete(target).await? {
            Ok(())
        } else {
            Err(AuthError::UserNotFound)
        }
    }
}
