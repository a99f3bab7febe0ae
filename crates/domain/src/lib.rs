//! quill's domain: every authentication and blog rule, over narrow ports.
//!
//! This crate owns what a user, a post and a credential are, which inputs are acceptable, and
//! every decision the service makes (who may log in, who owns what, what counts as a
//! duplicate, how fast anyone may guess a password, what goes into the audit trail). It knows nothing of SQL, HTTP, cryptography, configuration files or an async
//! runtime: storage, password hashing, tokens, time, rate-limit buckets ([`throttle`]) and the
//! audit trail ([`events`]) arrive through traits (most in [`ports`]),
//! implemented by `quill-infra` (or by the in-memory fakes of the `testing` module, behind the
//! `test-util` feature).
//!
//! Start reading at [`AuthService`] and [`PostService`]; the values they accept are the
//! parse-don't-validate types of [`user`] and [`post`], and what they refuse is a typed
//! outcome ([`AuthError`], [`PostError`], [`FieldError`]) that any front end, quill's HTTP
//! layer or an embedding application's, maps to its own responses.
//!
//! # Example
//!
//! With the `test-util` fakes (no database, no runtime: any executor drives the futures):
//!
//! ```
//! use quill_domain::testing::Harness;
//! use quill_domain::{AuthError, Client, Email, Password, Registration, Username};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let h = Harness::new();
//! # futures_executor::block_on(async {
//! let client = Client::new([192, 0, 2, 1].into());
//! let alice = h
//!     .auth
//!     .register(client, Registration {
//!         username: Username::parse("alice")?,
//!         email: Email::parse("Alice@Example.com")?,
//!         password: Password::parse("password123")?,
//!     })
//!     .await?;
//! assert_eq!(alice.email, "alice@example.com");
//!
//! let token = h
//!     .auth
//!     .login(client, "alice@example.com", &Password::attempt("password123"))
//!     .await?;
//! assert_eq!(h.auth.authenticate(token.as_str()).await?.id(), alice.public.id);
//!
//! let wrong = h
//!     .auth
//!     .login(client, "alice@example.com", &Password::attempt("guess"))
//!     .await;
//! assert!(matches!(wrong, Err(AuthError::InvalidCredentials)));
//! # Ok(())
//! # })
//! # }
//! ```

pub mod auth;
pub mod client;
pub mod content_tag;
pub mod error;
pub mod events;
pub mod mail;
pub mod picture;
pub mod ports;
pub mod post;
pub mod posts;
pub mod recovery;
mod secret;
pub mod sessions;
#[cfg(feature = "test-util")]
pub mod testing;
pub mod throttle;
pub mod user;
pub mod validation;

pub use auth::{
    AuthError, AuthPolicy, AuthPorts, AuthService, Caller, Grant, HashingLoad, Maintenance,
    OwnSession, ProfileUpdate, Registration, Session, SessionStart, UploadLoad, UploadPlace,
    UserAction,
};
pub use client::{Client, ClientKey};
pub use content_tag::{ContentTag, PostVersion};
pub use error::Unexpected;
pub use events::{
    AttemptedAccount, AuthAction, AuthEvent, AuthEvents, AuthOutcome, NoAuthEvents, TokenRefusal,
};
pub use mail::{
    Deferral, DeliveryPolicy, DeliveryReport, Letters, Mail, MailDelivery, MailError, MailId,
    MailOutbox, Mailer, OutboxDepth, QueuedMail,
};
pub use picture::{PictureError, PictureName, PictureProcessor, PictureStore, PictureSwap};
pub use ports::{
    AccessToken, Clock, HashingError, PasswordHasher, PostRepository, PublicKeyMaterial,
    PublishedKey, StoreError, TokenClaims, TokenCodec, TokenRejected, TokenStanding,
    UserRepository, Verification,
};
pub use post::{NewPost, Page, Post, PostChanges, PostContent, PostId, PostTitle, PostWithAuthor};
pub use posts::{PostAction, PostDraft, PostError, PostService};
pub use recovery::{
    MailedResets, RecoveryStore, ResetDigest, ResetIssue, ResetMailPace, ResetRequest,
    ResetRequestQueue, ResetSecrets, ResetToken,
};
pub use sessions::{
    HeldRefresh, NewSession, RefreshDigest, RefreshToken, SessionId, SessionInfo, SessionSecrets,
    SessionStore,
};
pub use throttle::{Admission, InMemoryThrottle, Rate, Throttle, ThrottleKey, ThrottleScope};
pub use user::{
    Email, ImageFile, NewUser, Password, PasswordHash, PrivateUser, PublicUser, User, UserChanges,
    UserId, Username,
};
pub use validation::{EmailFault, FieldError, FieldErrorKind, ValidationErrors};
