//! The one gate every password hash passes, whichever capability asks (registration, login,
//! a password change, a reset): the client's share of the hashing places, the
//! fair turn at a hashing slot (`turns`), and the audit events each refusal records. The
//! [`PasswordHasher`] port behind it only does the work; how much runs at once and who waits
//! is decided here, once.

mod hasher;
mod turns;

use std::sync::Arc;

pub use hasher::{PasswordHasher, Verification};
pub use turns::HashingLoad;
#[cfg(feature = "test-util")]
pub use turns::Saturation;

use super::error::{Held, Stopped};
use super::guard::Guard;
use super::shares::{ClientShares, HeldPlace};
use crate::client::Client;
use crate::events::AuthAction;
use crate::user::{Password, PasswordHash, UserId};
use turns::{HashingTurns, Turn};

/// What a client over its own share is told to wait: a place of its own frees when one of its
/// requests ends, which a hash or a picture does within about a second.
pub(crate) const SHARE_RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

/// How many hashes run at once, how many may wait, and how many places one client may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashingLimits {
    /// How many hashes run at once.
    pub slots: usize,
    /// How many requests may wait for a slot; beyond that they are refused at once.
    pub queue_limit: usize,
    /// How many places (running or waiting) one client may hold at once.
    pub places_per_client: usize,
}

/// The hasher behind its bounds, shared by every service that hashes: cheap to clone.
#[derive(Clone)]
pub struct HashingGate {
    hasher: Arc<dyn PasswordHasher>,
    guard: Guard,
    limits: HashingLimits,
    shares: Arc<ClientShares>,
    turns: Arc<HashingTurns>,
}

impl std::fmt::Debug for HashingGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashingGate")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl HashingGate {
    /// The gate in front of `hasher`, recording its refusals through `guard`.
    #[must_use]
    pub fn new(hasher: Arc<dyn PasswordHasher>, guard: Guard, limits: HashingLimits) -> Self {
        Self {
            hasher,
            guard,
            limits,
            shares: Arc::new(ClientShares::default()),
            turns: Arc::new(HashingTurns::new(limits.slots, limits.queue_limit)),
        }
    }

    /// How many hashing slots are busy and how many requests wait for one, now: for a
    /// monitoring gauge (a queue near its limit means logins are about to be refused).
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    ///
    /// let load = Harness::new().auth.hashing_load();
    /// assert_eq!((load.busy_slots, load.waiting), (0, 0));
    /// assert_eq!(load.queue_limit, 32);
    /// ```
    #[must_use]
    pub fn load(&self) -> HashingLoad {
        self.turns.load()
    }

    /// Refuses every hash as if every slot and queue place were taken, until the guard is
    /// dropped: how a test sees a saturated service without running a hash.
    #[cfg(feature = "test-util")]
    pub fn saturate(&self) -> Saturation {
        self.turns.saturate()
    }

    /// The hash unknown emails are verified against, so that both failures cost the same.
    pub(crate) fn dummy_hash(&self) -> &PasswordHash {
        self.hasher.dummy_hash()
    }

    /// One of the client's hashing places, held for as long as the request it serves, or
    /// [`Held::ShareTaken`] when it holds its share.
    pub(crate) fn place(&self, client: Client, user: Option<UserId>) -> Result<HeldPlace, Held> {
        let key = self.guard.client_key(client);
        self.shares
            .take(key, self.limits.places_per_client)
            .ok_or_else(|| {
                self.guard
                    .refused(AuthAction::HashingShareTaken, user, client, None);
                Held::ShareTaken {
                    retry_after: SHARE_RETRY_AFTER,
                }
            })
    }

    /// Hashes a new password at this client's turn.
    pub(crate) async fn hash(
        &self,
        client: Client,
        user: Option<UserId>,
        password: &Password,
    ) -> Result<PasswordHash, Stopped> {
        let _turn = self.turn(client, user).await?;
        self.hasher
            .hash(password)
            .await
            .map_err(Stopped::Unexpected)
    }

    /// Checks a password against a hash at this client's turn.
    pub(crate) async fn verify(
        &self,
        client: Client,
        user: Option<UserId>,
        password: &Password,
        hash: &PasswordHash,
    ) -> Result<Verification, Stopped> {
        let _turn = self.turn(client, user).await?;
        self.hasher
            .verify(password, hash)
            .await
            .map_err(Stopped::Unexpected)
    }

    /// This client's turn at a hashing slot, in round-robin order among clients, or
    /// [`Held::Busy`] at once when every slot and queue place is taken.
    async fn turn(&self, client: Client, user: Option<UserId>) -> Result<Turn, Held> {
        match self.turns.turn(self.guard.client_key(client)) {
            Some(wait) => Ok(wait.await),
            None => {
                self.guard
                    .refused(AuthAction::HashingBusy, user, client, None);
                Err(Held::Busy)
            }
        }
    }
}
