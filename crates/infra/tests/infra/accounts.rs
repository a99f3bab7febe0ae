//! Accounts' names and addresses against a real, freshly migrated database per test (SQLite
//! by default, PostgreSQL when `TEST_DATABASE_URL` is set): names unique by how they look,
//! existing lookalikes kept when that rule arrives, an email change and its notice in one
//! transaction. And the domain's email rule against the mailer's parser: every
//! address the domain accepts must be one lettre accepts as a recipient (as an `Address` and
//! as the `Mailbox` the message is written with), so an account can never hold an address
//! its mail would be refused for; the domain names no mail library, so only this test keeps
//! the two from drifting apart.

use std::time::Duration;

use chrono::{DateTime, TimeZone as _, Utc};
use lettre::Address;
use lettre::message::Mailbox;
use quill_domain::{
    Email, Mail, MailOutbox as _, NewUser, PasswordHash, StoreError, User, UserChanges,
    UserRepository, Username,
};
use quill_infra::{SeaOrmRecoveryStore, SeaOrmUserRepository, connect};
use quill_test_support::TestDatabase;
use sea_orm::{ConnectionTrait as _, DatabaseBackend, DatabaseConnection, Statement};

struct Db {
    users: SeaOrmUserRepository,
    outbox: SeaOrmRecoveryStore,
    connection: DatabaseConnection,
    // Declared last so the pools above are dropped before the database goes.
    _database: TestDatabase,
}

async fn fresh_db() -> Db {
    let database = TestDatabase::fresh().await;
    let db = connect(&database.url, 5, Duration::from_secs(10))
        .await
        .unwrap();
    quill_infra::migrate(&db).await.unwrap();
    Db {
        users: SeaOrmUserRepository::new(db.clone()),
        outbox: SeaOrmRecoveryStore::new(db.clone()),
        connection: db,
        _database: database,
    }
}

impl Db {
    async fn user(&self, name: &str) -> User {
        self.users
            .create(new_user(name, &format!("{name}@example.com")))
            .await
            .unwrap()
    }

    async fn change_email(&self, user: &User, to: &str) -> Result<Option<User>, String> {
        let changes = UserChanges {
            email: Some(Email::parse(to).unwrap()),
            ..UserChanges::default()
        };
        let notice = Mail {
            to: user.email.clone(),
            subject: "Your email address was changed".to_owned(),
            body: format!("It is now {to}."),
        };
        self.users
            .update(user.id, changes, Some(notice), at(0))
            .await
            .map_err(|e| e.to_string())
    }

    async fn queued_mail(&self) -> u64 {
        self.outbox.depth().await.unwrap().queued
    }

    /// Makes every later insert into the outbox fail inside the database, as a full disk or
    /// a lost connection would.
    async fn refuse_outbox_inserts(&self) {
        let statements: &[&str] = match self.connection.get_database_backend() {
            DatabaseBackend::Sqlite => {
                &["CREATE TRIGGER refuse_mail BEFORE INSERT ON mail_outbox \
                 BEGIN SELECT RAISE(ABORT, 'refused'); END"]
            }
            _ => &[
                "CREATE FUNCTION refuse_mail() RETURNS trigger LANGUAGE plpgsql \
                 AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$",
                "CREATE TRIGGER refuse_mail BEFORE INSERT ON mail_outbox \
                 FOR EACH ROW EXECUTE FUNCTION refuse_mail()",
            ],
        };
        for sql in statements {
            self.connection.execute_unprepared(sql).await.unwrap();
        }
    }
}

fn new_user(username: &str, email: &str) -> NewUser {
    NewUser {
        username: Username::parse(username).unwrap(),
        email: Email::parse(email).unwrap(),
        password_hash: PasswordHash::new("$argon2id$x"),
    }
}

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap() + chrono::Duration::seconds(seconds)
}

#[tokio::test]
async fn an_email_change_is_stored_with_its_notice_queued() {
    let db = fresh_db().await;
    let alice = db.user("alice").await;
    let changed = db.change_email(&alice, "alice@new.example.com").await;
    assert_eq!(
        changed.unwrap().map(|u| u.email).as_deref(),
        Some("alice@new.example.com")
    );
    assert_eq!(db.queued_mail().await, 1);
}

#[tokio::test]
async fn an_email_change_whose_notice_cannot_be_queued_leaves_the_email_unchanged() {
    let db = fresh_db().await;
    let alice = db.user("alice").await;
    db.refuse_outbox_inserts().await;
    assert!(
        db.change_email(&alice, "alice@new.example.com")
            .await
            .is_err()
    );
    let stored = db.users.by_id(alice.id).await.unwrap().unwrap();
    assert_eq!(stored.email, "alice@example.com");
    assert_eq!(stored.profile_revision, alice.profile_revision);
}

#[tokio::test]
async fn an_email_change_refused_as_taken_queues_no_notice() {
    let db = fresh_db().await;
    let alice = db.user("alice").await;
    db.user("bob").await;
    let refused = db.change_email(&alice, "bob@example.com").await;
    assert_eq!(refused, Err("email already registered".to_owned()));
    assert_eq!(db.queued_mail().await, 0);
}

