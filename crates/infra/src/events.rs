//! [`TracingAuthEvents`]: the audit trail as `tracing` events with target `audit`, one per
//! event, with its fields as structured fields, so any subscriber (text, JSON, a collector)
//! records them.

use quill_domain::{AuthEvent, AuthEvents};

/// Writes each audit event at `info` level, target `audit`: `action`, `outcome`, `user_id`
/// (when known), `client_ip` and, for a refusal by a limit, `limit`. Refusals under a flood
/// are as frequent as the flood; filter the `audit` target to keep them apart from the rest.
#[derive(Debug, Clone, Copy, Default)]
pub struct TracingAuthEvents;

impl AuthEvents for TracingAuthEvents {
    fn record(&self, event: &AuthEvent) {
        tracing::info!(
            target: "audit",
            action = event.action.name(),
            outcome = event.outcome.name(),
            user_id = event.user.map(|id| id.0),
            client_ip = %event.client,
            limit = event.limit.map(|scope| scope.name()),
        );
    }
}
