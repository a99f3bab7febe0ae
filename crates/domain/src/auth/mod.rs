//! Authentication, one capability per folder: [`account`] (registration and self-service),
//! [`login`] (a password exchanged for a session), [`session`] (token checks and the life of
//! sessions, which every other capability stands on), [`recovery`] (password resets),
//! [`picture`] (profile pictures) and [`verification`] (proving an account holds its email). Below them, shared by all: the `guard` (rate limits and
//! the audit trail), the one [`hashing`] gate, each client's `shares` of places, the
//! `policy` numbers, the `letters` the notices are written from, and the load outcomes
//! every operation's error may carry ([`error`]). [`Auth`] wires every capability from one set
//! of ports, so an embedding application gets every rule from one call.

pub mod account;
pub mod error;
mod guard;
pub mod hashing;
mod letters;
pub mod login;
pub mod picture;
mod policy;
pub mod recovery;
pub mod session;
mod shares;
pub mod verification;

use std::sync::Arc;

pub use account::{
    AccountPorts, AccountService, PasswordChangeError, ProfileError, ProfileReadError,
    ProfileUpdate, RegisterError, Registration,
};
pub use error::{Held, UserAction};
pub use guard::Guard;
pub use hashing::{HashingGate, HashingLimits, HashingLoad, PasswordHasher, Verification};
pub use letters::Letters;
pub use login::{LoginError, LoginService};
pub use picture::{
    PictureChangeError, PictureError, PictureName, PictureOwners, PicturePorts, PictureProcessor,
    PictureReadError, PictureService, PictureStore, PictureSwap, UploadLoad, UploadPlace,
};
pub use policy::{AuthPolicy, EmailVerification};
pub use recovery::{RecoveryPorts, RecoveryService, ResetError};
pub use session::{
    AccessToken, Caller, Grant, OwnSession, RefreshError, Session, SessionError, SessionPorts,
    SessionService, SessionStart, TokenError, TokenStandings,
};
pub use verification::{
    AccountSecurity, LinkRequest, SecurityReadError, VerificationMailError, VerificationPorts,
    VerificationService, VerifyEmailError,
};

use crate::clock::Clock;
use crate::error::StoreError;
use crate::events::AuthEvents;
use crate::throttle::Throttle;
use crate::user::UserRepository;
use recovery::{RecoveryStore, ResetRequestQueue, ResetSecrets};
use session::{SessionSecrets, SessionStore, TokenCodec};
use verification::{VerificationSecrets, VerificationStore};

/// Every port the capabilities work through, for [`Auth::new`] to share out. `quill_infra::AuthStack` fills it with the real
/// adapters; the `testing` module's `Harness` with fakes.
#[derive(Clone)]
pub struct AuthPorts {
    /// Accounts.
    pub users: Arc<dyn UserRepository>,
    /// Where each account's tokens stand, and single-token revocations.
    pub standings: Arc<dyn TokenStandings>,
    /// Which account shows which picture.
    pub picture_owners: Arc<dyn PictureOwners>,
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
    /// Email-verification tokens and whether each account's email is verified.
    pub verifications: Arc<dyn VerificationStore>,
    /// Minting and digesting email-verification tokens.
    pub verification_secrets: Arc<dyn VerificationSecrets>,
}

/// Every capability's service, wired from one set of ports and sharing one guard and one
/// hashing gate: what `quill_infra::AuthStack` builds from the real adapters and the
/// `testing` module's `Harness` from fakes. Each field is cheap to clone; a front end may
/// hand each route only the service it calls.
///
/// ```
/// use quill_domain::testing::Harness;
/// use quill_domain::{Client, Password};
///
/// let h = Harness::builder()
///     .user("alice", "alice@example.com", "quiet-harbour-lamp")
///     .build();
/// let client = Client::new([192, 0, 2, 1].into());
/// # futures_executor::block_on(async {
/// let token = h
///     .auth
///     .login
///     .with_password(client, "alice@example.com", &Password::attempt("quiet-harbour-lamp"))
///     .await?;
/// let caller = h.auth.sessions.authenticate(token.as_str()).await?;
/// assert_eq!(caller.username(), "alice");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct Auth {
    /// Registration and account self-service.
    pub accounts: AccountService,
    /// Password logins.
    pub login: LoginService,
    /// Token checks and the life of sessions.
    pub sessions: SessionService,
    /// Password resets.
    pub recovery: RecoveryService,
    /// Profile pictures.
    pub pictures: PictureService,
    /// Email verification and the owner's security overview.
    pub verification: VerificationService,
    gate: HashingGate,
    guard: Guard,
    policy: AuthPolicy,
    stores: Arc<Stores>,
}

