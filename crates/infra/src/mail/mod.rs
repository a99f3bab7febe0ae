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
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.clone())
        .map_err(|e| MailError::Refused(format!("the mail cannot be written: {e}")))
}
