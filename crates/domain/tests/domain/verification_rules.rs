//! Email verification over the in-memory fakes: the link mailed at registration (unless
//! verification is off), a token that works once, before it expires and only for the email it
//! was mailed to, the sign-in refused for an unverified email only when verification is
//! required and only after a right password, and the limits on asking for a new link.

use chrono::Duration;
use futures_executor::block_on;
use quill_domain::testing::Harness;
use quill_domain::{
    AuthAction, AuthOutcome, AuthPolicy, Client, Email, EmailVerification, Held, LinkRequest,
    LoginError, Password, ProfileUpdate, Rate, Registration, Username, VerificationMailError,
    VerifyEmailError,
};

const HERE: Client = Client::UNKNOWN;
const PASSPHRASE: &str = "quiet-harbour-lamp";

fn with(mode: EmailVerification) -> Harness {
    Harness::builder()
        .policy(AuthPolicy {
            email_verification: mode,
            ..AuthPolicy::default()
        })
        .build()
}

fn registration(name: &str, email: &str) -> Registration {
    Registration {
        username: Username::parse(name).unwrap(),
        email: Email::parse(email).unwrap(),
        password: Password::parse(PASSPHRASE).unwrap(),
    }
}

async fn register(h: &Harness, name: &str, email: &str) {
    h.auth
        .accounts
        .register(HERE, registration(name, email))
        .await
        .unwrap();
}

async fn sign_in(h: &Harness, email: &str, password: &str) -> Result<(), LoginError> {
    h.auth
        .login
        .with_password(HERE, email, &Password::attempt(password))
        .await
        .map(|_| ())
}

async fn verified(h: &Harness, name: &str) -> bool {
    h.auth
        .verification
        .security(&h.caller(name))
        .await
        .unwrap()
        .email_verified
}

#[test]
fn registration_mails_a_verification_link_unless_verification_is_off() {
    block_on(async {
        for mode in [EmailVerification::Optional, EmailVerification::Required] {
            let h = with(mode);
            register(&h, "alice", "alice@example.com").await;
            let mails = h.outbox.queued();
            assert_eq!(mails.len(), 1, "{mode:?}");
            assert_eq!(mails[0].to, "alice@example.com");
            assert!(
                mails[0]
                    .body
                    .contains("http://127.0.0.1:8000/verify-email#token=verify-1")
            );
            assert_eq!(
                h.events
                    .count(AuthAction::VerificationMail, AuthOutcome::Success),
                1
            );
        }
        let off = with(EmailVerification::Off);
        register(&off, "alice", "alice@example.com").await;
        assert!(off.outbox.queued().is_empty());
        assert_eq!(off.store.verification_count(), 0);
    });
}

#[test]
fn a_verification_token_verifies_the_email_once() {
    block_on(async {
        let h = with(EmailVerification::Optional);
        register(&h, "alice", "alice@example.com").await;
        assert!(!verified(&h, "alice").await);
        let token = h.verification_token_mailed_to("alice@example.com").unwrap();

        let first = h.auth.verification.verify_email(HERE, &token).await;
        assert_eq!(first.unwrap(), h.user("alice").id);
        assert!(verified(&h, "alice").await);

        let again = h.auth.verification.verify_email(HERE, &token).await;
        assert!(matches!(
            again,
            Err(VerifyEmailError::InvalidVerificationToken)
        ));
        let forged = h.auth.verification.verify_email(HERE, "verify-99").await;
        assert!(matches!(
            forged,
            Err(VerifyEmailError::InvalidVerificationToken)
        ));
        assert_eq!(
            h.events
                .count(AuthAction::EmailVerification, AuthOutcome::Failure),
            2
        );
    });
}

