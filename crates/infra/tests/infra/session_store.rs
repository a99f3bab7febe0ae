//! The session store against a real, freshly migrated database per test (SQLite by default,
//! PostgreSQL when `TEST_DATABASE_URL` is set): starting, listing and ending sessions, the
//! compare-and-swap rotation under concurrency, the cascades, and a password change, a reset
//! or a logout everywhere ending the right sessions in its own transaction.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone as _, Utc};
use quill_domain::throttle::micros;
use quill_domain::{
    Email, Mail, NewSession, NewUser, PasswordHash, RecoveryStore, RefreshDigest, SessionId,
    SessionStore, UserId, UserRepository, Username,
};
use quill_infra::{SeaOrmRecoveryStore, SeaOrmSessionStore, SeaOrmUserRepository, connect};
use quill_test_support::TestDatabase;
use sea_orm::{ConnectionTrait as _, DatabaseBackend, DatabaseConnection};

struct Stores {
    users: SeaOrmUserRepository,
    sessions: SeaOrmSessionStore,
    recovery: SeaOrmRecoveryStore,
    db: DatabaseConnection,
    alice: UserId,
    bob: UserId,
    _database: TestDatabase,
}

async fn stores() -> Stores {
    let database = TestDatabase::fresh().await;
    let db = connect(&database.url, 12, Duration::from_secs(10))
        .await
        .unwrap();
    quill_infra::migrate(&db).await.unwrap();
    let users = SeaOrmUserRepository::new(db.clone());
    let mut ids = Vec::new();
    for name in ["alice", "bob"] {
        let user = users
            .create(NewUser {
                username: Username::parse(name).unwrap(),
                email: Email::parse(&format!("{name}@example.com")).unwrap(),
                password_hash: PasswordHash::new("$argon2id$x"),
            })
            .await
            .unwrap();
        ids.push(user.id);
    }
    Stores {
        users,
        sessions: SeaOrmSessionStore::new(db.clone()),
        recovery: SeaOrmRecoveryStore::new(db.clone()),
        db,
        alice: ids[0],
        bob: ids[1],
        _database: database,
    }
}

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap() + chrono::Duration::seconds(seconds)
}

fn digest(n: u8) -> RefreshDigest {
    RefreshDigest([n; 32])
}

fn session(id: &str, user: UserId, started: i64, refresh: Option<u8>) -> NewSession {
    NewSession {
        id: SessionId::new(id),
        user,
        user_agent: Some(format!("agent of {id}")),
        started_at: at(started),
        authenticated_at: at(started),
        expires_at: at(3600),
        refresh: refresh.map(digest),
    }
}

impl Stores {
    async fn start(&self, session: NewSession) {
        self.sessions.start(session).await.unwrap();
    }

    async fn ids_of(&self, user: UserId, now: i64) -> Vec<String> {
        self.sessions
            .sessions_of(user, at(now))
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.id.as_str().to_owned())
            .collect()
    }

    /// Whether the store holds this refresh token (live or retired).
    async fn holds_refresh(&self, n: u8) -> bool {
        self.sessions
            .refresh_holder(&digest(n))
            .await
            .unwrap()
            .is_some()
    }

    async fn generation_of(&self, user: UserId) -> i64 {
        self.users
            .by_id(user)
            .await
            .unwrap()
            .unwrap()
            .token_generation
    }

    /// Makes every later deletion of a session fail inside the database, as a lost
    /// connection or a full disk would.
    async fn refuse_session_deletes(&self) {
        let statements: &[&str] = match self.db.get_database_backend() {
            DatabaseBackend::Sqlite => &["CREATE TRIGGER refuse_session_delete \
                 BEFORE DELETE ON sessions BEGIN SELECT RAISE(ABORT, 'refused'); END"],
            _ => &[
                "CREATE FUNCTION refuse_session_delete() RETURNS trigger LANGUAGE plpgsql \
                 AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$",
                "CREATE TRIGGER refuse_session_delete BEFORE DELETE ON sessions \
                 FOR EACH ROW EXECUTE FUNCTION refuse_session_delete()",
            ],
        };
        for sql in statements {
            self.db.execute_unprepared(sql).await.unwrap();
        }
    }
}

#[tokio::test]
async fn sessions_are_listed_per_account_most_recently_used_first_until_they_expire() {
    let s = stores().await;
    s.start(session("first", s.alice, 0, Some(1))).await;
    s.start(session("second", s.alice, 10, None)).await;
    s.start(session("bobs", s.bob, 5, None)).await;
    assert_eq!(s.ids_of(s.alice, 20).await, ["second", "first"]);
    assert!(
        s.sessions
            .rotate(&digest(1), &digest(2), at(30))
            .await
            .unwrap()
    );
    assert_eq!(s.ids_of(s.alice, 40).await, ["first", "second"]);
    let listed = s.sessions.sessions_of(s.alice, at(40)).await.unwrap();
    assert_eq!(listed[0].created_at, at(0));
    assert_eq!(listed[0].last_used_at, at(30));
    assert_eq!(listed[0].user_agent.as_deref(), Some("agent of first"));
    assert!(s.ids_of(s.alice, 3600).await.is_empty(), "expired");
    assert_eq!(s.sessions.purge_expired(at(3600)).await.unwrap(), 3);
}

