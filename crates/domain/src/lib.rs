//! quill's domain: every authentication and blog rule, over narrow ports.
//!
//! This crate owns what a user, a post and a credential are, which inputs are acceptable, and
//! every decision the service makes (who may log in, who owns what, what counts as a
//! duplicate). It knows nothing of SQL, HTTP, cryptography, configuration files or an async
//! runtime: storage, password hashing, tokens and time arrive through the traits in [`ports`],
//! implemented by `quill-infra` (or by the in-memory fakes of [`testing`], behind the
//! `test-util` feature).
//!
//! Start reading at [`AuthService`] and [`PostService`]; the values they accept are the
//! parse-don't-validate types of [`user`] and [`post`].

pub mod auth;
pub mod error;
pub mod ports;
pub mod post;
pub mod posts;
#[cfg(feature = "test-util")]
pub mod testing;
pub mod user;
pub mod validation;

pub use auth::{AuthError, AuthService, ProfileUpdate, Registration, UserAction};
pub use error::Unexpected;
pub use ports::{
    AccessToken, Clock, PasswordHasher, PostRepository, StoreError, SystemClock, TokenCodec,
    TokenRejected, UserRepository, Verification,
};
pub use post::{NewPost, Page, Post, PostChanges, PostContent, PostId, PostTitle, PostWithAuthor};
pub use posts::{PostAction, PostDraft, PostError, PostService};
pub use user::{
    Email, ImageFile, NewUser, Password, PasswordHash, PrivateUser, PublicUser, User, UserChanges,
    UserId, Username,
};
pub use validation::{FieldError, FieldErrorKind, ValidationErrors};
