//! quill's database schema as versioned migrations, for SQLite and PostgreSQL.
//!
//! The schema is written as plain SQL per backend because its guarantees live in details an
//! abstract builder does not express: expression indexes on `lower(...)` for case-insensitive
//! uniqueness, ids that are never reused (`AUTOINCREMENT` / identity), and cascading deletes.
//! [`Migrator`] is what the server runs at start-up; `quill-migration` is the same as a CLI.

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_create_users_and_posts;

/// Every migration, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(m20261126_000001_create_users_and_posts::Migration)]
    }
}
