//! When each session's account proved itself (`auth_time`, microseconds since the epoch):
//! every access token of the session says it, refreshes included, and sensitive changes ask
//! how long ago it was. Existing sessions get their start, which was their login. The column
//! takes no `NOT NULL`: a server of a fleet not yet upgraded starts sessions without it, and
//! readers take the start for those.

use crate::sql::{SqlMigration, Statements};

const UP: &[&str] = &[
    "ALTER TABLE sessions ADD COLUMN auth_time_us BIGINT",
    "UPDATE sessions SET auth_time_us = created_at_us",
];

const DOWN: &[&str] = &["ALTER TABLE sessions DROP COLUMN auth_time_us"];

pub(crate) const MIGRATION: SqlMigration = SqlMigration {
    name: "m20261208_000011_session_auth_time",
    up: Statements::everywhere(UP),
    down: Statements::everywhere(DOWN),
};
