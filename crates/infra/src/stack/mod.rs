//! From settings to the ready-to-use auth core: connecting, migrating and wiring the adapters,
//! with the throttle, the audit trail and the background maintenance, for quill's server and
//! for any service that embeds quill's auth core. Nothing of the blog is here: that is
//! [`blog`](crate::blog)'s.
//!
//! [`AuthStack::connect`] does it all in one call. The steps are public too
//! ([`connect`](crate::connect), [`migrate`](crate::migrate), [`AuthStack::new`]) for an application that owns its connection pool or runs
//! migrations as a separate deployment step.

mod connect;

use std::sync::Arc;

use quill_domain::{
    Auth, AuthEvents, AuthPorts, Clock, DeliveryPolicy, InMemoryThrottle, Letters, MailDelivery,
    ResetRequest, Throttle, Unexpected, UserRepository,
};
use sea_orm::{DatabaseConnection, DbBackend};
use tokio::sync::{Notify, mpsc};

pub use connect::{Connect, StatementObserver};

use crate::clock::SystemClock;
use crate::config::StackSettings;
use crate::db::{DatabaseError, SeaOrmUserRepository};
use crate::events::TracingAuthEvents;
use crate::hashing::Argon2Hasher;
use crate::maintenance::{Background, MaintenanceHandle};
use crate::pictures::{DatabasePictureStore, FilePictureStore, ImagePictureProcessor};
use crate::recovery::{ChannelResetRequests, SeaOrmRecoveryStore, Sha256ResetSecrets};
use crate::schema::MigrationError;
use crate::sessions::{HmacSessionSecrets, SeaOrmSessionStore};
use crate::throttle::PostgresThrottle;
use crate::tokens::JwtCodec;
use crate::verification::{SeaOrmVerificationStore, Sha256VerificationSecrets};

