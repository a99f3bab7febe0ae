//! The SeaORM repositories against a real, freshly migrated database per test: a SQLite file
//! by default, a new PostgreSQL database when `TEST_DATABASE_URL` is set (see
//! `quill-test-support`). Both backends must pass the same tests: the guarantees checked
//! here (case-insensitive uniqueness, ids never reused, cascades, timestamps to the
//! microsecond) live in each backend's schema, not in Rust.

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

#[tokio::test]
async fn a_created_user_reads_back_by_id_email_and_name_in_any_case() {
    let db = fresh_db().await;
    let alice = db
        .users
        .create(new_user("Alice", "alice@example.com"))
        .await
        .unwrap();
    assert_eq!(db.users.by_id(alice.id).await.unwrap().unwrap(), alice);
    assert_eq!(
        db.users
            .by_email("alice@example.com")
            .await
            .unwrap()
            .unwrap()
            .id,
        alice.id
    );
    assert_eq!(
        db.users.id_by_username("aLiCe").await.unwrap(),
        Some(alice.id)
    );
    assert_eq!(db.users.id_by_username("bob").await.unwrap(), None);
}

#[tokio::test]
async fn the_database_refuses_a_username_differing_only_in_case() {
    let db = fresh_db().await;
    db.user("alice").await;
    let err = db
        .users
        .create(new_user("ALICE", "other@example.com"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::UsernameTaken), "{err:?}");
}

#[tokio::test]
async fn the_database_refuses_a_duplicate_email() {
    let db = fresh_db().await;
    db.user("alice").await;
    let err = db
        .users
        .create(new_user("alice2", "alice@example.com"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::EmailTaken), "{err:?}");
}

#[tokio::test]
async fn racing_inserts_of_one_name_leave_exactly_one_row() {
    let db = Arc::new(fresh_db().await);
    let mut tasks = Vec::new();
    for i in 0..10 {
        let db = db.clone();
        let name = if i % 2 == 0 { "carol" } else { "CAROL" };
        tasks.push(tokio::spawn(async move {
            db.users
                .create(new_user(name, &format!("carol{i}@example.com")))
                .await
        }));
    }
    let mut created = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => created += 1,
            Err(StoreError::UsernameTaken) => {}
            Err(other) => panic!("unexpected outcome: {other:?}"),
        }
    }
    assert_eq!(created, 1);
}

#[tokio::test]
async fn ids_of_deleted_users_are_never_reused() {
    let db = fresh_db().await;
    let first = db.user("alice").await;
    assert!(db.users.delete(first.id).await.unwrap());
    let second = db.user("bob").await;
    assert!(second.id > first.id);
}

#[tokio::test]
async fn deleting_a_user_cascades_to_their_posts_in_the_database() {
    let db = fresh_db().await;
    let alice = db.user("alice").await;
    let post = db
        .posts
        .create(new_post(alice.id, "hello", 1))
        .await
        .unwrap();
    assert!(db.users.delete(alice.id).await.unwrap());
    assert!(db.posts.by_id(post.id).await.unwrap().is_none());
    assert!(!db.users.delete(alice.id).await.unwrap());
}

