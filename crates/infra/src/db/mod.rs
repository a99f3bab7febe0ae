//! The database: connecting (SQLite or PostgreSQL, per URL) and the repositories that
//! implement the domain's storage ports with SeaORM. The entities they map stay private to
//! this crate; what leaves it is domain types and the connection pool.

mod lookup;
mod posts;
mod user_keys;
mod users;

use quill_domain::{StoreError, Unexpected};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr, SqlErr};

pub(crate) use lookup::UniqueLookup;
pub use posts::SeaOrmPostRepository;
pub(crate) use user_keys::{key_usernames, skeleton_usernames};
pub use users::SeaOrmUserRepository;
pub(crate) use users::to_domain;

/// The connection pool: a cheap-to-clone handle shared by the repositories, and by an
/// embedding application's own queries if it has any.
pub use sea_orm::DatabaseConnection as Connection;

/// Connecting to the database failed. The database's own error is its
/// [`source`](std::error::Error::source).
#[derive(Debug, thiserror::Error)]
#[error("cannot connect to the database: {0}")]
pub struct DatabaseError(#[source] DbErr);

/// Opens a connection pool for a `sqlite:` or `postgres://` URL.
///
/// Statement logging is off: at one log line per query it would dominate the hot paths.
/// SQLite gets write-ahead logging, so readers never wait for a writer, and a busy timeout,
/// so concurrent writers queue instead of failing.
///
/// # Errors
/// [`DatabaseError`] when the database cannot be reached or opened.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), quill_infra::DatabaseError> {
/// use std::time::Duration;
///
/// // An in-memory SQLite database lives as long as its one connection.
/// let db = quill_infra::connect("sqlite::memory:", 1, Duration::from_secs(5)).await?;
/// # let _ = db;
/// # Ok(())
/// # }
/// ```
pub async fn connect(
    url: &str,
    max_connections: u32,
    acquire_timeout: std::time::Duration,
) -> Result<DatabaseConnection, DatabaseError> {
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(max_connections)
        .min_connections(1)
        .acquire_timeout(acquire_timeout)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(std::time::Duration::from_secs(10))
                // Reads through the shared page cache instead of a copy per connection and a
                // system call per page: list latency stays flat as the file grows.
                .pragma("mmap_size", "268435456")
                .foreign_keys(true)
        });
    Database::connect(options).await.map_err(DatabaseError)
}

/// Whether the database takes writes now: a write that changes nothing, inside a transaction
/// rolled back at once. A read-only SQLite file, a locked one (past the busy timeout), a
/// PostgreSQL standby or read-only session all fail it, so a readiness probe can say "not
/// ready" before users see errors.
///
/// # Errors
/// The database's reason.
pub async fn probe_writable(db: &DatabaseConnection) -> Result<(), Unexpected> {
    use sea_orm::{ConnectionTrait as _, TransactionTrait as _};
    let transaction = db.begin().await.map_err(Unexpected::new)?;
    transaction
        .execute_unprepared("DELETE FROM auth_throttle WHERE 1 = 0")
        .await
        .map_err(Unexpected::new)?;
    transaction.rollback().await.map_err(Unexpected::new)
}

/// A write transaction. On SQLite it starts `IMMEDIATE`, so a writer that has to wait does
/// so in the busy timeout at its first statement instead of failing half-way when another
/// writer got in first.
pub(crate) async fn begin_write(
    db: &DatabaseConnection,
) -> Result<sea_orm::DatabaseTransaction, StoreError> {
    use sea_orm::TransactionTrait as _;
    db.begin_with_options(sea_orm::TransactionOptions {
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
        ..sea_orm::TransactionOptions::default()
    })
    .await
    .map_err(store_error)
}

/// Puts `mail` in the outbox within `tx`, due at once.
pub(crate) async fn queue_mail(
    tx: &sea_orm::DatabaseTransaction,
    mail: quill_domain::Mail,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    use sea_orm::ConnectionTrait as _;
    tx.execute_raw(sea_orm::Statement::from_sql_and_values(
        tx.get_database_backend(),
        "INSERT INTO mail_outbox (recipient, subject, body, queued_at_us, due_at_us) \
         VALUES ($1, $2, $3, $4, $4)",
        [
            mail.to.into(),
            mail.subject.into(),
            mail.body.into(),
            quill_domain::throttle::micros(now).into(),
        ],
    ))
    .await
    .map(|_| ())
    .map_err(store_error)
}

