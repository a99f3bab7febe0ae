//! The login capability: proving who one is with an email and a password, and starting a
//! session for them. The rules that keep it safe are all here: the client's login rate and
//! the account's failure rate are charged before any hashing, the client takes one of its
//! hashing places, and exactly one verification runs whatever the email (against a dummy
//! hash for an unknown one), so an unknown email and a wrong password are indistinguishable
//! in outcome and in time.

use std::sync::Arc;

use super::error::{Held, stopped_into};
use super::guard::Guard;
use super::hashing::{HashingGate, Verification};
use super::policy::AuthPolicy;
use super::session::{AccessToken, Grant, SessionService, SessionStart};
use super::verification::VerificationService;
use crate::client::Client;
use crate::error::{StoreError, Unexpected};
use crate::events::{AttemptedAccount, AuthAction, AuthEvent, AuthOutcome};
use crate::throttle::{ThrottleKey, ThrottleScope};
use crate::user::{Email, Password, User, UserRepository};

/// Why a login did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown email or wrong password; deliberately the same outcome for both.
    #[error("incorrect email or password")]
    InvalidCredentials,
    /// The password is right, but verification is required and the account's email is not
    /// verified yet. Only ever answered after a right password, so it tells no one without
    /// the password anything.
    #[error("email not verified")]
    EmailNotVerified,
    /// Held back before any work (a rate limit, the client's hashing share, every hashing
    /// place taken); it may be retried.
    #[error(transparent)]
    Held(Held),
    /// A store (the rate limiter's, or the accounts') could not answer; retry shortly.
    #[error("temporarily unavailable: {0}")]
    Unavailable(#[source] Unexpected),
    /// Something outside the rules failed.
    #[error(transparent)]
    Unexpected(Unexpected),
}

stopped_into!(LoginError);

impl From<StoreError> for LoginError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(e) => Self::Unavailable(e),
            StoreError::Unexpected(e) => Self::Unexpected(e),
            // A login only reads accounts, and starts a session for one it has just read.
            other @ (StoreError::UsernameTaken
            | StoreError::EmailTaken
            | StoreError::AccountGone) => Self::Unexpected(Unexpected::new(other)),
        }
    }
}

/// Password logins, with their rate limits, hashing back-pressure and audit events.
///
/// Cheap to clone: shared handles to its ports.
#[derive(Clone)]
pub struct LoginService {
    users: Arc<dyn UserRepository>,
    sessions: SessionService,
    gate: HashingGate,
    guard: Guard,
    policy: AuthPolicy,
    verification: Option<VerificationService>,
}

impl LoginService {
    /// The login service over these ports, starting sessions through `sessions`.
    #[must_use]
    pub fn new(
        users: Arc<dyn UserRepository>,
        sessions: SessionService,
        gate: HashingGate,
        guard: Guard,
        policy: AuthPolicy,
    ) -> Self {
        Self {
            users,
            sessions,
            gate,
            guard,
            policy,
            verification: None,
        }
    }

