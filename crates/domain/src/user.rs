//! Users: who they are ([`User`]), what others may see of them ([`PublicUser`],
//! [`PrivateUser`]), and the checked inputs that create or change them.

use std::fmt;

use validator::ValidateEmail;

use crate::validation::{FieldError, FieldErrorKind, check_length};

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

/// A display name: 1 to 50 characters, unique regardless of letter case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// The most characters a username may have.
    pub const MAX_CHARS: usize = 50;

    /// Accepts a username of 1 to 50 characters, kept exactly as written.
    ///
    /// # Errors
    /// A [`FieldError`] for `username` when the length is outside that range.
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::{FieldErrorKind, Username};
    ///
    /// assert_eq!(Username::parse("Alice")?.as_str(), "Alice");
    /// let refused = Username::parse("").unwrap_err();
    /// assert_eq!(refused.field, "username");
    /// assert_eq!(refused.kind, FieldErrorKind::TooShort { min: 1 });
    /// # Ok::<(), quill_domain::FieldError>(())
    /// ```
    pub fn parse(raw: impl Into<String>) -> Result<Self, FieldError> {
        let raw = raw.into();
        check_length("username", &raw, 1, Some(Self::MAX_CHARS))?;
        Ok(Self(raw))
    }

    /// The name as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as written, taken out.
    #[must_use]
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An email address: trimmed, lower-cased, syntactically valid, at most 120 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// The most characters an address may have.
    pub const MAX_CHARS: usize = 120;

    /// The canonical form addresses are stored and looked up in: trimmed and lower-cased.
    /// Login uses it on whatever the caller typed, valid or not.
    ///
    /// ```
    /// use quill_domain::Email;
    ///
    /// assert_eq!(Email::normalize(" Alice@Example.COM "), "alice@example.com");
    /// ```
    #[must_use]
    pub fn normalize(raw: &str) -> String {
        raw.trim().to_lowercase()
    }

    /// Accepts a valid address and returns its canonical form.
    ///
    /// # Errors
    /// A [`FieldError`] for `email` when the address is too long or malformed.
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::Email;
    ///
    /// assert_eq!(Email::parse("Alice@Example.com")?.as_str(), "alice@example.com");
    /// assert_eq!(Email::parse("not-an-email").unwrap_err().field, "email");
    /// # Ok::<(), quill_domain::FieldError>(())
    /// ```
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let email = Self::normalize(raw);
        check_length("email", &email, 1, Some(Self::MAX_CHARS))?;
        if !email.validate_email() {
            let reason = if email.contains('@') {
                "The email address is not valid."
            } else {
                "An email address must have an @-sign."
            };
            return Err(FieldError::new(
                "email",
                FieldErrorKind::Invalid(format!("value is not a valid email address: {reason}")),
            ));
        }
        Ok(Self(email))
    }

    /// The canonical address.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The canonical address, taken out.
    #[must_use]
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A password in plain text, on its way to the hasher. Its `Debug` never shows it.
///
/// [`Password::parse`] checks a new password; [`Password::attempt`] takes a login attempt
/// as typed, since an old password that predates a rule must still log in.
///
/// ```
/// use quill_domain::Password;
///
/// let password = Password::parse("correct horse")?;
/// assert_eq!(format!("{password:?}"), "Password(<redacted>)");
/// assert!(Password::parse("short").is_err());
/// assert_eq!(Password::attempt("short").expose(), "short");
/// # Ok::<(), quill_domain::FieldError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// The fewest characters a new password may have.
    pub const MIN_CHARS: usize = 8;
    /// The most characters a new password may have.
    pub const MAX_CHARS: usize = 256;

    /// Accepts a password for a new credential: 8 to 256 characters, nothing else demanded
    /// and nothing truncated.
    ///
    /// # Errors
    /// A [`FieldError`] for `password` when the length is outside that range.
    pub fn parse(raw: impl Into<String>) -> Result<Self, FieldError> {
        let raw = raw.into();
        check_length("password", &raw, Self::MIN_CHARS, Some(Self::MAX_CHARS))?;
        Ok(Self(raw))
    }

    /// Takes whatever a login form carried. Length rules apply to new passwords only: an
    /// attempt is simply right or wrong.
    #[must_use]
    pub fn attempt(raw: impl Into<String>) -> Self {
        Self(raw.into())
    }

    /// The plain text, for the hasher alone.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// A stored password hash (a PHC string). Hidden from `Debug`: it is offline-crackable.
///
/// ```
/// use quill_domain::PasswordHash;
///
/// let hash = PasswordHash::new("$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA");
/// assert!(hash.as_str().starts_with("$argon2id$"));
/// assert_eq!(format!("{hash:?}"), "PasswordHash(<redacted>)");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a hash as produced by a [`PasswordHasher`](crate::PasswordHasher) or read back
    /// from storage.
    #[must_use]
    pub fn new(phc: impl Into<String>) -> Self {
        Self(phc.into())
    }

    /// The PHC string.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

/// The file name of an uploaded profile picture: a plain name of at most 200 characters,
/// never a path, so the derived URL always stays inside the pictures folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFile(String);

impl ImageFile {
    /// The most characters a file name may have.
    pub const MAX_CHARS: usize = 200;

