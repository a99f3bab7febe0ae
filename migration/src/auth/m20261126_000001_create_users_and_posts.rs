//! Users, with the uniqueness rules enforced by the database itself.
//!
//! The name is historical: databases made before the blog's tables moved to their own
//! migrator recorded this step under it (and got the `posts` table from it), so it must stay.
//! Today it creates the `users` table only; `blog::m20261201_000001_posts` creates `posts`,
//! and does nothing where this step already made it.

use crate::sql::{SqlMigration, Statements};

const SQLITE_UP: &[&str] = &[
    // AUTOINCREMENT keeps ids of deleted rows from ever being handed out again.
    "CREATE TABLE users (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        username VARCHAR(50) NOT NULL,
        email VARCHAR(120) NOT NULL,
        password_hash VARCHAR(200) NOT NULL,
        image_file VARCHAR(200)
    )",
    "CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username))",
    "CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email))",
];

const POSTGRES_UP: &[&str] = &[
    // Identity columns never hand out an id twice, even after deletes.
    "CREATE TABLE users (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        username VARCHAR(50) NOT NULL,
        email VARCHAR(120) NOT NULL,
        password_hash VARCHAR(200) NOT NULL,
        image_file VARCHAR(200)
    )",
    "CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username))",
    "CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email))",
];

const DOWN: &[&str] = &["DROP TABLE users"];

pub(crate) const MIGRATION: SqlMigration = SqlMigration {
    name: "m20261126_000001_create_users_and_posts",
    up: Statements {
        sqlite: SQLITE_UP,
        postgres: POSTGRES_UP,
    },
    down: Statements::everywhere(DOWN),
};
