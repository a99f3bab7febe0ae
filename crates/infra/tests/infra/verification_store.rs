//! The verification store on a real database (SQLite by default, PostgreSQL with
//! `TEST_DATABASE_URL`): a link consumed once however many race for it, one link per
//! account, a link only for the account's current email, and an email change that leaves the
//! new address unverified.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use quill_domain::{
    Email, Mail, MailOutbox, NewUser, PasswordHash, UserChanges, UserId, UserRepository, Username,
    VerificationDigest, VerificationIssue, VerificationSecrets, VerificationStore,
};
use quill_infra::{
    SeaOrmRecoveryStore, SeaOrmUserRepository, SeaOrmVerificationStore, Sha256VerificationSecrets,
    connect,
};
use quill_test_support::TestDatabase;

struct Stores {
    users: SeaOrmUserRepository,
    verifications: Arc<SeaOrmVerificationStore>,
    outbox: SeaOrmRecoveryStore,
    alice: UserId,
    _database: TestDatabase,
}

async fn stores() -> Stores {
    let database = TestDatabase::fresh().await;
    let db = connect(&database.url, 5, Duration::from_secs(5))
        .await
        .unwrap();
    quill_infra::migrate(&db).await.unwrap();
    let users = SeaOrmUserRepository::new(db.clone());
    let alice = users
        .create(NewUser {
            username: Username::parse("alice").unwrap(),
            email: Email::parse("alice@example.com").unwrap(),
            password_hash: PasswordHash::new("$argon2id$old"),
        })
        .await
        .unwrap()
        .id;
    Stores {
        users,
        verifications: Arc::new(SeaOrmVerificationStore::new(db.clone())),
        outbox: SeaOrmRecoveryStore::new(db),
        alice,
        _database: database,
    }
}

/// Issues a fresh link for `email` of alice's, valid for a day from now.
async fn issue(s: &Stores, email: &str) -> (VerificationDigest, bool) {
    let (_, digest) = Sha256VerificationSecrets.mint().unwrap();
    let now = Utc::now();
    let issue = VerificationIssue {
        user: s.alice,
        email: email.to_owned(),
        digest,
        expires_at: now + chrono::Duration::hours(24),
    };
    let mail = Mail::new(email, "verify", "body");
    let stored = s
        .verifications
        .issue_verification(issue, mail, now)
        .await
        .unwrap();
    (digest, stored)
}

async fn queued(s: &Stores) -> u64 {
    s.outbox.depth().await.unwrap().queued
}

#[tokio::test]
async fn of_ten_racing_verifications_with_one_link_exactly_one_verifies() {
    let s = stores().await;
    let (digest, stored) = issue(&s, "alice@example.com").await;
    assert!(stored);
    assert_eq!(queued(&s).await, 1, "the link's mail with its token");
    assert_eq!(
        s.verifications.email_verified_at(s.alice).await.unwrap(),
        None
    );
    let attempts = (0..10).map(|_| {
        let verifications = s.verifications.clone();
        tokio::spawn(async move {
            verifications
                .complete_verification(digest, Utc::now())
                .await
                .unwrap()
        })
    });
    let mut won = 0;
    for attempt in attempts {
        if let Some(user) = attempt.await.unwrap() {
            assert_eq!(user, s.alice);
            won += 1;
        }
    }
    assert_eq!(won, 1);
    assert!(
        s.verifications
            .email_verified_at(s.alice)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn a_new_link_replaces_the_earlier_one_and_an_expired_one_verifies_nothing() {
    let s = stores().await;
    let (first, _) = issue(&s, "alice@example.com").await;
    let (second, _) = issue(&s, "alice@example.com").await;
    let now = Utc::now();
    assert_eq!(
        s.verifications
            .complete_verification(first, now)
            .await
            .unwrap(),
        None
    );
    let late = now + chrono::Duration::hours(25);
    assert_eq!(
        s.verifications
            .complete_verification(second, late)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        s.verifications
            .purge_expired_verifications(late)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        s.verifications.email_verified_at(s.alice).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn a_link_for_an_address_the_account_no_longer_has_is_neither_issued_nor_honoured() {
    let s = stores().await;
    let (digest, stored) = issue(&s, "alice@example.com").await;
    assert!(stored);
    let (_, refused) = issue(&s, "someone-else@example.com").await;
    assert!(!refused, "never a link to another address");
    assert_eq!(queued(&s).await, 1);

    let moved = UserChanges {
        email: Some(Email::parse("elsewhere@example.com").unwrap()),
        ..UserChanges::default()
    };
    s.users
        .update(s.alice, moved, None, Utc::now())
        .await
        .unwrap();
    assert_eq!(
        s.verifications
            .complete_verification(digest, Utc::now())
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        s.verifications.email_verified_at(s.alice).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn changing_a_verified_email_leaves_the_new_one_unverified_and_keeping_it_changes_nothing() {
    let s = stores().await;
    let (digest, _) = issue(&s, "alice@example.com").await;
    s.verifications
        .complete_verification(digest, Utc::now())
        .await
        .unwrap()
        .unwrap();
    let same = UserChanges {
        email: Some(Email::parse("alice@example.com").unwrap()),
        ..UserChanges::default()
    };
    s.users
        .update(s.alice, same, None, Utc::now())
        .await
        .unwrap();
    assert!(
        s.verifications
            .email_verified_at(s.alice)
            .await
            .unwrap()
            .is_some()
    );
    let moved = UserChanges {
        email: Some(Email::parse("elsewhere@example.com").unwrap()),
        ..UserChanges::default()
    };
    s.users
        .update(s.alice, moved, None, Utc::now())
        .await
        .unwrap();
    assert_eq!(
        s.verifications.email_verified_at(s.alice).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn deleting_the_account_deletes_its_links() {
    let s = stores().await;
    let (digest, _) = issue(&s, "alice@example.com").await;
    assert!(s.users.delete(s.alice).await.unwrap());
    assert_eq!(
        s.verifications
            .complete_verification(digest, Utc::now())
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        s.verifications
            .purge_expired_verifications(Utc::now() + chrono::Duration::days(2))
            .await
            .unwrap(),
        0
    );
}
