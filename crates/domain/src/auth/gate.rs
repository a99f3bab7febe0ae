//! The gate every password hash passes: the throttle's admission, the client's share of the
//! hashing places, the fair turn at a hashing slot, and the audit events each refusal records.

use super::places::HeldPlace;
use super::turns::{HashingLoad, Turn};
use super::{AuthError, AuthService};
use crate::client::{Client, ClientKey};
use crate::events::{AuthAction, AuthEvent, AuthOutcome};
use crate::ports::Verification;
use crate::throttle::{Admission, Rate, ThrottleKey, ThrottleScope};
use crate::user::{Password, PasswordHash, UserId};

/// What a client over its own share is told to wait: a place of its own frees when one of its
/// requests ends, which a hash or a picture does within about a second.
pub(super) const SHARE_RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

impl AuthService {
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
    pub fn hashing_load(&self) -> HashingLoad {
        self.turns.load()
    }

    pub(super) fn client_key(&self, client: Client) -> ClientKey {
        client.key(self.policy.ipv6_client_prefix)
    }

    /// Charges one attempt to a bucket, refusing (and recording the refusal) when it is empty
    /// or when its store cannot answer.
    pub(super) async fn admit(
        &self,
        client: Client,
        user: Option<UserId>,
        key: &ThrottleKey,
        rate: Rate,
    ) -> Result<(), AuthError> {
        let now = self.ports.clock.now();
        match self.ports.throttle.admit(key, rate, now).await {
            Ok(Admission::Admitted) => Ok(()),
            Ok(Admission::Refused { retry_after }) => {
                self.record_refusal(AuthAction::RateLimited, user, client, Some(key.scope()));
                Err(AuthError::Throttled { retry_after })
            }
            Err(cause) => {
                self.record_refusal(
                    AuthAction::ThrottleUnavailable,
                    user,
                    client,
                    Some(key.scope()),
                );
                Err(AuthError::Unavailable(cause))
            }
        }
    }

    /// One of the client's hashing places, or [`AuthError::ShareTaken`] when it holds its
    /// share.
    pub(super) fn hashing_place(
        &self,
        client: Client,
        key: ClientKey,
        user: Option<UserId>,
    ) -> Result<HeldPlace, AuthError> {
        self.shares
            .take(key, self.policy.hashing_places_per_client)
            .ok_or_else(|| {
                self.record_refusal(AuthAction::HashingShareTaken, user, client, None);
                AuthError::ShareTaken {
                    retry_after: SHARE_RETRY_AFTER,
                }
            })
    }

    pub(super) async fn hashed(
        &self,
        client: Client,
        user: Option<UserId>,
        password: &Password,
    ) -> Result<PasswordHash, AuthError> {
        let _turn = self.turn(client, user).await?;
        let outcome = self.ports.hasher.hash(password).await;
        self.busy_recorded(outcome, client, user)
    }

    /// This client's turn at a hashing slot, in round-robin order among clients, or
    /// [`AuthError::Busy`] at once when every slot and queue place is taken.
    pub(super) async fn turn(
        &self,
        client: Client,
        user: Option<UserId>,
    ) -> Result<Turn, AuthError> {
        match self.turns.turn(self.client_key(client)) {
            Some(wait) => Ok(wait.await),
            None => {
                self.record_refusal(AuthAction::HashingBusy, user, client, None);
                Err(AuthError::Busy)
            }
        }
    }

    pub(super) async fn verified(
        &self,
        client: Client,
        user: Option<UserId>,
        password: &Password,
        hash: &PasswordHash,
    ) -> Result<Verification, AuthError> {
        let _turn = self.turn(client, user).await?;
        let outcome = self.ports.hasher.verify(password, hash).await;
        self.busy_recorded(outcome, client, user)
    }

    pub(super) fn busy_recorded<T>(
        &self,
        outcome: Result<T, crate::ports::HashingError>,
        client: Client,
        user: Option<UserId>,
    ) -> Result<T, AuthError> {
        outcome.map_err(|e| {
            let error = AuthError::from(e);
            if matches!(error, AuthError::Busy) {
                self.record_refusal(AuthAction::HashingBusy, user, client, None);
            }
            error
        })
    }

    pub(super) fn record_refusal(
        &self,
        action: AuthAction,
        user: Option<UserId>,
        client: Client,
        limit: Option<ThrottleScope>,
    ) {
        self.ports.events.record(&AuthEvent {
            action,
            outcome: AuthOutcome::Refused,
            user,
            client,
            limit,
            attempted: None,
        });
    }

    pub(super) fn record(
        &self,
        action: AuthAction,
        outcome: AuthOutcome,
        user: Option<UserId>,
        client: Client,
    ) {
        self.ports.events.record(&AuthEvent {
            action,
            outcome,
            user,
            client,
            limit: None,
            attempted: None,
        });
    }

    /// Records a success or a failure by the result's kind.
    pub(crate) fn record_result<T>(
        &self,
        action: AuthAction,
        result: &Result<T, AuthError>,
        user: Option<UserId>,
        client: Client,
    ) {
        let outcome = if result.is_ok() {
            AuthOutcome::Success
        } else {
            AuthOutcome::Failure
        };
        self.record(action, outcome, user, client);
    }
}
