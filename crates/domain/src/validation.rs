//! Why an input was refused, field by field, so an adapter can report every problem at once
//! (HTTP turns these into a 422 list) without matching on message strings.

use std::fmt;

/// What is wrong with one field: a kind to branch on, with the numbers a message needs. Its
/// `Display` is a short English phrase for logs and plain front ends; an adapter that speaks a
/// contract (HTTP's 422 list) maps the kinds to its own codes and wording.
///
/// ```
/// use quill_domain::FieldErrorKind;
///
/// let kind = FieldErrorKind::TooShort { min: 8 };
/// assert_eq!(kind.to_string(), "needs at least 8 characters");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldErrorKind {
    /// The field is required and was not given.
    Missing,
    /// Fewer characters than allowed.
    TooShort {
        /// The fewest characters allowed.
        min: usize,
    },
    /// More characters than allowed.
    TooLong {
        /// The most characters allowed.
        max: usize,
    },
    /// A number below the allowed range.
    TooSmall {
        /// The smallest value allowed.
        min: i64,
    },
    /// A number above the allowed range.
    TooLarge {
        /// The largest value allowed.
        max: i64,
    },
    /// Nothing but white space.
    Blank,
    /// A control or invisible (format) character, which would let two names look alike.
    InvisibleCharacter,
    /// White space at the start or the end, which would let two names look alike.
    SurroundingSpace,
    /// Letters of more than one of the Latin, Greek and Cyrillic alphabets (a Cyrillic `а`
    /// among Latin letters, say), which would let a name pass for another.
    MixedScripts,
    /// Not an email address.
    NotAnEmail(EmailFault),
    /// Not a plain file name: a path, a URL's punctuation, a hidden file or a control
    /// character.
    NotAPlainFileName,
    /// A password that is too predictable: one of the most common, or one containing the
    /// account's own name (see [`PasswordBlocklist`](crate::PasswordBlocklist)).
    TooCommon,
}

/// Why a text is not an email address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailFault {
    /// It has no `@`.
    NoAtSign,
    /// It has an `@` but is malformed around it.
    Malformed,
}

impl fmt::Display for FieldErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => f.write_str("is required"),
            Self::TooShort { min } => {
                write!(f, "needs at least {min} character{}", plural(*min))
            }
            Self::TooLong { max } => write!(f, "allows at most {max} character{}", plural(*max)),
            Self::TooSmall { min } => write!(f, "must be at least {min}"),
            Self::TooLarge { max } => write!(f, "must be at most {max}"),
            Self::Blank => f.write_str("must not be blank"),
            Self::InvisibleCharacter => {
                f.write_str("must not contain control or invisible characters")
            }
            Self::SurroundingSpace => f.write_str("must not begin or end with a space"),
            Self::MixedScripts => f.write_str("must not mix Latin, Greek and Cyrillic letters"),
            Self::NotAnEmail(EmailFault::NoAtSign) => {
                f.write_str("is not an email address: it has no @-sign")
            }
            Self::NotAnEmail(EmailFault::Malformed) => f.write_str("is not a valid email address"),
            Self::NotAPlainFileName => f.write_str("must be a plain file name"),
            Self::TooCommon => f.write_str("is too common or contains the account's name"),
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// One refused field: its name as the caller spelled it, and what is wrong. Every `parse`
/// constructor of the domain's input types returns one.
///
/// ```
/// use quill_domain::{FieldErrorKind, Password};
///
/// let refused = Password::parse("short").unwrap_err();
/// assert_eq!(refused.field, "password");
/// assert_eq!(refused.kind, FieldErrorKind::TooShort { min: 8 });
/// assert_eq!(refused.to_string(), "password needs at least 8 characters");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {kind}")]
pub struct FieldError {
    /// The input field's name (`"username"`, `"limit"`, ...).
    pub field: &'static str,
    /// What is wrong with it.
    pub kind: FieldErrorKind,
}

impl FieldError {
    /// A refusal of `field` for `kind`.
    #[must_use]
    pub fn new(field: &'static str, kind: FieldErrorKind) -> Self {
        Self { field, kind }
    }
}

/// Every refused field of one input, in the order they were checked, so a form can report
/// all its problems at once.
///
/// ```
/// use quill_domain::{Email, Username, ValidationErrors};
///
/// let mut errors = ValidationErrors::new();
/// let username = errors.collect(Username::parse("alice"));
/// let email = errors.collect(Email::parse("nope"));
/// assert!(username.is_some() && email.is_none());
/// assert_eq!(errors.errors().len(), 1);
/// assert_eq!(errors.errors()[0].field, "email");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationErrors(Vec<FieldError>);

impl ValidationErrors {
    /// No errors yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one refused field.
    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// Keeps the value of `result`, recording its error if there is one.
    pub fn collect<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        result.map_err(|e| self.push(e)).ok()
    }

    /// Whether nothing was refused.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The refused fields.
    #[must_use]
    pub fn errors(&self) -> &[FieldError] {
        &self.0
    }
}

impl From<FieldError> for ValidationErrors {
    fn from(error: FieldError) -> Self {
        Self(vec![error])
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for e in &self.0 {
            if !first {
                f.write_str("; ")?;
            }
            first = false;
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// Checks a string's length in characters (not bytes), as the contract counts it.
pub(crate) fn check_length(
    field: &'static str,
    value: &str,
    min: usize,
    max: Option<usize>,
) -> Result<(), FieldError> {
    let count = value.chars().count();
    if count < min {
        return Err(FieldError::new(field, FieldErrorKind::TooShort { min }));
    }
    if let Some(max) = max
        && count > max
    {
        return Err(FieldError::new(field, FieldErrorKind::TooLong { max }));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_is_counted_in_characters_not_bytes() {
        assert!(check_length("f", "ééé", 1, Some(3)).is_ok());
        assert_eq!(
            check_length("f", "éééé", 1, Some(3)),
            Err(FieldError::new("f", FieldErrorKind::TooLong { max: 3 }))
        );
    }

    #[test]
    fn messages_name_the_limit_and_agree_in_number() {
        assert_eq!(
            FieldError::new("password", FieldErrorKind::TooShort { min: 8 }).to_string(),
            "password needs at least 8 characters"
        );
        assert_eq!(
            FieldErrorKind::TooLong { max: 1 }.to_string(),
            "allows at most 1 character"
        );
    }
}
