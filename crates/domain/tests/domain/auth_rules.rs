//! The rules of registration, login, token checks and profiles, exercised over the
//! in-memory fakes.

use chrono::Duration;
use futures_executor::block_on;
use quill_domain::testing::{FakeHasher, Harness};
use quill_domain::{
    Client, Email, ImageFile, LoginError, Password, PasswordHash, ProfileError, ProfileReadError,
    ProfileUpdate, RegisterError, Registration, TokenError, UserAction, UserId, UserRepository,
    Username,
};

const HERE: Client = Client::UNKNOWN;

fn registration(username: &str, email: &str) -> Registration {
    Registration {
        username: Username::parse(username).unwrap(),
        email: Email::parse(email).unwrap(),
        password: Password::parse("quiet-harbour-lamp").unwrap(),
    }
}

#[test]
fn registering_stores_a_lower_cased_email_and_a_hash_not_the_password() {
    block_on(async {
        let h = Harness::new();
        let created = h
            .auth
            .accounts
            .register(HERE, registration("alice", "Alice@Example.com"))
            .await
            .unwrap();
        assert_eq!(created.email, "alice@example.com");
        assert_eq!(created.public.username, "alice");
        let stored = h.store.by_id(created.public.id).await.unwrap().unwrap();
        assert_eq!(stored.password_hash.as_str(), "fake:v2:quiet-harbour-lamp");
        assert_eq!(h.hasher.hashes(), 1);
    });
}

#[test]
fn a_username_differing_only_in_case_is_taken() {
    block_on(async {
        let h = Harness::new();
        h.register("alice", "alice@example.com", "quiet-harbour-lamp")
            .await;
        let err = h
            .auth
            .accounts
            .register(HERE, registration("ALICE", "other@example.com"))
            .await
            .unwrap_err();
        assert!(matches!(err, RegisterError::UsernameTaken));
    });
}

#[test]
fn an_email_differing_only_in_case_is_taken() {
    block_on(async {
        let h = Harness::new();
        h.register("alice", "alice@example.com", "quiet-harbour-lamp")
            .await;
        let err = h
            .auth
            .accounts
            .register(HERE, registration("alice2", "ALICE@EXAMPLE.COM"))
            .await
            .unwrap_err();
        assert!(matches!(err, RegisterError::EmailTaken));
    });
}

#[test]
fn a_duplicate_username_is_reported_before_a_duplicate_email_and_costs_no_hash() {
    block_on(async {
        let h = Harness::new();
        h.register("alice", "alice@example.com", "quiet-harbour-lamp")
            .await;
        let hashes_before = h.hasher.hashes();
        let err = h
            .auth
            .accounts
            .register(HERE, registration("Alice", "alice@example.com"))
            .await
            .unwrap_err();
        assert!(matches!(err, RegisterError::UsernameTaken));
        assert_eq!(h.hasher.hashes(), hashes_before);
    });
}

#[test]
fn login_accepts_the_email_in_any_case_and_issues_a_token_for_that_account() {
    block_on(async {
        let h = Harness::new();
        let alice = h
            .register("alice", "alice@example.com", "quiet-harbour-lamp")
            .await;
        let token = h
            .auth
            .login
            .with_password(
                HERE,
                "  ALICE@example.COM",
                &Password::attempt("quiet-harbour-lamp"),
            )
            .await
            .unwrap();
        assert_eq!(
            h.auth
                .sessions
                .authenticate(token.as_str())
                .await
                .unwrap()
                .id(),
            alice.id()
        );
    });
}

#[test]
fn unknown_email_and_wrong_password_fail_alike_after_exactly_one_verification_each() {
    block_on(async {
        let h = Harness::new();
        h.register("alice", "alice@example.com", "quiet-harbour-lamp")
            .await;

        let before = h.hasher.verifications();
        let unknown = h
            .auth
            .login
            .with_password(
                HERE,
                "nobody@example.com",
                &Password::attempt("quiet-harbour-lamp"),
            )
            .await;
        assert!(matches!(unknown, Err(LoginError::InvalidCredentials)));
        assert_eq!(h.hasher.verifications(), before + 1);

        let wrong = h
            .auth
            .login
            .with_password(
                HERE,
                "alice@example.com",
                &Password::attempt("wrong-password"),
            )
            .await;
        assert!(matches!(wrong, Err(LoginError::InvalidCredentials)));
        assert_eq!(h.hasher.verifications(), before + 2);
    });
}

