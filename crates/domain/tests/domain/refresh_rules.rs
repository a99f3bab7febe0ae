//! Offline sessions: refresh-token rotation, the grace for racing tabs, replay detection,
//! absolute expiry and the refresh rate, exercised over the in-memory fakes.

use chrono::Duration;
use futures_executor::block_on;
use quill_domain::testing::Harness;
use quill_domain::{
    AuthAction, AuthOutcome, Client, Clock, Email, Grant, Password, RefreshError, RefreshToken,
    SessionStart, TokenError,
};

const HERE: Client = Client::UNKNOWN;

fn harness() -> Harness {
    Harness::builder()
        .user("alice", "alice@example.com", "quiet-harbour-lamp")
        .build()
}

async fn offline_login(h: &Harness) -> Grant {
    h.auth
        .login
        .sign_in(
            HERE,
            "alice@example.com",
            &Password::attempt("quiet-harbour-lamp"),
            SessionStart::new(Some("Firefox"), true),
        )
        .await
        .unwrap()
}

fn refresh_of(grant: &Grant) -> RefreshToken {
    grant.refresh_token.clone().expect("an offline grant")
}

#[test]
fn a_login_without_offline_access_hands_out_no_refresh_token() {
    block_on(async {
        let h = harness();
        let grant = h
            .auth
            .login
            .sign_in(
                HERE,
                "alice@example.com",
                &Password::attempt("quiet-harbour-lamp"),
                SessionStart::default(),
            )
            .await
            .unwrap();
        assert!(grant.refresh_token.is_none());
        assert_eq!(grant.expires_in, h.tokens.lifetime().to_std().unwrap());
        assert_eq!(h.store.session_count(), 1, "every login starts a session");
    });
}

#[test]
fn a_refresh_rotates_the_token_and_keeps_the_session() {
    block_on(async {
        let h = harness();
        let first = offline_login(&h).await;
        let session = h
            .auth
            .sessions
            .authenticate(first.access_token.as_str())
            .await
            .unwrap()
            .session_id()
            .cloned();
        h.clock.advance(Duration::minutes(1));
        let second = h
            .auth
            .sessions
            .refresh(HERE, &refresh_of(&first))
            .await
            .unwrap();
        assert_ne!(refresh_of(&second), refresh_of(&first));
        let caller = h
            .auth
            .sessions
            .authenticate(second.access_token.as_str())
            .await
            .unwrap();
        assert_eq!(caller.session_id().cloned(), session);
        let third = h
            .auth
            .sessions
            .refresh(HERE, &refresh_of(&second))
            .await
            .unwrap();
        assert!(
            h.auth
                .sessions
                .authenticate(third.access_token.as_str())
                .await
                .is_ok()
        );
        let listed = h.auth.sessions.list(&caller).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].info.last_used_at, h.clock.now());
        assert_eq!(h.events.count(AuthAction::Refresh, AuthOutcome::Success), 2);
    });
}

#[test]
fn tabs_racing_with_one_token_within_the_grace_get_the_same_successor() {
    block_on(async {
        let h = harness();
        let first = offline_login(&h).await;
        let winner = h
            .auth
            .sessions
            .refresh(HERE, &refresh_of(&first))
            .await
            .unwrap();
        h.clock.advance(Duration::seconds(3));
        let loser = h
            .auth
            .sessions
            .refresh(HERE, &refresh_of(&first))
            .await
            .unwrap();
        assert_eq!(refresh_of(&loser), refresh_of(&winner), "one chain");
        assert!(
            h.auth
                .sessions
                .authenticate(loser.access_token.as_str())
                .await
                .is_ok()
        );
        assert!(
            h.auth
                .sessions
                .refresh(HERE, &refresh_of(&loser))
                .await
                .is_ok()
        );
    });
}

#[test]
fn replaying_a_rotated_token_after_the_grace_ends_the_whole_session() {
    block_on(async {
        let h = harness();
        let first = offline_login(&h).await;
        let second = h
            .auth
            .sessions
            .refresh(HERE, &refresh_of(&first))
            .await
            .unwrap();
        h.clock.advance(
            Duration::from_std(h.auth.policy().refresh_grace).unwrap() + Duration::seconds(1),
        );
        assert!(matches!(
            h.auth.sessions.refresh(HERE, &refresh_of(&first)).await,
            Err(RefreshError::InvalidRefreshToken)
        ));
        assert!(matches!(
            h.auth
                .sessions
                .authenticate(second.access_token.as_str())
                .await,
            Err(TokenError::InvalidToken)
        ));
        assert!(matches!(
            h.auth.sessions.refresh(HERE, &refresh_of(&second)).await,
            Err(RefreshError::InvalidRefreshToken)
        ));
        assert_eq!(h.store.session_count(), 0);
        assert_eq!(
            h.events
                .count(AuthAction::RefreshReplay, AuthOutcome::Success),
            1
        );
    });
}

