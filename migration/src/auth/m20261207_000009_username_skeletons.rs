//! Usernames compared by how they look as well: the Unicode TS #39 confusable skeleton of
//! each name's key, kept in the `username_skeleton` column under a unique index on both
//! databases, so `alice` and `аlice` (a Cyrillic `а`) cannot both be taken. `TEXT`, since a
//! skeleton can be several times longer than its name.
//!
//! SQL cannot compute a skeleton, so existing rows get theirs from `quill-infra` right after
//! the migrations run (rows whose skeleton is still empty), oldest account first. A row whose
//! skeleton an older account already holds (two names that look alike, let in before this
//! rule) keeps its name and keeps working under a skeleton made unique with its id, and each
//! such pair is logged; no account is renamed or lost, and no new account can take a name
//! that looks like either.

use crate::sql::{SqlMigration, Statements};

const UP: &[&str] = &[
    "ALTER TABLE users ADD COLUMN username_skeleton TEXT",
    "CREATE UNIQUE INDEX users_username_skeleton_key ON users (username_skeleton)",
];

const DOWN: &[&str] = &[
    "DROP INDEX users_username_skeleton_key",
    "ALTER TABLE users DROP COLUMN username_skeleton",
];

pub(crate) const MIGRATION: SqlMigration = SqlMigration {
    name: "m20261207_000009_username_skeletons",
    up: Statements::everywhere(UP),
    down: Statements::everywhere(DOWN),
};