/// Addresses built around every printable ASCII character and a few non-ASCII ones, in the
/// local part and in the domain, beside a list of ordinary and unusual whole addresses.
fn candidates() -> Vec<String> {
    let mut characters: Vec<char> = ('\u{21}'..='\u{7e}').collect();
    characters.extend(['é', 'ß', 'ü', 'я', '中', '٣', '·', '\u{a0}', '€']);
    let mut addresses: Vec<String> = [
        "alice@example.com",
        "alice.smith+blog@mail.example.co.uk",
        "o'brien@example.ie",
        "user@bücher.example",
        "a1@123.example.com",
        "x@a-b.example",
        "alice@localhost",
        "#!$%&'*+-/=?^_`{|}~@example.org",
    ]
    .map(str::to_owned)
    .to_vec();
    for c in characters {
        addresses.push(format!("a{c}b@example.com"));
        addresses.push(format!("{c}@example.com"));
        addresses.push(format!("alice@ex{c}ample.com"));
        addresses.push(format!("alice@example.c{c}m"));
    }
    addresses
}

#[tokio::test]
async fn the_database_refuses_a_name_that_looks_like_a_taken_one_on_registration_and_rename() {
    let db = fresh_db().await;
    let alice = db.user("alice").await;
    let ape = db.user("ape").await;
    let bob = db.user("bob").await;
    // A dotted capital I, and a name all in Cyrillic letters drawn as "ape".
    for (n, lookalike) in ["ALİCE", "аре"].into_iter().enumerate() {
        let refused = db
            .users
            .create(new_user(lookalike, &format!("other{n}@example.com")))
            .await;
        assert!(
            matches!(refused, Err(StoreError::UsernameTaken)),
            "{lookalike}: {refused:?}"
        );
        let rename = UserChanges {
            username: Some(Username::parse(lookalike).unwrap()),
            ..UserChanges::default()
        };
        let refused = db.users.update(bob.id, rename, None, at(0)).await;
        assert!(
            matches!(refused, Err(StoreError::UsernameTaken)),
            "{lookalike}: {refused:?}"
        );
    }
    assert_eq!(
        db.users.id_by_username("ALİCE").await.unwrap(),
        Some(alice.id)
    );
    assert_eq!(db.users.id_by_username("аре").await.unwrap(), Some(ape.id));
}

#[tokio::test]
async fn lookalike_names_stored_before_the_rule_keep_their_accounts_when_skeletons_are_filled() {
    let db = fresh_db().await;
    // Rows as an older version wrote them: keyed, but with no skeleton.
    db.connection
        .execute_unprepared(
            "INSERT INTO users (username, username_key, email, password_hash) VALUES \
             ('ape', 'ape', 'ape@example.com', 'x'), \
             ('аре', 'аре', 'cyrillic@example.com', 'x')",
        )
        .await
        .unwrap();
    quill_infra::migrate(&db.connection).await.unwrap();
    let rows = db
        .connection
        .query_all_raw(Statement::from_string(
            db.connection.get_database_backend(),
            "SELECT id, username, username_skeleton FROM users ORDER BY id",
        ))
        .await
        .unwrap();
    let rows: Vec<(i64, String, String)> = rows
        .iter()
        .map(|row| {
            (
                row.try_get("", "id").unwrap(),
                row.try_get("", "username").unwrap(),
                row.try_get("", "username_skeleton").unwrap(),
            )
        })
        .collect();
    let skeleton = Username::skeleton_of("ape");
    let [
        (_, older, older_skeleton),
        (later_id, later, later_skeleton),
    ] = rows.as_slice()
    else {
        panic!("an account was lost: {rows:?}");
    };
    assert_eq!((older.as_str(), later.as_str()), ("ape", "аре"));
    assert_eq!(older_skeleton, &skeleton);
    assert_eq!(later_skeleton, &format!("{skeleton}\u{1}{later_id}"));
    let refused = db.users.create(new_user("APE", "new@example.com")).await;
    assert!(matches!(refused, Err(StoreError::UsernameTaken)));
}

#[test]
fn every_address_the_domain_accepts_is_one_the_mailer_can_address() {
    let mut accepted = 0;
    for candidate in candidates() {
        let Ok(email) = Email::parse(&candidate) else {
            continue;
        };
        accepted += 1;
        let address = email.as_str();
        assert!(
            address.parse::<Address>().is_ok(),
            "the domain accepts {address:?} but lettre's Address refuses it"
        );
        assert!(
            address.parse::<Mailbox>().is_ok(),
            "the domain accepts {address:?} but lettre's Mailbox refuses it"
        );
    }
    assert!(accepted > 100, "only {accepted} candidates were accepted");
}

#[test]
fn address_literals_and_quoted_local_parts_are_refused_by_the_domain() {
    for undeliverable in [
        "alice@[127.0.0.1]",
        "alice@[IPv6:::1]",
        "alice@127.0.0.1",
        "\"alice\"@example.com",
        "\"al ice\"@example.com",
        "\"al\\\"ice\"@example.com",
    ] {
        assert!(
            Email::parse(undeliverable).is_err(),
            "the domain accepts {undeliverable:?}"
        );
    }
}
