//! The schema's migrations: idempotent, safe when migrators race, the auth core's tables
//! only, and a database of the previous release upgraded in place.

use super::*;

/// How many times each migration is recorded as applied, by name.
async fn applied_migrations(db: &sea_orm::DatabaseConnection) -> Vec<(String, i64)> {
    use sea_orm::{ConnectionTrait as _, Statement};
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT version, COUNT(*) AS copies FROM seaql_migrations GROUP BY version ORDER BY version",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|row| {
            (
                row.try_get::<String>("", "version").unwrap(),
                row.try_get::<i64>("", "copies").unwrap(),
            )
        })
        .collect()
}

fn every_migration_once() -> Vec<(String, i64)> {
    use quill_migration::MigratorTrait as _;
    AuthMigrator::migrations()
        .iter()
        .map(|m| (m.name().to_owned(), 1))
        .collect()
}

#[tokio::test]
async fn migrating_an_up_to_date_database_again_changes_nothing() {
    let (db, _database) = empty_database().await;
    apply_pending::<AuthMigrator>(&db).await.unwrap();
    apply_pending::<AuthMigrator>(&db).await.unwrap();
    assert_eq!(applied_migrations(&db).await, every_migration_once());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrators_racing_on_one_empty_postgres_database_all_succeed_and_apply_each_migration_once()
{
    // Several processes share a database only on PostgreSQL; a SQLite file has one server.
    let Some(database) = postgres_only().await else {
        return;
    };
    let mut pools = Vec::new();
    for _ in 0..4 {
        pools.push(
            connect(&database.url, 2, Duration::from_secs(30))
                .await
                .unwrap(),
        );
    }
    let runs: Vec<_> = pools
        .iter()
        .cloned()
        .map(|db| tokio::spawn(async move { apply_pending::<AuthMigrator>(&db).await }))
        .collect();
    for run in runs {
        run.await.unwrap().unwrap();
    }
    assert_eq!(applied_migrations(&pools[0]).await, every_migration_once());
}

/// The tables of the test database, sorted.
async fn table_names(db: &sea_orm::DatabaseConnection) -> Vec<String> {
    use sea_orm::{ConnectionTrait as _, DbBackend, Statement};
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => {
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        }
        _ => {
            "SELECT name FROM sqlite_master WHERE type = 'table' \
              AND name NOT LIKE 'sqlite_%' ORDER BY 1"
        }
    };
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get::<String>("", "name").unwrap())
        .collect()
}

#[tokio::test]
async fn the_auth_cores_migrations_create_its_tables_and_no_blog_table() {
    let (db, _database) = empty_database().await;
    quill_infra::migrate(&db).await.unwrap();
    assert_eq!(
        table_names(&db).await,
        [
            "auth_throttle",
            "email_verifications",
            "mail_outbox",
            "password_resets",
            "pictures",
            "refresh_tokens",
            "reset_mail_pace",
            "revoked_tokens",
            "seaql_migrations",
            "sessions",
            "users"
        ]
    );
}

/// The `posts` table exactly as the previous release's first migration made it.
const PREVIOUS_POSTS_SQLITE: &[&str] = &[
    "CREATE TABLE posts (id INTEGER PRIMARY KEY AUTOINCREMENT, title VARCHAR(100) NOT NULL, \
     content TEXT NOT NULL, user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE, \
     date_posted TEXT NOT NULL)",
    "CREATE INDEX posts_newest_first_idx ON posts (date_posted DESC, id DESC)",
    "CREATE INDEX posts_by_user_newest_first_idx ON posts (user_id, date_posted DESC, id DESC)",
];
const PREVIOUS_POSTS_POSTGRES: &[&str] = &[
    "CREATE TABLE posts (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, \
     title VARCHAR(100) NOT NULL, content TEXT NOT NULL, \
     user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE, \
     date_posted TIMESTAMPTZ NOT NULL)",
    "CREATE INDEX posts_newest_first_idx ON posts (date_posted DESC, id DESC)",
    "CREATE INDEX posts_by_user_newest_first_idx ON posts (user_id, date_posted DESC, id DESC)",
];

#[tokio::test]
async fn a_database_of_the_previous_release_upgrades_in_place_keeping_accounts_and_posts() {
    use quill_migration::MigratorTrait as _;
    use sea_orm::{ConnectionTrait as _, DbBackend};
    let (db, _database) = empty_database().await;
    // The previous release's schema: its two recorded migrations (users, revocations), with
    // the posts table its first migration also made, and data in it.
    AuthMigrator::up(&db, Some(2)).await.unwrap();
    let previous_posts = match db.get_database_backend() {
        DbBackend::Postgres => PREVIOUS_POSTS_POSTGRES,
        _ => PREVIOUS_POSTS_SQLITE,
    };
    for statement in previous_posts {
        db.execute_unprepared(statement).await.unwrap();
    }
    // Two accounts the previous release's lower() index let in, which the Unicode-aware rule
    // calls the same name (full-width letters are a compatibility form of ASCII).
    for (name, email) in [
        ("alice", "alice@example.com"),
        ("ａｌｉｃｅ", "wide@example.com"),
    ] {
        db.execute_unprepared(&format!(
            "INSERT INTO users (username, email, password_hash, token_generation) \
             VALUES ('{name}', '{email}', '$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA', 0)"
        ))
        .await
        .unwrap();
    }
    let users = SeaOrmUserRepository::new(db.clone());
    let posts = SeaOrmPostRepository::new(db.clone());
    let alice_id = UserId(1);
    // Written as the previous release wrote it: without a revision column.
    db.execute_unprepared(
        "INSERT INTO posts (title, content, user_id, date_posted) \
         VALUES ('kept', 'Some words.', 1, '2026-11-26T18:00:01.345935+00:00')",
    )
    .await
    .unwrap();

    quill_infra::migrate(&db).await.unwrap();
    quill_infra::blog::migrate_blog(&db).await.unwrap();

    assert_eq!(
        table_names(&db).await,
        [
            "auth_throttle",
            "email_verifications",
            "mail_outbox",
            "password_resets",
            "pictures",
            "posts",
            "quill_blog_migrations",
            "refresh_tokens",
            "reset_mail_pace",
            "revoked_tokens",
            "seaql_migrations",
            "sessions",
            "users"
        ]
    );
    assert_eq!(applied_migrations(&db).await, every_migration_once());
    // Both accounts keep working; the name belongs to the older one, and no third account
    // can take it in any form.
    let alice = users.by_email("alice@example.com").await.unwrap().unwrap();
    let wide = users.by_email("wide@example.com").await.unwrap().unwrap();
    assert_eq!((alice.id, wide.username.as_str()), (alice_id, "ａｌｉｃｅ"));
    assert_eq!(users.id_by_username("ALICE").await.unwrap(), Some(alice_id));
    assert!(matches!(
        users.create(new_user("Alice", "third@example.com")).await,
        Err(StoreError::UsernameTaken)
    ));
    let listed = posts.list(None, Page::default()).await.unwrap();
    assert_eq!(listed.len(), 1);
    let old_post = &listed[0].post;
    assert_eq!((old_post.title.as_str(), old_post.revision), ("kept", 0));
    assert_eq!(
        old_post.date_posted,
        new_post(alice_id, "kept", 1).date_posted
    );
    let newer = posts.create(new_post(alice_id, "new", 2)).await.unwrap();
    assert!(newer.id > old_post.id);
    // The cascade still holds on the kept table.
    assert!(users.delete(alice_id).await.unwrap());
    assert!(posts.list(None, Page::default()).await.unwrap().is_empty());
}
