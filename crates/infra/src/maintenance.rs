//! The auth core's background clean-up: what keeps the stored state from growing without
//! bound (revocations of tokens that have expired anyway, rate-limit buckets that are full
//! again), as a task tied to a handle the application holds.

use std::time::Duration;

use quill_domain::AuthService;

/// The auth core's background clean-up, running while this handle lives: every minute it
/// forgets revocations of expired tokens and rate-limit buckets that are full again. Dropping
/// the handle (or [`stop`](MaintenanceHandle::stop)) ends it, so it goes with the
/// application's own shutdown.
#[derive(Debug)]
#[must_use = "maintenance stops when the handle is dropped"]
pub struct MaintenanceHandle(tokio::task::JoinHandle<()>);

impl MaintenanceHandle {
    /// How often a pass runs.
    pub const PERIOD: Duration = Duration::from_secs(60);

    /// Starts the passes over `auth` on the current tokio runtime. Failures are logged
    /// (`warn`) and retried at the next pass.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub(crate) fn spawn(auth: AuthService) -> Self {
        let period = Self::PERIOD;
        Self(tokio::spawn(async move {
            // The first pass one period after start-up: nothing can have expired before.
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match auth.maintain().await {
                    Ok(pass) => tracing::debug!(
                        expired_revocations = pass.expired_revocations,
                        idle_buckets = pass.idle_buckets,
                        "auth maintenance pass"
                    ),
                    Err(e) => tracing::warn!("auth maintenance failed (retried next pass): {e}"),
                }
            }
        }))
    }

    /// Stops the clean-up.
    pub fn stop(self) {}
}

impl Drop for MaintenanceHandle {
    fn drop(&mut self) {
        self.0.abort();
    }
}
