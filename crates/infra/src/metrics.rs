//! The auth core's metrics, recorded through the `metrics` facade, so whichever recorder the
//! application installs (quill's server installs a Prometheus one when `METRICS_ADDR` is set)
//! receives them, and nothing is recorded where none is installed.
//!
//! - [`MetricsAuthEvents`]: the audit trail's events and the refused tokens, counted by the
//!   domain's stable names, never by anything a client sent.
//! - [`AuthStack::record_gauges`]: how busy hashing and the connection pool are, read when
//!   the application is scraped rather than kept up to date on every request.
//! - [`describe`]: the help text of every metric here, for the exposition.
//!
//! | metric | type | labels |
//! | --- | --- | --- |
//! | `quill_auth_attempts_total` | counter | `action` (`register`, `login`, ...), `outcome` (`success`, `failure`) |
//! | `quill_auth_refusals_total` | counter | `kind` (`rate_limited`, `hashing_busy`, `hashing_share_taken`, `throttle_unavailable`), `limit` (the rate limit's name, or `none`) |
//! | `quill_token_refusals_total` | counter | `reason` (`invalid`, `expired`, `revoked`, `superseded`, `account_gone`) |
//! | `quill_hashing_slots_busy`, `quill_hashing_slots` | gauge | |
//! | `quill_hashing_waiting`, `quill_hashing_queue_limit` | gauge | |
//! | `quill_db_pool_connections` | gauge | `state` (`in_use`, `idle`) |
//! | `quill_db_pool_max_connections` | gauge | |
//! | `quill_db_pool_acquire_timeouts_total` | counter | |
//! | `quill_picture_uploads`, `quill_picture_upload_places` | gauge | |
//! | `quill_mail_outbox_queued` | gauge | |
//! | `quill_mail_outbox_oldest_age_seconds` | gauge | |
//! | `quill_mail_deliveries_total` | counter | `outcome` (`sent`, `retried`, `refused`) |

use metrics::{counter, describe_counter, describe_gauge, gauge};
use quill_domain::{AuthEvent, AuthEvents, AuthOutcome, DeliveryReport, MailOutbox, TokenRefusal};
use sea_orm::{DatabaseConnection, DatabaseConnectionType};

use crate::stack::AuthStack;

const AUTH_ATTEMPTS: &str = "quill_auth_attempts_total";
const AUTH_REFUSALS: &str = "quill_auth_refusals_total";
const TOKEN_REFUSALS: &str = "quill_token_refusals_total";
const HASHING_SLOTS_BUSY: &str = "quill_hashing_slots_busy";
const HASHING_SLOTS: &str = "quill_hashing_slots";
const HASHING_WAITING: &str = "quill_hashing_waiting";
const HASHING_QUEUE_LIMIT: &str = "quill_hashing_queue_limit";
const POOL_CONNECTIONS: &str = "quill_db_pool_connections";
const POOL_MAX_CONNECTIONS: &str = "quill_db_pool_max_connections";
const POOL_ACQUIRE_TIMEOUTS: &str = "quill_db_pool_acquire_timeouts_total";
const PICTURE_UPLOADS: &str = "quill_picture_uploads";
const PICTURE_UPLOAD_PLACES: &str = "quill_picture_upload_places";
const OUTBOX_QUEUED: &str = "quill_mail_outbox_queued";
const OUTBOX_OLDEST_AGE: &str = "quill_mail_outbox_oldest_age_seconds";
const MAIL_DELIVERIES: &str = "quill_mail_deliveries_total";

/// Gives the recorder the help text of every metric of this module. Call it once, after
/// installing the recorder.
pub fn describe() {
    describe_counter!(
        AUTH_ATTEMPTS,
        "Authentication attempts that ran, by action and outcome (a refusal before any attempt is counted in quill_auth_refusals_total)."
    );
    describe_counter!(
        AUTH_REFUSALS,
        "Authentication attempts refused before they ran: by a rate limit, by hashing back-pressure, or because the throttle's store did not answer."
    );
    describe_counter!(TOKEN_REFUSALS, "Bearer tokens refused, by reason.");
    describe_gauge!(HASHING_SLOTS_BUSY, "Password hashing slots busy now.");
    describe_gauge!(HASHING_SLOTS, "Password hashing slots in all.");
    describe_gauge!(
        HASHING_WAITING,
        "Password hashing requests waiting for a slot now."
    );
    describe_gauge!(
        HASHING_QUEUE_LIMIT,
        "The most hashing requests that may wait; past it they are refused at once."
    );
    describe_gauge!(
        POOL_CONNECTIONS,
        "Database pool connections open now, by state."
    );
    describe_gauge!(
        POOL_MAX_CONNECTIONS,
        "The most connections the database pool opens."
    );
    describe_counter!(
        POOL_ACQUIRE_TIMEOUTS,
        "Requests that waited for a pooled database connection past the acquire timeout."
    );
    describe_gauge!(
        PICTURE_UPLOADS,
        "Picture uploads read in full and waiting or being processed now."
    );
    describe_gauge!(
        PICTURE_UPLOAD_PLACES,
        "The most picture uploads that may wait or be processed at once; past it they are refused."
    );
    describe_gauge!(
        OUTBOX_QUEUED,
        "Mails in the outbox not yet accepted by a mail server, as of the last delivery pass."
    );
    describe_gauge!(
        OUTBOX_OLDEST_AGE,
        "Age of the oldest mail in the outbox, in seconds (0 when it is empty)."
    );
    describe_counter!(
        MAIL_DELIVERIES,
        "Delivery attempts, by outcome: sent, retried later, or refused for good by the mail server."
    );
}