#[test]
fn a_token_two_rotations_old_is_a_replay_too() {
    block_on(async {
        let h = harness();
        let first = offline_login(&h).await;
        let second = h
            .auth
            .sessions
            .refresh(HERE, &refresh_of(&first))
            .await
            .unwrap();
        h.clock.advance(Duration::minutes(1));
        let third = h
            .auth
            .sessions
            .refresh(HERE, &refresh_of(&second))
            .await
            .unwrap();
        h.clock.advance(Duration::minutes(1));
        assert!(
            h.auth
                .sessions
                .refresh(HERE, &refresh_of(&first))
                .await
                .is_err()
        );
        assert!(
            h.auth
                .sessions
                .authenticate(third.access_token.as_str())
                .await
                .is_err()
        );
    });
}

#[test]
fn an_unknown_refresh_token_is_refused_with_the_same_error() {
    block_on(async {
        let h = harness();
        let _live = offline_login(&h).await;
        assert!(matches!(
            h.auth
                .sessions
                .refresh(HERE, &RefreshToken::new("refresh-99"))
                .await,
            Err(RefreshError::InvalidRefreshToken)
        ));
        assert_eq!(h.store.session_count(), 1, "a guess ends nothing");
        assert_eq!(h.events.count(AuthAction::Refresh, AuthOutcome::Failure), 1);
    });
}

#[test]
fn a_session_cannot_be_renewed_past_its_absolute_expiry() {
    block_on(async {
        let h = harness();
        let mut grant = offline_login(&h).await;
        let lifetime = Duration::from_std(h.auth.policy().refresh_token_lifetime).unwrap();
        let step = Duration::minutes(29);
        let mut elapsed = Duration::zero();
        while elapsed + step < lifetime {
            h.clock.advance(step);
            elapsed += step;
            grant = h
                .auth
                .sessions
                .refresh(HERE, &refresh_of(&grant))
                .await
                .unwrap();
        }
        h.clock.advance(lifetime - elapsed);
        assert!(matches!(
            h.auth.sessions.refresh(HERE, &refresh_of(&grant)).await,
            Err(RefreshError::InvalidRefreshToken)
        ));
        assert!(
            h.auth
                .sessions
                .authenticate(grant.access_token.as_str())
                .await
                .is_err()
        );
        let purged = h.auth.maintain().await.unwrap();
        assert_eq!(purged.expired_sessions, 1);
    });
}

#[test]
fn logging_out_stops_the_refresh_token_too() {
    block_on(async {
        let h = harness();
        let grant = offline_login(&h).await;
        let session = h
            .auth
            .sessions
            .session(grant.access_token.as_str())
            .await
            .unwrap();
        h.auth.sessions.logout(HERE, &session).await.unwrap();
        assert!(matches!(
            h.auth.sessions.refresh(HERE, &refresh_of(&grant)).await,
            Err(RefreshError::InvalidRefreshToken)
        ));
    });
}

#[test]
fn a_password_reset_ends_every_session_with_its_refresh_tokens() {
    block_on(async {
        let h = harness();
        let grant = offline_login(&h).await;
        h.auth
            .recovery
            .request_password_reset(HERE, &Email::parse("alice@example.com").unwrap())
            .await
            .unwrap();
        h.handle_reset_requests().await;
        let token = h.reset_token_mailed_to("alice@example.com").unwrap();
        h.auth
            .recovery
            .reset_password(HERE, &token, &Password::parse("a-new-password").unwrap())
            .await
            .unwrap();
        assert!(
            h.auth
                .sessions
                .refresh(HERE, &refresh_of(&grant))
                .await
                .is_err()
        );
        assert_eq!(h.store.session_count(), 0);
    });
}

#[test]
fn refreshes_are_rate_limited_per_client() {
    block_on(async {
        let h = harness();
        let burst = h.auth.policy().refresh_per_client.burst;
        for _ in 0..burst {
            let _ = h
                .auth
                .sessions
                .refresh(HERE, &RefreshToken::new("guess"))
                .await;
        }
        assert!(matches!(
            h.auth
                .sessions
                .refresh(HERE, &RefreshToken::new("guess"))
                .await,
            Err(RefreshError::Throttled { .. })
        ));
    });
}
