//! quill's domain: every authentication and blog rule, over narrow ports.
//!
//! This crate owns what a user, a post and a credential are, which inputs are acceptable, and
//! every decision the service makes (who may log in, who owns what, what counts as a
//! duplicate, how fast anyone may guess a password, what goes into the audit trail). It knows nothing of SQL, HTTP, cryptography, configuration files or an async
//! runtime: storage, password hashing, tokens, time, rate-limit buckets ([`throttle`]) and the
//! audit trail ([`events`]) arrive through traits (each capability's own, in its folder),
//! implemented by `quill-infra` (or by the in-memory fakes of the `testing` module, behind the
//! `test-util` feature).
//!
//! Start reading at [`Auth`] (one service per capability of [`auth`]) and [`PostService`]
//! ([`blog`]); the values they accept are the parse-don't-validate types of [`user`] and
//! [`blog`], and what they refuse is a typed outcome per operation ([`LoginError`],
//! [`RegisterError`], [`PostError`], [`FieldError`]...) that any front end, quill's HTTP
//! layer or an embedding application's, maps to its own responses.
//!
//! # Example
//!
//! With the `test-util` fakes (no database, no runtime: any executor drives the futures):
//!
//! ```
//! use quill_domain::testing::Harness;
//! use quill_domain::{Client, Email, LoginError, Password, Registration, Username};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let h = Harness::new();
//! # futures_executor::block_on(async {
//! let client = Client::new([192, 0, 2, 1].into());
//! let alice = h
//!     .auth
//!     .accounts
//!     .register(client, Registration {
//!         username: Username::parse("alice")?,
//!         email: Email::parse("Alice@Example.com")?,
//!         password: Password::parse("quiet-harbour-lamp")?,
//!     })
//!     .await?;
//! assert_eq!(alice.email, "alice@example.com");
//!
//! let token = h
//!     .auth
//!     .login
//!     .with_password(client, "alice@example.com", &Password::attempt("quiet-harbour-lamp"))
//!     .await?;
//! assert_eq!(h.auth.sessions.authenticate(token.as_str()).await?.id(), alice.public.id);
//!
//! let wrong = h
//!     .auth
//!     .login
//!     .with_password(client, "alice@example.com", &Password::attempt("guess"))
//!     .await;
//! assert!(matches!(wrong, Err(LoginError::InvalidCredentials)));
//! # Ok(())
//! # })
//! # }
//! ```

/// Implements `Debug` for types that hold ports: trait objects (stores, hashers, keys) with
/// nothing fit to show.
macro_rules! opaque_debug {
    ($($holder:ty),+ $(,)?) => {
        $(impl std::fmt::Debug for $holder {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($holder)).finish_non_exhaustive()
            }
        })+
    };
}
pub(crate) use opaque_debug;

pub mod auth;
pub mod blog;
pub mod client;
pub mod clock;
pub mod content_tag;
pub mod error;
pub mod events;
pub mod mail;
mod secret;
#[cfg(feature = "test-util")]
pub mod testing;
pub mod throttle;
pub mod user;
pub mod validation;

pub use auth::account::{
    AccountPorts, AccountService, PasswordChangeError, ProfileError, ProfileReadError,
    ProfileUpdate, RegisterError, Registration,
};
pub use auth::error::{Held, UserAction};
pub use auth::hashing::{HashingGate, HashingLimits, HashingLoad, PasswordHasher, Verification};
pub use auth::login::{LoginError, LoginService};
pub use auth::picture::{
    PictureChangeError, PictureError, PictureName, PictureOwners, PicturePorts, PictureProcessor,
    PictureReadError, PictureService, PictureStore, PictureSwap, UploadLoad, UploadPlace,
};
pub use auth::recovery::{
    MailedResets, RecoveryPorts, RecoveryService, RecoveryStore, ResetDigest, ResetError,
    ResetIssue, ResetMailPace, ResetRequest, ResetRequestQueue, ResetSecrets, ResetToken,
};
pub use auth::session::{
    AccessToken, Caller, Grant, HeldRefresh, NewSession, OwnSession, PublicKeyMaterial,
    PublishedKey, Recency, RefreshDigest, RefreshError, RefreshToken, Session, SessionError,
    SessionId, SessionInfo, SessionPorts, SessionSecrets, SessionService, SessionStart,
    SessionStore, TokenClaims, TokenCodec, TokenError, TokenRejected, TokenStanding,
    TokenStandings,
};
pub use auth::verification::{
    AccountSecurity, LinkRequest, SecurityReadError, VerificationDigest, VerificationIssue,
    VerificationMailError, VerificationPorts, VerificationSecrets, VerificationService,
    VerificationStore, VerificationToken, VerifyEmailError,
};
pub use auth::{Auth, AuthPolicy, AuthPorts, EmailVerification, Guard, Letters, Maintenance};
pub use blog::{
    Authors, NewPost, Page, Post, PostAction, PostChanges, PostContent, PostDraft, PostError,
    PostId, PostRepository, PostService, PostTitle, PostVersion, PostWithAuthor,
};
pub use client::{Client, ClientKey};
pub use clock::Clock;
pub use content_tag::ContentTag;
pub use error::{StoreError, Unexpected};
pub use events::{
    AttemptedAccount, AuthAction, AuthEvent, AuthEvents, AuthOutcome, NoAuthEvents, TokenRefusal,
};
pub use mail::{
    Deferral, DeliveryPolicy, DeliveryReport, Mail, MailDelivery, MailError, MailId, MailOutbox,
    Mailer, OutboxDepth, QueuedMail,
};
pub use throttle::{Admission, InMemoryThrottle, Rate, Throttle, ThrottleKey, ThrottleScope};
pub use user::{
    Email, ImageFile, NewUser, Password, PasswordBlocklist, PasswordHash, PrivateUser, PublicUser,
    User, UserChanges, UserId, UserRepository, Username, common_password_count, is_common_password,
};
pub use validation::{EmailFault, FieldError, FieldErrorKind, ValidationErrors};
