//! The mail adapters: [`SmtpMailer`] (lettre over tokio and rustls) for a real relay,
//! [`FileMailer`] (one `.eml` file per mail) for development, and [`mailer_for`], which
//! picks one from the settings. Both write the same RFC 5322 message, from `MAIL_FROM`, plain
//! text.

mod files;
mod smtp;

use std::sync::Arc;

use lettre::Message;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use quill_domain::{Mail, MailError, Mailer};

pub use files::FileMailer;
pub use smtp::SmtpMailer;

use crate::config::{Environment, MailSettings};

/// The mailer the settings ask for: the SMTP relay when `SMTP_HOST` is set; otherwise, in
/// development, the mail directory; in production none (mail waits in the outbox until a
/// relay is configured, and the caller says so at start-up).
///
/// # Errors
/// When `MAIL_FROM` is no address (the settings' check refuses that first).
pub fn mailer_for(
    settings: &MailSettings,
    environment: Environment,
) -> Result<Option<Arc<dyn Mailer>>, MailError> {
    let from = sender(settings)?;
    Ok(match (&settings.smtp, environment) {
        (Some(smtp), _) => Some(Arc::new(SmtpMailer::new(smtp, from)?)),
        (None, Environment::Development) => {
            Some(Arc::new(FileMailer::new(settings.mail_dir.clone(), from)))
        }
        (None, Environment::Production) => None,
    })
}

fn sender(settings: &MailSettings) -> Result<Mailbox, MailError> {
    settings
        .from
        .parse()
        .map_err(|e| MailError::Refused(format!("MAIL_FROM is no address: {e}")))
}

/// The message for `mail`, from `from`; an address that is no address is refused for good.
pub(crate) fn message(from: &Mailbox, mail: &Mail) -> Result<Message, MailError> {
    let to: Mailbox = mail
        .to
        .parse()
        .map_err(|e| MailError::Refused(format!("the recipient is no address: {e}")))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .message_id(Some(message_id(from)?))
        .date_now()
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.clone())
        .map_err(|e| MailError::Refused(format!("the mail cannot be written: {e}")))
}

/// A `Message-ID` no other mail shares: 128 random bits at the sender's domain (RFC 5322
/// 3.6.4 asks for a domain the sender controls; the machine's host name would name neither
/// the site nor anything the relay knows).
fn message_id(from: &Mailbox) -> Result<String, MailError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| MailError::Unavailable(format!("no randomness for a Message-ID: {e}")))?;
    let unique: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("<{unique}@{}>", from.email.domain()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(mail: &Mail) -> String {
        let from: Mailbox = "quill <no-reply@blog.example.com>".parse().unwrap();
        String::from_utf8(message(&from, mail).unwrap().formatted()).unwrap()
    }

    fn header<'a>(message: &'a str, name: &str) -> Option<&'a str> {
        message
            .lines()
            .take_while(|line| !line.is_empty())
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(": "))
    }

    #[test]
    fn every_mail_has_a_date_and_a_message_id_of_its_own_at_the_senders_domain() {
        let mail = Mail {
            to: "alice@example.com".into(),
            subject: "Reset your password".into(),
            body: "Hello".into(),
        };
        let (first, second) = (written(&mail), written(&mail));
        let id = header(&first, "Message-ID").expect("a Message-ID");
        assert!(
            id.starts_with('<') && id.ends_with("@blog.example.com>"),
            "{id}"
        );
        assert_ne!(Some(id), header(&second, "Message-ID"));
        let date = header(&first, "Date").expect("a Date");
        assert!(chrono::DateTime::parse_from_rfc2822(date).is_ok(), "{date}");
    }
}
