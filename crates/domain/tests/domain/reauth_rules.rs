//! Recent authentication: the email change and the account's deletion need a login within
//! the policy's `reauth_max_age` or the current password; a refresh is not a login. Exercised
//! over the in-memory fakes, the harness's clock advanced past the max age.

use std::time::Duration as StdDuration;

use chrono::Duration;
use futures_executor::block_on;
use quill_domain::testing::Harness;
use quill_domain::{
    AuthAction, AuthOutcome, AuthPolicy, Caller, Client, Clock, Email, Grant, Held, Password,
    ProfileError, ProfileUpdate, Rate, SessionStart, Username,
};

const HERE: Client = Client::UNKNOWN;
const ALICES: &str = "quiet-harbour-lamp";

fn harness() -> Harness {
    Harness::builder()
        .user("alice", "alice@example.com", ALICES)
        .user("bob", "bob@example.com", "amber-kettle-drift")
        .build()
}

async fn login(h: &Harness, offline: bool) -> Grant {
    h.auth
        .login
        .sign_in(
            HERE,
            "alice@example.com",
            &Password::attempt(ALICES),
            SessionStart::new(None, offline),
        )
        .await
        .unwrap()
}

async fn caller_of(h: &Harness, grant: &Grant) -> Caller {
    h.auth
        .sessions
        .authenticate(grant.access_token.as_str())
        .await
        .unwrap()
}

fn new_email() -> ProfileUpdate {
    ProfileUpdate {
        email: Some(Email::parse("alice@example.org").unwrap()),
        ..ProfileUpdate::default()
    }
}

async fn change_email(
    h: &Harness,
    caller: &Caller,
    password: Option<&str>,
) -> Result<(), ProfileError> {
    let password = password.map(Password::attempt);
    h.auth
        .accounts
        .update_profile(HERE, caller, caller.id(), new_email(), password.as_ref())
        .await
        .map(drop)
}

async fn delete(h: &Harness, caller: &Caller, password: Option<&str>) -> Result<(), ProfileError> {
    let password = password.map(Password::attempt);
    h.auth
        .accounts
        .delete_account(HERE, caller, caller.id(), password.as_ref())
        .await
}

#[test]
fn a_token_from_a_login_says_when_the_login_was() {
    block_on(async {
        let h = harness();
        let login_time = h.clock.now();
        let grant = login(&h, false).await;
        h.clock.advance(Duration::minutes(3));
        let alice = caller_of(&h, &grant).await;
        assert_eq!(alice.authenticated_at(), Some(login_time));
    });
}

#[test]
fn a_fresh_login_changes_the_email_and_deletes_the_account_without_a_password() {
    block_on(async {
        let h = harness();
        let alice = caller_of(&h, &login(&h, false).await).await;
        h.clock.advance(Duration::minutes(10));
        change_email(&h, &alice, None).await.unwrap();
        assert_eq!(h.user("alice").email, "alice@example.org");
        delete(&h, &alice, None).await.unwrap();
        assert_eq!(h.hasher.verifications(), 1, "the login's alone");
    });
}

#[test]
fn a_login_older_than_the_max_age_changes_neither_the_email_nor_the_account() {
    block_on(async {
        let h = harness();
        let alice = caller_of(&h, &login(&h, false).await).await;
        h.clock
            .advance(Duration::minutes(10) + Duration::seconds(1));
        assert!(matches!(
            change_email(&h, &alice, None).await,
            Err(ProfileError::RecentAuthenticationRequired)
        ));
        assert!(matches!(
            delete(&h, &alice, None).await,
            Err(ProfileError::RecentAuthenticationRequired)
        ));
        assert_eq!(h.user("alice").email, "alice@example.com");
        assert!(
            h.outbox.queued().is_empty(),
            "no notice of a change refused"
        );
        assert_eq!(h.hasher.verifications(), 1, "a refusal costs no hashing");
        assert_eq!(
            h.events
                .count(AuthAction::AccountDeletion, AuthOutcome::Failure),
            1
        );
    });
}

#[test]
fn the_right_current_password_stands_in_for_a_recent_login() {
    block_on(async {
        let h = harness();
        let alice = h.caller("alice");
        h.clock.advance(Duration::hours(2));
        change_email(&h, &alice, Some(ALICES)).await.unwrap();
        assert_eq!(h.user("alice").email, "alice@example.org");
        delete(&h, &alice, Some(ALICES)).await.unwrap();
        assert_eq!(h.hasher.verifications(), 2);
        assert_eq!(
            h.events
                .count(AuthAction::Reauthentication, AuthOutcome::Success),
            2
        );
    });
}

#[test]
fn a_wrong_current_password_is_refused_and_audited() {
    block_on(async {
        let h = harness();
        let alice = h.caller("alice");
        h.clock.advance(Duration::hours(2));
        assert!(matches!(
            change_email(&h, &alice, Some("amber-kettle-drift")).await,
            Err(ProfileError::WrongCurrentPassword)
        ));
        assert!(matches!(
            delete(&h, &alice, Some("amber-kettle-drift")).await,
            Err(ProfileError::WrongCurrentPassword)
        ));
        assert_eq!(h.user("alice").email, "alice@example.com");
        assert_eq!(
            h.events
                .count(AuthAction::Reauthentication, AuthOutcome::Failure),
            2
        );
    });
}

