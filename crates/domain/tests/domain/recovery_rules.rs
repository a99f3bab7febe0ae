//! Account recovery by email over the in-memory fakes: what a reset request does (and does
//! not do before its answer), how long and how often a reset token works, what a reset ends,
//! and the notices that go out.

use chrono::Duration;
use futures_executor::block_on;
use quill_domain::testing::Harness;
use quill_domain::{
    AuthAction, AuthOutcome, AuthPolicy, Client, Email, Held, LoginError, Password, ProfileUpdate,
    Rate, ResetError, TokenError, TokenRefusal,
};

const HERE: Client = Client::UNKNOWN;

fn harness() -> Harness {
    Harness::builder()
        .user("alice", "alice@example.com", "quiet-harbour-lamp")
        .user("bob", "bob@example.com", "quiet-harbour-lamp")
        .build()
}

fn email(raw: &str) -> Email {
    Email::parse(raw).unwrap()
}

fn new_password() -> Password {
    Password::parse("a-brand-new-password").unwrap()
}

/// Asks for a link for `address` and lets the background job run.
async fn mailed_token(h: &Harness, address: &str) -> String {
    h.auth
        .recovery
        .request_password_reset(HERE, &email(address))
        .await
        .unwrap();
    h.handle_reset_requests().await;
    h.reset_token_mailed_to(address).expect("a reset mail")
}

#[test]
fn a_reset_request_answers_before_anything_is_looked_up_and_alike_for_unknown_emails() {
    block_on(async {
        let h = harness();
        let known = h
            .auth
            .recovery
            .request_password_reset(HERE, &email("alice@example.com"))
            .await;
        let unknown = h
            .auth
            .recovery
            .request_password_reset(HERE, &email("nobody@example.com"))
            .await;
        assert!(known.is_ok() && unknown.is_ok());
        assert!(h.outbox.queued().is_empty(), "no work before the answer");
        assert_eq!(h.store.reset_count(), 0);
        assert_eq!(h.hasher.hashes() + h.hasher.verifications(), 0);

        h.handle_reset_requests().await;
        let mails = h.outbox.queued();
        assert_eq!(mails.len(), 1, "only the known email gets a mail");
        assert_eq!(mails[0].to, "alice@example.com");
        assert!(mails[0].body.contains("/reset-password#token="));
        assert_eq!(
            h.events
                .count(AuthAction::PasswordResetRequest, AuthOutcome::Success),
            1
        );
        assert_eq!(
            h.events
                .count(AuthAction::PasswordResetRequest, AuthOutcome::Failure),
            1
        );
    });
}

#[test]
fn a_reset_sets_the_password_ends_every_earlier_token_and_never_logs_in() {
    block_on(async {
        let h = harness();
        let alice = h.user("alice");
        let earlier = h.token_for(&alice);
        let token = mailed_token(&h, "alice@example.com").await;

        h.auth
            .recovery
            .reset_password(HERE, &token, &new_password())
            .await
            .unwrap();

        assert!(matches!(
            h.auth.sessions.authenticate(earlier.as_str()).await,
            Err(TokenError::InvalidToken)
        ));
        assert_eq!(h.events.token_refusals(), [TokenRefusal::Superseded]);
        let old = h
            .auth
            .login
            .with_password(
                HERE,
                "alice@example.com",
                &Password::attempt("quiet-harbour-lamp"),
            )
            .await;
        assert!(matches!(old, Err(LoginError::InvalidCredentials)));
        let fresh = h
            .auth
            .login
            .with_password(HERE, "alice@example.com", &new_password())
            .await
            .unwrap();
        assert!(h.auth.sessions.authenticate(fresh.as_str()).await.is_ok());
        let notice = h.outbox.queued().pop().unwrap();
        assert_eq!(notice.to, "alice@example.com");
        assert_eq!(notice.subject, "Your quill password was changed");
        assert_eq!(
            h.events
                .count(AuthAction::PasswordReset, AuthOutcome::Success),
            1
        );
    });
}

