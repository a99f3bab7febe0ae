//! [`Connect`]: [`AuthStack::connect`](super::AuthStack::connect) before it is awaited, with
//! its options (a clock of the caller's, a statement observer, metrics), then the steps it
//! runs when awaited: connect, migrate, wire.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;

use quill_domain::{AuthEvents, Clock};

use super::{AuthStack, StartError};
use crate::clock::SystemClock;
use crate::config::StackSettings;
use crate::db::connect;
use crate::events::{FanOutAuthEvents, TracingAuthEvents};
use crate::metrics::MetricsAuthEvents;
use crate::schema::migrate;

/// Called once for every SQL statement a stack's connection runs after its migrations.
pub type StatementObserver = Arc<dyn Fn() + Send + Sync>;

/// [`AuthStack::connect`] before it is awaited: its options, then `.await` to connect,
/// migrate and wire.
#[must_use = "nothing is connected until this is awaited"]
pub struct Connect<'a> {
    settings: &'a StackSettings,
    on_statement: Option<StatementObserver>,
    metrics: bool,
    clock: Option<Arc<dyn Clock>>,
}

impl<'a> Connect<'a> {
    /// The default options: the system clock, no observer, no metrics.
    pub(super) fn new(settings: &'a StackSettings) -> Self {
        Self {
            settings,
            on_statement: None,
            metrics: false,
            clock: None,
        }
    }

    /// Reads the time from `clock` instead of the system's: tokens, sessions, limits, resets
    /// and mail delivery all see the time it gives, so tests move time on instead of waiting
    /// for it.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Reports every SQL statement the stack runs once its schema is up to date (the
    /// migrations' own are not reported): lets tests hold request paths to a query budget
    /// without timing anything.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// use quill_infra::{AuthStack, StackSettings};
    ///
    /// let settings = StackSettings::from_pairs([
    ///     ("DATABASE_URL", "sqlite::memory:"),
    ///     ("DATABASE_MAX_CONNECTIONS", "1"),
    ///     ("ARGON2_MEMORY_KIB", "1024"),
    ///     ("ARGON2_ITERATIONS", "1"),
    ///     ("ARGON2_PARALLELISM", "1"),
    /// ])?;
    /// let statements = Arc::new(AtomicUsize::new(0));
    /// let counter = statements.clone();
    /// let stack = AuthStack::connect(&settings)
    ///     .observe_statements(Arc::new(move || {
    ///         counter.fetch_add(1, Ordering::SeqCst);
    ///     }))
    ///     .await?;
    /// assert_eq!(statements.load(Ordering::SeqCst), 0);
    /// stack.users().id_by_username("alice").await?;
    /// assert_eq!(statements.load(Ordering::SeqCst), 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn observe_statements(mut self, observer: StatementObserver) -> Self {
        self.on_statement = Some(observer);
        self
    }

    /// Counts the auth core's events through the `metrics` facade besides writing them to
    /// the audit trail (see [`metrics`](crate::metrics) for what is counted); the
    /// application installs the recorder.
    pub fn record_metrics(mut self) -> Self {
        self.metrics = true;
        self
    }

    async fn run(self) -> Result<AuthStack, StartError> {
        let settings = self.settings;
        let mut db = connect(
            &settings.database.url,
            settings.database.max_connections,
            settings.database.acquire_timeout,
        )
        .await?;
        migrate(&db).await?;
        if let Some(observer) = self.on_statement {
            db.set_metric_callback(move |_| observer());
        }
        let trail: Arc<dyn AuthEvents> =
            Arc::new(TracingAuthEvents::new(&settings.auth.secret_key));
        let events = if self.metrics {
            Arc::new(FanOutAuthEvents::new([trail, Arc::new(MetricsAuthEvents)]))
        } else {
            trail
        };
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        Ok(AuthStack::assemble(settings, db, events, clock).await?)
    }
}

impl fmt::Debug for Connect<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connect")
            .field("settings", self.settings)
            .field("observes_statements", &self.on_statement.is_some())
            .field("records_metrics", &self.metrics)
            .field("has_own_clock", &self.clock.is_some())
            .finish()
    }
}

impl<'a> IntoFuture for Connect<'a> {
    type Output = Result<AuthStack, StartError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}
