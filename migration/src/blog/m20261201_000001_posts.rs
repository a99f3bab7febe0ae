//! Posts, deleted with their author by the database's own cascade.
//!
//! Databases made before the blog had migrations of its own already have this table (the auth
//! core's first step used to create it), so every statement here is a no-op where its object
//! exists: such a database upgrades in place, its posts untouched.

use crate::sql::{SqlMigration, Statements};

const SQLITE_UP: &[&str] = &[
    // AUTOINCREMENT keeps ids of deleted rows from ever being handed out again.
    "CREATE TABLE IF NOT EXISTS posts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        title VARCHAR(100) NOT NULL,
        content TEXT NOT NULL,
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        date_posted TEXT NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS posts_newest_first_idx ON posts (date_posted DESC, id DESC)",
    "CREATE INDEX IF NOT EXISTS posts_by_user_newest_first_idx \
     ON posts (user_id, date_posted DESC, id DESC)",
];

const POSTGRES_UP: &[&str] = &[
    // Identity columns never hand out an id twice, even after deletes.
    "CREATE TABLE IF NOT EXISTS posts (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        title VARCHAR(100) NOT NULL,
        content TEXT NOT NULL,
        user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        date_posted TIMESTAMPTZ NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS posts_newest_first_idx ON posts (date_posted DESC, id DESC)",
    "CREATE INDEX IF NOT EXISTS posts_by_user_newest_first_idx \
     ON posts (user_id, date_posted DESC, id DESC)",
];

const DOWN: &[&str] = &["DROP TABLE posts"];

pub(crate) const MIGRATION: SqlMigration = SqlMigration {
    name: "m20261201_000001_posts",
    up: Statements {
        sqlite: SQLITE_UP,
        postgres: POSTGRES_UP,
    },
    down: Statements::everywhere(DOWN),
};