#[tokio::test]
async fn a_session_of_a_deleted_account_cannot_start() {
    let s = stores().await;
    let refused = s
        .sessions
        .start(session("ghost", UserId(999), 0, None))
        .await;
    assert!(matches!(
        refused,
        Err(quill_domain::StoreError::AccountGone)
    ));
}

#[tokio::test]
async fn ending_a_session_needs_its_own_account_and_takes_its_refresh_tokens() {
    let s = stores().await;
    s.start(session("alices", s.alice, 0, Some(1))).await;
    assert!(
        !s.sessions
            .end(s.bob, &SessionId::new("alices"))
            .await
            .unwrap()
    );
    assert!(s.holds_refresh(1).await);
    assert!(
        s.sessions
            .end(s.alice, &SessionId::new("alices"))
            .await
            .unwrap()
    );
    assert!(!s.holds_refresh(1).await);
    assert!(
        !s.sessions
            .end(s.alice, &SessionId::new("alices"))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn a_rotation_retires_the_token_once_and_records_when() {
    let s = stores().await;
    s.start(session("alices", s.alice, 0, Some(1))).await;
    let held = s
        .sessions
        .refresh_holder(&digest(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(held.user, s.alice);
    assert_eq!(held.session, SessionId::new("alices"));
    assert_eq!(held.session_expires_at, at(3600));
    assert_eq!(held.retired_at, None);
    assert!(
        s.sessions
            .rotate(&digest(1), &digest(2), at(5))
            .await
            .unwrap()
    );
    assert!(
        !s.sessions
            .rotate(&digest(1), &digest(3), at(6))
            .await
            .unwrap()
    );
    let retired = s
        .sessions
        .refresh_holder(&digest(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(retired.retired_at, Some(at(5)));
    let live = s
        .sessions
        .refresh_holder(&digest(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(live.retired_at, None);
    assert!(!s.holds_refresh(3).await);
    assert!(
        !s.sessions
            .rotate(&digest(9), &digest(10), at(7))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn of_ten_concurrent_rotations_of_one_token_exactly_one_wins() {
    let s = Arc::new(stores().await);
    s.start(session("alices", s.alice, 0, Some(1))).await;
    let racers: Vec<_> = (0..10_u8)
        .map(|n| {
            let s = s.clone();
            tokio::spawn(async move {
                s.sessions
                    .rotate(&digest(1), &digest(100 + n), at(5))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut wins = 0;
    for racer in racers {
        wins += usize::from(racer.await.unwrap());
    }
    assert_eq!(wins, 1);
    let mut live = 0;
    for n in 0..10_u8 {
        live += usize::from(
            s.sessions
                .refresh_holder(&digest(100 + n))
                .await
                .unwrap()
                .is_some(),
        );
    }
    assert_eq!(live, 1, "one chain");
}

#[tokio::test]
async fn a_password_change_ends_every_session_but_the_kept_one_and_a_reset_ends_all() {
    let s = stores().await;
    s.start(session("mine", s.alice, 0, Some(1))).await;
    s.start(session("other", s.alice, 1, Some(2))).await;
    s.start(session("bobs", s.bob, 1, None)).await;
    let mail = || Mail::new("alice@example.com", "changed", "");
    let keep = SessionId::new("mine");
    assert!(
        s.recovery
            .change_password(
                s.alice,
                PasswordHash::new("$argon2id$new"),
                Some(&keep),
                mail(),
                at(2)
            )
            .await
            .unwrap()
    );
    assert_eq!(s.ids_of(s.alice, 3).await, ["mine"]);
    assert!(!s.holds_refresh(2).await);
    assert!(
        s.recovery
            .change_password(
                s.alice,
                PasswordHash::new("$argon2id$newer"),
                None,
                mail(),
                at(3)
            )
            .await
            .unwrap()
    );
    assert!(s.ids_of(s.alice, 4).await.is_empty());
    assert_eq!(
        s.ids_of(s.bob, 4).await,
        ["bobs"],
        "other accounts keep theirs"
    );
}

#[tokio::test]
async fn deleting_an_account_takes_its_sessions_and_refresh_tokens() {
    let s = stores().await;
    s.start(session("alices", s.alice, 0, Some(1))).await;
    assert!(s.users.delete(s.alice).await.unwrap());
    assert!(!s.holds_refresh(1).await);
    assert!(!s.sessions.end_all_and_revoke_tokens(s.alice).await.unwrap());
}

#[tokio::test]
async fn logging_out_everywhere_ends_every_session_and_moves_the_token_generation() {
    let s = stores().await;
    s.start(session("phone", s.alice, 0, Some(1))).await;
    s.start(session("laptop", s.alice, 1, None)).await;
    s.start(session("bobs", s.bob, 2, Some(2))).await;
    assert!(s.sessions.end_all_and_revoke_tokens(s.alice).await.unwrap());
    assert!(s.ids_of(s.alice, 3).await.is_empty());
    assert!(!s.holds_refresh(1).await);
    assert_eq!(s.generation_of(s.alice).await, 1);
    assert_eq!(
        s.ids_of(s.bob, 3).await,
        ["bobs"],
        "other accounts keep theirs"
    );
    assert_eq!(s.generation_of(s.bob).await, 0);
    assert!(
        s.sessions.end_all_and_revoke_tokens(s.alice).await.unwrap(),
        "a second time is not an error"
    );
    assert_eq!(s.generation_of(s.alice).await, 2);
    assert!(
        !s.sessions
            .end_all_and_revoke_tokens(UserId(999))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn logging_out_everywhere_that_fails_midway_leaves_the_generation_and_the_sessions_as_they_were()
 {
    let s = stores().await;
    s.start(session("phone", s.alice, 0, Some(1))).await;
    s.refuse_session_deletes().await;
    assert!(s.sessions.end_all_and_revoke_tokens(s.alice).await.is_err());
    assert_eq!(
        s.generation_of(s.alice).await,
        0,
        "the generation move rolled back"
    );
    assert_eq!(s.ids_of(s.alice, 1).await, ["phone"]);
}

#[tokio::test]
async fn a_sessions_authentication_time_is_kept_through_every_rotation() {
    let s = stores().await;
    s.start(NewSession {
        authenticated_at: at(-5),
        ..session("phone", s.alice, 0, Some(1))
    })
    .await;
    let held = s
        .sessions
        .refresh_holder(&digest(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(held.authenticated_at, at(-5));
    assert!(
        s.sessions
            .rotate(&digest(1), &digest(2), at(600))
            .await
            .unwrap()
    );
    let renewed = s
        .sessions
        .refresh_holder(&digest(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        renewed.authenticated_at,
        at(-5),
        "a refresh is not an authentication"
    );
}

#[tokio::test]
async fn a_session_started_without_an_authentication_time_counts_its_start() {
    let s = stores().await;
    // As a server of the fleet not yet upgraded writes it.
    s.db.execute_raw(sea_orm::Statement::from_sql_and_values(
        s.db.get_database_backend(),
        "INSERT INTO sessions \
         (id, user_id, user_agent, created_at_us, last_used_at_us, expires_at_us) \
         VALUES ('older', $1, NULL, $2, $2, $3)",
        [
            s.alice.0.into(),
            micros(at(7)).into(),
            micros(at(3600)).into(),
        ],
    ))
    .await
    .unwrap();
    s.db.execute_raw(sea_orm::Statement::from_sql_and_values(
        s.db.get_database_backend(),
        "INSERT INTO refresh_tokens (digest, session_id) VALUES ($1, 'older')",
        [sea_orm::Value::Bytes(Some(vec![9; 32]))],
    ))
    .await
    .unwrap();
    let held = s
        .sessions
        .refresh_holder(&digest(9))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(held.authenticated_at, at(7));
}

#[tokio::test]
async fn the_migration_gives_existing_sessions_their_start_as_authentication_time() {
    use quill_migration::{AuthMigrator, MigratorTrait as _};
    let database = TestDatabase::fresh().await;
    let db = connect(&database.url, 2, Duration::from_secs(5))
        .await
        .unwrap();
    // Every migration before the session's authentication time.
    AuthMigrator::up(&db, Some(10)).await.unwrap();
    let users = SeaOrmUserRepository::new(db.clone());
    let alice = users
        .create(NewUser {
            username: Username::parse("alice").unwrap(),
            email: Email::parse("alice@example.com").unwrap(),
            password_hash: PasswordHash::new("$argon2id$x"),
        })
        .await
        .unwrap();
    db.execute_raw(sea_orm::Statement::from_sql_and_values(
        db.get_database_backend(),
        "INSERT INTO sessions \
         (id, user_id, user_agent, created_at_us, last_used_at_us, expires_at_us) \
         VALUES ('kept', $1, NULL, $2, $3, $4)",
        [
            alice.id.0.into(),
            micros(at(3)).into(),
            micros(at(50)).into(),
            micros(at(3600)).into(),
        ],
    ))
    .await
    .unwrap();
    quill_infra::migrate(&db).await.unwrap();
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT auth_time_us FROM sessions WHERE id = 'kept'",
        ))
        .await
        .unwrap()
        .unwrap();
    let stored: Option<i64> = row.try_get("", "auth_time_us").unwrap();
    assert_eq!(stored, Some(micros(at(3))));
}
