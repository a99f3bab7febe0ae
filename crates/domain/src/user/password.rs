//! Secrets: a password (being chosen, or attempted at login) and the stored hash of one.
//! Neither ever shows in `Debug`.

use std::fmt;

use crate::validation::{FieldError, check_length};

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

    /// Takes a password sent to confirm a sensitive change: any text a password can be (1 to
    /// [`Password::MAX_CHARS`] characters), checked against the account's hash only when the
    /// change needs it, so its bounds hold whether or not it is checked.
    ///
    /// # Errors
    /// A [`FieldError`] for `password` when the length is outside that range.
    ///
    /// ```
    /// use quill_domain::Password;
    ///
    /// assert!(Password::confirming("short").is_ok());
    /// assert!(Password::confirming("").is_err());
    /// assert!(Password::confirming("x".repeat(Password::MAX_CHARS + 1)).is_err());
    /// ```
    pub fn confirming(raw: impl Into<String>) -> Result<Self, FieldError> {
        let raw = raw.into();
        check_length("password", &raw, 1, Some(Self::MAX_CHARS))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::FieldErrorKind;

    #[test]
    fn new_password_must_have_between_8_and_256_characters() {
        assert_eq!(
            Password::parse("short").unwrap_err().kind,
            FieldErrorKind::TooShort { min: 8 }
        );
        assert!(Password::parse("x".repeat(256)).is_ok());
        assert!(Password::parse("x".repeat(257)).is_err());
    }
}
