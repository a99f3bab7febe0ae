//! Rate-limit buckets shared by every server on one database: one row per bucket, keyed by a
//! digest of its scope and subject, holding the bucket's GCRA arrival time in microseconds.
//! quill uses the table on PostgreSQL; on SQLite (one server) buckets live in the process.

use crate::sql::{SqlMigration, Statements};

const SQLITE_UP: &[&str] = &[
    "CREATE TABLE auth_throttle (
        key BLOB PRIMARY KEY NOT NULL,
        arrival_us BIGINT NOT NULL
    )",
    "CREATE INDEX auth_throttle_arrival_idx ON auth_throttle (arrival_us)",
];

const POSTGRES_UP: &[&str] = &[
    "CREATE TABLE auth_throttle (
        key BYTEA PRIMARY KEY,
        arrival_us BIGINT NOT NULL
    )",
    "CREATE INDEX auth_throttle_arrival_idx ON auth_throttle (arrival_us)",
];

const DOWN: &[&str] = &["DROP TABLE auth_throttle"];

pub(crate) const MIGRATION: SqlMigration = SqlMigration {
    name: "m20261201_000003_auth_throttle",
    up: Statements {
        sqlite: SQLITE_UP,
        postgres: POSTGRES_UP,
    },
    down: Statements::everywhere(DOWN),
};
