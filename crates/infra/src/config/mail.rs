//! The mail settings: the public address links start with, the sender, and either an SMTP
//! relay (`SMTP_*`) or, without one, a directory the mail is written to in development.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;

use figment::Figment;
use quill_domain::Letters;
use serde::{Deserialize, Deserializer};

use super::{ConfigError, extract, invalid, setting_names, text};

/// How the connection to the SMTP relay is secured (`SMTP_TLS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, refused if the relay cannot (port 587).
    #[default]
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only to a relay on this machine.
    None,
}

/// The SMTP password (`SMTP_PASSWORD`). Its `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpPassword(String);

impl SmtpPassword {
    /// The password, to hand to the relay.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SmtpPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SmtpPassword(<redacted>)")
    }
}

/// An SMTP relay to deliver through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    /// The relay's host name (checked against its certificate) or address.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// How the connection is secured.
    pub tls: SmtpTls,
    /// The account to authenticate as, with its password; `None`: no authentication.
    pub credentials: Option<(String, SmtpPassword)>,
}

/// Where mail goes, and what links in it start with.
///
/// ```
/// use quill_infra::StackSettings;
///
/// let settings = StackSettings::from_pairs([
///     ("SMTP_HOST", "smtp.example.com"),
///     ("SMTP_USERNAME", "quill"),
///     ("SMTP_PASSWORD", "hunter2"),
/// ])?;
/// let smtp = settings.mail.smtp.as_ref().unwrap();
/// assert_eq!((smtp.host.as_str(), smtp.port), ("smtp.example.com", 587));
/// assert!(!format!("{settings:?}").contains("hunter2"));
/// # Ok::<(), quill_infra::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct MailSettings {
    /// The site's public address (`PUBLIC_BASE_URL`), which links start with; never taken
    /// from a request. By default the domain's own ([`Letters::default`]).
    #[serde(deserialize_with = "public_base_url")]
    pub public_base_url: String,
    /// The sender (`MAIL_FROM`), as `Name <address>` or a bare address.
    #[serde(rename = "mail_from", deserialize_with = "mailbox")]
    pub from: String,
    /// The relay (`SMTP_HOST` and the other `SMTP_*`); `None` without `SMTP_HOST`.
    #[serde(skip)]
    pub smtp: Option<SmtpSettings>,
    /// Where mail is written as `.eml` files when there is no relay, in development
    /// (`MAIL_DIR`).
    #[serde(deserialize_with = "text::path")]
    pub mail_dir: PathBuf,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            public_base_url: Letters::default().base_url().to_owned(),
            from: Self::DEFAULT_FROM.to_owned(),
            smtp: None,
            mail_dir: PathBuf::from(Self::DEFAULT_MAIL_DIR),
        }
    }
}

impl MailSettings {
    /// The sender when `MAIL_FROM` is not set.
    pub const DEFAULT_FROM: &'static str = "quill <no-reply@localhost>";
    /// The directory when `MAIL_DIR` is not set.
    pub const DEFAULT_MAIL_DIR: &'static str = "mail";

    /// The names these settings are read under (lower case).
    pub(super) fn names() -> Vec<&'static str> {
        [setting_names::<Self>(), setting_names::<SmtpFields>()].concat()
    }

    /// Takes the mail settings, the relay's among them, out of `sources`.
    pub(super) fn from_figment(sources: &Figment) -> Result<Self, ConfigError> {
        let mut mail: Self = extract(sources)?;
        mail.smtp = extract::<SmtpFields>(sources)?.relay()?;
        Ok(mail)
    }
}

fn public_base_url<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let url = text::text(d)?.trim().trim_end_matches('/').to_owned();
    if !(url.starts_with("http://") || url.starts_with("https://"))
        || url.contains(char::is_whitespace)
    {
        return Err(serde::de::Error::custom(format!(
            "must be an http:// or https:// address, got {url:?}"
        )));
    }
    Ok(url)
}

fn mailbox<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let from = text::text(d)?;
    if from.parse::<lettre::message::Mailbox>().is_err() {
        return Err(serde::de::Error::custom(format!(
            "must be an address or `Name <address>`, got {from:?}"
        )));
    }
    Ok(from)
}

/// The relay's settings as named in the environment; what they mean together is checked
/// in [`SmtpFields::relay`].
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SmtpFields {
    #[serde(deserialize_with = "text::present")]
    smtp_host: Option<String>,
    #[serde(deserialize_with = "text::present")]
    smtp_port: Option<String>,
    #[serde(deserialize_with = "text::present")]
    smtp_username: Option<String>,
    #[serde(deserialize_with = "text::present")]
    smtp_password: Option<String>,
    #[serde(deserialize_with = "text::present")]
    smtp_tls: Option<String>,
}

