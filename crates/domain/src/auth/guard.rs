//! [`Guard`]: what every capability checks before it works and reports after: the rate
//! limits' admission (each refusal recorded with the limit that refused it) and the audit
//! trail, on one clock. One guard is shared by every capability's service.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::error::{Held, Stopped};
use crate::client::{Client, ClientKey};
use crate::clock::Clock;
use crate::events::{AuthAction, AuthEvent, AuthEvents, AuthOutcome};
use crate::throttle::{Admission, Rate, Throttle, ThrottleKey, ThrottleScope};
use crate::user::UserId;

/// The rate limits' buckets, the audit trail and the time, as every service uses them.
#[derive(Clone)]
pub struct Guard {
    throttle: Arc<dyn Throttle>,
    events: Arc<dyn AuthEvents>,
    clock: Arc<dyn Clock>,
    ipv6_client_prefix: u8,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard")
            .field("ipv6_client_prefix", &self.ipv6_client_prefix)
            .finish_non_exhaustive()
    }
}

impl Guard {
    /// A guard over these ports, grouping IPv6 clients by `ipv6_client_prefix` leading bits.
    #[must_use]
    pub fn new(
        throttle: Arc<dyn Throttle>,
        events: Arc<dyn AuthEvents>,
        clock: Arc<dyn Clock>,
        ipv6_client_prefix: u8,
    ) -> Self {
        Self {
            throttle,
            events,
            clock,
            ipv6_client_prefix,
        }
    }

    /// Now, by the guard's clock: the one every service reads.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub(crate) fn events(&self) -> &dyn AuthEvents {
        self.events.as_ref()
    }

    pub(crate) fn throttle(&self) -> &dyn Throttle {
        self.throttle.as_ref()
    }

    /// The key `client`'s buckets and places are counted under.
    pub(crate) fn client_key(&self, client: Client) -> ClientKey {
        client.key(self.ipv6_client_prefix)
    }

    /// Charges one attempt to a bucket, refusing (and recording the refusal) when it is empty
    /// or when its store cannot answer.
    pub(crate) async fn admit(
        &self,
        client: Client,
        user: Option<UserId>,
        key: &ThrottleKey,
        rate: Rate,
    ) -> Result<(), Stopped> {
        match self.throttle.admit(key, rate, self.now()).await {
            Ok(Admission::Admitted) => Ok(()),
            Ok(Admission::Refused { retry_after }) => {
                self.refused(AuthAction::RateLimited, user, client, Some(key.scope()));
                Err(Stopped::Held(Held::Throttled { retry_after }))
            }
            Err(cause) => {
                let scope = Some(key.scope());
                self.refused(AuthAction::ThrottleUnavailable, user, client, scope);
                Err(Stopped::Unavailable(cause))
            }
        }
    }

    /// Gives back an attempt charged by [`Guard::admit`]. Best effort: a failed refund only
    /// leaves the bucket stricter.
    pub(crate) async fn refund(&self, key: &ThrottleKey, rate: Rate) {
        let _ = self.throttle.refund(key, rate, self.now()).await;
    }

    /// Records a refusal before any work.
    pub(crate) fn refused(
        &self,
        action: AuthAction,
        user: Option<UserId>,
        client: Client,
        limit: Option<ThrottleScope>,
    ) {
        self.events.record(&AuthEvent {
            action,
            outcome: AuthOutcome::Refused,
            user,
            client,
            limit,
            attempted: None,
        });
    }

    /// Records an action's outcome.
    pub(crate) fn record(
        &self,
        action: AuthAction,
        outcome: AuthOutcome,
        user: Option<UserId>,
        client: Client,
    ) {
        self.events.record(&AuthEvent {
            action,
            outcome,
            user,
            client,
            limit: None,
            attempted: None,
        });
    }

    /// Records a success or a failure by the result's kind.
    pub(crate) fn record_result<T, E>(
        &self,
        action: AuthAction,
        result: &Result<T, E>,
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
