//! Users: who they are ([`User`]), what others may see of them ([`PublicUser`],
//! [`PrivateUser`]), and the checked inputs that create or change them.

use std::fmt;

mod common;
mod email;
mod inputs;
mod lookalike;
mod password;
mod repository;

pub use common::{PasswordBlocklist, common_password_count, is_common_password};
pub use email::Email;
pub use inputs::{ImageFile, Username, invisible_character_ranges};
pub use lookalike::{NameCharacterClasses, name_character_classes};
pub use password::{Password, PasswordHash};
pub use repository::UserRepository;

/// A user's identifier. Never reused, so a token naming a deleted account cannot match a
/// later one.
///
/// ```
/// use quill_domain::UserId;
///
/// assert_eq!(UserId(7).to_string(), "7");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserId(pub i64);

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A stored account. Deliberately not serialisable and with its hash hidden from `Debug`:
/// only [`PublicUser`] and [`PrivateUser`] leave the service. It is what
/// [`SessionService::authenticate`](crate::SessionService::authenticate) returns, so the caller of a
/// protected route has one.
///
/// ```
/// use quill_domain::{PasswordHash, PrivateUser, PublicUser, User, UserId};
///
/// let user = User {
///     id: UserId(1),
///     username: "alice".into(),
///     email: "alice@example.com".into(),
///     password_hash: PasswordHash::new("$argon2id$..."),
///     image_file: None,
///     token_generation: 0,
///     profile_revision: 0,
/// };
/// assert!(!format!("{user:?}").contains("argon2id"));
/// assert_eq!(PublicUser::from(&user).username, "alice");
/// assert_eq!(PrivateUser::from(&user).email, "alice@example.com");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    /// Its identifier.
    pub id: UserId,
    /// Display name as written.
    pub username: String,
    /// Canonical (lower-cased) email address.
    pub email: String,
    /// The Argon2 PHC string of its password.
    pub password_hash: PasswordHash,
    /// Its profile picture's file name, if it has one.
    pub image_file: Option<String>,
    /// Which generation of tokens is valid: tokens of an earlier one were revoked.
    pub token_generation: i64,
    /// Moves on every change of the account, so a cache can tell its public view may have
    /// changed without reading it.
    pub profile_revision: i64,
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("email", &self.email)
            .field("password_hash", &self.password_hash)
            .field("image_file", &self.image_file)
            .field("token_generation", &self.token_generation)
            .field("profile_revision", &self.profile_revision)
            .finish()
    }
}

/// What anyone may see of a user: no email. Made from a [`User`] with `From`, or returned
/// by [`AccountService::public_profile`](crate::AccountService::public_profile).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUser {
    /// Its identifier.
    pub id: UserId,
    /// Display name.
    pub username: String,
    /// Profile picture file name, if any.
    pub image_file: Option<String>,
    /// The account's [`User::profile_revision`].
    pub revision: i64,
}

impl From<&User> for PublicUser {
    fn from(user: &User) -> Self {
        Self {
            id: user.id,
            username: user.username.clone(),
            image_file: user.image_file.clone(),
            revision: user.profile_revision,
        }
    }
}

/// What a user may see of themself: the public view plus their email. Made from a [`User`]
/// with `From`, or returned by the capabilities' methods that act on
/// one's own account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateUser {
    /// The public part.
    pub public: PublicUser,
    /// Canonical email address.
    pub email: String,
}

impl From<&User> for PrivateUser {
    fn from(user: &User) -> Self {
        Self {
            public: PublicUser::from(user),
            email: user.email.clone(),
        }
    }
}

/// An account about to be stored, as [`AccountService::register`](crate::AccountService::register)
/// hands it to a [`UserRepository`]: the password already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Display name.
    pub username: Username,
    /// Canonical email address.
    pub email: Email,
    /// Hash of the chosen password.
    pub password_hash: PasswordHash,
}

/// Changes to an account's profile; `None` leaves a field as it is.
///
/// ```
/// use quill_domain::{ImageFile, UserChanges};
///
/// let new_picture = UserChanges {
///     image_file: Some(ImageFile::parse("me.jpg")?),
///     ..UserChanges::default()
/// };
/// assert!(new_picture.username.is_none());
/// # Ok::<(), quill_domain::FieldError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    /// New display name.
    pub username: Option<Username>,
    /// New email address.
    pub email: Option<Email>,
    /// New picture file name.
    pub image_file: Option<ImageFile>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show_in_debug_output() {
        let user = User {
            id: UserId(1),
            username: "alice".into(),
            email: "alice@example.com".into(),
            password_hash: PasswordHash::new("$argon2id$v=19$secret"),
            image_file: None,
            token_generation: 0,
            profile_revision: 0,
        };
        let shown = format!("{user:?} {:?}", Password::attempt("hunter22"));
        assert!(!shown.contains("secret"));
        assert!(!shown.contains("hunter22"));
    }
}