impl SmtpFields {
    fn relay(self) -> Result<Option<SmtpSettings>, ConfigError> {
        let host = self.smtp_host.unwrap_or_default().trim().to_owned();
        let tls = match self.smtp_tls.as_deref().map(str::trim) {
            None | Some("starttls") => SmtpTls::StartTls,
            Some("tls") => SmtpTls::Tls,
            Some("none") => SmtpTls::None,
            Some(other) => {
                return Err(invalid(
                    "SMTP_TLS",
                    format!("must be starttls, tls or none, got {other:?}"),
                ));
            }
        };
        let port = match self.smtp_port {
            None => match tls {
                SmtpTls::Tls => 465,
                SmtpTls::StartTls | SmtpTls::None => 587,
            },
            Some(text) => text
                .trim()
                .parse::<u16>()
                .ok()
                .filter(|port| *port > 0)
                .ok_or_else(|| {
                    invalid("SMTP_PORT", format!("must be a port number, got {text:?}"))
                })?,
        };
        let username = self.smtp_username.filter(|u| !u.is_empty());
        let password = self.smtp_password.filter(|p| !p.is_empty());
        if host.is_empty() {
            return Ok(None);
        }
        if tls == SmtpTls::None && !is_loopback(&host) {
            return Err(invalid(
                "SMTP_TLS",
                "none is accepted only for a relay on this machine (localhost, 127.0.0.1, ::1): \
                 the password and every reset link would cross the network in clear",
            ));
        }
        let credentials = match (username, password) {
            (Some(user), Some(password)) => Some((user, SmtpPassword(password))),
            (None, None) => None,
            (Some(_), None) => {
                return Err(invalid("SMTP_PASSWORD", "is needed with SMTP_USERNAME"));
            }
            (None, Some(_)) => {
                return Err(invalid("SMTP_USERNAME", "is needed with SMTP_PASSWORD"));
            }
        };
        Ok(Some(SmtpSettings {
            host,
            port,
            tls,
            credentials,
        }))
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
// figment's Jail closures return its own (large) error type; that is its API, not ours.
#[allow(clippy::result_large_err)]
mod tests {
    use figment::Jail;

    use super::*;
    use crate::config::tests::load_in;

    #[test]
    fn without_an_smtp_host_mail_goes_to_the_mail_directory_with_local_links() {
        Jail::expect_with(|jail| {
            let mail = load_in(jail).unwrap().mail;
            assert_eq!(mail.smtp, None);
            assert_eq!(mail.mail_dir, PathBuf::from("mail"));
            assert_eq!(mail.public_base_url, "http://127.0.0.1:8000");
            assert_eq!(mail.from, "quill <no-reply@localhost>");
            Ok(())
        });
    }

    #[test]
    fn an_unencrypted_relay_is_accepted_only_on_this_machine() {
        Jail::expect_with(|jail| {
            jail.set_env("SMTP_HOST", "127.0.0.1");
            jail.set_env("SMTP_PORT", "2525");
            jail.set_env("SMTP_TLS", "none");
            let smtp = load_in(jail).unwrap().mail.smtp.unwrap();
            assert_eq!((smtp.port, smtp.tls), (2525, SmtpTls::None));
            jail.set_env("SMTP_HOST", "smtp.example.com");
            let err = load_in(jail).unwrap_err().to_string();
            assert!(err.starts_with("SMTP_TLS: none is accepted only"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn unusable_mail_settings_name_the_setting() {
        for (name, value) in [
            ("PUBLIC_BASE_URL", "blog.example.com"),
            ("MAIL_FROM", "not an address"),
            ("SMTP_TLS", "ssl"),
            ("SMTP_PORT", "0"),
        ] {
            Jail::expect_with(|jail| {
                jail.set_env("SMTP_HOST", "smtp.example.com");
                jail.set_env(name, value);
                let err = load_in(jail).unwrap_err().to_string();
                assert!(
                    err.starts_with(&format!("{name}: ")),
                    "{name}={value}: {err}"
                );
                Ok(())
            });
        }
    }

    #[test]
    fn a_username_needs_a_password_and_the_password_is_never_shown() {
        Jail::expect_with(|jail| {
            jail.set_env("SMTP_HOST", "smtp.example.com");
            jail.set_env("SMTP_USERNAME", "quill");
            assert!(
                load_in(jail)
                    .unwrap_err()
                    .to_string()
                    .starts_with("SMTP_PASSWORD: ")
            );
            jail.set_env("SMTP_PASSWORD", "correct-horse");
            let settings = load_in(jail).unwrap();
            assert!(!format!("{settings:?}").contains("correct-horse"));
            Ok(())
        });
    }
}
