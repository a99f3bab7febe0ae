//! Renewing an offline session: the rotation of its refresh token, the grace for tabs that
//! raced with the same token, and the end of a session whose spent token came back.

use chrono::{DateTime, Utc};

use super::error::RefreshError;
use super::store::{HeldRefresh, RefreshDigest, RefreshToken};
use super::{Grant, SessionService, clamp};
use crate::client::Client;
use crate::events::{AuthAction, AuthEvent, AuthOutcome};
use crate::throttle::{ThrottleKey, ThrottleScope};
use crate::user::UserId;

impl SessionService {
    /// Renews a session with its refresh token: a fresh access token and the token's
    /// successor, retiring the presented one (rotation).
    ///
    /// Charged to the client's refresh rate first. Tabs racing with one token all get the
    /// same successor within the policy's `refresh_grace`, so a session keeps exactly one
    /// live chain; a retired token presented after the grace means a copy is in other hands,
    /// so the whole session is ended (and audited as
    /// [`AuthAction::RefreshReplay`]). A session cannot be renewed past its absolute expiry.
    ///
    /// # Errors
    /// [`RefreshError::InvalidRefreshToken`] for every refusal of the token itself;
    /// [`RefreshError::Throttled`], [`RefreshError::Unavailable`].
    pub async fn refresh(
        &self,
        client: Client,
        presented: &RefreshToken,
    ) -> Result<Grant, RefreshError> {
        let key = self.guard.client_key(client);
        self.guard
            .admit(
                client,
                None,
                &ThrottleKey::client(ThrottleScope::RefreshPerClient, key),
                self.policy.refresh_per_client,
            )
            .await?;
        let (outcome, user) = self.renew(client, presented).await;
        self.guard
            .record_result(AuthAction::Refresh, &outcome, user, client);
        outcome
    }

    async fn renew(
        &self,
        client: Client,
        presented: &RefreshToken,
    ) -> (Result<Grant, RefreshError>, Option<UserId>) {
        let secrets = &self.session_secrets;
        let store = &self.sessions;
        let now = self.guard.now();
        let digest = secrets.digest(presented);
        let held = match store.refresh_holder(&digest).await {
            Ok(Some(held)) if held.session_expires_at > now => held,
            Ok(_) => return (Err(RefreshError::InvalidRefreshToken), None),
            Err(e) => return (Err(e.into()), None),
        };
        let user = Some(held.user);
        let successor = secrets.successor(presented);
        let successor_digest = secrets.digest(&successor);
        let outcome = async {
            let retired_at = match held.retired_at {
                None if store.rotate(&digest, &successor_digest, now).await? => None,
                // Another tab rotated it first: read when, and judge it as spent.
                None => store
                    .refresh_holder(&digest)
                    .await?
                    .and_then(|h| h.retired_at)
                    .or(Some(now)),
                Some(at) => Some(at),
            };
            if let Some(retired_at) = retired_at {
                self.spent_refresh(client, &held, retired_at, &successor_digest, now)
                    .await?;
            }
            let account = self
                .users
                .by_id(held.user)
                .await?
                .ok_or(RefreshError::InvalidRefreshToken)?;
            // A refresh is not an authentication: the token says when the login was.
            Ok(self.grant(
                &account,
                &held.session,
                Some(successor),
                held.authenticated_at,
                now,
            )?)
        }
        .await;
        (outcome, user)
    }

    /// Judges a spent refresh token: within the grace its successor is handed out again, as
    /// long as that successor is still the live end of the chain; after it, the session ends.
    async fn spent_refresh(
        &self,
        client: Client,
        held: &HeldRefresh,
        retired_at: DateTime<Utc>,
        successor: &RefreshDigest,
        now: DateTime<Utc>,
    ) -> Result<(), RefreshError> {
        let store = &self.sessions;
        if now - retired_at <= clamp(self.policy.refresh_grace) {
            return match store.refresh_holder(successor).await? {
                Some(next) if next.retired_at.is_none() => Ok(()),
                _ => Err(RefreshError::InvalidRefreshToken),
            };
        }
        store.end(held.user, &held.session).await?;
        self.guard.events().record(&AuthEvent {
            action: AuthAction::RefreshReplay,
            outcome: AuthOutcome::Success,
            user: Some(held.user),
            client,
            limit: None,
            attempted: None,
        });
        Err(RefreshError::InvalidRefreshToken)
    }
}