#[test]
fn an_unneeded_current_password_is_not_checked() {
    block_on(async {
        let h = harness();
        let alice = h.caller("alice");
        change_email(&h, &alice, Some("not-even-close"))
            .await
            .unwrap();
        assert_eq!(h.hasher.verifications(), 0);
    });
}

#[test]
fn a_refresh_carries_the_login_time_on_and_does_not_renew_it() {
    block_on(async {
        let h = harness();
        let login_time = h.clock.now();
        let first = login(&h, true).await;
        h.clock.advance(Duration::minutes(25));
        let refreshed = h
            .auth
            .sessions
            .refresh(HERE, first.refresh_token.as_ref().unwrap())
            .await
            .unwrap();
        let alice = caller_of(&h, &refreshed).await;
        assert_eq!(alice.authenticated_at(), Some(login_time));
        assert!(matches!(
            delete(&h, &alice, None).await,
            Err(ProfileError::RecentAuthenticationRequired)
        ));
    });
}

#[test]
fn a_token_that_does_not_say_when_its_account_authenticated_is_never_recent() {
    block_on(async {
        let h = harness();
        let original = h.tokens.sessionless(&h.user("alice"), h.clock.now());
        let alice = h.auth.sessions.authenticate(&original).await.unwrap();
        assert_eq!(alice.authenticated_at(), None);
        assert!(matches!(
            change_email(&h, &alice, None).await,
            Err(ProfileError::RecentAuthenticationRequired)
        ));
        change_email(&h, &alice, Some(ALICES)).await.unwrap();
    });
}

#[test]
fn a_password_change_counts_as_a_fresh_authentication() {
    block_on(async {
        let h = harness();
        let alice = caller_of(&h, &login(&h, false).await).await;
        h.clock.advance(Duration::minutes(20));
        let token = h
            .auth
            .accounts
            .change_password(
                HERE,
                &alice,
                &Password::attempt(ALICES),
                &Password::parse("copper-lantern-seven").unwrap(),
            )
            .await
            .unwrap();
        let alice = h.auth.sessions.authenticate(token.as_str()).await.unwrap();
        assert_eq!(alice.authenticated_at(), Some(h.clock.now()));
        delete(&h, &alice, None).await.unwrap();
    });
}

#[test]
fn a_name_change_or_the_same_email_needs_no_recent_authentication() {
    block_on(async {
        let h = harness();
        let alice = h.caller("alice");
        h.clock.advance(Duration::days(1));
        let update = ProfileUpdate {
            username: Some(Username::parse("alice2").unwrap()),
            email: Some(Email::parse("ALICE@example.com").unwrap()),
            ..ProfileUpdate::default()
        };
        let updated = h
            .auth
            .accounts
            .update_profile(HERE, &alice, alice.id(), update, None)
            .await
            .unwrap();
        assert_eq!(updated.public.username, "alice2");
    });
}

#[test]
fn a_stale_caller_learns_nothing_of_whether_an_address_is_taken() {
    block_on(async {
        let h = harness();
        let alice = h.caller("alice");
        h.clock.advance(Duration::hours(1));
        let bobs = ProfileUpdate {
            email: Some(Email::parse("bob@example.com").unwrap()),
            ..ProfileUpdate::default()
        };
        let taken = h
            .auth
            .accounts
            .update_profile(HERE, &alice, alice.id(), bobs, None)
            .await;
        assert!(matches!(
            taken,
            Err(ProfileError::RecentAuthenticationRequired)
        ));
    });
}

#[test]
fn the_max_age_is_the_policys() {
    block_on(async {
        let h = Harness::builder()
            .user("alice", "alice@example.com", ALICES)
            .policy(AuthPolicy {
                reauth_max_age: StdDuration::from_secs(60),
                ..AuthPolicy::default()
            })
            .build();
        let alice = h.caller("alice");
        h.clock.advance(Duration::seconds(61));
        assert!(matches!(
            delete(&h, &alice, None).await,
            Err(ProfileError::RecentAuthenticationRequired)
        ));
    });
}

#[test]
fn current_password_guesses_are_charged_to_the_accounts_password_change_rate() {
    block_on(async {
        let h = Harness::builder()
            .user("alice", "alice@example.com", ALICES)
            .policy(AuthPolicy {
                password_changes_per_account: Rate::new(2, 1),
                ..AuthPolicy::default()
            })
            .build();
        let alice = h.caller("alice");
        h.clock.advance(Duration::hours(1));
        for _ in 0..2 {
            assert!(matches!(
                delete(&h, &alice, Some("wrong-guess-here")).await,
                Err(ProfileError::WrongCurrentPassword)
            ));
        }
        assert!(matches!(
            delete(&h, &alice, Some(ALICES)).await,
            Err(ProfileError::Held(Held::Throttled { .. }))
        ));
        assert_eq!(h.hasher.verifications(), 2, "held before any hashing");
    });
}