#[test]
fn a_reset_token_works_once() {
    block_on(async {
        let h = harness();
        let token = mailed_token(&h, "alice@example.com").await;
        h.auth
            .recovery
            .reset_password(HERE, &token, &new_password())
            .await
            .unwrap();
        let again = h
            .auth
            .recovery
            .reset_password(HERE, &token, &Password::parse("yet-another-one").unwrap())
            .await;
        assert!(matches!(again, Err(ResetError::InvalidResetToken)));
        assert_eq!(h.store.reset_count(), 0);
    });
}

#[test]
fn a_reset_token_expires_after_its_lifetime() {
    block_on(async {
        let h = harness();
        let token = mailed_token(&h, "alice@example.com").await;
        let lifetime = h.auth.policy().reset_token_lifetime;
        h.clock
            .advance(Duration::from_std(lifetime).unwrap() - Duration::seconds(1));
        let holder = h.user("alice");
        assert_eq!(holder.token_generation, 0);
        h.clock.advance(Duration::seconds(1));
        let late = h
            .auth
            .recovery
            .reset_password(HERE, &token, &new_password())
            .await;
        assert!(matches!(late, Err(ResetError::InvalidResetToken)));
        assert_eq!(h.hasher.hashes(), 0, "a dead token costs no hash");
        assert_eq!(h.auth.maintain().await.unwrap().expired_resets, 1);
    });
}

#[test]
fn a_token_still_works_one_second_before_it_expires() {
    block_on(async {
        let h = harness();
        let token = mailed_token(&h, "alice@example.com").await;
        let lifetime = h.auth.policy().reset_token_lifetime;
        h.clock
            .advance(Duration::from_std(lifetime).unwrap() - Duration::seconds(1));
        assert!(
            h.auth
                .recovery
                .reset_password(HERE, &token, &new_password())
                .await
                .is_ok()
        );
    });
}

#[test]
fn a_new_link_mailed_kills_the_earlier_one() {
    block_on(async {
        let h = harness();
        let first = mailed_token(&h, "alice@example.com").await;
        // Past the pace, so the new request mails a new link.
        h.clock
            .advance(Duration::from_std(h.auth.policy().reset_resend_after).unwrap());
        let second = mailed_token(&h, "alice@example.com").await;
        assert_ne!(first, second);
        assert_eq!(h.store.reset_count(), 1, "one live token per account");
        let stale = h
            .auth
            .recovery
            .reset_password(HERE, &first, &new_password())
            .await;
        assert!(matches!(stale, Err(ResetError::InvalidResetToken)));
        assert!(
            h.auth
                .recovery
                .reset_password(HERE, &second, &new_password())
                .await
                .is_ok()
        );
    });
}

#[test]
fn a_forged_token_is_refused_without_a_hash() {
    block_on(async {
        let h = harness();
        let forged = h
            .auth
            .recovery
            .reset_password(HERE, "reset-1", &new_password())
            .await;
        assert!(matches!(forged, Err(ResetError::InvalidResetToken)));
        assert_eq!(h.hasher.hashes(), 0);
        assert_eq!(
            h.events
                .count(AuthAction::PasswordReset, AuthOutcome::Failure),
            1
        );
    });
}

