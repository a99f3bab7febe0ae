//! quill's adapters: the implementations of `quill-domain`'s ports, configuration, and the
//! one-call wiring of both into ready-to-use services.
//!
//! - [`stack`]: [`AuthStack::connect`] connects, migrates and wires the auth core from
//!   [`StackSettings`] in one call, for quill's server and for services that embed it, with its
//!   background maintenance ([`AuthStack::spawn_maintenance`], [`maintenance`]), and
//!   [`StartError`], what any start-up built on it reports.
//! - [`schema`]: [`migrate`], the auth core's schema brought up to date on its own, safely from
//!   several processes at once.
//! - [`config`]: [`StackSettings`], the auth, database and mail sections the stack reads,
//!   from the environment, a `.env` file and defaults, or from explicit pairs
//!   ([`StackSettings::from_pairs`]) for an application with its own configuration; and the
//!   means for other layers to read their own sections from the same sources.
//! - [`db`]: connecting to SQLite or PostgreSQL ([`connect`]), and the SeaORM repositories
//!   ([`SeaOrmUserRepository`], [`SeaOrmPostRepository`]).
//! - [`hashing`]: [`Argon2Hasher`], Argon2id on a bounded blocking pool.
//! - [`tokens`]: [`JwtCodec`], JWTs signed with the shared secret ([`SecretKey`]) or an
//!   asymmetric key, with a pinned algorithm, and the keys' files.
//! - [`throttle`]: [`PostgresThrottle`], rate-limit buckets shared by a fleet.
//! - [`events`]: [`TracingAuthEvents`], the audit trail as `tracing` events.
//! - [`metrics`]: the auth core's counters and gauges, through the `metrics` facade, for
//!   [`Connect::record_metrics`].
//! - [`clock`]: [`SystemClock`], the real time.
//! - [`blog`]: the blog's schema and posts service, which embedders leave out.
//!
//! What this crate must not know: HTTP (that is `quill-web`'s, or the embedding
//! application's), and any rule (those are `quill-domain`'s; this crate only stores, hashes,
//! signs and reads settings). SeaORM types stay inside: no entity, model or `DbErr` appears
//! in a public signature, only the connection pool handle. Nothing here is global: every
//! value is built from [`StackSettings`] and passed down, so one process can hold several stacks.
//!
//! # Example
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use quill_domain::{Client, LoginError, Password};
//! use quill_infra::{AuthStack, StackSettings};
//!
//! let settings = StackSettings::from_pairs([
//!     ("SECRET_KEY", "an-example-key-of-at-least-32-bytes"),
//!     ("DATABASE_URL", "sqlite::memory:"),
//!     ("DATABASE_MAX_CONNECTIONS", "1"),
//!     ("ARGON2_MEMORY_KIB", "1024"),
//!     ("ARGON2_ITERATIONS", "1"),
//!     ("ARGON2_PARALLELISM", "1"),
//! ])?;
//! let stack = AuthStack::connect(&settings).await?;
//! let refused = stack
//!     .auth
//!     .login
//!     .with_password(Client::UNKNOWN, "nobody@example.com", &Password::attempt("quiet-harbour-lamp"))
//!     .await;
//! assert!(matches!(refused, Err(LoginError::InvalidCredentials)));
//! # Ok(())
//! # }
//! ```
//!
//! Start reading at [`AuthStack`]; `docs/embedding.md` in the repository walks through a
//! whole embedding service.

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod blog;
pub mod clock;
pub mod config;
pub mod db;
mod entities;
pub mod events;
pub mod hashing;
pub mod mail;
pub mod maintenance;
pub mod metrics;
pub mod pictures;
pub mod recovery;
pub mod schema;
pub mod sessions;
pub mod stack;
pub mod throttle;
pub mod tokens;
pub mod verification;

/// The folder under `MEDIA_DIR` that pictures are kept in (and served from, under
/// `/media/profile_pics`).
pub const PICTURES_FOLDER: &str = "profile_pics";

pub use clock::SystemClock;
pub use config::{
    Argon2Settings, AuthSettings, ConfigError, DatabaseSettings, Environment, MailSettings,
    PictureSettings, StackSettings,
};
pub use db::{DatabaseError, SeaOrmPostRepository, SeaOrmUserRepository, connect, probe_writable};
pub use events::{FanOutAuthEvents, TracingAuthEvents};
pub use hashing::Argon2Hasher;
pub use mail::{FileMailer, SmtpMailer};
pub use maintenance::MaintenanceHandle;
pub use pictures::{DatabasePictureStore, FilePictureStore, ImagePictureProcessor};
pub use recovery::{ChannelResetRequests, SeaOrmRecoveryStore, Sha256ResetSecrets};
pub use schema::{MigrationError, migrate, pending_migrations};
pub use sessions::{HmacSessionSecrets, SeaOrmSessionStore};
pub use stack::{AuthStack, Connect, StartError, StatementObserver};
pub use throttle::PostgresThrottle;
pub use tokens::{
    AsymmetricSigning, JwtCodec, SecretKey, SecretKeyError, SigningKeys, TokenAlgorithm,
    TokenSigning,
};
pub use verification::{SeaOrmVerificationStore, Sha256VerificationSecrets};
