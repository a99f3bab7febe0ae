//! Applying pending migrations when several processes may try at the same moment.
//!
//! Every quill replica migrates when it starts, and an operator may run `quill-migration up`
//! while replicas are starting. On PostgreSQL, left alone, they would race to create the
//! bookkeeping table and to apply the same migration, and all but one would fail. So on
//! PostgreSQL the whole run happens inside one transaction that first takes a
//! transaction-scoped advisory lock: the first process applies what is pending and commits,
//! the others wait on the lock, then find nothing pending. PostgreSQL's DDL is transactional,
//! so a failed run leaves no half-made schema behind, and the lock goes with the commit or
//! rollback, even when the process dies in between (the server ends the session).
//!
//! SQLite is one file served by one process, and its writers are serialised by the file lock
//! anyway, so it keeps the migrator's plain behaviour.

use std::collections::HashSet;

use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement, TransactionTrait,
};

use crate::MigratorTrait;

/// The advisory lock key held while migrating. Any constant works as long as nothing else
/// in the same database uses it: this one spells "quill" in ASCII.
pub const MIGRATION_LOCK_KEY: i64 = 0x71_75_69_6c_6c;

/// Applies every pending migration of `M` ([`AuthMigrator`](crate::AuthMigrator) or
/// [`BlogMigrator`](crate::BlogMigrator)) exactly once, however many processes call this at
/// the same time against one database.
///
/// # Errors
/// The first failing statement; on PostgreSQL nothing of this run is left applied.
pub async fn apply_pending<M: MigratorTrait>(db: &DatabaseConnection) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return M::up(db, None).await;
    }
    let transaction = db.begin().await?;
    // Advisory locks belong to the current database, so quill databases sharing one cluster
    // never wait for each other.
    transaction
        .execute_unprepared(&format!(
            "SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"
        ))
        .await?;
    // Inside a transaction the migrator's own per-migration transactions become savepoints,
    // so the whole run commits, and releases the lock, together below.
    M::up(&transaction, None).await?;
    transaction.commit().await
}

/// The migrations of `M` not yet applied to `db`, by name, oldest first. Migrations recorded
/// there that `M` does not know (a newer version's, during a rolling upgrade) do not count
/// against it, so an older replica stays ready beside a newer one.
///
/// # Errors
/// The database's, including a bookkeeping table that does not exist yet.
pub async fn pending<M: MigratorTrait>(db: &DatabaseConnection) -> Result<Vec<String>, DbErr> {
    let table = M::migration_table_name().to_string();
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT version FROM {table}"),
        ))
        .await?;
    let applied: HashSet<String> = rows
        .iter()
        .map(|row| row.try_get::<String>("", "version"))
        .collect::<Result<_, _>>()?;
    Ok(M::migrations()
        .iter()
        .map(|migration| migration.name().to_owned())
        .filter(|name| !applied.contains(name))
        .collect())
}
