//! Predictable passwords over the in-memory fakes: registration, a password change and a reset
//! refuse a common password or one containing the account's name before any hashing (and,
//! where the account is known up front, before any rate is charged); the policy can turn the
//! screen off; logins are never screened.

use futures_executor::block_on;
use quill_domain::testing::Harness;
use quill_domain::{
    AuthPolicy, Client, Email, Password, PasswordBlocklist, PasswordChangeError, Rate,
    RegisterError, Registration, ResetError, Username,
};

const HERE: Client = Client::UNKNOWN;

fn registration(username: &str, email: &str, password: &str) -> Registration {
    Registration {
        username: Username::parse(username).unwrap(),
        email: Email::parse(email).unwrap(),
        password: Password::parse(password).unwrap(),
    }
}

fn register(h: &Harness, username: &str, email: &str, password: &str) -> Result<(), RegisterError> {
    block_on(
        h.auth
            .accounts
            .register(HERE, registration(username, email, password)),
    )
    .map(|_| ())
}

async fn mailed_token(h: &Harness, address: &str) -> String {
    h.auth
        .recovery
        .request_password_reset(HERE, &Email::parse(address).unwrap())
        .await
        .unwrap();
    h.handle_reset_requests().await;
    h.reset_token_mailed_to(address).expect("a reset mail")
}

#[test]
fn a_common_password_is_refused_at_registration_before_any_hash_rate_or_audit_event() {
    let h = Harness::builder()
        .policy(AuthPolicy {
            register_per_client: Rate::new(1, 1),
            ..AuthPolicy::default()
        })
        .build();
    for password in ["password123", "Password1!", "PASSWORD123", "iloveyou2"] {
        assert!(
            matches!(
                register(&h, "alice", "alice@example.com", password),
                Err(RegisterError::PasswordTooCommon)
            ),
            "{password}"
        );
    }
    assert_eq!(h.hasher.hashes(), 0);
    assert!(h.events.all().is_empty(), "a refused field is no attempt");
    // None of the refusals spent the one registration the client has.
    register(
        &h,
        "alice",
        "alice@example.com",
        "correct horse battery staple quill",
    )
    .unwrap();
    assert_eq!(h.hasher.hashes(), 1);
}

#[test]
fn a_password_containing_the_username_or_the_email_local_part_is_refused_at_registration() {
    let h = Harness::new();
    assert!(matches!(
        register(&h, "Marigold", "someone@example.com", "my-MARIGOLD-lamp"),
        Err(RegisterError::PasswordTooCommon)
    ));
    assert!(matches!(
        register(&h, "someone", "zephyrine@example.com", "zephyrine-harbour"),
        Err(RegisterError::PasswordTooCommon)
    ));
    // A name of fewer than four characters is not looked for.
    register(&h, "our", "am@example.com", "quiet-harbour-lamp").unwrap();
    assert_eq!(h.hasher.hashes(), 1);
}

#[test]
fn a_common_new_password_is_refused_at_a_change_without_a_verification_or_a_hash() {
    let h = Harness::builder()
        .user("alice", "alice@example.com", "quiet-harbour-lamp")
        .build();
    let change = |new: &str| {
        block_on(h.auth.accounts.change_password(
            HERE,
            &h.caller("alice"),
            &Password::attempt("quiet-harbour-lamp"),
            &Password::parse(new).unwrap(),
        ))
    };
    for new in ["password123", "Password1!", "alice-in-the-harbour"] {
        assert!(
            matches!(change(new), Err(PasswordChangeError::PasswordTooCommon)),
            "{new}"
        );
    }
    assert_eq!(h.hasher.hashes() + h.hasher.verifications(), 0);
    assert!(
        h.outbox.queued().is_empty(),
        "no notice for a change refused"
    );
    change("amber-kettle-drift").unwrap();
}

#[test]
fn a_reset_refuses_a_common_password_before_hashing_and_its_link_still_works() {
    block_on(async {
        let h = Harness::builder()
            .user("alice", "alice@example.com", "quiet-harbour-lamp")
            .build();
        let token = mailed_token(&h, "alice@example.com").await;
        for new in ["password123", "Alice2024!"] {
            let refused = h
                .auth
                .recovery
                .reset_password(HERE, &token, &Password::parse(new).unwrap())
                .await;
            assert!(
                matches!(refused, Err(ResetError::PasswordTooCommon)),
                "{new}"
            );
        }
        assert_eq!(h.hasher.hashes(), 0);
        h.auth
            .recovery
            .reset_password(
                HERE,
                &token,
                &Password::parse("amber-kettle-drift").unwrap(),
            )
            .await
            .unwrap();
    });
}

#[test]
fn with_the_blocklist_off_registration_change_and_reset_accept_a_common_password() {
    block_on(async {
        let h = Harness::builder()
            .policy(AuthPolicy {
                password_blocklist: PasswordBlocklist::Off,
                ..AuthPolicy::default()
            })
            .build();
        let alice = h
            .register("alice", "alice@example.com", "password123")
            .await;
        h.auth
            .accounts
            .change_password(
                HERE,
                &alice,
                &Password::attempt("password123"),
                &Password::parse("alice-password").unwrap(),
            )
            .await
            .unwrap();
        let token = mailed_token(&h, "alice@example.com").await;
        h.auth
            .recovery
            .reset_password(HERE, &token, &Password::parse("Password1!").unwrap())
            .await
            .unwrap();
    });
}

#[test]
fn a_login_is_never_screened_so_a_password_chosen_before_the_rule_still_signs_in() {
    let h = Harness::builder()
        .user("alice", "alice@example.com", "password123")
        .build();
    let login = block_on(h.auth.login.with_password(
        HERE,
        "alice@example.com",
        &Password::attempt("password123"),
    ));
    assert!(login.is_ok(), "{login:?}");
}
