//! [`Email`]: the checked address that is an account's login name and where its mail goes.
//! Besides the syntax, it owns the rule of which addresses the mail path can deliver to, so
//! an account is never given an address its reset mail would be refused for.

use validator::ValidateEmail;

use super::inputs::is_invisible;
use crate::validation::{EmailFault, FieldError, FieldErrorKind, check_length};

/// An email address: trimmed, lower-cased, syntactically valid, at most 120 characters, and
/// one mail can be sent to (a plain local part at a host name; see [`Email::parse`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

/// The most bytes SMTP allows in a local part.
const LOCAL_PART_MAX_BYTES: usize = 64;
/// The most bytes of a domain name, and of one of its labels.
const DOMAIN_MAX_BYTES: usize = 253;
const LABEL_MAX_BYTES: usize = 63;

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

    /// Accepts a valid address that mail can be delivered to, and returns its canonical form.
    ///
    /// Valid but undeliverable forms are refused as malformed: a quoted or escaped local
    /// part (`"a b"@example.com`), an address literal (`alice@[127.0.0.1]`) or a domain
    /// whose last label is a number (`alice@127.0.0.1`), and parts longer than SMTP allows.
    /// The mail path could not send to them, so an account holding one could never be sent
    /// its reset link.
    ///
    /// # Errors
    /// A [`FieldError`] for `email` when the address is too long, malformed or undeliverable.
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::Email;
    ///
    /// assert_eq!(Email::parse("Alice@Example.com")?.as_str(), "alice@example.com");
    /// assert_eq!(Email::parse("not-an-email").unwrap_err().field, "email");
    /// assert!(Email::parse("alice@[127.0.0.1]").is_err());
    /// # Ok::<(), quill_domain::FieldError>(())
    /// ```
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let email = Self::normalize(raw);
        check_length("email", &email, 1, Some(Self::MAX_CHARS))?;
        if email.chars().any(is_invisible) {
            return Err(FieldError::new("email", FieldErrorKind::InvisibleCharacter));
        }
        if !email.validate_email() || !is_deliverable(&email) {
            let fault = if email.contains('@') {
                EmailFault::Malformed
            } else {
                EmailFault::NoAtSign
            };
            return Err(FieldError::new("email", FieldErrorKind::NotAnEmail(fault)));
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

/// Whether mail can be addressed to `address`: a dot-atom local part at a host name. This is
/// deliberately narrower than what an address may be, so every address it lets through is
/// one the mailer's own parser accepts too.
fn is_deliverable(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    is_dot_atom(local) && local.len() <= LOCAL_PART_MAX_BYTES && is_host_name(domain)
}

/// A local part without quoting: atoms of letters, digits and the few symbols RFC 5322 allows
/// unquoted, joined by single dots.
fn is_dot_atom(local: &str) -> bool {
    let atom_char = |c: char| {
        c.is_ascii_alphanumeric()
            || "!#$%&'*+-/=?^_`{|}~".contains(c)
            || (!c.is_ascii() && c.is_alphanumeric())
    };
    local
        .split('.')
        .all(|atom| !atom.is_empty() && atom.chars().all(atom_char))
}

/// A domain name (internationalised ones included): letters, digits and inner hyphens in
/// each label, and a last label that is not a number, so neither a bracketed address literal
/// nor a bare IP address passes.
fn is_host_name(domain: &str) -> bool {
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= LABEL_MAX_BYTES
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let top_is_a_number = domain
        .rsplit('.')
        .next()
        .is_some_and(|top| top.chars().all(|c| c.is_ascii_digit()));
    domain.len() <= DOMAIN_MAX_BYTES && domain.split('.').all(label_ok) && !top_is_a_number
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_with_invisible_characters_are_refused() {
        let refused = Email::parse("alice\u{200b}@example.com").unwrap_err();
        assert_eq!(refused.field, "email");
        assert!(Email::parse("alice@exa\u{202e}mple.com").is_err());
    }

    #[test]
    fn email_is_trimmed_and_lower_cased() {
        let email = Email::parse("  Alice@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "alice@example.com");
    }

    #[test]
    fn an_email_is_refused_for_a_missing_at_sign_or_a_malformed_address() {
        let err = Email::parse("not-an-email").unwrap_err();
        assert_eq!(err.field, "email");
        assert_eq!(err.kind, FieldErrorKind::NotAnEmail(EmailFault::NoAtSign));
        assert_eq!(
            Email::parse("a@b@c").unwrap_err().kind,
            FieldErrorKind::NotAnEmail(EmailFault::Malformed)
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
    fn addresses_the_mailer_cannot_deliver_to_are_refused_as_malformed() {
        for undeliverable in [
            "alice@[127.0.0.1]",
            "alice@[ipv6:::1]",
            "alice@127.0.0.1",
            "\"alice\"@example.com",
            "\"al ice\"@example.com",
            "\"al\\\"ice\"@example.com",
            "alice..smith@example.com",
            "alice.@example.com",
            "alice@-example.com",
            "alice@example-.com",
            &format!("{}@example.com", "a".repeat(65)),
            &format!("alice@{}.com", "b".repeat(64)),
        ] {
            let refused = Email::parse(undeliverable);
            assert_eq!(
                refused.map_err(|e| (e.field, e.kind)),
                Err(("email", FieldErrorKind::NotAnEmail(EmailFault::Malformed))),
                "{undeliverable}"
            );
        }
    }

    #[test]
    fn plain_international_and_tagged_addresses_are_accepted() {
        for deliverable in [
            "alice@example.com",
            "alice.smith+blog@mail.example.co.uk",
            "o'brien@example.ie",
            "user@bücher.example",
            "a1@123.example.com",
        ] {
            assert!(Email::parse(deliverable).is_ok(), "{deliverable}");
        }
    }
}
