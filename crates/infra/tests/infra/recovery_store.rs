//! The recovery store on a real database (SQLite by default, PostgreSQL with
//! `TEST_DATABASE_URL`): a token consumed once however many race for it, one token per
//! account, the outbox's claims, and the password change that goes with its notice.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use quill_domain::{
    Email, Mail, MailOutbox, NewUser, PasswordHash, RecoveryStore, ResetIssue, ResetMailPace,
    ResetSecrets, UserId, UserRepository, Username,
};
use quill_infra::{SeaOrmRecoveryStore, SeaOrmUserRepository, Sha256ResetSecrets, connect};
use quill_test_support::TestDatabase;

struct Stores {
    users: SeaOrmUserRepository,
    recovery: Arc<SeaOrmRecoveryStore>,
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
        recovery: Arc::new(SeaOrmRecoveryStore::new(db)),
        alice,
        _database: database,
    }
}

fn mail(subject: &str) -> Mail {
    Mail::new("alice@example.com", subject, "body")
}

/// A pace that lets every mail go, for the tests that are about something else.
fn unpaced(now: chrono::DateTime<Utc>) -> ResetMailPace {
    ResetMailPace {
        now,
        resend_after: chrono::Duration::zero(),
        mails_per_day: 1_000,
    }
}

/// quill's pace at `now`: fifteen minutes between links that still work, three a day.
fn paced(now: chrono::DateTime<Utc>) -> ResetMailPace {
    ResetMailPace {
        now,
        resend_after: chrono::Duration::minutes(15),
        mails_per_day: 3,
    }
}

