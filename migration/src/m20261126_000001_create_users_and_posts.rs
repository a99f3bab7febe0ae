//! Users and posts, with the uniqueness and cascade rules enforced by the database itself.

use crate::sql::Statements;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261126_000001_create_users_and_posts"
    }
}

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
    "CREATE TABLE posts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        title VARCHAR(100) NOT NULL,
        content TEXT NOT NULL,
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        date_posted TEXT NOT NULL
    )",
    "CREATE INDEX posts_newest_first_idx ON posts (date_posted DESC, id DESC)",
    "CREATE INDEX posts_by_user_newest_first_idx ON posts (user_id, date_posted DESC, id DESC)",
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
    "CREATE TABLE posts (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        title VARCHAR(100) NOT NULL,
        content TEXT NOT NULL,
        user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        date_posted TIMESTAMPTZ NOT NULL
    )",
    "CREATE INDEX posts_newest_first_idx ON posts (date_posted DESC, id DESC)",
    "CREATE INDEX posts_by_user_newest_first_idx ON posts (user_id, date_posted DESC, id DESC)",
];

const DOWN: &[&str] = &["DROP TABLE posts", "DROP TABLE users"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        Statements {
            sqlite: SQLITE_UP,
            postgres: POSTGRES_UP,
        }
        .run(manager)
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        Statements::everywhere(DOWN).run(manager).await
    }
}
