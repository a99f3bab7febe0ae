//! Logout, logout everywhere and password changes: which tokens stop working, and which keep
//! working, exercised over the in-memory fakes.

use futures_executor::block_on;
use quill_domain::testing::Harness;
use quill_domain::{
    Client, Clock, Password, PasswordChangeError, SessionError, SessionId, SessionStart,
    TokenCodec, TokenError, TokenRefusal, TokenStandings, UserRepository,
};

const HERE: Client = Client::UNKNOWN;

fn harness() -> Harness {
    Harness::builder()
        .user("alice", "alice@example.com", "quiet-harbour-lamp")
        .user("bob", "bob@example.com", "quiet-harbour-lamp")
        .build()
}

#[test]
fn logging_out_revokes_only_the_presented_token() {
    block_on(async {
        let h = harness();
        let alice = h.user("alice");
        let phone = h.token_for(&alice);
        let laptop = h.token_for(&alice);
        let session = h.auth.sessions.session(phone.as_str()).await.unwrap();
        h.auth.sessions.logout(HERE, &session).await.unwrap();
        assert!(matches!(
            h.auth.sessions.authenticate(phone.as_str()).await,
            Err(TokenError::InvalidToken)
        ));
        assert_eq!(
            h.auth
                .sessions
                .authenticate(laptop.as_str())
                .await
                .unwrap()
                .id(),
            alice.id
        );
    });
}

#[test]
fn logging_out_everywhere_revokes_every_earlier_token_but_not_later_ones() {
    block_on(async {
        let h = harness();
        let alice = h.user("alice");
        let bob = h.user("bob");
        let old = h.token_for(&alice);
        let bobs = h.token_for(&bob);
        h.auth
            .sessions
            .logout_everywhere(HERE, &h.caller("alice"))
            .await
            .unwrap();
        assert!(h.auth.sessions.authenticate(old.as_str()).await.is_err());
        assert!(
            h.auth.sessions.authenticate(bobs.as_str()).await.is_ok(),
            "other accounts keep theirs"
        );
        let fresh = h
            .auth
            .login
            .with_password(
                HERE,
                "alice@example.com",
                &Password::attempt("quiet-harbour-lamp"),
            )
            .await
            .unwrap();
        assert!(h.auth.sessions.authenticate(fresh.as_str()).await.is_ok());
    });
}

#[test]
fn changing_the_password_needs_the_current_one_and_revokes_earlier_tokens() {
    block_on(async {
        let h = harness();
        let alice = h.user("alice");
        let old = h.token_for(&alice);
        let wrong = h
            .auth
            .accounts
            .change_password(
                HERE,
                &h.caller("alice"),
                &Password::attempt("not-it-at-all"),
                &Password::parse("a-new-password").unwrap(),
            )
            .await;
        assert!(matches!(
            wrong,
            Err(PasswordChangeError::WrongCurrentPassword)
        ));
        assert!(
            h.auth.sessions.authenticate(old.as_str()).await.is_ok(),
            "a refused change revokes nothing"
        );

        let fresh = h
            .auth
            .accounts
            .change_password(
                HERE,
                &h.caller("alice"),
                &Password::attempt("quiet-harbour-lamp"),
                &Password::parse("a-new-password").unwrap(),
            )
            .await
            .unwrap();
        assert!(h.auth.sessions.authenticate(old.as_str()).await.is_err());
        assert!(h.auth.sessions.authenticate(fresh.as_str()).await.is_ok());
        assert!(
            h.auth
                .login
                .with_password(
                    HERE,
                    "alice@example.com",
                    &Password::attempt("quiet-harbour-lamp")
                )
                .await
                .is_err()
        );
        assert!(
            h.auth
                .login
                .with_password(
                    HERE,
                    "alice@example.com",
                    &Password::attempt("a-new-password")
                )
                .await
                .is_ok()
        );
    });
}

