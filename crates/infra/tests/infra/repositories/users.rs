//! Accounts in the store: read back in any case, unique by how their names look (in any
//! case, Unicode compatibility form included), ids never reused, typed clashes on update, and
//! where a token stands read with the account in one call.

use super::*;

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
            authenticated_at: started,
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
