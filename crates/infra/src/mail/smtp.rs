//! [`SmtpMailer`]: hands each mail to an SMTP relay, over TLS unless the relay is on this
//! machine, authenticating when credentials are set.

use std::time::Duration;

use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Tokio1Executor};
use quill_domain::{Mail, MailError, Mailer};

use crate::config::{SmtpSettings, SmtpTls};

/// How long one delivery may take, connection included; well inside the hold a claimed mail
/// has, so no other server claims it while this one is still talking to the relay.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Delivery through an SMTP relay.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport holds the credentials.
        f.debug_struct("SmtpMailer")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A mailer for this relay, sending as `from`. Connects only when it sends.
    ///
    /// # Errors
    /// When TLS cannot be set up for the host.
    pub fn new(settings: &SmtpSettings, from: Mailbox) -> Result<Self, MailError> {
        let unusable = |e: lettre::transport::smtp::Error| {
            MailError::Unavailable(format!("the SMTP relay cannot be set up: {e}"))
        };
        let builder = match settings.tls {
            SmtpTls::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)
                    .map_err(unusable)?
            }
            SmtpTls::Tls => {
                AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host).map_err(unusable)?
            }
            SmtpTls::None => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            }
        };
        let mut builder = builder.port(settings.port).timeout(Some(TIMEOUT));
        if let Some((user, password)) = &settings.credentials {
            builder =
                builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
        }
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let message = super::message(&self.from, mail)?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) => Err(classify(&e)),
        }
    }
}

/// A relay's permanent "no such mailbox" answers end a mail; anything else (a refused
/// connection, a timeout, a temporary answer, even a permanent answer about the session,
/// such as failed authentication, which is the operator's to fix) keeps it queued.
fn classify(error: &lettre::transport::smtp::Error) -> MailError {
    let code = error.status().map(u16::from);
    match code {
        Some(550 | 551 | 553) => MailError::Refused(error.to_string()),
        _ => MailError::Unavailable(error.to_string()),
    }
}
