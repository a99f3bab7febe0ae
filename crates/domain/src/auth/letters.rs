//! [`Letters`]: what each notice of the auth core says, from the plain-text templates beside
//! this module, with links built from the configured public address (never from a request's
//! `Host`, which a client chooses).

use std::time::Duration;

use crate::mail::Mail;
use crate::user::User;

const PASSWORD_RESET: &str = include_str!("templates/password_reset.txt");
const PASSWORD_CHANGED: &str = include_str!("templates/password_changed.txt");
const EMAIL_CHANGED: &str = include_str!("templates/email_changed.txt");
const EMAIL_VERIFICATION: &str = include_str!("templates/email_verification.txt");

/// Writes the auth core's mails. The reset link carries its token in the fragment
/// (`/reset-password#token=...`), which browsers send to no server and put in no `Referer`.
///
/// ```
/// use quill_domain::Letters;
///
/// let letters = Letters::new("https://blog.example.com/");
/// assert_eq!(letters.base_url(), "https://blog.example.com");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letters {
    base_url: String,
}

impl Default for Letters {
    /// Links to a server started on its own machine with no settings; the default of
    /// `PUBLIC_BASE_URL` too.
    fn default() -> Self {
        Self::new("http://127.0.0.1:8000")
    }
}

impl Letters {
    /// Letters whose links start with `base_url` (the site's public address; a trailing `/`
    /// is dropped).
    #[must_use]
    pub fn new(base_url: &str) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    /// The public address links start with.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The link a reset mail carries, with the reset token's secret in its fragment (so it
    /// never reaches a server's log).
    #[must_use]
    pub fn reset_link(&self, token: &str) -> String {
        format!("{}/reset-password#token={token}", self.base_url)
    }

    /// The mail with a reset link for the token whose secret is `token`, valid for `lifetime`.
    #[must_use]
    pub fn password_reset(&self, user: &User, token: &str, lifetime: Duration) -> Mail {
        let minutes = (lifetime.as_secs() / 60).max(1).to_string();
        let link = self.reset_link(token);
        let body = render(
            PASSWORD_RESET,
            &[
                ("username", &user.username),
                ("minutes", &minutes),
                ("link", &link),
            ],
        );
        Mail::new(&user.email, "Reset your quill password", body)
    }

    /// The link a verification mail carries, with its token's secret in the fragment: the
    /// page asks for a click before it posts it, so a mail scanner following the link
    /// verifies nothing.
    #[must_use]
    pub fn verification_link(&self, token: &str) -> String {
        format!("{}/verify-email#token={token}", self.base_url)
    }

    /// The mail, to the address it verifies, with a verification link for the token whose
    /// secret is `token`, valid for `lifetime`.
    #[must_use]
    pub fn email_verification(&self, user: &User, token: &str, lifetime: Duration) -> Mail {
        let hours = (lifetime.as_secs() / 3600).max(1).to_string();
        let link = self.verification_link(token);
        let body = render(
            EMAIL_VERIFICATION,
            &[
                ("username", &user.username),
                ("email", &user.email),
                ("hours", &hours),
                ("link", &link),
            ],
        );
        Mail::new(&user.email, "Confirm your quill email address", body)
    }

    /// The notice that the password changed (by a reset or by the owner).
    #[must_use]
    pub fn password_changed(&self, user: &User) -> Mail {
        let body = render(
            PASSWORD_CHANGED,
            &[("username", &user.username), ("base", &self.base_url)],
        );
        Mail::new(&user.email, "Your quill password was changed", body)
    }

    /// The notice, sent to the old address, that the login email changed to `new_email`.
    #[must_use]
    pub fn email_changed(&self, before: &User, new_email: &str) -> Mail {
        let body = render(
            EMAIL_CHANGED,
            &[
                ("username", &before.username),
                ("new_email", new_email),
                ("base", &self.base_url),
            ],
        );
        Mail::new(&before.email, "Your quill sign-in email was changed", body)
    }
}

/// Fills `{name}` placeholders in one pass, so a value that itself looks like a placeholder
/// (a username of `{link}`) is written as it is.
fn render(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 128);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            values
                .iter()
                .find(|(known, _)| *known == name)
                .map(|(_, value)| (*value, close))
        });
        match value {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::user::{PasswordHash, UserId};

    fn alice(username: &str) -> User {
        User {
            id: UserId(1),
            username: username.into(),
            email: "alice@example.com".into(),
            password_hash: PasswordHash::new("$argon2id$"),
            image_file: None,
            token_generation: 0,
            profile_revision: 0,
        }
    }

    #[test]
    fn a_reset_mail_links_to_the_reset_page_with_the_token_in_the_fragment() {
        let letters = Letters::new("https://blog.example.com/");
        let mail =
            letters.password_reset(&alice("alice"), "abc_DEF-123", Duration::from_secs(3600));
        assert_eq!(mail.to, "alice@example.com");
        assert!(
            mail.body
                .contains("https://blog.example.com/reset-password#token=abc_DEF-123\n")
        );
        assert!(mail.body.contains("within 60 minutes"));
        assert!(!mail.body.contains('{'));
    }

    #[test]
    fn a_username_that_looks_like_a_placeholder_is_written_as_it_is() {
        let letters = Letters::default();
        let mail = letters.password_changed(&alice("{base}"));
        assert!(mail.body.starts_with("Hello {base},"));
        assert!(mail.body.contains("http://127.0.0.1:8000/forgot-password"));
    }

    #[test]
    fn the_email_change_notice_goes_to_the_old_address_and_names_the_new_one() {
        let mail = Letters::default().email_changed(&alice("alice"), "new@example.com");
        assert_eq!(mail.to, "alice@example.com");
        assert!(mail.body.contains("to new@example.com."));
    }

    #[test]
    fn a_verification_mail_goes_to_the_account_and_links_to_the_verify_page() {
        let letters = Letters::new("https://blog.example.com");
        let mail =
            letters.email_verification(&alice("alice"), "tok_EN-1", Duration::from_secs(24 * 3600));
        assert_eq!(mail.to, "alice@example.com");
        assert!(
            mail.body
                .contains("https://blog.example.com/verify-email#token=tok_EN-1\n")
        );
        assert!(mail.body.contains("within 24 hours"));
        assert!(!mail.body.contains('{'));
    }

    #[test]
    fn an_unknown_or_unclosed_brace_is_kept() {
        assert_eq!(render("a {x} {b", &[("b", "B")]), "a {x} {b");
    }
}