/// [`AuthEvents`] that counts: every event by its action and outcome (refusals by their kind
/// and limit), every refused token by its reason. The labels are the domain's `name()`
/// strings only, so no address, account or token ever becomes a label.
#[derive(Debug, Clone, Copy, Default)]
pub struct MetricsAuthEvents;

impl AuthEvents for MetricsAuthEvents {
    fn record(&self, event: &AuthEvent) {
        let action = event.action.name();
        match event.outcome {
            AuthOutcome::Refused => {
                let limit = event.limit.map_or("none", |scope| scope.name());
                counter!(AUTH_REFUSALS, "kind" => action, "limit" => limit).increment(1);
            }
            AuthOutcome::Success | AuthOutcome::Failure => {
                let outcome = event.outcome.name();
                counter!(AUTH_ATTEMPTS, "action" => action, "outcome" => outcome).increment(1);
            }
        }
    }

    fn token_refused(&self, reason: TokenRefusal) {
        counter!(TOKEN_REFUSALS, "reason" => reason.name()).increment(1);
    }
}

/// Counts one delivery pass's outcomes.
pub(crate) fn mail_delivered(report: &DeliveryReport) {
    counter!(MAIL_DELIVERIES, "outcome" => "sent").increment(report.sent as u64);
    for deferral in &report.deferred {
        let outcome = if deferral.retry_in.is_some() {
            "retried"
        } else {
            "refused"
        };
        counter!(MAIL_DELIVERIES, "outcome" => outcome).increment(1);
    }
}

/// Sets the outbox gauges from the outbox as it is now (after a delivery pass); a failed read
/// leaves them as they were.
pub(crate) async fn record_outbox(outbox: &dyn MailOutbox) {
    if let Ok(depth) = outbox.depth().await {
        gauge!(OUTBOX_QUEUED).set(depth.queued as f64);
        let age = depth.oldest.map_or(0.0, |oldest| {
            (chrono::Utc::now() - oldest).num_milliseconds().max(0) as f64 / 1000.0
        });
        gauge!(OUTBOX_OLDEST_AGE).set(age);
    }
}

/// Counts a request that gave up waiting for a pooled connection.
pub(crate) fn pool_acquire_timed_out() {
    counter!(POOL_ACQUIRE_TIMEOUTS).increment(1);
}

/// How the connection pool is used at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUsage {
    /// Connections lent to a query now.
    pub in_use: u32,
    /// Connections open and free.
    pub idle: u32,
    /// The most the pool opens.
    pub max: u32,
}

/// The pool's usage now; `None` for a connection that is no pool (a mock, or closed).
pub(crate) fn pool_usage(db: &DatabaseConnection) -> Option<PoolUsage> {
    let (size, idle, max) = match &db.inner {
        DatabaseConnectionType::SqlxPostgresPoolConnection(_) => {
            let pool = db.get_postgres_connection_pool();
            (
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            )
        }
        DatabaseConnectionType::SqlxSqlitePoolConnection(_) => {
            let pool = db.get_sqlite_connection_pool();
            (
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            )
        }
        _ => return None,
    };
    let idle = u32::try_from(idle).unwrap_or(u32::MAX).min(size);
    Some(PoolUsage {
        in_use: size - idle,
        idle,
        max,
    })
}

