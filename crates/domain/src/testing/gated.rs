//! [`GatedHasher`]: a [`FakeHasher`] whose hashes or verifications wait at a gate the test
//! opens, so a test can hold requests inside the hashing step and see what others do
//! meanwhile, with no clock and no thread.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};

use async_trait::async_trait;

use super::FakeHasher;
use crate::user::{Password, PasswordHash};
use crate::{PasswordHasher, Unexpected, Verification};

/// Which of the hasher's steps wait at the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gated {
    /// Hashing a new password (registration, password change, reset).
    Hashes,
    /// Verifying a presented password (login).
    Verifications,
}

/// A [`FakeHasher`] whose gated step waits, pending, until [`GatedHasher::open`]; the gate
/// can be closed again. Counts the gated calls that began.
///
/// ```
/// use std::pin::pin;
/// use std::task::{Context, Poll, Waker};
///
/// use quill_domain::testing::{Gated, GatedHasher};
/// use quill_domain::{Password, PasswordHasher};
///
/// let hasher = GatedHasher::new(Gated::Hashes);
/// let password = Password::attempt("a-long-passphrase");
/// let mut hashing = pin!(hasher.hash(&password));
/// let mut context = Context::from_waker(Waker::noop());
/// assert!(hashing.as_mut().poll(&mut context).is_pending());
/// assert_eq!(hasher.begun(), 1);
/// hasher.open();
/// assert!(matches!(hashing.as_mut().poll(&mut context), Poll::Ready(Ok(_))));
/// assert_eq!(hasher.inner().hashes(), 1);
/// ```
#[derive(Debug)]
pub struct GatedHasher {
    inner: FakeHasher,
    gated: Gated,
    open: AtomicBool,
    begun: AtomicUsize,
}

impl GatedHasher {
    /// A hasher whose `gated` step waits until the gate is opened.
    #[must_use]
    pub fn new(gated: Gated) -> Self {
        Self {
            inner: FakeHasher::default(),
            gated,
            open: AtomicBool::new(false),
            begun: AtomicUsize::new(0),
        }
    }

    /// Lets every waiting and later call through.
    pub fn open(&self) {
        self.open.store(true, Ordering::SeqCst);
    }

    /// Holds later calls at the gate again.
    pub fn close(&self) {
        self.open.store(false, Ordering::SeqCst);
    }

    /// How many gated calls began (passed the gate or not).
    #[must_use]
    pub fn begun(&self) -> usize {
        self.begun.load(Ordering::SeqCst)
    }

    /// The hasher behind the gate, with its counts of finished work.
    #[must_use]
    pub fn inner(&self) -> &FakeHasher {
        &self.inner
    }

    async fn pass(&self, step: Gated) {
        if step == self.gated {
            self.begun.fetch_add(1, Ordering::SeqCst);
            Gate(&self.open).await;
        }
    }
}

/// Pending until its flag is set; polled again by whoever drives the test.
struct Gate<'a>(&'a AtomicBool);

impl Future for Gate<'_> {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.0.load(Ordering::SeqCst) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[async_trait]
impl PasswordHasher for GatedHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, Unexpected> {
        self.pass(Gated::Hashes).await;
        self.inner.hash(password).await
    }

    async fn verify(
        &self,
        password: &Password,
        hash: &PasswordHash,
    ) -> Result<Verification, Unexpected> {
        self.pass(Gated::Verifications).await;
        self.inner.verify(password, hash).await
    }

    fn dummy_hash(&self) -> &PasswordHash {
        self.inner.dummy_hash()
    }
}
