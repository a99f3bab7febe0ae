//! `quill-migration`: apply or inspect quill's schema without starting the server.
//!
//! Usage: `quill-migration [up|down|status|fresh]`, against `DATABASE_URL` (default: the
//! server's default SQLite file). The server applies pending migrations at start-up anyway;
//! this is for operators who want to do it as a separate, deliberate step.

use std::process::ExitCode;

use quill_migration::{Migrator, MigratorTrait};
use sea_orm_migration::sea_orm::Database;

const DEFAULT_DATABASE_URL: &str = "sqlite://blog.db?mode=rwc";

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
        // The same serialised run the server does at start-up, so this is safe while
        // replicas are starting.
        "up" => quill_migration::apply_pending(&db).await,
        "down" => Migrator::down(&db, Some(1)).await,
        "status" => Migrator::status(&db).await,
        "fresh" => Migrator::fresh(&db).await,
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
