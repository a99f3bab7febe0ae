//! Mail the auth core sends: what a mail is ([`Mail`]) and how queued mail reaches a mail server ([`MailDelivery`]) over two ports: the durable
//! [`MailOutbox`] a mail is written to in the same transaction as whatever it announces, and
//! the [`Mailer`] that hands it over (SMTP, or files in development).
//!
//! A mail is never lost: it is stored before the request that caused it answers, claimed by
//! one deliverer at a time (several servers on one database send it once), deleted only after
//! the mail server accepted it, and otherwise retried with a growing, capped back-off.

mod delivery;

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::StoreError;

pub use delivery::{Deferral, DeliveryPolicy, DeliveryReport, MailDelivery};

/// One plain-text mail to one recipient. Its `Debug` leaves out the body, which may carry a
/// reset link.
///
/// ```
/// use quill_domain::Mail;
///
/// let mail = Mail::new("alice@example.com", "Hello", "secret link");
/// assert!(!format!("{mail:?}").contains("secret"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Mail {
    /// The recipient's address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
}

impl Mail {
    /// A mail to `to`.
    #[must_use]
    pub fn new(to: impl Into<String>, subject: impl Into<String>, body: impl Into<String>) -> Self {
        Self {
            to: to.into(),
            subject: subject.into(),
            body: body.into(),
        }
    }
}

impl fmt::Debug for Mail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mail")
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// A queued mail's identifier in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MailId(pub i64);

impl fmt::Display for MailId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A mail claimed from the outbox for one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMail {
    /// Its identifier.
    pub id: MailId,
    /// The mail.
    pub mail: Mail,
    /// Delivery attempts so far, this one included.
    pub attempts: u32,
    /// When it was queued.
    pub queued_at: DateTime<Utc>,
}

/// How much mail waits, for a gauge and an alert on its age.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxDepth {
    /// Mails not yet delivered.
    pub queued: u64,
    /// When the oldest of them was queued.
    pub oldest: Option<DateTime<Utc>>,
}

/// The durable queue of mail not yet delivered. Writers put mail in through the stores whose
/// changes they announce (in the same transaction); [`MailDelivery`] takes it out here.
#[async_trait]
pub trait MailOutbox: Send + Sync {
    /// Claims the oldest mail due by `now` that no one holds, for one attempt, and holds it
    /// until `hold_until` (a deliverer that dies mid-attempt releases it then); `None` when
    /// nothing is due. Two deliverers never claim one mail at once.
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        hold_until: DateTime<Utc>,
    ) -> Result<Option<QueuedMail>, StoreError>;

    /// The mail server accepted it: forget it.
    async fn delivered(&self, id: MailId) -> Result<(), StoreError>;

    /// The attempt failed: release the mail, to be claimed again from `retry_at`.
    async fn retry_at(&self, id: MailId, retry_at: DateTime<Utc>) -> Result<(), StoreError>;

    /// Adds a mail that goes with no other change.
    async fn enqueue(&self, mail: Mail, now: DateTime<Utc>) -> Result<MailId, StoreError>;

    /// How much mail waits now.
    async fn depth(&self) -> Result<OutboxDepth, StoreError>;
}

/// Why a mail was not handed over.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// The mail server could not be reached or asked to try later: retry.
    #[error("mail server unavailable: {0}")]
    Unavailable(String),
    /// The mail server refused this mail for good (a permanent SMTP reply): retrying cannot
    /// help, so it is dropped and reported.
    #[error("mail refused: {0}")]
    Refused(String),
}

/// Hands a mail to whatever carries it on: an SMTP relay, or a directory in development.
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Delivers one mail; `Ok` only once the other side has accepted it.
    ///
    /// # Errors
    /// [`MailError`], saying whether a retry may help.
    async fn send(&self, mail: &Mail) -> Result<(), MailError>;
}