/// An instant stored as microseconds since the epoch (how the auth schema keeps them, so both
/// backends compare them alike).
pub(crate) fn instant(us: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_micros(us)
        .unwrap_or(chrono::DateTime::<chrono::Utc>::UNIX_EPOCH)
}

/// Maps a database error to the domain's storage outcomes: the uniqueness indexes are
/// recognised by name, a foreign-key violation means the account a row refers to is gone
/// (the foreign keys point at `users`, or at `sessions`, which go with their account), a
/// database that cannot take the
/// statement now is unavailable, everything else is unexpected.
pub(crate) fn store_error(error: DbErr) -> StoreError {
    if violates(&error, USERNAME_INDEX) || violates(&error, USERNAME_SKELETON_INDEX) {
        return StoreError::UsernameTaken;
    }
    if violates(&error, "users_email_lower_key") {
        return StoreError::EmailTaken;
    }
    if matches!(
        error.sql_err(),
        Some(SqlErr::ForeignKeyConstraintViolation(_))
    ) {
        return StoreError::AccountGone;
    }
    if is_unavailable(&error) {
        return StoreError::Unavailable(unexpected(error));
    }
    StoreError::Unexpected(Unexpected::new(error))
}

/// A database error as the domain's opaque one, counting a request that gave up waiting for
/// a pooled connection (a pool too small for the load, or a database too slow).
pub(crate) fn unexpected(error: DbErr) -> Unexpected {
    if waited_too_long(&error) {
        crate::metrics::pool_acquire_timed_out();
    }
    Unexpected::new(error)
}

fn waited_too_long(error: &DbErr) -> bool {
    match error {
        DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout) => true,
        DbErr::Exec(runtime) | DbErr::Query(runtime) | DbErr::Conn(runtime) => matches!(
            runtime,
            sea_orm::RuntimeErr::SqlxError(sqlx)
                if matches!(**sqlx, sea_orm::sqlx::Error::PoolTimedOut)
        ),
        _ => false,
    }
}

/// Errors that say "not now" rather than "wrong": no pooled connection in time, a SQLite file
/// that is locked past the busy timeout or read-only, a PostgreSQL server that is read-only
/// (a standby, `default_transaction_read_only`), shutting down or full.
fn is_unavailable(error: &DbErr) -> bool {
    const CODES: &[&str] = &[
        "5",     // SQLITE_BUSY
        "6",     // SQLITE_LOCKED
        "8",     // SQLITE_READONLY
        "25006", // read_only_sql_transaction
        "57P01", // admin_shutdown
        "57P02", // crash_shutdown
        "57P03", // cannot_connect_now
        "53300", // too_many_connections
    ];
    let runtime = match error {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Exec(runtime) | DbErr::Query(runtime) | DbErr::Conn(runtime) => runtime,
        _ => return false,
    };
    let sea_orm::RuntimeErr::SqlxError(sqlx) = runtime else {
        return false;
    };
    match &**sqlx {
        sea_orm::sqlx::Error::PoolTimedOut => true,
        sea_orm::sqlx::Error::Database(database) => database.code().is_some_and(|code| {
            // SQLite's extended codes (at most four digits; PostgreSQL's are always five
            // characters) carry the primary one in their low byte.
            let primary = code
                .parse::<u32>()
                .ok()
                .filter(|_| code.len() < 5)
                .map(|n| (n & 0xff).to_string());
            CODES.contains(&code.as_ref()) || primary.is_some_and(|p| CODES.contains(&p.as_str()))
        }),
        _ => false,
    }
}

/// What names the username rule in a violation: PostgreSQL reports the index
/// (`users_username_key_key`), SQLite the column of a plain index (`users.username_key`).
pub(crate) const USERNAME_INDEX: &str = "username_key";

/// What names the lookalike rule in a violation: the index `users_username_skeleton_key` on
/// PostgreSQL, the column `users.username_skeleton` on SQLite.
pub(crate) const USERNAME_SKELETON_INDEX: &str = "username_skeleton";

/// Whether `error` is a violation of the unique index (or column) `index`.
pub(crate) fn violates(error: &DbErr, index: &str) -> bool {
    matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(message)) if message.contains(index))
}
