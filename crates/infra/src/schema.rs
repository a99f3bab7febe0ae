//! Bringing the auth core's schema up to date before anything serves: the one migration entry
//! point, for quill's server and for any service that embeds the auth core. The blog's tables
//! are [`blog`](crate::blog)'s, applied after these by the applications that have a blog.
//!
//! Every replica migrates when it starts, so several may do it at the same moment against one
//! PostgreSQL database; [`quill_migration::apply_pending`] serialises them (an advisory lock
//! around one transaction), so each pending migration is applied exactly once and every
//! replica comes up. The same runs back `quill-migration up`, so an operator migrating by
//! hand while replicas start is just as safe.

use quill_migration::AuthMigrator;
use sea_orm::{DatabaseConnection, DbErr};

use crate::db::{key_usernames, skeleton_usernames};

/// Bringing quill's schema up to date failed. The message names the failing step; the
/// database's own error is its [`source`](std::error::Error::source).
#[derive(Debug, thiserror::Error)]
#[error("migrating the database: {0}")]
pub struct MigrationError(#[source] DbErr);

impl MigrationError {
    pub(crate) fn from_db(error: DbErr) -> Self {
        Self(error)
    }
}

/// Applies every pending migration of the auth core's schema (accounts, token revocations,
/// rate-limit buckets; no blog table) to `db`; already-applied ones are skipped, so calling
/// it at every start is cheap and safe, even from several processes at once against one
/// PostgreSQL database.
///
/// quill's tables live alongside the embedding application's own, and the bookkeeping
/// table is `seaql_migrations`: an application that also keeps its own tables under
/// `sea-orm-migration` should give its migrator another table (`migration_table_name`) or
/// another database, since each migrator refuses to run beside migrations it does not know.
///
/// # Errors
/// [`MigrationError`] when a migration or the locking around it fails; on PostgreSQL nothing
/// of that run is left applied, so the next start tries again from the same point.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
///
/// let dir = tempfile::tempdir()?;
/// let url = format!("sqlite://{}?mode=rwc", dir.path().join("app.db").display());
/// let db = quill_infra::connect(&url, 5, Duration::from_secs(5)).await?;
/// quill_infra::migrate(&db).await?;
/// quill_infra::migrate(&db).await?; // nothing left to do: a no-op
/// # Ok(())
/// # }
/// ```
pub async fn migrate(db: &DatabaseConnection) -> Result<(), MigrationError> {
    quill_migration::apply_pending::<AuthMigrator>(db)
        .await
        .map_err(MigrationError)?;
    let (keyed, collided) = key_usernames(db).await.map_err(MigrationError)?;
    if keyed > 0 {
        tracing::info!(keyed, "gave existing accounts their username keys");
    }
    if collided > 0 {
        tracing::warn!(
            collided,
            "accounts whose names the Unicode-aware rule calls the same as an older account's \
             keep working under a key made unique with their id"
        );
    }
    let (filled, lookalikes) = skeleton_usernames(db).await.map_err(MigrationError)?;
    if filled > 0 {
        tracing::info!(filled, "gave existing accounts their username skeletons");
    }
    // One line per account, so which accounts look alike is on record; names are public.
    for lookalike in &lookalikes {
        tracing::warn!(
            account = lookalike.id,
            username = %lookalike.username,
            looks_like = ?lookalike.looks_like,
            "an account's name looks like an older account's: both keep their names, and no \
             new account can take a name like either"
        );
    }
    Ok(())
}

/// The auth core's migrations this build knows and `db` has not applied, by name: empty on a
/// database that [`migrate`] brought up to date. Readiness checks call it, so a replica whose
/// schema is behind its code is taken out of rotation.
///
/// # Errors
/// [`MigrationError`] when the bookkeeping table cannot be read (it does not exist yet).
pub async fn pending_migrations(db: &DatabaseConnection) -> Result<Vec<String>, MigrationError> {
    quill_migration::pending::<AuthMigrator>(db)
        .await
        .map_err(MigrationError)
}
