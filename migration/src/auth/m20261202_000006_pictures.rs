//! Profile pictures kept in the database, so that every server on one PostgreSQL database
//! serves every picture. quill uses the table on PostgreSQL; with SQLite (one server)
//! pictures are files under `MEDIA_DIR`, and the table stays empty.

use crate::sql::{SqlMigration, Statements};

const SQLITE_UP: &[&str] = &[
    "CREATE TABLE pictures (
        name TEXT PRIMARY KEY NOT NULL,
        data BLOB NOT NULL,
        saved_at_us BIGINT NOT NULL
    )",
    "CREATE INDEX pictures_saved_idx ON pictures (saved_at_us)",
];

const POSTGRES_UP: &[&str] = &[
    "CREATE TABLE pictures (
        name TEXT PRIMARY KEY,
        data BYTEA NOT NULL,
        saved_at_us BIGINT NOT NULL
    )",
    "CREATE INDEX pictures_saved_idx ON pictures (saved_at_us)",
];

const DOWN: &[&str] = &["DROP TABLE pictures"];

pub(crate) const MIGRATION: SqlMigration = SqlMigration {
    name: "m20261202_000006_pictures",
    up: Statements {
        sqlite: SQLITE_UP,
        postgres: POSTGRES_UP,
    },
    down: Statements::everywhere(DOWN),
};