#[test]
fn a_password_change_runs_one_verification_and_one_hash() {
    block_on(async {
        let h = harness();
        let (verifications, hashes) = (h.hasher.verifications(), h.hasher.hashes());
        h.auth
            .accounts
            .change_password(
                HERE,
                &h.caller("alice"),
                &Password::attempt("quiet-harbour-lamp"),
                &Password::parse("a-new-password").unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(h.hasher.verifications(), verifications + 1);
        assert_eq!(h.hasher.hashes(), hashes + 1);
    });
}

#[test]
fn revocations_are_forgotten_once_the_token_would_have_expired_anyway() {
    block_on(async {
        let h = harness();
        let alice = h.user("alice");
        let token = h.tokens.sessionless(&alice, h.clock.now());
        let session = h.auth.sessions.session(&token).await.unwrap();
        h.auth.sessions.logout(HERE, &session).await.unwrap();
        let purged = h
            .store
            .purge_revoked_tokens(session.claims.expires_at)
            .await
            .unwrap();
        assert_eq!(purged, 1);
    });
}

#[test]
fn every_refused_token_is_reported_with_its_reason_and_accepted_ones_are_not() {
    block_on(async {
        let h = harness();
        let (alice, bob) = (h.user("alice"), h.user("bob"));
        let revoked = h.token_for(&alice);
        let session = h.auth.sessions.session(revoked.as_str()).await.unwrap();
        h.auth.sessions.logout(HERE, &session).await.unwrap();
        let superseded = h.token_for(&bob);
        h.auth
            .sessions
            .logout_everywhere(HERE, &h.caller("bob"))
            .await
            .unwrap();
        let expiring = h.token_for(&h.user("bob"));
        assert!(
            h.auth
                .sessions
                .authenticate(expiring.as_str())
                .await
                .is_ok()
        );
        assert!(h.events.token_refusals().is_empty());

        let _ = h.auth.sessions.authenticate("fake:forged").await;
        let _ = h.auth.sessions.authenticate(revoked.as_str()).await;
        let _ = h.auth.sessions.authenticate(superseded.as_str()).await;
        h.clock.advance(h.tokens.lifetime());
        let _ = h.auth.sessions.authenticate(expiring.as_str()).await;
        let orphaned = h.token_for(&alice);
        UserRepository::delete(&*h.store, alice.id).await.unwrap();
        let gone = h.auth.sessions.authenticate(orphaned.as_str()).await;
        assert!(matches!(gone, Err(TokenError::AccountGone)));
        assert_eq!(
            h.events.token_refusals(),
            [
                TokenRefusal::Invalid,
                TokenRefusal::Revoked,
                TokenRefusal::Superseded,
                TokenRefusal::Expired,
                TokenRefusal::AccountGone,
            ]
        );
    });
}

#[test]
fn logging_out_ends_the_session_so_every_token_of_it_stops_working() {
    block_on(async {
        let h = harness();
        let alice = h.user("alice");
        let token = h.token_for(&alice);
        let session = h.auth.sessions.session(token.as_str()).await.unwrap();
        let id = session.claims.session.clone().expect("a session token");
        let now = h.clock.now();
        let renewed = h.tokens.issue(&alice, &id, now, now).unwrap();
        h.auth.sessions.logout(HERE, &session).await.unwrap();
        assert!(
            h.auth
                .sessions
                .authenticate(renewed.as_str())
                .await
                .is_err()
        );
        assert_eq!(h.store.session_count(), 0);
        assert!(
            h.auth
                .sessions
                .list(&h.caller("alice"))
                .await
                .unwrap()
                .is_empty(),
            "the session list forgets it"
        );
    });
}

#[test]
fn a_token_of_the_original_naming_no_session_works_until_logged_out() {
    block_on(async {
        let h = harness();
        let alice = h.user("alice");
        let legacy = h.tokens.sessionless(&alice, h.clock.now());
        let session = h.auth.sessions.session(&legacy).await.unwrap();
        assert_eq!(session.caller.session_id(), None);
        h.auth.sessions.logout(HERE, &session).await.unwrap();
        assert!(matches!(
            h.auth.sessions.authenticate(&legacy).await,
            Err(TokenError::InvalidToken)
        ));
        assert_eq!(h.events.token_refusals(), [TokenRefusal::Revoked]);
    });
}

#[test]
fn logging_out_everywhere_ends_every_session_and_legacy_tokens_too() {
    block_on(async {
        let h = harness();
        let alice = h.user("alice");
        let legacy = h.tokens.sessionless(&alice, h.clock.now());
        let _phone = h.token_for(&alice);
        let _bobs = h.token_for(&h.user("bob"));
        h.auth
            .sessions
            .logout_everywhere(HERE, &h.caller("alice"))
            .await
            .unwrap();
        assert!(h.auth.sessions.authenticate(&legacy).await.is_err());
        assert!(
            h.auth
                .sessions
                .list(&h.caller("alice"))
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(h.store.session_count(), 1, "bob's session stays");
    });
}

#[test]
fn the_session_list_marks_the_callers_own_and_ending_one_leaves_the_other() {
    block_on(async {
        let h = harness();
        let password = Password::attempt("quiet-harbour-lamp");
        let sign_in = |ua: &'static str| {
            h.auth.login.sign_in(
                HERE,
                "alice@example.com",
                &password,
                SessionStart::new(Some(ua), false),
            )
        };
        let firefox = sign_in("Firefox").await.unwrap().access_token;
        h.clock.advance(chrono::Duration::seconds(5));
        let curl = sign_in("curl/8").await.unwrap().access_token;
        let me = h.auth.sessions.authenticate(curl.as_str()).await.unwrap();

        let listed = h.auth.sessions.list(&me).await.unwrap();
        let agents: Vec<_> = listed.iter().map(|s| s.info.user_agent.clone()).collect();
        assert_eq!(
            agents,
            [Some("curl/8".to_owned()), Some("Firefox".to_owned())]
        );
        let current: Vec<_> = listed.iter().map(|s| s.current).collect();
        assert_eq!(current, [true, false]);

        let other = listed[1].info.id.clone();
        h.auth
            .sessions
            .end_session(HERE, &me, &other)
            .await
            .unwrap();
        assert!(
            h.auth
                .sessions
                .authenticate(firefox.as_str())
                .await
                .is_err()
        );
        assert!(h.auth.sessions.authenticate(curl.as_str()).await.is_ok());
        assert!(matches!(
            h.auth.sessions.end_session(HERE, &me, &other).await,
            Err(SessionError::SessionNotFound)
        ));
    });
}

#[test]
fn no_one_can_end_another_accounts_session() {
    block_on(async {
        let h = harness();
        let bobs = h.token_for(&h.user("bob"));
        let bob = h.auth.sessions.authenticate(bobs.as_str()).await.unwrap();
        let id = bob.session_id().unwrap().clone();
        let alice = h
            .auth
            .sessions
            .authenticate(h.token_for(&h.user("alice")).as_str())
            .await
            .unwrap();
        assert!(matches!(
            h.auth.sessions.end_session(HERE, &alice, &id).await,
            Err(SessionError::SessionNotFound)
        ));
        assert!(matches!(
            h.auth
                .sessions
                .end_session(HERE, &alice, &SessionId::new("no-such"))
                .await,
            Err(SessionError::SessionNotFound)
        ));
        assert!(h.auth.sessions.authenticate(bobs.as_str()).await.is_ok());
    });
}

#[test]
fn a_password_change_keeps_the_callers_session_and_ends_the_others() {
    block_on(async {
        let h = harness();
        let alice = h.user("alice");
        let other = h.token_for(&alice);
        let mine = h.token_for(&alice);
        let caller = h.auth.sessions.authenticate(mine.as_str()).await.unwrap();
        let fresh = h
            .auth
            .accounts
            .change_password(
                HERE,
                &caller,
                &Password::attempt("quiet-harbour-lamp"),
                &Password::parse("a-new-password").unwrap(),
            )
            .await
            .unwrap();
        let after = h.auth.sessions.authenticate(fresh.as_str()).await.unwrap();
        assert_eq!(
            after.session_id(),
            caller.session_id(),
            "the same session goes on"
        );
        assert!(h.auth.sessions.authenticate(other.as_str()).await.is_err());
        assert!(
            h.auth.sessions.authenticate(mine.as_str()).await.is_err(),
            "superseded"
        );
        assert_eq!(h.store.session_count(), 1);
    });
}
