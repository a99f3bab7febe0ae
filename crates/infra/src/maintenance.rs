//! The auth core's background work, as tasks tied to a handle the application holds: the
//! clean-up that keeps the stored state from growing without bound (revocations of tokens
//! that have expired anyway, rate-limit buckets that are full again, reset tokens that
//! expired unused), the job that handles password-reset requests after they were answered,
//! and the delivery of the mail outbox.

use std::sync::Arc;
use std::time::Duration;

use quill_domain::{Auth, DeliveryReport, MailDelivery, ResetRequest};
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

/// What the handle runs besides the clean-up.
pub(crate) struct Background {
    /// The requests the auth service queued; `None` when another handle took them.
    pub(crate) reset_requests: Option<mpsc::Receiver<ResetRequest>>,
    /// Delivery of the outbox; `None` when there is nowhere to deliver to.
    pub(crate) delivery: Option<MailDelivery>,
    /// Woken when mail is queued.
    pub(crate) mail_queued: Arc<Notify>,
}

/// The auth core's background work, running while this handle lives: every minute it
/// forgets revocations of expired tokens, rate-limit buckets that are full again and expired
/// reset tokens; it handles each password-reset request as it comes; and it delivers queued
/// mail, at once when mail is queued and every second otherwise, retrying failures with
/// back-off. Dropping the handle (or [`stop`](MaintenanceHandle::stop)) ends all of it, so it
/// goes with the application's own shutdown; mail still queued then is delivered by the next
/// process (or by another server on the same database).
#[derive(Debug)]
#[must_use = "maintenance stops when the handle is dropped"]
pub struct MaintenanceHandle {
    tasks: Vec<JoinHandle<()>>,
    delivery: Option<JoinHandle<()>>,
}

impl MaintenanceHandle {
    /// How often a clean-up pass runs.
    pub const PERIOD: Duration = Duration::from_secs(60);

    /// How often the outbox is looked at when nothing woke delivery: mail queued by another
    /// server on the same database, and retries that came due.
    pub const MAIL_POLL: Duration = Duration::from_secs(1);

    /// Starts the work over `auth` on the current tokio runtime. Failures are logged
    /// (`warn`) and retried at the next pass.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub(crate) fn spawn(auth: Auth, background: Background) -> Self {
        let mut tasks = vec![tokio::spawn(clean_up(auth.clone()))];
        if let Some(requests) = background.reset_requests {
            tasks.push(tokio::spawn(handle_reset_requests(auth, requests)));
        }
        let delivery = background
            .delivery
            .map(|delivery| tokio::spawn(deliver(delivery, background.mail_queued)));
        Self { tasks, delivery }
    }

    /// Whether mail is being delivered: `false` when there is nowhere to deliver to, or when
    /// delivery has stopped (which a readiness probe reports).
    #[must_use]
    pub fn delivers_mail(&self) -> bool {
        self.delivery
            .as_ref()
            .is_some_and(|task| !task.is_finished())
    }

    /// Stops the work.
    pub fn stop(self) {}
}

impl Drop for MaintenanceHandle {
    fn drop(&mut self) {
        for task in self.tasks.iter().chain(&self.delivery) {
            task.abort();
        }
    }
}

async fn clean_up(auth: Auth) {
    let period = MaintenanceHandle::PERIOD;
    // The first pass one period after start-up: nothing can have expired before.
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match auth.maintain().await {
            Ok(pass) => tracing::debug!(
                expired_revocations = pass.expired_revocations,
                expired_sessions = pass.expired_sessions,
                idle_buckets = pass.idle_buckets,
                expired_resets = pass.expired_resets,
                orphan_pictures = pass.orphan_pictures,
                "auth maintenance pass"
            ),
            Err(e) => tracing::warn!("auth maintenance failed (retried next pass): {e}"),
        }
    }
}

async fn handle_reset_requests(auth: Auth, mut requests: mpsc::Receiver<ResetRequest>) {
    while let Some(request) = requests.recv().await {
        if let Err(e) = auth.recovery.handle_reset_request(request).await {
            // The requester was answered already; they can ask again.
            tracing::warn!("a password-reset request could not be handled: {e}");
        }
    }
}

async fn deliver(delivery: MailDelivery, mail_queued: Arc<Notify>) {
    loop {
        match delivery.deliver_due().await {
            Ok(report) => log_delivery(&report),
            Err(e) => tracing::warn!("the mail outbox cannot be read (retried shortly): {e}"),
        }
        crate::metrics::record_outbox(delivery.outbox().as_ref()).await;
        tokio::select! {
            () = mail_queued.notified() => {}
            () = tokio::time::sleep(MaintenanceHandle::MAIL_POLL) => {}
        }
    }
}

fn log_delivery(report: &DeliveryReport) {
    crate::metrics::mail_delivered(report);
    if report.sent > 0 {
        tracing::info!(sent = report.sent, "mail delivered");
    }
    for deferral in &report.deferred {
        match deferral.retry_in {
            Some(wait) => tracing::warn!(
                mail_id = %deferral.id,
                attempts = deferral.attempts,
                retry_in_seconds = wait.as_secs(),
                "mail delivery failed, retrying: {}",
                deferral.error
            ),
            None => tracing::error!(
                mail_id = %deferral.id,
                attempts = deferral.attempts,
                "mail refused for good, dropped: {}",
                deferral.error
            ),
        }
    }
}
