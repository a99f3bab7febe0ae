//! Sessions and their refresh tokens. Every login starts a session, which access tokens name
//! (`sid`); a refresh token is kept only as its keyed digest, retired tokens stay until their
//! session ends (so presenting one again is recognised as a replay), and both go with their
//! account. Instants are microseconds since the epoch, as elsewhere in the auth schema.

use crate::sql::{SqlMigration, Statements};

const SQLITE_UP: &[&str] = &[
    "CREATE TABLE sessions (
        id TEXT PRIMARY KEY NOT NULL,
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        user_agent TEXT,
        created_at_us BIGINT NOT NULL,
        last_used_at_us BIGINT NOT NULL,
        expires_at_us BIGINT NOT NULL
    )",
    "CREATE INDEX sessions_user_idx ON sessions (user_id)",
    "CREATE INDEX sessions_expiry_idx ON sessions (expires_at_us)",
    "CREATE TABLE refresh_tokens (
        digest BLOB PRIMARY KEY NOT NULL,
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        retired_at_us BIGINT
    )",
    "CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id)",
];

const POSTGRES_UP: &[&str] = &[
    "CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        user_agent TEXT,
        created_at_us BIGINT NOT NULL,
        last_used_at_us BIGINT NOT NULL,
        expires_at_us BIGINT NOT NULL
    )",
    "CREATE INDEX sessions_user_idx ON sessions (user_id)",
    "CREATE INDEX sessions_expiry_idx ON sessions (expires_at_us)",
    "CREATE TABLE refresh_tokens (
        digest BYTEA PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        retired_at_us BIGINT
    )",
    "CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id)",
];

const DOWN: &[&str] = &["DROP TABLE refresh_tokens", "DROP TABLE sessions"];

pub(crate) const MIGRATION: SqlMigration = SqlMigration {
    name: "m20261203_000008_sessions",
    up: Statements {
        sqlite: SQLITE_UP,
        postgres: POSTGRES_UP,
    },
    down: Statements::everywhere(DOWN),
};