/// Issues a fresh token for alice, valid for an hour, under `pace`.
async fn issue(s: &Stores, pace: ResetMailPace) -> ResetIssue {
    let (_, digest) = Sha256ResetSecrets.mint().unwrap();
    let expires = pace.now + chrono::Duration::hours(1);
    s.recovery
        .issue_reset(s.alice, digest, expires, mail("reset"), pace)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_database_keeps_the_pace_of_reset_mails_as_the_domain_states_it() {
    let s = stores().await;
    let start = Utc::now();
    let at = |minutes: i64| paced(start + chrono::Duration::minutes(minutes));
    assert_eq!(issue(&s, at(0)).await, ResetIssue::Issued);
    assert_eq!(
        issue(&s, at(5)).await,
        ResetIssue::Paced,
        "a recent link answers"
    );
    assert_eq!(issue(&s, at(16)).await, ResetIssue::Issued);
    // A spent link answers nothing: a password change right after lets the next one go.
    s.recovery
        .change_password(
            s.alice,
            PasswordHash::new("$argon2id$x"),
            None,
            mail("n"),
            start,
        )
        .await
        .unwrap();
    assert_eq!(
        issue(&s, at(17)).await,
        ResetIssue::Issued,
        "the day's third"
    );
    assert_eq!(
        issue(&s, at(40)).await,
        ResetIssue::Paced,
        "the day's mails are spent"
    );
    assert_eq!(
        issue(&s, at(24 * 60 + 1)).await,
        ResetIssue::Issued,
        "a new day"
    );
    let queued = s.recovery.depth().await.unwrap().queued;
    assert_eq!(queued, 5, "four links and the change's notice");
    // Purging keeps a record whose link still works: the pace holds across it.
    s.recovery
        .purge_expired_resets(start + chrono::Duration::minutes(24 * 60 + 2))
        .await
        .unwrap();
    assert_eq!(issue(&s, at(24 * 60 + 5)).await, ResetIssue::Paced);
}

#[tokio::test]
async fn of_racing_handlers_of_one_accounts_reset_requests_exactly_one_mails() {
    let s = Arc::new(stores().await);
    let now = Utc::now();
    let handlers = (0..10).map(|_| {
        let s = s.clone();
        tokio::spawn(async move { issue(&s, paced(now)).await })
    });
    let mut issued = 0;
    for handler in handlers {
        if handler.await.unwrap() == ResetIssue::Issued {
            issued += 1;
        }
    }
    assert_eq!(issued, 1);
    assert_eq!(s.recovery.depth().await.unwrap().queued, 1);
}

#[tokio::test]
async fn of_ten_racing_resets_with_one_token_exactly_one_changes_the_password() {
    let s = stores().await;
    let (_, digest) = Sha256ResetSecrets.mint().unwrap();
    let now = Utc::now();
    let later = now + chrono::Duration::hours(1);
    assert_eq!(
        s.recovery
            .issue_reset(s.alice, digest, later, mail("reset"), unpaced(now))
            .await
            .unwrap(),
        ResetIssue::Issued
    );
    let attempts = (0..10).map(|i| {
        let recovery = s.recovery.clone();
        tokio::spawn(async move {
            recovery
                .complete_reset(
                    digest,
                    Utc::now(),
                    PasswordHash::new(format!("$argon2id$new{i}")),
                    mail("changed"),
                )
                .await
                .unwrap()
        })
    });
    let mut won = 0;
    for attempt in attempts {
        if attempt.await.unwrap().is_some() {
            won += 1;
        }
    }
    assert_eq!(won, 1);
    let alice = s.users.by_id(s.alice).await.unwrap().unwrap();
    assert_eq!(alice.token_generation, 1);
    assert!(alice.password_hash.as_str().starts_with("$argon2id$new"));
    assert_eq!(
        s.recovery.depth().await.unwrap().queued,
        2,
        "the link and the notice"
    );
}

#[tokio::test]
async fn a_new_token_replaces_the_accounts_earlier_one_and_an_expired_one_is_refused() {
    let s = stores().await;
    let now = Utc::now();
    let later = now + chrono::Duration::hours(1);
    let (_, first) = Sha256ResetSecrets.mint().unwrap();
    let (_, second) = Sha256ResetSecrets.mint().unwrap();
    s.recovery
        .issue_reset(s.alice, first, later, mail("one"), unpaced(now))
        .await
        .unwrap();
    s.recovery
        .issue_reset(s.alice, second, later, mail("two"), unpaced(now))
        .await
        .unwrap();
    assert!(s.recovery.reset_holder(first, now).await.unwrap().is_none());
    assert_eq!(
        s.recovery
            .reset_holder(second, now)
            .await
            .unwrap()
            .map(|u| u.id),
        Some(s.alice)
    );
    assert!(
        s.recovery
            .reset_holder(second, later)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(s.recovery.purge_expired_resets(later).await.unwrap(), 1);
}

#[tokio::test]
async fn a_token_for_an_account_that_is_gone_is_not_issued() {
    let s = stores().await;
    let (_, digest) = Sha256ResetSecrets.mint().unwrap();
    let now = Utc::now();
    let issued = s
        .recovery
        .issue_reset(UserId(999), digest, now, mail("reset"), unpaced(now))
        .await
        .unwrap();
    assert_eq!(issued, ResetIssue::NoAccount);
    assert_eq!(
        s.recovery.depth().await.unwrap().queued,
        0,
        "no mail without its token"
    );
}

#[tokio::test]
async fn a_claimed_mail_is_held_from_other_claimants_until_released_or_its_hold_ends() {
    let s = stores().await;
    let now = Utc::now();
    let hold = now + chrono::Duration::minutes(2);
    s.recovery.enqueue(mail("hello"), now).await.unwrap();
    let claimed = s.recovery.claim_due(now, hold).await.unwrap().unwrap();
    assert_eq!(
        (claimed.attempts, claimed.mail.subject.as_str()),
        (1, "hello")
    );
    assert!(s.recovery.claim_due(now, hold).await.unwrap().is_none());
    let after_hold = hold + chrono::Duration::seconds(1);
    let again = s
        .recovery
        .claim_due(after_hold, after_hold + chrono::Duration::minutes(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.attempts, 2);
    s.recovery
        .retry_at(again.id, after_hold + chrono::Duration::seconds(30))
        .await
        .unwrap();
    assert!(
        s.recovery
            .claim_due(after_hold, hold)
            .await
            .unwrap()
            .is_none(),
        "not due yet"
    );
    s.recovery.delivered(again.id).await.unwrap();
    assert_eq!(s.recovery.depth().await.unwrap().queued, 0);
}

#[tokio::test]
async fn of_many_racing_claimants_each_mail_goes_to_exactly_one() {
    let s = stores().await;
    let now = Utc::now();
    for i in 0..5 {
        s.recovery
            .enqueue(mail(&format!("m{i}")), now)
            .await
            .unwrap();
    }
    let claimants = (0..8).map(|_| {
        let recovery = s.recovery.clone();
        tokio::spawn(async move {
            let mut mine = Vec::new();
            let hold = Utc::now() + chrono::Duration::minutes(2);
            while let Some(claimed) = recovery.claim_due(Utc::now(), hold).await.unwrap() {
                mine.push(claimed.mail.subject);
            }
            mine
        })
    });
    let mut all = Vec::new();
    for claimant in claimants {
        all.extend(claimant.await.unwrap());
    }
    all.sort();
    assert_eq!(all, ["m0", "m1", "m2", "m3", "m4"]);
}

#[tokio::test]
async fn a_password_change_drops_the_accounts_reset_token_and_queues_its_notice() {
    let s = stores().await;
    let now = Utc::now();
    let (_, digest) = Sha256ResetSecrets.mint().unwrap();
    s.recovery
        .issue_reset(
            s.alice,
            digest,
            now + chrono::Duration::hours(1),
            mail("reset"),
            unpaced(now),
        )
        .await
        .unwrap();
    assert!(
        s.recovery
            .change_password(
                s.alice,
                PasswordHash::new("$argon2id$changed"),
                None,
                mail("notice"),
                now
            )
            .await
            .unwrap()
    );
    assert!(
        s.recovery
            .reset_holder(digest, now)
            .await
            .unwrap()
            .is_none()
    );
    let alice = s.users.by_id(s.alice).await.unwrap().unwrap();
    assert_eq!(alice.password_hash.as_str(), "$argon2id$changed");
    assert_eq!(
        alice.token_generation, 1,
        "every earlier token is superseded"
    );
    assert_eq!(s.recovery.depth().await.unwrap().queued, 2);
    assert!(
        !s.recovery
            .change_password(UserId(999), PasswordHash::new("x"), None, mail("none"), now)
            .await
            .unwrap()
    );
}

#[test]
fn reset_tokens_are_43_url_safe_characters_and_their_digest_is_sha256_of_them() {
    let (token, digest) = Sha256ResetSecrets.mint().unwrap();
    assert_eq!(token.as_str().len(), 43);
    assert!(
        token
            .as_str()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    );
    assert_eq!(Sha256ResetSecrets.digest(token.as_str()), digest);
    assert_ne!(Sha256ResetSecrets.mint().unwrap().0, token);
}
