//! Account recovery: reset tokens (only their SHA-256 digest, at most one per account, gone
//! with the account) and the mail outbox, which every mail is written to in the same
//! transaction as the change it announces and stays in until a mail server accepted it.
//! Instants are microseconds since the epoch, as in `auth_throttle`, so both backends
//! compare them alike.

use crate::sql::{SqlMigration, Statements};

const SQLITE_UP: &[&str] = &[
    "CREATE TABLE password_resets (
        digest BLOB PRIMARY KEY NOT NULL,
        user_id INTEGER NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
        expires_at_us BIGINT NOT NULL
    )",
    "CREATE INDEX password_resets_expiry_idx ON password_resets (expires_at_us)",
    "CREATE TABLE mail_outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        recipient TEXT NOT NULL,
        subject TEXT NOT NULL,
        body TEXT NOT NULL,
        queued_at_us BIGINT NOT NULL,
        due_at_us BIGINT NOT NULL,
        held_until_us BIGINT,
        attempts INTEGER NOT NULL DEFAULT 0
    )",
    "CREATE INDEX mail_outbox_due_idx ON mail_outbox (due_at_us)",
];

const POSTGRES_UP: &[&str] = &[
    "CREATE TABLE password_resets (
        digest BYTEA PRIMARY KEY,
        user_id BIGINT NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
        expires_at_us BIGINT NOT NULL
    )",
    "CREATE INDEX password_resets_expiry_idx ON password_resets (expires_at_us)",
    "CREATE TABLE mail_outbox (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        recipient TEXT NOT NULL,
        subject TEXT NOT NULL,
        body TEXT NOT NULL,
        queued_at_us BIGINT NOT NULL,
        due_at_us BIGINT NOT NULL,
        held_until_us BIGINT,
        attempts INTEGER NOT NULL DEFAULT 0
    )",
    "CREATE INDEX mail_outbox_due_idx ON mail_outbox (due_at_us)",
];

const DOWN: &[&str] = &["DROP TABLE mail_outbox", "DROP TABLE password_resets"];

pub(crate) const MIGRATION: SqlMigration = SqlMigration {
    name: "m20261202_000005_recovery",
    up: Statements {
        sqlite: SQLITE_UP,
        postgres: POSTGRES_UP,
    },
    down: Statements::everywhere(DOWN),
};