#[test]
fn a_verification_token_expires_after_its_lifetime_on_the_harness_clock() {
    block_on(async {
        let h = with(EmailVerification::Optional);
        register(&h, "alice", "alice@example.com").await;
        let token = h.verification_token_mailed_to("alice@example.com").unwrap();
        h.clock.advance(Duration::hours(24));
        let late = h.auth.verification.verify_email(HERE, &token).await;
        assert!(matches!(
            late,
            Err(VerifyEmailError::InvalidVerificationToken)
        ));
        assert!(!verified(&h, "alice").await);
        assert_eq!(h.auth.maintain().await.unwrap().expired_verifications, 1);
    });
}

#[test]
fn a_link_mailed_before_an_email_change_verifies_nothing_after_it() {
    block_on(async {
        let h = with(EmailVerification::Optional);
        register(&h, "alice", "alice@example.com").await;
        let token = h.verification_token_mailed_to("alice@example.com").unwrap();
        let alice = h.caller("alice");
        let moved = ProfileUpdate {
            email: Some(Email::parse("elsewhere@example.com").unwrap()),
            ..ProfileUpdate::default()
        };
        h.auth
            .accounts
            .update_profile(HERE, &alice, alice.id(), moved, None)
            .await
            .unwrap();
        let outcome = h.auth.verification.verify_email(HERE, &token).await;
        assert!(matches!(
            outcome,
            Err(VerifyEmailError::InvalidVerificationToken)
        ));
        assert!(!verified(&h, "alice").await);
    });
}

#[test]
fn changing_a_verified_email_makes_the_new_one_unverified() {
    block_on(async {
        let h = with(EmailVerification::Optional);
        register(&h, "alice", "alice@example.com").await;
        let token = h.verification_token_mailed_to("alice@example.com").unwrap();
        h.auth
            .verification
            .verify_email(HERE, &token)
            .await
            .unwrap();
        let alice = h.caller("alice");
        let moved = ProfileUpdate {
            email: Some(Email::parse("elsewhere@example.com").unwrap()),
            ..ProfileUpdate::default()
        };
        h.auth
            .accounts
            .update_profile(HERE, &alice, alice.id(), moved, None)
            .await
            .unwrap();
        assert!(!verified(&h, "alice").await);
    });
}

#[test]
fn a_requested_link_goes_to_the_current_email_and_replaces_the_earlier_one() {
    block_on(async {
        let h = with(EmailVerification::Optional);
        register(&h, "alice", "alice@example.com").await;
        let first = h.verification_token_mailed_to("alice@example.com").unwrap();
        let asked = h
            .auth
            .verification
            .request_link(HERE, &h.caller("alice"))
            .await
            .unwrap();
        assert_eq!(asked, LinkRequest::Mailed);
        let second = h.verification_token_mailed_to("alice@example.com").unwrap();
        assert_ne!(first, second);
        assert_eq!(h.store.verification_count(), 1);
        let stale = h.auth.verification.verify_email(HERE, &first).await;
        assert!(matches!(
            stale,
            Err(VerifyEmailError::InvalidVerificationToken)
        ));
        h.auth
            .verification
            .verify_email(HERE, &second)
            .await
            .unwrap();
        assert!(verified(&h, "alice").await);
    });
}

#[test]
fn a_verified_account_or_verification_off_is_mailed_nothing_on_request() {
    block_on(async {
        let h = with(EmailVerification::Optional);
        register(&h, "alice", "alice@example.com").await;
        let token = h.verification_token_mailed_to("alice@example.com").unwrap();
        h.auth
            .verification
            .verify_email(HERE, &token)
            .await
            .unwrap();
        let before = h.outbox.queued().len();
        let asked = h
            .auth
            .verification
            .request_link(HERE, &h.caller("alice"))
            .await;
        assert_eq!(asked.unwrap(), LinkRequest::AlreadyVerified);
        assert_eq!(h.outbox.queued().len(), before);

        let off = with(EmailVerification::Off);
        register(&off, "bob", "bob@example.com").await;
        let asked = off
            .auth
            .verification
            .request_link(HERE, &off.caller("bob"))
            .await;
        assert_eq!(asked.unwrap(), LinkRequest::NotInUse);
        assert!(off.outbox.queued().is_empty());
    });
}

