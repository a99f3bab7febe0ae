//! Running a migration's plain SQL: one list of statements per supported backend, and
//! [`SqlMigration`], the one migration type every step of quill's schema is.

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

/// A migration step made of plain SQL: its recorded name, and its statements up and down.
pub(crate) struct SqlMigration {
    pub name: &'static str,
    pub up: Statements,
    pub down: Statements,
}

impl MigrationName for SqlMigration {
    fn name(&self) -> &str {
        self.name
    }
}

#[async_trait::async_trait]
impl MigrationTrait for SqlMigration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        self.up.run(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        self.down.run(manager).await
    }
}