impl AuthStack {
    /// Sets the gauges of this module from the stack as it is now: hashing slots busy and
    /// requests waiting, pool connections in use and idle. Call it just before each scrape's
    /// exposition is rendered.
    pub fn record_gauges(&self) {
        let load = self.auth.hashing_load();
        gauge!(HASHING_SLOTS_BUSY).set(load.busy_slots as f64);
        gauge!(HASHING_SLOTS).set(load.slots as f64);
        gauge!(HASHING_WAITING).set(load.waiting as f64);
        gauge!(HASHING_QUEUE_LIMIT).set(load.queue_limit as f64);
        let uploads = self.auth.pictures.upload_load();
        gauge!(PICTURE_UPLOADS).set(uploads.in_progress as f64);
        gauge!(PICTURE_UPLOAD_PLACES).set(uploads.places as f64);
        if let Some(pool) = self.pool_usage() {
            gauge!(POOL_CONNECTIONS, "state" => "in_use").set(f64::from(pool.in_use));
            gauge!(POOL_CONNECTIONS, "state" => "idle").set(f64::from(pool.idle));
            gauge!(POOL_MAX_CONNECTIONS).set(f64::from(pool.max));
        }
    }

    /// How the stack's connection pool is used now (`None` when the connection is no pool).
    #[must_use]
    pub fn pool_usage(&self) -> Option<PoolUsage> {
        pool_usage(self.connection())
    }
}

#[cfg(test)]
mod tests {
    use metrics_exporter_prometheus::PrometheusBuilder;
    use quill_domain::{AttemptedAccount, AuthAction, Client, ThrottleScope};

    use super::*;
    use crate::StackSettings;

    fn event(action: AuthAction, outcome: AuthOutcome) -> AuthEvent {
        AuthEvent {
            action,
            outcome,
            user: None,
            client: Client::new([192, 0, 2, 7].into()),
            limit: None,
            attempted: None,
        }
    }

    /// What `record` exposes once run with a recorder of its own.
    fn exposition(record: impl FnOnce()) -> String {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, || {
            describe();
            record();
        });
        handle.render()
    }

    #[test]
    fn attempts_refusals_and_refused_tokens_are_counted_by_the_domains_names_alone() {
        let text = exposition(|| {
            let events = MetricsAuthEvents;
            let mut failed = event(AuthAction::Login, AuthOutcome::Failure);
            failed.attempted = Some(AttemptedAccount::new("alice@example.com"));
            events.record(&failed);
            events.record(&failed);
            events.record(&event(AuthAction::Register, AuthOutcome::Success));
            let mut limited = event(AuthAction::RateLimited, AuthOutcome::Refused);
            limited.limit = Some(ThrottleScope::LoginPerClient);
            events.record(&limited);
            events.record(&event(AuthAction::HashingBusy, AuthOutcome::Refused));
            events.token_refused(TokenRefusal::Expired);
        });
        for line in [
            r#"quill_auth_attempts_total{action="login",outcome="failure"} 2"#,
            r#"quill_auth_attempts_total{action="register",outcome="success"} 1"#,
            r#"quill_auth_refusals_total{kind="rate_limited",limit="login_per_client"} 1"#,
            r#"quill_auth_refusals_total{kind="hashing_busy",limit="none"} 1"#,
            r#"quill_token_refusals_total{reason="expired"} 1"#,
            "# HELP quill_auth_attempts_total Authentication attempts that ran",
        ] {
            assert!(text.contains(line), "no {line:?} in\n{text}");
        }
        assert!(
            !text.contains("alice") && !text.contains("192.0.2.7"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn the_gauges_show_the_hashing_slots_and_the_pool_as_they_are_at_the_scrape() {
        let settings = StackSettings::from_pairs([
            ("DATABASE_URL", "sqlite::memory:"),
            ("DATABASE_MAX_CONNECTIONS", "1"),
            ("HASHING_SLOTS", "3"),
            ("HASHING_QUEUE_LIMIT", "7"),
            ("ARGON2_MEMORY_KIB", "1024"),
            ("ARGON2_ITERATIONS", "1"),
            ("ARGON2_PARALLELISM", "1"),
        ])
        .unwrap();
        let stack = AuthStack::connect(&settings)
            .record_metrics()
            .await
            .unwrap();
        let idle = Some(PoolUsage {
            in_use: 0,
            idle: 1,
            max: 1,
        });
        // The pool takes its connection back on a task of its own once start-up's last
        // statement is done: let that task run (bounded, should it never finish).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while stack.pool_usage() != idle && std::time::Instant::now() < deadline {
            tokio::task::yield_now().await;
        }
        assert_eq!(stack.pool_usage(), idle);
        let text = exposition(|| stack.record_gauges());
        for line in [
            "quill_hashing_slots_busy 0",
            "quill_hashing_slots 3",
            "quill_hashing_waiting 0",
            "quill_hashing_queue_limit 7",
            r#"quill_db_pool_connections{state="in_use"} 0"#,
            r#"quill_db_pool_connections{state="idle"} 1"#,
            "quill_db_pool_max_connections 1",
        ] {
            assert!(text.lines().any(|l| l == line), "no {line:?} in\n{text}");
        }
    }
}
