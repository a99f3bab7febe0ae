//! quill's database schema as versioned migrations, for SQLite and PostgreSQL.
//!
//! The schema is written as plain SQL per backend because its guarantees live in details an
//! abstract builder does not express: expression indexes on `lower(...)` for case-insensitive
//! uniqueness, ids that are never reused (`AUTOINCREMENT` / identity), and cascading deletes.
//! [`apply_pending`] is what the server runs at start-up and `quill-migration up` runs by
//! hand: [`Migrator`], serialised so that several processes starting together apply each
//! migration once.

pub use sea_orm_migration::prelude::*;

mod apply;
mod m20261126_000001_create_users_and_posts;
mod m20261126_000002_token_revocation;
mod sql;

pub use apply::{MIGRATION_LOCK_KEY, apply_pending};

/// Every migration, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_users_and_posts::Migration),
            Box::new(m20261126_000002_token_revocation::Migration),
        ]
    }
}