#[test]
fn requests_for_a_link_are_limited_per_account_and_per_client() {
    block_on(async {
        let h = Harness::builder()
            .user("alice", "alice@example.com", PASSPHRASE)
            .user("bob", "bob@example.com", PASSPHRASE)
            .policy(AuthPolicy {
                verification_requests_per_account: Rate::new(2, 1),
                verification_requests_per_client: Rate::new(3, 1),
                ..AuthPolicy::default()
            })
            .build();
        let alice = h.caller("alice");
        for _ in 0..2 {
            h.auth
                .verification
                .request_link(HERE, &alice)
                .await
                .unwrap();
        }
        let third = h.auth.verification.request_link(HERE, &alice).await;
        assert!(matches!(
            third,
            Err(VerificationMailError::Held(Held::Throttled { .. }))
        ));
        let mailed = h.outbox.queued().len();
        assert_eq!(mailed, 2);

        // Alice's refused request still spent the client's third attempt.
        let bob = h
            .auth
            .verification
            .request_link(HERE, &h.caller("bob"))
            .await;
        assert!(matches!(
            bob,
            Err(VerificationMailError::Held(Held::Throttled { .. }))
        ));
        let elsewhere = Client::new([192, 0, 2, 7].into());
        let bob = h
            .auth
            .verification
            .request_link(elsewhere, &h.caller("bob"))
            .await;
        assert_eq!(bob.unwrap(), LinkRequest::Mailed);
    });
}

#[test]
fn with_verification_required_only_a_right_password_learns_the_email_is_unverified() {
    block_on(async {
        let h = with(EmailVerification::Required);
        register(&h, "alice", "alice@example.com").await;
        let wrong = sign_in(&h, "alice@example.com", "loud-harbour-lamp").await;
        assert!(matches!(wrong, Err(LoginError::InvalidCredentials)));
        let unknown = sign_in(&h, "nobody@example.com", PASSPHRASE).await;
        assert!(matches!(unknown, Err(LoginError::InvalidCredentials)));
        let right = sign_in(&h, "alice@example.com", PASSPHRASE).await;
        assert!(matches!(right, Err(LoginError::EmailNotVerified)));
        // One verification each, the refused right password included.
        assert_eq!(h.hasher.verifications(), 3);
        assert_eq!(h.store.session_count(), 0);

        let token = h.verification_token_mailed_to("alice@example.com").unwrap();
        h.auth
            .verification
            .verify_email(HERE, &token)
            .await
            .unwrap();
        assert!(sign_in(&h, "alice@example.com", PASSPHRASE).await.is_ok());
    });
}

#[test]
fn with_verification_optional_an_unverified_email_signs_in_as_before() {
    block_on(async {
        let h = with(EmailVerification::Optional);
        register(&h, "alice", "alice@example.com").await;
        assert!(sign_in(&h, "alice@example.com", PASSPHRASE).await.is_ok());
    });
}

#[test]
fn the_security_overview_states_what_exists_today() {
    block_on(async {
        let h = Harness::builder()
            .user("alice", "alice@example.com", PASSPHRASE)
            .build();
        let security = h
            .auth
            .verification
            .security(&h.caller("alice"))
            .await
            .unwrap();
        assert!(!security.email_verified);
        assert_eq!(security.pending_email, None);
        assert!(security.password_set);
        assert!(!security.totp);
        assert_eq!(security.passkeys, 0);
        assert_eq!(security.recovery_codes_left, None);
    });
}

#[test]
fn deleting_an_account_drops_its_verification_tokens() {
    block_on(async {
        let h = with(EmailVerification::Optional);
        register(&h, "alice", "alice@example.com").await;
        assert_eq!(h.store.verification_count(), 1);
        let alice = h.caller("alice");
        h.auth
            .accounts
            .delete_account(HERE, &alice, alice.id(), None)
            .await
            .unwrap();
        assert_eq!(h.store.verification_count(), 0);
    });
}
