//! Fakes of the mail and recovery ports: [`InMemoryOutbox`], [`RecordingMailer`],
//! [`QueuedResetRequests`] and [`FakeResetSecrets`].

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::StoreError;
use crate::mail::{Mail, MailError, MailId, MailOutbox, Mailer, OutboxDepth, QueuedMail};
use crate::{ResetDigest, ResetRequest, ResetRequestQueue, ResetSecrets, ResetToken};

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A test that panicked mid-operation must not hide the next test's result.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Debug, Clone)]
struct Row {
    mail: Mail,
    queued_at: DateTime<Utc>,
    attempts: u32,
    due: DateTime<Utc>,
    held_until: Option<DateTime<Utc>>,
}

/// The outbox in memory, with the real one's claiming rule: a claimed mail is held until its
/// hold ends, and only the oldest due mail is handed out.
#[derive(Debug, Default)]
pub struct InMemoryOutbox {
    rows: Mutex<BTreeMap<MailId, Row>>,
    last_id: AtomicU64,
}

impl InMemoryOutbox {
    /// Queues a mail (what the stores do in their own transactions).
    pub(crate) fn push(&self, mail: Mail, now: DateTime<Utc>) -> MailId {
        let id = MailId(self.last_id.fetch_add(1, Ordering::Relaxed) as i64 + 1);
        lock(&self.rows).insert(
            id,
            Row {
                mail,
                queued_at: now,
                attempts: 0,
                due: now,
                held_until: None,
            },
        );
        id
    }

    /// Every mail not yet delivered, oldest first.
    #[must_use]
    pub fn queued(&self) -> Vec<Mail> {
        lock(&self.rows)
            .values()
            .map(|row| row.mail.clone())
            .collect()
    }
}

#[async_trait]
impl MailOutbox for InMemoryOutbox {
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        hold_until: DateTime<Utc>,
    ) -> Result<Option<QueuedMail>, StoreError> {
        let mut rows = lock(&self.rows);
        let free = rows
            .iter_mut()
            .find(|(_, row)| row.due <= now && row.held_until.is_none_or(|until| until < now));
        Ok(free.map(|(id, row)| {
            row.attempts += 1;
            row.held_until = Some(hold_until);
            QueuedMail {
                id: *id,
                mail: row.mail.clone(),
                attempts: row.attempts,
                queued_at: row.queued_at,
            }
        }))
    }

    async fn delivered(&self, id: MailId) -> Result<(), StoreError> {
        lock(&self.rows).remove(&id);
        Ok(())
    }

    async fn retry_at(&self, id: MailId, retry_at: DateTime<Utc>) -> Result<(), StoreError> {
        if let Some(row) = lock(&self.rows).get_mut(&id) {
            row.due = retry_at;
            row.held_until = None;
        }
        Ok(())
    }

    async fn enqueue(&self, mail: Mail, now: DateTime<Utc>) -> Result<MailId, StoreError> {
        Ok(self.push(mail, now))
    }

    async fn depth(&self) -> Result<OutboxDepth, StoreError> {
        let rows = lock(&self.rows);
        Ok(OutboxDepth {
            queued: rows.len() as u64,
            oldest: rows.values().map(|row| row.queued_at).min(),
        })
    }
}

/// A mailer that keeps what it was given, and can be made unreachable or made to refuse an
/// address for good.
#[derive(Debug, Default)]
pub struct RecordingMailer {
    sent: Mutex<Vec<Mail>>,
    down: AtomicBool,
    refused: Mutex<HashSet<String>>,
}

impl RecordingMailer {
    /// Every mail accepted, in order.
    #[must_use]
    pub fn sent(&self) -> Vec<Mail> {
        lock(&self.sent).clone()
    }

    /// While `down`, every send fails as an unreachable server would.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::Relaxed);
    }

    /// Mail to `address` is refused for good from now on.
    pub fn refuse(&self, address: &str) {
        lock(&self.refused).insert(address.to_owned());
    }
}

#[async_trait]
impl Mailer for RecordingMailer {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        if self.down.load(Ordering::Relaxed) {
            return Err(MailError::Unavailable("connection refused".into()));
        }
        if lock(&self.refused).contains(&mail.to) {
            return Err(MailError::Refused("550 no such mailbox".into()));
        }
        lock(&self.sent).push(mail.clone());
        Ok(())
    }
}

/// Reset requests kept in order until the test hands them to the service
/// ([`Harness::handle_reset_requests`](super::Harness::handle_reset_requests)); full at
/// `capacity` (unbounded by default).
#[derive(Debug, Default)]
pub struct QueuedResetRequests {
    queue: Mutex<VecDeque<ResetRequest>>,
    capacity: Option<usize>,
}

impl QueuedResetRequests {
    /// A queue that refuses requests past `capacity` waiting.
    #[must_use]
    pub fn bounded(capacity: usize) -> Self {
        Self {
            queue: Mutex::default(),
            capacity: Some(capacity),
        }
    }

    /// Takes every waiting request, oldest first.
    pub fn drain(&self) -> Vec<ResetRequest> {
        lock(&self.queue).drain(..).collect()
    }
}

impl ResetRequestQueue for QueuedResetRequests {
    fn push(&self, request: ResetRequest) -> bool {
        let mut queue = lock(&self.queue);
        if self
            .capacity
            .is_some_and(|capacity| queue.len() >= capacity)
        {
            return false;
        }
        queue.push_back(request);
        true
    }
}

/// Readable reset tokens (`reset-1`, `reset-2`, ...) and a digest that is the token's bytes
/// padded: no cryptography, but distinct tokens get distinct digests.
#[derive(Debug, Default)]
pub struct FakeResetSecrets {
    minted: AtomicU64,
}

impl ResetSecrets for FakeResetSecrets {
    fn mint(&self) -> Result<(ResetToken, ResetDigest), crate::error::Unexpected> {
        let n = self.minted.fetch_add(1, Ordering::Relaxed) + 1;
        let token = ResetToken::new(format!("reset-{n}"));
        let digest = self.digest(token.as_str());
        Ok((token, digest))
    }

    fn digest(&self, token: &str) -> ResetDigest {
        let mut digest = [0_u8; 32];
        for (slot, byte) in digest.iter_mut().zip(token.bytes()) {
            *slot = byte;
        }
        // Tokens longer than the digest differ in their tail; fold it in.
        for (i, byte) in token.bytes().enumerate().skip(32) {
            digest[i % 32] ^= byte;
        }
        ResetDigest(digest)
    }
}