#[tokio::test]
async fn updates_change_only_the_given_fields_and_clashes_are_typed() {
    let db = fresh_db().await;
    let alice = db.user("alice").await;
    db.user("bob").await;
    let changed = db
        .users
        .update(
            alice.id,
            UserChanges {
                username: Some(Username::parse("Alice").unwrap()),
                ..UserChanges::default()
            },
            None,
            Utc::now(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(changed.username, "Alice");
    assert_eq!(changed.email, "alice@example.com");
    let clash = db
        .users
        .update(
            alice.id,
            UserChanges {
                email: Some(Email::parse("bob@example.com").unwrap()),
                ..UserChanges::default()
            },
            None,
            Utc::now(),
        )
        .await
        .unwrap_err();
    assert!(matches!(clash, StoreError::EmailTaken));
    let missing = db.users.update(
        UserId(999),
        UserChanges {
            username: Some(Username::parse("zed").unwrap()),
            ..UserChanges::default()
        },
        None,
        Utc::now(),
    );
    assert!(missing.await.unwrap().is_none());
}

#[tokio::test]
async fn posts_list_newest_first_with_their_authors_paged_and_per_author() {
    let db = fresh_db().await;
    let alice = db.user("alice").await;
    let bob = db.user("bob").await;
    db.posts.create(new_post(alice.id, "a1", 1)).await.unwrap();
    db.posts.create(new_post(bob.id, "b1", 2)).await.unwrap();
    db.posts.create(new_post(alice.id, "a2", 3)).await.unwrap();
    let titles = |list: Vec<quill_domain::PostWithAuthor>| {
        list.into_iter()
            .map(|p| format!("{}:{}", p.post.title, p.author.username))
            .collect::<Vec<_>>()
    };
    let all = db.posts.list(None, Page::default()).await.unwrap();
    assert_eq!(titles(all), ["a2:alice", "b1:bob", "a1:alice"]);
    let page = db.posts.list(None, Page::new(1, 1).unwrap()).await.unwrap();
    assert_eq!(titles(page), ["b1:bob"]);
    let alices = db
        .posts
        .list(Some(alice.id), Page::default())
        .await
        .unwrap();
    assert_eq!(titles(alices), ["a2:alice", "a1:alice"]);
}

#[tokio::test]
async fn a_post_keeps_its_timestamp_to_the_microsecond() {
    let db = fresh_db().await;
    let alice = db.user("alice").await;
    let written = new_post(alice.id, "t", 5);
    let expected = written.date_posted;
    let created = db.posts.create(written).await.unwrap();
    assert_eq!(created.date_posted, expected);
    let read = db.posts.by_id(created.id).await.unwrap().unwrap();
    assert_eq!(read.post.date_posted, expected);
}

#[tokio::test]
async fn post_updates_change_only_the_given_fields() {
    let db = fresh_db().await;
    let alice = db.user("alice").await;
    let post = db
        .posts
        .create(new_post(alice.id, "before", 1))
        .await
        .unwrap();
    let changed = db
        .posts
        .update(
            post.id,
            PostChanges {
                title: Some(PostTitle::parse("after").unwrap()),
                content: None,
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(changed.title, "after");
    assert_eq!(changed.content, "body");
    assert!(db.posts.delete(post.id).await.unwrap());
    assert!(!db.posts.delete(post.id).await.unwrap());
}

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

/// Whether a token naming no session, with this id, is refused as revoked.
async fn revoked(db: &Db, user: UserId, token_id: &str) -> bool {
    let (_, standing) = db
        .users
        .by_id_with_token_standing(user, None, token_id)
        .await
        .unwrap()
        .unwrap();
    standing.revoked
}

#[tokio::test]
async fn revoked_tokens_are_remembered_until_they_expire_and_revoking_twice_is_harmless() {
    let db = fresh_db().await;
    let alice = db.user("alice").await;
    let expires = Utc.with_ymd_and_hms(2026, 11, 26, 18, 30, 0).unwrap();
    db.users.revoke_token("token-a", expires).await.unwrap();
    db.users.revoke_token("token-a", expires).await.unwrap();
    assert!(revoked(&db, alice.id, "token-a").await);
    assert!(!revoked(&db, alice.id, "token-b").await);
    let before_expiry = expires - chrono::Duration::seconds(1);
    assert_eq!(
        db.users.purge_revoked_tokens(before_expiry).await.unwrap(),
        0
    );
    assert_eq!(db.users.purge_revoked_tokens(expires).await.unwrap(), 1);
    assert!(!revoked(&db, alice.id, "token-a").await);
}

#[tokio::test]
async fn an_account_reads_back_with_where_a_token_stands_in_one_call() {
    let db = fresh_db().await;
    let alice = db.user("alice").await;
    let expires = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
    db.users.revoke_token("revoked-one", expires).await.unwrap();
    let (user, standing) = db
        .users
        .by_id_with_token_standing(alice.id, None, "revoked-one")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user, alice);
    assert_eq!(
        standing,
        TokenStanding {
            session_ends: None,
            revoked: true
        }
    );
    let sessions = SeaOrmSessionStore::new(db.connection.clone());
    let started = Utc.with_ymd_and_hms(2026, 11, 26, 18, 0, 0).unwrap();
    sessions
        .start(NewSession {
            id: SessionId::new("alices"),
            user: alice.id,
            user_agent: None,
            started_at: started,
            expires_at: expires,
            refresh: None,
        })
        .await
        .unwrap();
    let standing_in = |user: UserId, session: &'static str| {
        let users = &db.users;
        async move {
            users
                .by_id_with_token_standing(user, Some(&SessionId::new(session)), "live-one")
                .await
                .unwrap()
                .map(|(_, standing)| standing)
        }
    };
    assert_eq!(
        standing_in(alice.id, "alices").await,
        Some(TokenStanding {
            session_ends: Some(expires),
            revoked: false
        })
    );
    assert_eq!(
        standing_in(alice.id, "unknown").await.unwrap().session_ends,
        None
    );
    let bob = db.user("bob").await;
    assert_eq!(
        standing_in(bob.id, "alices").await.unwrap().session_ends,
        None,
        "a session counts only for its own account"
    );
    assert!(standing_in(UserId(999), "alices").await.is_none());
}

#[tokio::test]
async fn a_hash_upgrade_writes_only_over_the_hash_it_expected_and_keeps_the_generation() {
    let db = fresh_db().await;
    let alice = db.user("alice").await;
    let upgraded = PasswordHash::new("$argon2id$upgraded");
    assert!(
        db.users
            .replace_password_hash(alice.id, &alice.password_hash, upgraded.clone())
            .await
            .unwrap()
    );
    // A second writer that read the old hash finds it gone, and writes nothing.
    assert!(
        !db.users
            .replace_password_hash(alice.id, &alice.password_hash, PasswordHash::new("$stale"))
            .await
            .unwrap()
    );
    let stored = db.users.by_id(alice.id).await.unwrap().unwrap();
    assert_eq!(stored.password_hash, upgraded);
    assert_eq!(stored.token_generation, 0);
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

mod postgres_throttle {
    //! The fleet-wide buckets on PostgreSQL hold to the domain's GCRA rule, under concurrency
    //! too. (On SQLite quill keeps buckets in the process; nothing to test here.)

    use super::*;
    use quill_domain::throttle::gcra;
    use quill_domain::{Admission, Rate, Throttle, ThrottleKey, ThrottleScope};
    use quill_infra::PostgresThrottle;

    async fn throttle() -> Option<(PostgresThrottle, TestDatabase)> {
        let database = postgres_only().await?;
        let db = connect(&database.url, 8, Duration::from_secs(30))
            .await
            .unwrap();
        quill_infra::migrate(&db).await.unwrap();
        Some((PostgresThrottle::new(db), database))
    }

    fn key(email: &str) -> ThrottleKey {
        ThrottleKey::account_email(ThrottleScope::LoginFailuresPerAccount, email)
    }

    #[tokio::test]
    async fn a_burst_is_admitted_then_refused_with_the_same_wait_as_the_domains_rule() {
        let Some((throttle, _database)) = throttle().await else {
            return;
        };
        let rate = Rate::new(3, 6);
        let now = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
        let mut arrival = None;
        for _ in 0..3 {
            assert_eq!(
                throttle.admit(&key("a@x"), rate, now).await.unwrap(),
                Admission::Admitted
            );
            arrival = Some(gcra(arrival, now.timestamp_micros(), rate).unwrap());
        }
        let later = now + chrono::Duration::seconds(4);
        let expected = gcra(arrival, later.timestamp_micros(), rate).unwrap_err();
        assert_eq!(
            throttle.admit(&key("a@x"), rate, later).await.unwrap(),
            Admission::Refused {
                retry_after: expected
            }
        );
        assert_eq!(
            throttle.admit(&key("b@x"), rate, later).await.unwrap(),
            Admission::Admitted,
            "another key is unaffected"
        );
        throttle.refund(&key("a@x"), rate, later).await.unwrap();
        assert_eq!(
            throttle.admit(&key("a@x"), rate, later).await.unwrap(),
            Admission::Admitted
        );
        let pruned = throttle
            .prune(now + chrono::Duration::hours(1))
            .await
            .unwrap();
        assert_eq!(pruned, 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_attempts_on_one_bucket_admit_exactly_the_burst() {
        let Some((throttle, _database)) = throttle().await else {
            return;
        };
        let throttle = Arc::new(throttle);
        let now = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
        let attempts: Vec<_> = (0..20)
            .map(|_| {
                let throttle = throttle.clone();
                tokio::spawn(async move {
                    throttle
                        .admit(&key("target@x"), Rate::new(5, 1), now)
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut admitted = 0;
        for attempt in attempts {
            if attempt.await.unwrap() == Admission::Admitted {
                admitted += 1;
            }
        }
        assert_eq!(admitted, 5);
    }
}

#[tokio::test]
async fn a_post_for_an_account_that_no_longer_exists_is_refused_as_account_gone() {
    let db = fresh_db().await;
    let alice = db.user("alice").await;
    assert!(db.users.delete(alice.id).await.unwrap());
    assert!(matches!(
        db.posts.create(new_post(alice.id, "orphan", 1)).await,
        Err(StoreError::AccountGone)
    ));
    assert!(
        db.posts
            .list(None, Page::default())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn names_differing_only_in_unicode_case_or_compatibility_form_are_one_name() {
    let db = fresh_db().await;
    db.users
        .create(new_user("Élise", "elise@example.com"))
        .await
        .unwrap();
    for same in ["élise", "ÉLISE", "E\u{301}lise"] {
        assert!(
            matches!(
                db.users.create(new_user(same, "other@example.com")).await,
                Err(StoreError::UsernameTaken)
            ),
            "{same}"
        );
        assert!(
            db.users.id_by_username(same).await.unwrap().is_some(),
            "{same}"
        );
    }
    // Accents still count: without one it is another name.
    assert!(
        db.users
            .create(new_user("Elise", "plain@example.com"))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_read_only_database_fails_the_write_probe_and_writes_are_unavailable_not_unexpected() {
    let database = TestDatabase::fresh().await;
    let writable = connect(&database.url, 2, Duration::from_secs(5))
        .await
        .unwrap();
    quill_infra::migrate(&writable).await.unwrap();
    quill_infra::probe_writable(&writable).await.unwrap();
    // The same database, opened read-only: a replica, a full disk's remount, a mistake.
    let read_only_url = if database.is_postgres() {
        format!(
            "{}?options=-c%20default_transaction_read_only%3Don",
            database.url
        )
    } else {
        database.url.replace("mode=rwc", "mode=ro")
    };
    let read_only = connect(&read_only_url, 2, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(quill_infra::probe_writable(&read_only).await.is_err());
    let users = SeaOrmUserRepository::new(read_only);
    assert!(
        users
            .by_email("nobody@example.com")
            .await
            .unwrap()
            .is_none(),
        "reads still work"
    );
    let refused = users.create(new_user("alice", "alice@example.com")).await;
    assert!(
        matches!(refused, Err(StoreError::Unavailable(_))),
        "{refused:?}"
    );
}

#[tokio::test]
async fn every_change_moves_a_revision_and_the_light_page_read_agrees_with_the_full_one() {
    use quill_domain::{ContentTag, ImageFile, PostWithAuthor};
    let db = fresh_db().await;
    let alice = db.user("alice").await;
    let bob = db.user("bob").await;
    let first = db.posts.create(new_post(alice.id, "a1", 1)).await.unwrap();
    db.posts.create(new_post(bob.id, "b1", 2)).await.unwrap();
    let agree = async |author: Option<UserId>| {
        let full = db.posts.list(author, Page::default()).await.unwrap();
        let light = db
            .posts
            .list_versions(author, Page::default())
            .await
            .unwrap();
        let versions: Vec<_> = full.iter().map(PostWithAuthor::version).collect();
        assert_eq!(light, versions, "the versions of {author:?}'s page");
        ContentTag::of_posts(&full)
    };
    let mut everyone = agree(None).await;
    let mut alices = agree(Some(alice.id)).await;
    assert_eq!(first.revision, 0);

    let retitle = PostChanges {
        title: Some(PostTitle::parse("a1, again").unwrap()),
        content: None,
    };
    let edited = db.posts.update(first.id, retitle).await.unwrap().unwrap();
    assert_eq!(edited.revision, 1);
    let renamed = UserChanges {
        username: Some(Username::parse("alicia").unwrap()),
        ..UserChanges::default()
    };
    assert_eq!(
        db.users
            .update(alice.id, renamed, None, Utc::now())
            .await
            .unwrap()
            .unwrap()
            .profile_revision,
        1
    );
    let picture = ImageFile::parse("0123456789abcdef0123456789abcdef.jpg").unwrap();
    db.users
        .swap_image_file(alice.id, None, Some(picture.as_str()))
        .await
        .unwrap();
    let now = db.users.by_id(alice.id).await.unwrap().unwrap();
    assert_eq!(now.profile_revision, 2);
    let listed = db.posts.by_id(first.id).await.unwrap().unwrap();
    assert_eq!((listed.post.revision, listed.author.revision), (1, 2));
    for changed in [agree(None).await, agree(Some(alice.id)).await] {
        assert_ne!(changed, everyone);
        assert_ne!(changed, alices);
    }
    everyone = agree(None).await;
    alices = agree(Some(alice.id)).await;
    assert!(db.posts.delete(first.id).await.unwrap());
    assert_ne!(agree(None).await, everyone);
    assert_ne!(agree(Some(alice.id)).await, alices);
    assert!(agree(Some(alice.id)).await == ContentTag::of_posts(&[]));
}
