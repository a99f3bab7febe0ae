//! [`MailDelivery`]: one pass over the outbox, claiming each due mail, handing it to the
//! [`Mailer`] and recording the result, with the back-off rule for failures. The loop that
//! runs passes (and wakes on new mail) belongs to the runtime's side, `quill-infra`.

use std::sync::Arc;
use std::time::Duration;

use super::{MailError, MailId, MailOutbox, Mailer};
use crate::clock::Clock;
use crate::error::StoreError;

/// How hard delivery retries.
///
/// ```
/// use std::time::Duration;
///
/// use quill_domain::DeliveryPolicy;
///
/// let policy = DeliveryPolicy::default();
/// assert_eq!(policy.backoff(1), Duration::from_secs(2));
/// assert_eq!(policy.backoff(2), Duration::from_secs(4));
/// assert_eq!(policy.backoff(40), policy.max_backoff);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryPolicy {
    /// The wait after the first failed attempt; each further failure doubles it.
    pub first_backoff: Duration,
    /// The longest wait between attempts: an outage of any length delays mail by at most
    /// this much past its end.
    pub max_backoff: Duration,
    /// How long a claimed mail stays held by its deliverer; longer than any one attempt (the
    /// mailer's own timeout), so a live deliverer never loses its claim mid-attempt.
    pub hold: Duration,
    /// The most mails one pass sends, so a pass ends and the loop can notice a shutdown.
    pub batch: usize,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        Self {
            first_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(5 * 60),
            hold: Duration::from_secs(2 * 60),
            batch: 100,
        }
    }
}

impl DeliveryPolicy {
    /// The wait after the `attempts`-th failed attempt: doubling from `first_backoff`,
    /// capped at `max_backoff`.
    #[must_use]
    pub fn backoff(&self, attempts: u32) -> Duration {
        let doublings = attempts.saturating_sub(1).min(30);
        self.first_backoff
            .saturating_mul(1 << doublings)
            .min(self.max_backoff)
    }
}

/// A mail that failed this pass, for the runtime to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deferral {
    /// Which mail.
    pub id: MailId,
    /// Attempts so far.
    pub attempts: u32,
    /// What the mailer said.
    pub error: MailError,
    /// When it is tried again; `None` when the mail server refused it for good and it was
    /// dropped.
    pub retry_in: Option<Duration>,
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Mails the mail server accepted.
    pub sent: usize,
    /// Mails that failed, each with what happens next.
    pub deferred: Vec<Deferral>,
}

/// Delivers the outbox's due mail, one claimed mail at a time.
///
/// ```
/// use std::sync::Arc;
///
/// use quill_domain::testing::{FixedClock, RecordingMailer, InMemoryOutbox};
/// use quill_domain::{DeliveryPolicy, Mail, MailDelivery, MailOutbox};
///
/// # futures_executor::block_on(async {
/// let (outbox, mailer, clock) = (
///     Arc::new(InMemoryOutbox::default()),
///     Arc::new(RecordingMailer::default()),
///     Arc::new(FixedClock::default()),
/// );
/// outbox.enqueue(Mail::new("alice@example.com", "Hi", "Hello"), clock.now()).await?;
/// let delivery = MailDelivery::new(outbox.clone(), mailer.clone(), clock, DeliveryPolicy::default());
/// assert_eq!(delivery.deliver_due().await?.sent, 1);
/// assert_eq!(mailer.sent().len(), 1);
/// assert_eq!(outbox.depth().await?.queued, 0);
/// # Ok::<(), quill_domain::StoreError>(())
/// # }).unwrap();
/// # use quill_domain::Clock as _;
/// ```
#[derive(Clone)]
pub struct MailDelivery {
    outbox: Arc<dyn MailOutbox>,
    mailer: Arc<dyn Mailer>,
    clock: Arc<dyn Clock>,
    policy: DeliveryPolicy,
}

impl std::fmt::Debug for MailDelivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailDelivery")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl MailDelivery {
    /// Delivery from `outbox` through `mailer`.
    #[must_use]
    pub fn new(
        outbox: Arc<dyn MailOutbox>,
        mailer: Arc<dyn Mailer>,
        clock: Arc<dyn Clock>,
        policy: DeliveryPolicy,
    ) -> Self {
        Self {
            outbox,
            mailer,
            clock,
            policy,
        }
    }

    /// The retry rule in force.
    #[must_use]
    pub fn policy(&self) -> &DeliveryPolicy {
        &self.policy
    }

    /// The outbox delivered from.
    #[must_use]
    pub fn outbox(&self) -> &Arc<dyn MailOutbox> {
        &self.outbox
    }

    /// Sends every mail due now (up to the policy's batch): each accepted one is forgotten,
    /// each failed one released for a later attempt after its back-off, and one the mail
    /// server refused for good dropped.
    ///
    /// # Errors
    /// [`StoreError`] when the outbox cannot be read or written; a mail whose result could
    /// not be recorded is claimed again when its hold ends (and may then be sent twice,
    /// never zero times).
    pub async fn deliver_due(&self) -> Result<DeliveryReport, StoreError> {
        let mut report = DeliveryReport::default();
        for _ in 0..self.policy.batch {
            let now = self.clock.now();
            let hold_until = now + chrono_duration(self.policy.hold);
            let Some(queued) = self.outbox.claim_due(now, hold_until).await? else {
                break;
            };
            match self.mailer.send(&queued.mail).await {
                Ok(()) => {
                    self.outbox.delivered(queued.id).await?;
                    report.sent += 1;
                }
                Err(error @ MailError::Refused(_)) => {
                    self.outbox.delivered(queued.id).await?;
                    report.deferred.push(Deferral {
                        id: queued.id,
                        attempts: queued.attempts,
                        error,
                        retry_in: None,
                    });
                }
                Err(error @ MailError::Unavailable(_)) => {
                    let wait = self.policy.backoff(queued.attempts);
                    let retry_at = self.clock.now() + chrono_duration(wait);
                    self.outbox.retry_at(queued.id, retry_at).await?;
                    report.deferred.push(Deferral {
                        id: queued.id,
                        attempts: queued.attempts,
                        error,
                        retry_in: Some(wait),
                    });
                }
            }
        }
        Ok(report)
    }
}

