//! Email verification: when each account's current email was verified
//! (`users.email_verified_at`, microseconds since the epoch like every instant of the auth
//! schema; null for an email never verified, which is every existing account's), and the
//! verification links (only their SHA-256 digest, at most one per account, each naming the
//! email it verifies, gone with the account).

use crate::sql::{SqlMigration, Statements};

const SQLITE_UP: &[&str] = &[
    "ALTER TABLE users ADD COLUMN email_verified_at BIGINT",
    "CREATE TABLE email_verifications (
        digest BLOB PRIMARY KEY NOT NULL,
        user_id INTEGER NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
        email TEXT NOT NULL,
        expires_at_us BIGINT NOT NULL
    )",
    "CREATE INDEX email_verifications_expiry_idx ON email_verifications (expires_at_us)",
];

const POSTGRES_UP: &[&str] = &[
    "ALTER TABLE users ADD COLUMN email_verified_at BIGINT",
    "CREATE TABLE email_verifications (
        digest BYTEA PRIMARY KEY,
        user_id BIGINT NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
        email TEXT NOT NULL,
        expires_at_us BIGINT NOT NULL
    )",
    "CREATE INDEX email_verifications_expiry_idx ON email_verifications (expires_at_us)",
];

const DOWN: &[&str] = &[
    "DROP TABLE email_verifications",
    "ALTER TABLE users DROP COLUMN email_verified_at",
];

pub(crate) const MIGRATION: SqlMigration = SqlMigration {
    name: "m20261208_000012_email_verification",
    up: Statements {
        sqlite: SQLITE_UP,
        postgres: POSTGRES_UP,
    },
    down: Statements::everywhere(DOWN),
};
