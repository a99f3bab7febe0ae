//! Token revocation: a per-account token generation (logout everywhere, password change) and
//! the ids of single revoked tokens (logout), kept until the tokens would have expired.

use crate::sql::{SqlMigration, Statements};

const SQLITE_UP: &[&str] = &[
    "ALTER TABLE users ADD COLUMN token_generation BIGINT NOT NULL DEFAULT 0",
    "CREATE TABLE revoked_tokens (
        jti VARCHAR(64) PRIMARY KEY NOT NULL,
        expires_at TEXT NOT NULL
    )",
    "CREATE INDEX revoked_tokens_expires_at_idx ON revoked_tokens (expires_at)",
];

const POSTGRES_UP: &[&str] = &[
    "ALTER TABLE users ADD COLUMN token_generation BIGINT NOT NULL DEFAULT 0",
    "CREATE TABLE revoked_tokens (
        jti VARCHAR(64) PRIMARY KEY,
        expires_at TIMESTAMPTZ NOT NULL
    )",
    "CREATE INDEX revoked_tokens_expires_at_idx ON revoked_tokens (expires_at)",
];

const DOWN: &[&str] = &[
    "DROP TABLE revoked_tokens",
    "ALTER TABLE users DROP COLUMN token_generation",
];

pub(crate) const MIGRATION: SqlMigration = SqlMigration {
    name: "m20261126_000002_token_revocation",
    up: Statements {
        sqlite: SQLITE_UP,
        postgres: POSTGRES_UP,
    },
    down: Statements::everywhere(DOWN),
};