#[test]
fn ten_callers_with_one_token_reset_the_password_once() {
    block_on(async {
        let h = harness();
        let token = mailed_token(&h, "alice@example.com").await;
        let mut won = 0;
        for i in 0..10 {
            let client = Client::new([192, 0, 2, i].into());
            match h
                .auth
                .recovery
                .reset_password(client, &token, &new_password())
                .await
            {
                Ok(()) => won += 1,
                Err(ResetError::InvalidResetToken) => {}
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(won, 1);
        assert_eq!(h.user("alice").token_generation, 1);
    });
}

#[test]
fn a_password_change_consumes_any_reset_link_and_sends_a_notice() {
    block_on(async {
        let h = harness();
        let token = mailed_token(&h, "alice@example.com").await;
        h.auth
            .accounts
            .change_password(
                HERE,
                &h.caller("alice"),
                &Password::attempt("quiet-harbour-lamp"),
                &new_password(),
            )
            .await
            .unwrap();
        assert_eq!(h.store.reset_count(), 0);
        let stale = h
            .auth
            .recovery
            .reset_password(HERE, &token, &Password::parse("someone-elses").unwrap())
            .await;
        assert!(matches!(stale, Err(ResetError::InvalidResetToken)));
        let notice = h.outbox.queued().pop().unwrap();
        assert_eq!(notice.subject, "Your quill password was changed");
    });
}

#[test]
fn over_the_limit_per_email_a_request_gets_the_same_answer_and_is_dropped_whether_or_not_it_has_an_account()
 {
    block_on(async {
        let h = Harness::builder()
            .user("alice", "alice@example.com", "quiet-harbour-lamp")
            .policy(AuthPolicy {
                reset_requests_per_email: Rate::new(2, 1),
                ..AuthPolicy::default()
            })
            .build();
        for address in ["alice@example.com", "nobody@example.com"] {
            for i in 0..3 {
                let client = Client::new([198, 51, 100, i].into());
                let answer = h
                    .auth
                    .recovery
                    .request_password_reset(client, &email(address))
                    .await;
                assert!(answer.is_ok(), "{address}, request {i}: {answer:?}");
            }
        }
        assert_eq!(
            h.reset_requests.drain().len(),
            4,
            "two requests per email are looked at"
        );
        let limited = h
            .events
            .all()
            .into_iter()
            .filter(|e| e.action == AuthAction::RateLimited)
            .count();
        assert_eq!(limited, 2, "each dropped request is in the audit trail");
    });
}

/// Asks for a link for alice and lets the job run; how many mails she has had in all.
async fn ask_for_alice(h: &Harness) -> usize {
    let client = Client::new([203, 0, 113, 50].into());
    h.auth
        .recovery
        .request_password_reset(client, &email("alice@example.com"))
        .await
        .unwrap();
    h.handle_reset_requests().await;
    h.outbox.queued().len()
}

fn paced(policy: AuthPolicy) -> Harness {
    Harness::builder()
        .user("alice", "alice@example.com", "quiet-harbour-lamp")
        .policy(AuthPolicy {
            reset_requests_per_client: Rate::new(1000, 1000),
            reset_requests_per_email: Rate::new(1000, 1000),
            ..policy
        })
        .build()
}

#[test]
fn while_the_link_mailed_last_still_works_and_is_recent_a_new_request_mails_nothing() {
    block_on(async {
        let h = paced(AuthPolicy::default());
        let resend = h.auth.policy().reset_resend_after;
        assert_eq!(ask_for_alice(&h).await, 1);
        let first = h.reset_token_mailed_to("alice@example.com").unwrap();
        h.clock.advance(Duration::minutes(5));
        assert_eq!(ask_for_alice(&h).await, 1, "the first link answers");
        let paced = h
            .events
            .all()
            .into_iter()
            .rfind(|e| e.action == AuthAction::PasswordResetRequest)
            .unwrap();
        assert_eq!(paced.outcome, AuthOutcome::Refused);
        h.clock
            .advance(Duration::from_std(resend).unwrap() - Duration::minutes(4));
        assert_eq!(
            ask_for_alice(&h).await,
            2,
            "a link older than the pace is resent"
        );
        let second = h.reset_token_mailed_to("alice@example.com").unwrap();
        assert_ne!(first, second);
        let stale = h
            .auth
            .recovery
            .reset_password(HERE, &first, &new_password())
            .await;
        assert!(matches!(stale, Err(ResetError::InvalidResetToken)));
    });
}

#[test]
fn a_spent_link_does_not_answer_the_next_request() {
    block_on(async {
        let h = paced(AuthPolicy::default());
        let token = mailed_token(&h, "alice@example.com").await;
        h.auth
            .recovery
            .reset_password(HERE, &token, &new_password())
            .await
            .unwrap();
        let before = h.outbox.queued().len();
        assert_eq!(ask_for_alice(&h).await, before + 1);
    });
}

#[test]
fn no_account_is_mailed_more_links_a_day_than_the_pace_allows_however_many_ask() {
    block_on(async {
        let h = paced(AuthPolicy {
            reset_mails_per_day: 3,
            reset_resend_after: std::time::Duration::from_secs(60),
            reset_token_lifetime: std::time::Duration::from_secs(30 * 60),
            ..AuthPolicy::default()
        });
        // Every two minutes for most of a day: past the resend pace every time.
        let mut mailed = 0;
        for _ in 0..(23 * 30) {
            mailed = ask_for_alice(&h).await;
            h.clock.advance(Duration::minutes(2));
        }
        assert_eq!(mailed, 3);
        // A day after the first mail, a new day of mails begins.
        h.clock.advance(Duration::hours(1));
        assert_eq!(ask_for_alice(&h).await, 4);
    });
}

#[test]
fn reset_requests_are_limited_per_client() {
    block_on(async {
        let h = harness();
        let burst = h.auth.policy().reset_requests_per_client.burst;
        let client = Client::new([198, 51, 100, 7].into());
        for i in 0..burst {
            let address = format!("someone{i}@example.com");
            assert!(
                h.auth
                    .recovery
                    .request_password_reset(client, &email(&address))
                    .await
                    .is_ok()
            );
        }
        let over = h
            .auth
            .recovery
            .request_password_reset(client, &email("one-more@example.com"))
            .await;
        assert!(matches!(
            over,
            Err(ResetError::Held(Held::Throttled { .. }))
        ));
        assert_eq!(h.reset_requests.drain().len(), burst as usize);
    });
}

#[test]
fn a_full_request_queue_answers_busy_and_records_it() {
    block_on(async {
        let h = Harness::builder().reset_queue_capacity(1).build();
        let first = Client::new([198, 51, 100, 1].into());
        let second = Client::new([198, 51, 100, 2].into());
        assert!(
            h.auth
                .recovery
                .request_password_reset(first, &email("a@example.com"))
                .await
                .is_ok()
        );
        let full = h
            .auth
            .recovery
            .request_password_reset(second, &email("b@example.com"))
            .await;
        assert!(matches!(full, Err(ResetError::Held(Held::Busy))));
        assert_eq!(
            h.events
                .count(AuthAction::ResetRequestsBusy, AuthOutcome::Refused),
            1
        );
    });
}

#[test]
fn changing_the_login_email_sends_a_notice_to_the_old_address() {
    block_on(async {
        let h = harness();
        let alice = h.caller("alice");
        h.auth
            .accounts
            .update_profile(
                HERE,
                &alice,
                alice.id(),
                ProfileUpdate {
                    email: Some(email("alice@new.example.com")),
                    ..ProfileUpdate::default()
                },
                None,
            )
            .await
            .unwrap();
        let notices = h.outbox.queued();
        assert_eq!(notices.len(), 1);
        assert_eq!(notices[0].to, "alice@example.com");
        assert!(notices[0].body.contains("alice@new.example.com"));
    });
}

#[test]
fn keeping_the_same_email_sends_no_notice() {
    block_on(async {
        let h = harness();
        let alice = h.caller("alice");
        h.auth
            .accounts
            .update_profile(
                HERE,
                &alice,
                alice.id(),
                ProfileUpdate {
                    email: Some(email("ALICE@example.com")),
                    ..ProfileUpdate::default()
                },
                None,
            )
            .await
            .unwrap();
        assert!(h.outbox.queued().is_empty());
    });
}

#[test]
fn deleting_an_account_drops_its_reset_token() {
    block_on(async {
        let h = harness();
        let token = mailed_token(&h, "alice@example.com").await;
        let alice = h.caller("alice");
        h.auth
            .accounts
            .delete_account(HERE, &alice, alice.id(), None)
            .await
            .unwrap();
        assert_eq!(h.store.reset_count(), 0);
        let gone = h
            .auth
            .recovery
            .reset_password(HERE, &token, &new_password())
            .await;
        assert!(matches!(gone, Err(ResetError::InvalidResetToken)));
    });
}
