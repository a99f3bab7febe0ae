//! [`TracingAuthEvents`]: the audit trail as `tracing` events with target `audit`, one per
//! event, with its fields as structured fields, so any subscriber (text, JSON, a collector)
//! records them. [`FanOutAuthEvents`] hands every event to several ports, so the trail and the
//! metrics both see it.

use std::sync::Arc;

use hmac::{Hmac, Mac as _};
use quill_domain::{AttemptedAccount, AuthEvent, AuthEvents, TokenRefusal};
use sha2::Sha256;

use crate::tokens::SecretKey;

/// Writes each audit event at `info` level, target `audit`: `action`, `outcome`, `user_id`
/// (when known), `client_ip`, for a refusal by a limit `limit`, and for a failed login
/// `account_digest`: a keyed digest (HMAC-SHA256, 16 hex digits) of the email it named, the
/// same for every attempt on one address and meaningless without the key, so repeated guesses
/// at one account stand out without any address in the logs. Refusals under a flood are as
/// frequent as the flood; filter the `audit` target to keep them apart from the rest.
#[derive(Clone)]
pub struct TracingAuthEvents {
    digest_key: Hmac<Sha256>,
}

impl TracingAuthEvents {
    /// A trail whose account digests are keyed by a key derived from `secret` (never the
    /// token-signing key itself).
    #[must_use]
    pub fn new(secret: &SecretKey) -> Self {
        let derived = keyed(secret.as_bytes(), b"quill audit account digest v1");
        Self {
            digest_key: Hmac::new_from_slice(&derived).unwrap_or_else(|_| unreachable!()),
        }
    }

    /// The digest written for an attempt on this account.
    #[must_use]
    pub fn account_digest(&self, attempted: &AttemptedAccount) -> String {
        let mut mac = self.digest_key.clone();
        mac.update(attempted.canonical_email().as_bytes());
        mac.finalize().into_bytes()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

fn keyed(key: &[u8], message: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

impl std::fmt::Debug for TracingAuthEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TracingAuthEvents { digest_key: <redacted> }")
    }
}

impl AuthEvents for TracingAuthEvents {
    fn record(&self, event: &AuthEvent) {
        tracing::info!(
            target: "audit",
            action = event.action.name(),
            outcome = event.outcome.name(),
            user_id = event.user.map(|id| id.0),
            client_ip = %event.client,
            limit = event.limit.map(|scope| scope.name()),
            account_digest = event.attempted.as_ref().map(|a| self.account_digest(a)),
        );
    }

    /// At `debug`: a client with a dead token presents it at every request, which at `info`
    /// would drown the trail.
    fn token_refused(&self, reason: TokenRefusal) {
        tracing::debug!(target: "audit", action = "token_refused", reason = reason.name());
    }
}

/// Several ports as one: each event, and each refused token, goes to every one of them in
/// turn.
///
/// ```
/// use std::sync::Arc;
///
/// use quill_domain::testing::RecordedEvents;
/// use quill_domain::{AuthEvents, TokenRefusal};
/// use quill_infra::events::FanOutAuthEvents;
///
/// let (trail, counts) = (Arc::new(RecordedEvents::default()), Arc::new(RecordedEvents::default()));
/// let both = FanOutAuthEvents::new([trail.clone() as Arc<dyn AuthEvents>, counts.clone()]);
/// both.token_refused(TokenRefusal::Expired);
/// assert_eq!(trail.token_refusals(), counts.token_refusals());
/// assert_eq!(counts.token_refusals(), [TokenRefusal::Expired]);
/// ```
#[derive(Clone, Default)]
pub struct FanOutAuthEvents {
    ports: Vec<Arc<dyn AuthEvents>>,
}

impl FanOutAuthEvents {
    /// Hands everything to each of `ports`, in this order.
    pub fn new(ports: impl IntoIterator<Item = Arc<dyn AuthEvents>>) -> Self {
        Self {
            ports: ports.into_iter().collect(),
        }
    }
}

impl std::fmt::Debug for FanOutAuthEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FanOutAuthEvents")
            .field("ports", &self.ports.len())
            .finish()
    }
}

impl AuthEvents for FanOutAuthEvents {
    fn record(&self, event: &AuthEvent) {
        for port in &self.ports {
            port.record(event);
        }
    }

    fn token_refused(&self, reason: TokenRefusal) {
        for port in &self.ports {
            port.token_refused(reason);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> SecretKey {
        SecretKey::new(text.to_owned()).unwrap()
    }

    #[test]
    fn one_account_always_gets_one_digest_and_other_keys_or_accounts_other_ones() {
        let trail = TracingAuthEvents::new(&key("an-example-key-of-at-least-32-bytes"));
        let alice = AttemptedAccount::new("alice@example.com");
        let digest = trail.account_digest(&alice);
        assert_eq!(digest.len(), 16);
        assert!(!digest.contains("alice"));
        assert_eq!(trail.account_digest(&alice), digest);
        assert_ne!(
            trail.account_digest(&AttemptedAccount::new("bob@example.com")),
            digest
        );
        let other_key = TracingAuthEvents::new(&key("another-key-of-at-least-32-bytes!!"));
        assert_ne!(other_key.account_digest(&alice), digest);
    }
}