#[test]
fn a_username_is_not_a_login_name() {
    block_on(async {
        let h = Harness::new();
        h.register("alice", "alice@example.com", "quiet-harbour-lamp")
            .await;
        let result = h
            .auth
            .login
            .with_password(HERE, "alice", &Password::attempt("quiet-harbour-lamp"))
            .await;
        assert!(matches!(result, Err(LoginError::InvalidCredentials)));
        assert_eq!(h.hasher.verifications(), 1);
    });
}

#[test]
fn the_dummy_hash_never_lets_anyone_in_even_with_its_own_password() {
    block_on(async {
        let h = Harness::new();
        let dummy_password = h.hasher.dummy_hash_password();
        let result = h
            .auth
            .login
            .with_password(
                HERE,
                "nobody@example.com",
                &Password::attempt(dummy_password),
            )
            .await;
        assert!(matches!(result, Err(LoginError::InvalidCredentials)));
    });
}

#[test]
fn a_right_password_with_an_outdated_hash_gets_its_hash_upgraded() {
    block_on(async {
        let h = Harness::new();
        let alice = h
            .register("alice", "alice@example.com", "quiet-harbour-lamp")
            .await;
        h.store
            .replace_password_hash(
                alice.id(),
                &FakeHasher::hash_uncounted(&Password::attempt("quiet-harbour-lamp")),
                PasswordHash::new("fake:v1:quiet-harbour-lamp"),
            )
            .await
            .unwrap();
        h.auth
            .login
            .with_password(
                HERE,
                "alice@example.com",
                &Password::attempt("quiet-harbour-lamp"),
            )
            .await
            .unwrap();
        let stored = h.store.by_id(alice.id()).await.unwrap().unwrap();
        assert!(
            stored
                .password_hash
                .as_str()
                .starts_with(FakeHasher::CURRENT)
        );
    });
}

#[test]
fn a_wrong_password_never_upgrades_the_hash() {
    block_on(async {
        let h = Harness::new();
        let alice = h
            .register("alice", "alice@example.com", "quiet-harbour-lamp")
            .await;
        h.store
            .replace_password_hash(
                alice.id(),
                &FakeHasher::hash_uncounted(&Password::attempt("quiet-harbour-lamp")),
                PasswordHash::new("fake:v1:quiet-harbour-lamp"),
            )
            .await
            .unwrap();
        let _ = h
            .auth
            .login
            .with_password(HERE, "alice@example.com", &Password::attempt("nope-nope"))
            .await;
        let stored = h.store.by_id(alice.id()).await.unwrap().unwrap();
        assert_eq!(stored.password_hash.as_str(), "fake:v1:quiet-harbour-lamp");
    });
}

#[test]
fn an_expired_token_is_refused() {
    block_on(async {
        let h = Harness::new();
        h.register("alice", "alice@example.com", "quiet-harbour-lamp")
            .await;
        let token = h.token_for(&h.user("alice"));
        h.clock.advance(Duration::minutes(30));
        let result = h.auth.sessions.authenticate(token.as_str()).await;
        assert!(matches!(result, Err(TokenError::InvalidToken)));
    });
}

#[test]
fn a_garbage_token_is_refused() {
    block_on(async {
        let h = Harness::new();
        assert!(matches!(
            h.auth.sessions.authenticate("not a token").await,
            Err(TokenError::InvalidToken)
        ));
    });
}

#[test]
fn a_token_of_a_deleted_account_is_refused_as_gone() {
    block_on(async {
        let h = Harness::new();
        let alice = h
            .register("alice", "alice@example.com", "quiet-harbour-lamp")
            .await;
        let token = h.token_for(&h.user("alice"));
        h.auth
            .accounts
            .delete_account(HERE, &alice, alice.id(), None)
            .await
            .unwrap();
        assert!(matches!(
            h.auth.sessions.authenticate(token.as_str()).await,
            Err(TokenError::AccountGone)
        ));
    });
}