/// Start-up failed: the message says which step and why. [`AuthStack::connect`]'s own steps
/// have a variant each, so an application can report (or retry) them differently; an
/// application built on the stack (quill's server, an embedding service) reports the steps of
/// its own start-up as [`StartError::Application`], so one type covers the whole start-up.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be reached or opened.
    #[error(transparent)]
    Database(#[from] DatabaseError),
    /// The schema could not be brought up to date.
    #[error(transparent)]
    Migration(#[from] MigrationError),
    /// The adapters could not be built (unusable Argon2 parameters).
    #[error("preparing the auth services: {0}")]
    Services(#[from] Unexpected),
    /// A step of the application's own start-up failed (quill's server: loading its page
    /// templates).
    #[error(transparent)]
    Application(Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl StartError {
    /// A failure of the application's own start-up, shown as the cause itself.
    pub fn application(cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Application(Box::new(cause))
    }
}

/// The auth core wired to the real adapters: the SeaORM account store, Argon2id with one
/// hashing slot per CPU and a bounded queue, JWTs from the settings, the system clock (or [`Connect::clock`]'s), rate
/// limits kept in PostgreSQL when that is the database (so they hold for a fleet) and in the
/// process otherwise, and the audit trail as `tracing` events (target `audit`). The policy
/// (rates, hashing shares) is the settings' [`policy`](crate::AuthSettings::policy).
///
/// The stored state needs periodic clean-up (expired revocations, idle buckets): hold the
/// handle of [`spawn_maintenance`](AuthStack::spawn_maintenance) for as long as the
/// application serves.
///
/// Cheap to clone (every part is a shared handle), so put it, or just its
/// [`auth`](AuthStack::auth), in an application's state. There is no global: two stacks
/// with different settings can live in one process.
///
/// # Examples
///
/// Register, log in and check the token, against a fresh SQLite file:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use quill_domain::{Client, Email, Password, Registration, Username};
/// use quill_infra::{AuthStack, StackSettings};
///
/// let dir = tempfile::tempdir()?;
/// let url = format!("sqlite://{}?mode=rwc", dir.path().join("app.db").display());
/// let mail = dir.path().join("mail");
/// let settings = StackSettings::from_pairs([
///     ("SECRET_KEY", "an-example-key-of-at-least-32-bytes"),
///     ("DATABASE_URL", url.as_str()),
///     // Without SMTP_HOST, mail (the verification link registration sends) goes to files.
///     ("MAIL_DIR", mail.to_str().unwrap()),
///     // Cheap hashing for the example; leave these out in production.
///     ("ARGON2_MEMORY_KIB", "1024"),
///     ("ARGON2_ITERATIONS", "1"),
///     ("ARGON2_PARALLELISM", "1"),
/// ])?;
/// let stack = AuthStack::connect(&settings).await?;
/// let _maintenance = stack.spawn_maintenance();
/// let client = Client::new([192, 0, 2, 1].into());
///
/// let alice = stack
///     .auth
///     .accounts
///     .register(client, Registration {
///         username: Username::parse("alice")?,
///         email: Email::parse("alice@example.com")?,
///         password: Password::parse("quiet-harbour-lamp")?,
///     })
///     .await?;
/// let token = stack
///     .auth
///     .login
///     .with_password(client, "alice@example.com", &Password::attempt("quiet-harbour-lamp"))
///     .await?;
/// let caller = stack.auth.sessions.authenticate(token.as_str()).await?;
/// assert_eq!(caller.id(), alice.public.id);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct AuthStack {
    /// Registration, login, tokens, account self-service, with their limits and audit trail.
    pub auth: Auth,
    users: Arc<SeaOrmUserRepository>,
    clock: Arc<dyn Clock>,
    db: DatabaseConnection,
    /// The reset requests the service queues, until a maintenance handle takes them.
    reset_requests: Arc<std::sync::Mutex<Option<mpsc::Receiver<ResetRequest>>>>,
    /// Delivery of the outbox, `None` when the settings name nowhere to deliver to.
    delivery: Option<MailDelivery>,
    mail_queued: Arc<Notify>,
}

impl AuthStack {
    /// Connects to `settings.database.url` (SQLite or PostgreSQL), applies quill's pending
    /// migrations and builds the services: everything an embedding application needs from
    /// quill besides the HTTP extractor, in one call, when awaited; options such as
    /// [`observe_statements`](Connect::observe_statements) go before the `.await`.
    ///
    /// Takes about one password hash's time (the hasher prepares its dummy hash).
    ///
    /// # Errors
    /// [`StartError`] naming the step that failed.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use quill_infra::{AuthStack, StackSettings};
    ///
    /// let settings = StackSettings::from_pairs([
    ///     ("SECRET_KEY", "an-example-key-of-at-least-32-bytes"),
    ///     ("DATABASE_URL", "sqlite::memory:"),
    ///     ("DATABASE_MAX_CONNECTIONS", "1"), // one in-memory database, one connection
    ///     ("ARGON2_MEMORY_KIB", "1024"),
    ///     ("ARGON2_ITERATIONS", "1"),
    ///     ("ARGON2_PARALLELISM", "1"),
    /// ])?;
    /// let stack = AuthStack::connect(&settings).await?;
    /// assert!(stack.auth.sessions.authenticate("not a token").await.is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn connect(settings: &StackSettings) -> Connect<'_> {
        Connect::new(settings)
    }

    /// Builds the adapters and services over an open and migrated database (see
    /// [`migrate`](crate::migrate)), for an application that manages the connection itself.
    ///
    /// Prepares the hasher's dummy hash on the blocking pool, so it takes about one hash's
    /// time.
    ///
    /// # Errors
    /// [`Unexpected`] when the Argon2 parameters are unusable.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    ///
    /// use quill_infra::{AuthStack, StackSettings};
    ///
    /// let settings = StackSettings::from_pairs([
    ///     ("SECRET_KEY", "an-example-key-of-at-least-32-bytes"),
    ///     ("ARGON2_MEMORY_KIB", "1024"),
    ///     ("ARGON2_ITERATIONS", "1"),
    ///     ("ARGON2_PARALLELISM", "1"),
    /// ])?;
    /// let db = quill_infra::connect("sqlite::memory:", 1, Duration::from_secs(5)).await?;
    /// quill_infra::migrate(&db).await?;
    /// let stack = AuthStack::new(&settings, db).await?;
    /// # let _ = stack;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn new(settings: &StackSettings, db: DatabaseConnection) -> Result<Self, Unexpected> {
        let trail = Arc::new(TracingAuthEvents::new(&settings.auth.secret_key));
        Self::assemble(settings, db, trail, Arc::new(SystemClock)).await
    }

    async fn assemble(
        settings: &StackSettings,
        db: DatabaseConnection,
        events: Arc<dyn AuthEvents>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, Unexpected> {
        let argon2 = settings.auth.argon2;
        let policy = settings.auth.policy;
        let hasher = tokio::task::spawn_blocking(move || Argon2Hasher::new(argon2))
            .await
            .map_err(Unexpected::new)??;
        let tokens = JwtCodec::configured(
            &settings.auth.token_signing,
            &settings.auth.secret_key,
            settings.auth.access_token_lifetime,
        );
        let (throttle, pictures): (Arc<dyn Throttle>, Arc<dyn quill_domain::PictureStore>) =
            match db.get_database_backend() {
                // A fleet shares its limits and its pictures through the database.
                DbBackend::Postgres => (
                    Arc::new(PostgresThrottle::new(db.clone())),
                    Arc::new(DatabasePictureStore::new(db.clone())),
                ),
                _ => (
                    Arc::new(InMemoryThrottle::default()),
                    Arc::new(FilePictureStore::new(
                        settings
                            .auth
                            .pictures
                            .media_dir
                            .join(crate::PICTURES_FOLDER),
                    )),
                ),
            };
        let recovery = Arc::new(SeaOrmRecoveryStore::new(db.clone()));
        let users =
            Arc::new(SeaOrmUserRepository::new(db.clone()).notifying(recovery.mail_queued()));
        let (reset_queue, reset_requests) = ChannelResetRequests::new();
        let delivery = crate::mail::mailer_for(&settings.mail, settings.environment)
            .map_err(Unexpected::new)?
            .map(|mailer| {
                MailDelivery::new(
                    recovery.clone(),
                    mailer,
                    clock.clone(),
                    DeliveryPolicy::default(),
                )
            });
        let auth = Auth::new(
            AuthPorts {
                users: users.clone(),
                standings: users.clone(),
                picture_owners: users.clone(),
                hasher: Arc::new(hasher),
                tokens: Arc::new(tokens),
                clock: clock.clone(),
                throttle,
                events,
                recovery: recovery.clone(),
                reset_requests: Arc::new(reset_queue),
                reset_secrets: Arc::new(Sha256ResetSecrets),
                letters: Letters::new(&settings.mail.public_base_url),
                pictures,
                picture_processor: Arc::new(ImagePictureProcessor::new(
                    settings.auth.pictures.picture_slots,
                    policy.picture_places,
                )),
                sessions: Arc::new(SeaOrmSessionStore::new(db.clone())),
                session_secrets: Arc::new(HmacSessionSecrets::new(&settings.auth.secret_key)),
                verifications: Arc::new(
                    SeaOrmVerificationStore::new(db.clone()).notifying(recovery.mail_queued()),
                ),
                verification_secrets: Arc::new(Sha256VerificationSecrets),
            },
            policy,
        );
        Ok(Self {
            auth,
            users,
            clock,
            db,
            reset_requests: Arc::new(std::sync::Mutex::new(Some(reset_requests))),
            delivery,
            mail_queued: recovery.mail_queued(),
        })
    }

    /// Starts the background work on the current tokio runtime: the clean-up, the job that
    /// handles password-reset requests, and mail delivery (to the SMTP relay, or the mail
    /// directory in development); it runs until the handle is dropped. Failures are logged
    /// (`warn`) and retried. Password-reset requests are handled by the first handle only:
    /// without one they are refused as busy.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn spawn_maintenance(&self) -> MaintenanceHandle {
        let reset_requests = self
            .reset_requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        MaintenanceHandle::spawn(
            self.auth.clone(),
            Background {
                reset_requests,
                delivery: self.delivery.clone(),
                mail_queued: self.mail_queued.clone(),
            },
        )
    }

    /// Whether the settings name somewhere to deliver mail to: an SMTP relay, or in
    /// development the mail directory. In production without `SMTP_HOST` mail waits in the
    /// outbox.
    #[must_use]
    pub fn delivers_mail(&self) -> bool {
        self.delivery.is_some()
    }

    /// The account store, for layers built beside the auth core (quill's blog checks that
    /// authors exist through it).
    #[must_use]
    pub fn users(&self) -> Arc<dyn UserRepository> {
        self.users.clone()
    }

    /// The clock the services use.
    #[must_use]
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// The connection pool the services use: for a readiness probe, or for the
    /// application's own queries on the same database.
    #[must_use]
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Whether the database answers, for a readiness probe.
    ///
    /// # Errors
    /// [`Unexpected`] with the database's reason.
    pub async fn ping(&self) -> Result<(), Unexpected> {
        self.db.ping().await.map_err(Unexpected::new)
    }
}

impl std::fmt::Debug for AuthStack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The service holds keys; the connection shows its backend.
        f.debug_struct("AuthStack")
            .field("db", &self.db)
            .finish_non_exhaustive()
    }
}
