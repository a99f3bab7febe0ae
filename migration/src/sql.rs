//! Running a migration's plain SQL: one list of statements per supported backend.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

/// The statements of one migration step, per backend.
pub(crate) struct Statements {
    pub sqlite: &'static [&'static str],
    pub postgres: &'static [&'static str],
}

impl Statements {
    /// The same statements on every backend.
    pub(crate) const fn everywhere(statements: &'static [&'static str]) -> Self {
        Self {
            sqlite: statements,
            postgres: statements,
        }
    }

    /// Runs, in order, the statements for the connection's backend.
    pub(crate) async fn run(&self, manager: &SchemaManager<'_>) -> Result<(), DbErr> {
        let statements = match manager.get_database_backend() {
            DbBackend::Sqlite => self.sqlite,
            DbBackend::Postgres => self.postgres,
            other => {
                return Err(DbErr::Migration(format!(
                    "quill supports SQLite and PostgreSQL, not {other:?}"
                )));
            }
        };
        let db = manager.get_connection();
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }
}
