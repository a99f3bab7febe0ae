//! The SeaORM repositories against a real, freshly migrated SQLite database file.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone as _, Utc};
use quill_domain::{
    Email, NewPost, NewUser, Page, PasswordHash, PostChanges, PostContent, PostRepository,
    PostTitle, StoreError, UserChanges, UserId, UserRepository, Username,
};
use quill_infra::{SeaOrmPostRepository, SeaOrmUserRepository, connect};
use quill_migration::{Migrator, MigratorTrait};

struct Db {
    users: SeaOrmUserRepository,
    posts: SeaOrmPostRepository,
    _dir: tempfile::TempDir,
}

async fn fresh_db() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
    let db = connect(&url, 5, Duration::from_secs(5)).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    Db {
        users: SeaOrmUserRepository::new(db.clone()),
        posts: SeaOrmPostRepository::new(db),
        _dir: dir,
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
    db.users
        .create(new_user("alice", "alice@example.com"))
        .await
        .unwrap();
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
    db.users
        .create(new_user("alice", "alice@example.com"))
        .await
        .unwrap();
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
    let first = db
        .users
        .create(new_user("alice", "alice@example.com"))
        .await
        .unwrap();
    assert!(db.users.delete(first.id).await.unwrap());
    let second = db
        .users
        .create(new_user("bob", "bob@example.com"))
        .await
        .unwrap();
    assert!(second.id > first.id);
}

#[tokio::test]
async fn deleting_a_user_cascades_to_their_posts_in_the_database() {
    let db = fresh_db().await;
    let alice = db
        .users
        .create(new_user("alice", "alice@example.com"))
        .await
        .unwrap();
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
    let alice = db
        .users
        .create(new_user("alice", "alice@example.com"))
        .await
        .unwrap();
    db.users
        .create(new_user("bob", "bob@example.com"))
        .await
        .unwrap();
    let changed = db
        .users
        .update(
            alice.id,
            UserChanges {
                username: Some(Username::parse("Alice").unwrap()),
                ..UserChanges::default()
            },
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
    );
    assert!(missing.await.unwrap().is_none());
}

#[tokio::test]
async fn posts_list_newest_first_with_their_authors_paged_and_per_author() {
    let db = fresh_db().await;
    let alice = db
        .users
        .create(new_user("alice", "alice@example.com"))
        .await
        .unwrap();
    let bob = db
        .users
        .create(new_user("bob", "bob@example.com"))
        .await
        .unwrap();
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
    let alice = db
        .users
        .create(new_user("alice", "alice@example.com"))
        .await
        .unwrap();
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
    let alice = db
        .users
        .create(new_user("alice", "alice@example.com"))
        .await
        .unwrap();
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
