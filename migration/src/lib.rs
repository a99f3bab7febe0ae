//! quill's database schema as versioned migrations, for SQLite and PostgreSQL, in two sets:
//! the auth core's ([`AuthMigrator`]: accounts, token revocations, rate-limit buckets, reset
//! tokens, the mail outbox), which
//! is all an embedding application gets, and the blog's ([`BlogMigrator`]: posts), which
//! quill's server adds on top.
//!
//! The schema is written as plain SQL per backend because its guarantees live in details an
//! abstract builder does not express: expression indexes on `lower(...)` for case-insensitive
//! uniqueness, ids that are never reused (`AUTOINCREMENT` / identity), and cascading deletes.
//! [`apply_pending`] is what start-up runs and `quill-migration up` runs by hand, serialised
//! so that several processes starting together apply each migration once.

pub use sea_orm_migration::prelude::*;

mod apply;
mod auth;
mod blog;
mod sql;

pub use apply::{MIGRATION_LOCK_KEY, apply_pending, pending};

/// The database quill uses when `DATABASE_URL` is not set, for the server and this crate's
/// command line alike: a SQLite file in the working directory, created if missing.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://blog.db?mode=rwc";
pub use auth::AuthMigrator;
pub use blog::BlogMigrator;