fn chrono_duration(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::Mail;
    use crate::testing::{FixedClock, InMemoryOutbox, RecordingMailer};

    fn delivery(
        mailer: &Arc<RecordingMailer>,
    ) -> (MailDelivery, Arc<InMemoryOutbox>, Arc<FixedClock>) {
        let outbox = Arc::new(InMemoryOutbox::default());
        let clock = Arc::new(FixedClock::default());
        let delivery = MailDelivery::new(
            outbox.clone(),
            mailer.clone(),
            clock.clone(),
            DeliveryPolicy::default(),
        );
        (delivery, outbox, clock)
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        futures_executor::block_on(f)
    }

    #[test]
    fn a_mail_that_fails_waits_its_back_off_and_is_sent_once_the_server_is_back() {
        let mailer = Arc::new(RecordingMailer::default());
        let (delivery, outbox, clock) = delivery(&mailer);
        block_on(outbox.enqueue(Mail::new("a@example.com", "s", "b"), clock.now())).unwrap();
        mailer.set_down(true);
        let first = block_on(delivery.deliver_due()).unwrap();
        assert_eq!(first.sent, 0);
        assert_eq!(first.deferred[0].retry_in, Some(Duration::from_secs(2)));
        mailer.set_down(false);
        // Not due yet: the back-off holds even though the server is back.
        assert_eq!(block_on(delivery.deliver_due()).unwrap().sent, 0);
        clock.advance(chrono::Duration::seconds(2));
        assert_eq!(block_on(delivery.deliver_due()).unwrap().sent, 1);
        assert_eq!(mailer.sent().len(), 1);
        assert_eq!(block_on(outbox.depth()).unwrap().queued, 0);
    }

    #[test]
    fn back_off_doubles_and_stops_growing_at_its_cap() {
        let mailer = Arc::new(RecordingMailer::default());
        let (delivery, outbox, clock) = delivery(&mailer);
        block_on(outbox.enqueue(Mail::new("a@example.com", "s", "b"), clock.now())).unwrap();
        mailer.set_down(true);
        let mut waits = Vec::new();
        for _ in 0..12 {
            let report = block_on(delivery.deliver_due()).unwrap();
            let wait = report.deferred[0].retry_in.unwrap();
            waits.push(wait.as_secs());
            clock.advance(chrono::Duration::from_std(wait).unwrap());
        }
        assert_eq!(&waits[..5], &[2, 4, 8, 16, 32]);
        assert_eq!(waits[11], 300);
        assert_eq!(block_on(outbox.depth()).unwrap().queued, 1, "never dropped");
    }

    #[test]
    fn a_mail_refused_for_good_is_dropped_and_reported() {
        let mailer = Arc::new(RecordingMailer::default());
        let (delivery, outbox, clock) = delivery(&mailer);
        block_on(outbox.enqueue(Mail::new("refuse@example.com", "s", "b"), clock.now())).unwrap();
        mailer.refuse("refuse@example.com");
        let report = block_on(delivery.deliver_due()).unwrap();
        assert_eq!(report.deferred[0].retry_in, None);
        assert_eq!(block_on(outbox.depth()).unwrap().queued, 0);
    }

    #[test]
    fn a_claimed_mail_is_not_claimed_again_until_its_hold_ends() {
        let outbox = InMemoryOutbox::default();
        let clock = FixedClock::default();
        block_on(outbox.enqueue(Mail::new("a@example.com", "s", "b"), clock.now())).unwrap();
        let hold = clock.now() + chrono::Duration::minutes(2);
        assert!(
            block_on(outbox.claim_due(clock.now(), hold))
                .unwrap()
                .is_some()
        );
        assert!(
            block_on(outbox.claim_due(clock.now(), hold))
                .unwrap()
                .is_none()
        );
        clock.advance(chrono::Duration::minutes(2) + chrono::Duration::seconds(1));
        let hold = clock.now() + chrono::Duration::minutes(2);
        let again = block_on(outbox.claim_due(clock.now(), hold))
            .unwrap()
            .unwrap();
        assert_eq!(again.attempts, 2);
    }
}
