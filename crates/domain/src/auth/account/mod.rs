//! The account capability: creating an account (`registration`, with the `claims` that keep
//! concurrent registrations of one name or address from each hashing), profiles
//! (`profile`), confirming sensitive changes with a recent authentication or the current
//! password (`reauth`), a signed-in password change (`password`), and what each answers
//! (`error`).

mod claims;
mod error;
mod password;
mod profile;
mod reauth;
mod registration;

use std::sync::Arc;

pub use error::{PasswordChangeError, ProfileError, ProfileReadError, RegisterError};
pub use profile::ProfileUpdate;

use super::guard::Guard;
use super::hashing::HashingGate;
use super::letters::Letters;
use super::picture::PictureService;
use super::policy::AuthPolicy;
use super::recovery::RecoveryStore;
use super::session::SessionService;
use super::verification::VerificationService;
use crate::user::{Email, Password, UserRepository, Username};
use claims::RegistrationClaims;

/// A checked registration: each field has passed its `parse`, so [`AccountService::register`]
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
/// assert!(check("alice", "alice@example.com", "quiet-harbour-lamp").is_ok());
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

/// Registration and account self-service, with the rate limits, hashing back-pressure and
/// audit events each needs.
///
/// Cheap to clone: shared handles to its ports.
#[derive(Clone)]
pub struct AccountService {
    users: Arc<dyn UserRepository>,
    recovery: Arc<dyn RecoveryStore>,
    letters: Letters,
    sessions: SessionService,
    pictures: PictureService,
    gate: HashingGate,
    guard: Guard,
    policy: AuthPolicy,
    registrations: Arc<RegistrationClaims>,
    verification: Option<VerificationService>,
}

/// What an [`AccountService`] works through besides the shared gate and guard.
#[derive(Clone)]
pub struct AccountPorts {
    /// Accounts.
    pub users: Arc<dyn UserRepository>,
    /// Password changes that go with a notice mail and end reset links.
    pub recovery: Arc<dyn RecoveryStore>,
    /// What the notices say.
    pub letters: Letters,
}

impl AccountService {
    /// The account service over these ports, starting sessions through `sessions` and
    /// forgetting a deleted account's picture through `pictures`.
    #[must_use]
    pub fn new(
        ports: AccountPorts,
        sessions: SessionService,
        pictures: PictureService,
        gate: HashingGate,
        guard: Guard,
        policy: AuthPolicy,
    ) -> Self {
        Self {
            users: ports.users,
            recovery: ports.recovery,
            letters: ports.letters,
            sessions,
            pictures,
            gate,
            guard,
            policy,
            registrations: Arc::new(RegistrationClaims::default()),
            verification: None,
        }
    }

    /// This service, mailing each new account its first verification link through
    /// `verification` ([`Auth::new`](crate::Auth::new) always wires it).
    #[must_use]
    pub fn mailing_verification(mut self, verification: VerificationService) -> Self {
        self.verification = Some(verification);
        self
    }
}

crate::opaque_debug!(AccountService, AccountPorts);