#[test]
fn a_token_of_a_deleted_account_never_names_a_later_account() {
    block_on(async {
        let h = Harness::new();
        let alice = h
            .register("alice", "alice@example.com", "quiet-harbour-lamp")
            .await;
        let token = h.token_for(&h.user("alice"));
        h.auth
            .accounts
            .delete_account(HERE, &alice, alice.id(), None)
            .await
            .unwrap();
        let bob = h
            .register("bob", "bob@example.com", "quiet-harbour-lamp")
            .await;
        assert_ne!(bob.id(), alice.id());
        assert!(h.auth.sessions.authenticate(token.as_str()).await.is_err());
    });
}

#[test]
fn a_user_may_change_the_case_of_their_own_name() {
    block_on(async {
        let h = Harness::new();
        let alice = h
            .register("alice", "alice@example.com", "quiet-harbour-lamp")
            .await;
        let update = ProfileUpdate {
            username: Some(Username::parse("Alice").unwrap()),
            ..ProfileUpdate::default()
        };
        let updated = h
            .auth
            .accounts
            .update_profile(HERE, &alice, alice.id(), update, None)
            .await
            .unwrap();
        assert_eq!(updated.public.username, "Alice");
    });
}

#[test]
fn taking_another_users_name_or_email_is_refused() {
    block_on(async {
        let h = Harness::new();
        let alice = h
            .register("alice", "alice@example.com", "quiet-harbour-lamp")
            .await;
        h.register("bob", "bob@example.com", "quiet-harbour-lamp")
            .await;
        let name = ProfileUpdate {
            username: Some(Username::parse("BOB").unwrap()),
            ..ProfileUpdate::default()
        };
        assert!(matches!(
            h.auth
                .accounts
                .update_profile(HERE, &alice, alice.id(), name, None)
                .await,
            Err(ProfileError::UsernameTaken)
        ));
        let email = ProfileUpdate {
            email: Some(Email::parse("Bob@Example.com").unwrap()),
            ..ProfileUpdate::default()
        };
        assert!(matches!(
            h.auth
                .accounts
                .update_profile(HERE, &alice, alice.id(), email, None)
                .await,
            Err(ProfileError::EmailTaken)
        ));
    });
}

#[test]
fn absent_fields_of_an_update_are_left_unchanged() {
    block_on(async {
        let h = Harness::new();
        let alice = h
            .register("alice", "alice@example.com", "quiet-harbour-lamp")
            .await;
        let update = ProfileUpdate {
            image_file: Some(ImageFile::parse("me.png").unwrap()),
            ..ProfileUpdate::default()
        };
        let updated = h
            .auth
            .accounts
            .update_profile(HERE, &alice, alice.id(), update, None)
            .await
            .unwrap();
        assert_eq!(updated.public.username, "alice");
        assert_eq!(updated.email, "alice@example.com");
        assert_eq!(updated.public.image_file.as_deref(), Some("me.png"));
    });
}

#[test]
fn changing_or_deleting_another_account_is_forbidden_whether_or_not_it_exists() {
    block_on(async {
        let h = Harness::new();
        let alice = h
            .register("alice", "alice@example.com", "quiet-harbour-lamp")
            .await;
        let bob = h
            .register("bob", "bob@example.com", "quiet-harbour-lamp")
            .await;
        for target in [bob.id(), UserId(999)] {
            assert!(matches!(
                h.auth
                    .accounts
                    .update_profile(HERE, &alice, target, ProfileUpdate::default(), None)
                    .await,
                Err(ProfileError::NotAllowed(UserAction::Update))
            ));
            assert!(matches!(
                h.auth
                    .accounts
                    .delete_account(HERE, &alice, target, None)
                    .await,
                Err(ProfileError::NotAllowed(UserAction::Delete))
            ));
        }
        assert!(h.store.by_id(bob.id()).await.unwrap().is_some());
    });
}

#[test]
fn a_public_profile_of_a_missing_user_is_not_found() {
    block_on(async {
        let h = Harness::new();
        assert!(matches!(
            h.auth.accounts.public_profile(UserId(42)).await,
            Err(ProfileReadError::UserNotFound)
        ));
    });
}
