//! The SeaORM repositories against a real, freshly migrated database per test: a SQLite file
//! by default, a new PostgreSQL database when `TEST_DATABASE_URL` is set (see
//! `quill-test-support`). Both backends must pass the same tests: the guarantees checked
//! here (case-insensitive uniqueness, ids never reused, cascades, timestamps to the
//! microsecond) live in each backend's schema, not in Rust.
//!
//! This module holds the fixture they share; its children hold the tests, one subject each.

mod availability;
mod migrations;
mod postgres_throttle;
mod posts;
mod revocations;
mod users;

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone as _, Utc};
use quill_domain::{
    Email, NewPost, NewSession, NewUser, Page, PasswordHash, PictureOwners, PostChanges,
    PostContent, PostRepository, PostTitle, SessionId, SessionStore, StoreError, TokenStanding,
    TokenStandings, User, UserChanges, UserId, UserRepository, Username,
};
use quill_infra::{SeaOrmPostRepository, SeaOrmSessionStore, SeaOrmUserRepository, connect};
use quill_migration::{AuthMigrator, apply_pending};
use quill_test_support::{TestDatabase, postgres_only};

struct Db {
    users: SeaOrmUserRepository,
    connection: sea_orm::DatabaseConnection,
    posts: SeaOrmPostRepository,
    // Declared last so the pools above are dropped before the database goes.
    _database: TestDatabase,
}

async fn fresh_db() -> Db {
    let database = TestDatabase::fresh().await;
    let db = connect(&database.url, 5, Duration::from_secs(5))
        .await
        .unwrap();
    quill_infra::migrate(&db).await.unwrap();
    quill_infra::blog::migrate_blog(&db).await.unwrap();
    Db {
        users: SeaOrmUserRepository::new(db.clone()),
        connection: db.clone(),
        posts: SeaOrmPostRepository::new(db),
        _database: database,
    }
}

/// A connection to a fresh, unmigrated database, and the database (dropped after the pool).
async fn empty_database() -> (sea_orm::DatabaseConnection, TestDatabase) {
    let database = TestDatabase::fresh().await;
    let db = connect(&database.url, 2, Duration::from_secs(5))
        .await
        .unwrap();
    (db, database)
}

impl Db {
    /// An account named `name` with the address `name@example.com`.
    async fn user(&self, name: &str) -> User {
        self.users
            .create(new_user(name, &format!("{name}@example.com")))
            .await
            .unwrap()
    }
}

fn new_user(username: &str, email: &str) -> NewUser {
    NewUser {
        username: Username::parse(username).unwrap(),
        email: Email::parse(email).unwrap(),
        password_hash: PasswordHash::new("$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaA"),
    }
}

fn new_post(user: UserId, title: &str, second: u32) -> NewPost {
    NewPost {
        title: PostTitle::parse(title).unwrap(),
        content: PostContent::parse("body").unwrap(),
        user_id: user,
        date_posted: Utc.with_ymd_and_hms(2026, 11, 26, 18, 0, second).unwrap()
            + chrono::Duration::microseconds(345_935),
    }
}
