//! `quill-migration`: apply or inspect quill's schema without starting the server.
//!
//! Usage: `quill-migration [up|down|status|fresh]`, against `DATABASE_URL` (default: the
//! server's default SQLite file), on quill's whole schema: the auth core's migrations, then
//! the blog's. The server applies pending migrations at start-up anyway; this is for
//! operators who want to do it as a separate, deliberate step.

use std::process::ExitCode;

use quill_migration::{
    AuthMigrator, BlogMigrator, DEFAULT_DATABASE_URL, MigratorTrait, apply_pending,
};
use sea_orm_migration::sea_orm::{Database, DatabaseConnection, DbErr};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let command = std::env::args().nth(1).unwrap_or_else(|| "up".to_owned());
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned());
    let db = match Database::connect(&url).await {
        Ok(db) => db,
        Err(e) => {
            eprintln!("quill-migration: cannot connect to the database: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = match command.as_str() {
        // Serialised like the server's start-up, so this is safe while replicas start.
        "up" => up(&db).await,
        "down" => down(&db).await,
        "status" => status(&db).await,
        "fresh" => fresh(&db).await,
        "-h" | "--help" | "help" => {
            eprintln!("usage: quill-migration [up|down|status|fresh]  (reads DATABASE_URL)");
            return ExitCode::SUCCESS;
        }
        other => {
            eprintln!("quill-migration: unknown command {other:?}; try up, down, status or fresh");
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quill-migration: {command} failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The same serialised runs the server does at start-up: the auth core's schema, then the
/// blog's, which refers to it.
async fn up(db: &DatabaseConnection) -> Result<(), DbErr> {
    apply_pending::<AuthMigrator>(db).await?;
    apply_pending::<BlogMigrator>(db).await
}

/// Rolls back the newest step: the blog's first (its tables refer to the auth core's).
async fn down(db: &DatabaseConnection) -> Result<(), DbErr> {
    if BlogMigrator::get_applied_migrations(db).await?.is_empty() {
        AuthMigrator::down(db, Some(1)).await
    } else {
        BlogMigrator::down(db, Some(1)).await
    }
}

async fn status(db: &DatabaseConnection) -> Result<(), DbErr> {
    AuthMigrator::status(db).await?;
    BlogMigrator::status(db).await
}

/// Drops every table and applies everything again.
async fn fresh(db: &DatabaseConnection) -> Result<(), DbErr> {
    AuthMigrator::fresh(db).await?;
    BlogMigrator::up(db, None).await
}