/// What the clean-up pass purges, besides the pictures' own sweep.
struct Stores {
    standings: Arc<dyn TokenStandings>,
    sessions: Arc<dyn SessionStore>,
    recovery: Arc<dyn RecoveryStore>,
    verifications: Arc<dyn VerificationStore>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// What one [`Auth::maintain`] pass forgot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Maintenance {
    /// Revocations of tokens that have expired since (they are refused anyway).
    pub expired_revocations: u64,
    /// Sessions past their absolute expiry, with their refresh tokens.
    pub expired_sessions: u64,
    /// Rate-limit buckets that are full again (they behave as absent ones).
    pub idle_buckets: u64,
    /// Password-reset tokens that expired unused.
    pub expired_resets: u64,
    /// Stored pictures no account refers to any more (left by a failure half-way).
    pub orphan_pictures: u64,
    /// Email-verification tokens that expired unused.
    pub expired_verifications: u64,
}

impl Auth {
    /// Every capability over these ports, enforcing this policy.
    #[must_use]
    pub fn new(ports: AuthPorts, policy: AuthPolicy) -> Self {
        let guard = Guard::new(
            ports.throttle,
            ports.events,
            ports.clock,
            policy.ipv6_client_prefix,
        );
        let gate = HashingGate::new(
            ports.hasher,
            guard.clone(),
            HashingLimits {
                slots: policy.hashing_slots,
                queue_limit: policy.hashing_queue_limit,
                places_per_client: policy.hashing_places_per_client,
            },
        );
        let sessions = SessionService::new(
            SessionPorts {
                users: ports.users.clone(),
                standings: ports.standings.clone(),
                sessions: ports.sessions.clone(),
                session_secrets: ports.session_secrets,
                tokens: ports.tokens,
            },
            guard.clone(),
            policy,
        );
        let pictures = PictureService::new(
            PicturePorts {
                users: ports.users.clone(),
                owners: ports.picture_owners,
                pictures: ports.pictures,
                processor: ports.picture_processor,
            },
            guard.clone(),
            policy,
        );
        let verification = VerificationService::new(
            VerificationPorts {
                users: ports.users.clone(),
                verifications: ports.verifications.clone(),
                verification_secrets: ports.verification_secrets,
                letters: ports.letters.clone(),
            },
            guard.clone(),
            policy,
        );
        let accounts = AccountService::new(
            AccountPorts {
                users: ports.users.clone(),
                recovery: ports.recovery.clone(),
                letters: ports.letters.clone(),
            },
            sessions.clone(),
            pictures.clone(),
            gate.clone(),
            guard.clone(),
            policy,
        )
        .mailing_verification(verification.clone());
        let login = LoginService::new(
            ports.users.clone(),
            sessions.clone(),
            gate.clone(),
            guard.clone(),
            policy,
        )
        .checking_verification(verification.clone());
        let recovery = RecoveryService::new(
            RecoveryPorts {
                users: ports.users.clone(),
                recovery: ports.recovery.clone(),
                reset_requests: ports.reset_requests,
                reset_secrets: ports.reset_secrets,
                letters: ports.letters,
            },
            gate.clone(),
            guard.clone(),
            policy,
        );
        Self {
            accounts,
            login,
            sessions,
            recovery,
            pictures,
            verification,
            gate,
            guard,
            policy,
            stores: Arc::new(Stores {
                standings: ports.standings,
                sessions: ports.sessions,
                recovery: ports.recovery,
                verifications: ports.verifications,
            }),
        }
    }

    /// The policy every capability enforces.
    #[must_use]
    pub fn policy(&self) -> &AuthPolicy {
        &self.policy
    }

    /// How busy the one hashing gate is now: for a monitoring gauge.
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    ///
    /// let load = Harness::new().auth.hashing_load();
    /// assert_eq!((load.busy_slots, load.waiting), (0, 0));
    /// ```
    #[must_use]
    pub fn hashing_load(&self) -> HashingLoad {
        self.gate.load()
    }

    /// The one hashing gate every capability shares.
    #[must_use]
    pub fn hashing_gate(&self) -> &HashingGate {
        &self.gate
    }

    /// One clean-up pass: forgets revocations of tokens that have expired by now and rate-limit
    /// buckets that are full again, so the stores hold only what still matters. Run it
    /// periodically (`quill_infra::AuthStack` does, every minute, while its maintenance handle
    /// lives).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Unexpected`] only.
    pub async fn maintain(&self) -> Result<Maintenance, StoreError> {
        let now = self.guard.now();
        Ok(Maintenance {
            expired_revocations: self.stores.standings.purge_revoked_tokens(now).await?,
            expired_sessions: self.stores.sessions.purge_expired(now).await?,
            idle_buckets: self.guard.throttle().prune(now).await?,
            expired_resets: self.stores.recovery.purge_expired_resets(now).await?,
            orphan_pictures: self.pictures.sweep_orphan_pictures(now).await?,
            expired_verifications: self
                .stores
                .verifications
                .purge_expired_verifications(now)
                .await?,
        })
    }
}

crate::opaque_debug!(AuthPorts);