    /// This service, asking `verification` after a right password whether the account may
    /// sign in yet ([`EmailVerification::Required`](crate::EmailVerification::Required) and an
    /// unverified email: [`LoginError::EmailNotVerified`]). [`Auth::new`](crate::Auth::new)
    /// always wires it.
    #[must_use]
    pub fn checking_verification(mut self, verification: VerificationService) -> Self {
        self.verification = Some(verification);
        self
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
    /// [`LoginError::InvalidCredentials`] for an unknown email or a wrong password;
    /// [`LoginError::Held`], [`LoginError::Unavailable`].
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    /// use quill_domain::{Client, LoginError, Password};
    ///
    /// let h = Harness::builder()
    ///     .user("alice", "alice@example.com", "quiet-harbour-lamp")
    ///     .build();
    /// let client = Client::new([192, 0, 2, 1].into());
    /// # futures_executor::block_on(async {
    /// // The email is matched in its canonical form.
    /// let token = h.auth.login.with_password(client, " ALICE@example.com", &Password::attempt("quiet-harbour-lamp")).await;
    /// assert!(token.is_ok());
    ///
    /// let unknown = h.auth.login.with_password(client, "bob@example.com", &Password::attempt("quiet-harbour-lamp")).await;
    /// let wrong = h.auth.login.with_password(client, "alice@example.com", &Password::attempt("password124")).await;
    /// assert!(matches!(unknown, Err(LoginError::InvalidCredentials)));
    /// assert!(matches!(wrong, Err(LoginError::InvalidCredentials)));
    /// // One verification each time, even for the unknown email.
    /// assert_eq!(h.hasher.verifications(), 3);
    /// # });
    /// ```
    pub async fn with_password(
        &self,
        client: Client,
        email: &str,
        password: &Password,
    ) -> Result<AccessToken, LoginError> {
        let grant = self
            .sign_in(client, email, password, SessionStart::default())
            .await?;
        Ok(grant.access_token)
    }

    /// [`LoginService::with_password`], starting a session as `start` describes: every login
    /// starts one (the access token names it), and an offline one comes with a refresh token
    /// that renews it until its absolute expiry.
    ///
    /// # Errors
    /// As [`LoginService::with_password`].
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    /// use quill_domain::{Client, Password, SessionStart};
    ///
    /// let h = Harness::builder()
    ///     .user("alice", "alice@example.com", "quiet-harbour-lamp")
    ///     .build();
    /// # futures_executor::block_on(async {
    /// let start = SessionStart::new(Some("Firefox"), true);
    /// let grant = h
    ///     .auth
    ///     .login
    ///     .sign_in(Client::UNKNOWN, "alice@example.com", &Password::attempt("quiet-harbour-lamp"), start)
    ///     .await?;
    /// let refresh = grant.refresh_token.expect("an offline session has a refresh token");
    /// let renewed = h.auth.sessions.refresh(Client::UNKNOWN, &refresh).await?;
    /// assert!(h.auth.sessions.authenticate(renewed.access_token.as_str()).await.is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn sign_in(
        &self,
        client: Client,
        email: &str,
        password: &Password,
        start: SessionStart,
    ) -> Result<Grant, LoginError> {
        let email = Email::normalize(email);
        let key = self.guard.client_key(client);
        let client_rate = self.policy.login_per_client;
        let client_key = ThrottleKey::client(ThrottleScope::LoginPerClient, key);
        self.guard
            .admit(client, None, &client_key, client_rate)
            .await?;
        let account_key =
            ThrottleKey::account_email(ThrottleScope::LoginFailuresPerAccount, &email);
        let account_rate = self.policy.login_failures_per_account;
        self.guard
            .admit(client, None, &account_key, account_rate)
            .await?;
        let _place = self.gate.place(client, None)?;
        let account = self.users.by_email(&email).await?;
        let stored_hash = match &account {
            Some(user) => &user.password_hash,
            None => self.gate.dummy_hash(),
        };
        let verdict = self
            .gate
            .verify(client, None, password, stored_hash)
            .await?;
        let user = match (account, verdict) {
            (Some(user), Verification::Match | Verification::MatchNeedsRehash) => user,
            _ => {
                self.guard.events().record(&AuthEvent {
                    action: AuthAction::Login,
                    outcome: AuthOutcome::Failure,
                    user: None,
                    client,
                    limit: None,
                    attempted: Some(AttemptedAccount::new(email)),
                });
                return Err(LoginError::InvalidCredentials);
            }
        };
        self.guard.refund(&account_key, account_rate).await;
        if verdict == Verification::MatchNeedsRehash {
            self.upgrade_hash(client, &user, password).await;
        }
        if let Some(verification) = &self.verification
            && verification.blocks_sign_in(&user).await?
        {
            self.guard.record(
                AuthAction::Login,
                AuthOutcome::Failure,
                Some(user.id),
                client,
            );
            return Err(LoginError::EmailNotVerified);
        }
        let outcome = self
            .sessions
            .start_session(&user, start)
            .await
            .map_err(LoginError::from);
        self.guard
            .record_result(AuthAction::Login, &outcome, Some(user.id), client);
        outcome
    }

    /// Best effort: the login already succeeded, and a failed upgrade is retried at the next
    /// login, so its failure must not turn a right password into an error. The write is a
    /// compare-and-swap on the hash that was verified, so a password change that won the race
    /// is never undone.
    async fn upgrade_hash(&self, client: Client, user: &User, password: &Password) {
        if let Ok(fresh) = self.gate.hash(client, Some(user.id), password).await {
            let _ = self
                .users
                .replace_password_hash(user.id, &user.password_hash, fresh)
                .await;
        }
    }
}

crate::opaque_debug!(LoginService);