    /// Accepts a plain file name.
    ///
    /// # Errors
    /// A [`FieldError`] for `image_file` when it is empty, too long, or looks like a path.
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::ImageFile;
    ///
    /// assert_eq!(ImageFile::parse("me.jpg")?.as_str(), "me.jpg");
    /// assert!(ImageFile::parse("../secrets").is_err());
    /// # Ok::<(), quill_domain::FieldError>(())
    /// ```
    pub fn parse(raw: impl Into<String>) -> Result<Self, FieldError> {
        let raw = raw.into();
        check_length("image_file", &raw, 1, Some(Self::MAX_CHARS))?;
        let is_plain_name = !raw.starts_with('.')
            && !raw
                .chars()
                .any(|c| matches!(c, '/' | '\\' | '?' | '#' | '%') || c.is_control());
        if !is_plain_name {
            return Err(FieldError::new(
                "image_file",
                FieldErrorKind::Invalid("Value error, image_file must be a plain file name".into()),
            ));
        }
        Ok(Self(raw))
    }

    /// The file name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where the picture of a user with this `image_file` is served from.
///
/// ```
/// use quill_domain::user::image_path;
///
/// assert_eq!(image_path(Some("me.jpg")), "/media/profile_pics/me.jpg");
/// assert_eq!(image_path(None), "/static/profile_pics/default.jpg");
/// ```
#[must_use]
pub fn image_path(image_file: Option<&str>) -> String {
    match image_file {
        Some(name) => format!("/media/profile_pics/{name}"),
        None => "/static/profile_pics/default.jpg".to_owned(),
    }
}

/// A stored account. Deliberately not serialisable and with its hash hidden from `Debug`:
/// only [`PublicUser`] and [`PrivateUser`] leave the service. It is what
/// [`AuthService::authenticate`](crate::AuthService::authenticate) returns, so the caller of a
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
            .finish()
    }
}

/// What anyone may see of a user: no email. Made from a [`User`] with `From`, or returned
/// by [`AuthService::public_profile`](crate::AuthService::public_profile).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUser {
    /// Its identifier.
    pub id: UserId,
    /// Display name.
    pub username: String,
    /// Profile picture file name, if any.
    pub image_file: Option<String>,
}

impl PublicUser {
    /// The URL path of the user's picture (the default picture when none is set).
    #[must_use]
    pub fn image_path(&self) -> String {
        image_path(self.image_file.as_deref())
    }
}

impl From<&User> for PublicUser {
    fn from(user: &User) -> Self {
        Self {
            id: user.id,
            username: user.username.clone(),
            image_file: user.image_file.clone(),
        }
    }
}

/// What a user may see of themself: the public view plus their email. Made from a [`User`]
/// with `From`, or returned by the [`AuthService`](crate::AuthService) methods that act on
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

/// An account about to be stored, as [`AuthService::register`](crate::AuthService::register)
/// hands it to a [`UserRepository`](crate::UserRepository): the password already hashed.
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
    fn email_is_trimmed_and_lower_cased() {
        let email = Email::parse("  Alice@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "alice@example.com");
    }

    #[test]
    fn email_without_at_sign_is_refused_with_a_reason() {
        let err = Email::parse("not-an-email").unwrap_err();
        assert_eq!(err.field, "email");
        assert!(
            err.kind
                .to_string()
                .starts_with("value is not a valid email address: ")
        );
    }

    #[test]
    fn email_longer_than_120_characters_is_refused() {
        let long = format!("{}@example.com", "a".repeat(110));
        assert_eq!(
            Email::parse(&long).unwrap_err().kind,
            FieldErrorKind::TooLong { max: 120 }
        );
    }

    #[test]
    fn username_must_have_between_1_and_50_characters() {
        assert!(Username::parse("").is_err());
        assert!(Username::parse("a").is_ok());
        assert!(Username::parse("x".repeat(50)).is_ok());
        assert_eq!(
            Username::parse("x".repeat(51)).unwrap_err().kind,
            FieldErrorKind::TooLong { max: 50 }
        );
    }

    #[test]
    fn new_password_must_have_between_8_and_256_characters() {
        assert_eq!(
            Password::parse("short").unwrap_err().kind,
            FieldErrorKind::TooShort { min: 8 }
        );
        assert!(Password::parse("x".repeat(256)).is_ok());
        assert!(Password::parse("x".repeat(257)).is_err());
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let user = User {
            id: UserId(1),
            username: "alice".into(),
            email: "alice@example.com".into(),
            password_hash: PasswordHash::new("$argon2id$v=19$secret"),
            image_file: None,
            token_generation: 0,
        };
        let shown = format!("{user:?} {:?}", Password::attempt("hunter22"));
        assert!(!shown.contains("secret"));
        assert!(!shown.contains("hunter22"));
    }

    #[test]
    fn image_path_points_at_the_default_picture_when_none_is_set() {
        assert_eq!(image_path(None), "/static/profile_pics/default.jpg");
        assert_eq!(image_path(Some("a.png")), "/media/profile_pics/a.png");
    }

    #[test]
    fn image_file_must_be_a_plain_name() {
        assert!(ImageFile::parse("me.jpg").is_ok());
        assert!(ImageFile::parse("../etc/passwd").is_err());
        assert!(ImageFile::parse("a/b.jpg").is_err());
        assert!(ImageFile::parse("").is_err());
    }
}
