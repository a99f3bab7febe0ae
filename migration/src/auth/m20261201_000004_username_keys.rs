//! Usernames compared by a key of their own: NFKC of the lower-cased NFKC name, kept in the
//! `username_key` column under a unique index on both databases. `lower()` alone folds ASCII
//! only on SQLite, so `Élise` and `élise` could be two accounts there.
//!
//! SQL cannot compute the key, so existing rows are keyed by `quill-infra` right after the
//! migrations run (rows whose key is still empty); a row whose key another row already holds
//! keeps working under a key made unique with its id. The ASCII-only index goes: one rule,
//! one index.

use crate::sql::{SqlMigration, Statements};

const UP: &[&str] = &[
    "ALTER TABLE users ADD COLUMN username_key VARCHAR(200)",
    "CREATE UNIQUE INDEX users_username_key_key ON users (username_key)",
    "DROP INDEX users_username_lower_key",
];

const DOWN: &[&str] = &[
    "CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username))",
    "DROP INDEX users_username_key_key",
    "ALTER TABLE users DROP COLUMN username_key",
];

pub(crate) const MIGRATION: SqlMigration = SqlMigration {
    name: "m20261201_000004_username_keys",
    up: Statements::everywhere(UP),
    down: Statements::everywhere(DOWN),
};
