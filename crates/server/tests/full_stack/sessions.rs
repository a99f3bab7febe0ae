//! Sessions and refresh tokens through the real server: the token body with and without
//! `scope=offline_access`, rotation, tabs racing with one refresh token, a replay ending the
//! session, and the session list with single-session logout.

use std::collections::HashSet;

use crate::support::{TestApp, expect, expect_no_content, expect_unauthorized, spawn_app_with};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A one-second grace, so a test can wait past it.
const SHORT_GRACE: &[(&str, &str)] = &[("REFRESH_GRACE_SECONDS", "1")];

async fn offline_login(app: &TestApp, email: &str, user_agent: &str) -> Value {
    let response = app
        .client
        .post(app.url("/api/users/token"))
        .header("User-Agent", user_agent)
        .form(&[
            ("username", email),
            ("password", "quiet-harbour-lamp"),
            ("scope", "offline_access"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/users/token"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", token)])
        .send()
        .await
        .unwrap()
}

fn field(body: &Value, name: &str) -> String {
    body[name]
        .as_str()
        .unwrap_or_else(|| panic!("no {name} in {body}"))
        .to_owned()
}

async fn not_found(response: reqwest::Response) {
    expect(
        response,
        StatusCode::NOT_FOUND,
        json!({"detail": "Session not found"}),
    )
    .await;
}

async fn end_session(app: &TestApp, id: &str, token: &str) -> reqwest::Response {
    app.client
        .delete(app.url(&format!("/api/users/me/sessions/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn refused(response: reqwest::Response) {
    expect(
        response,
        StatusCode::BAD_REQUEST,
        json!({"detail": "Invalid or expired refresh token"}),
    )
    .await;
}

#[tokio::test]
async fn without_offline_access_the_token_body_is_exactly_the_originals() {
    let app = spawn_app_with(&[]).await;
    app.account("alice").await;
    let body: Value = app
        .login("alice@example.com", "quiet-harbour-lamp")
        .await
        .json()
        .await
        .unwrap();
    let mut keys: Vec<_> = body.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(keys, ["access_token", "token_type"]);
}

#[tokio::test]
async fn with_offline_access_a_refresh_token_rotates_on_every_use() {
    let app = spawn_app_with(&[]).await;
    app.account("alice").await;
    let first = offline_login(&app, "alice@example.com", "Firefox").await;
    assert_eq!(first["token_type"], "bearer");
    assert_eq!(first["expires_in"], 30 * 60);
    let response = refresh(&app, &field(&first, "refresh_token")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["cache-control"],
        "no-store",
        "a token response is never cached"
    );
    let second: Value = response.json().await.unwrap();
    assert_ne!(
        field(&second, "refresh_token"),
        field(&first, "refresh_token")
    );
    let me = app
        .get_as("/api/users/me", &field(&second, "access_token"))
        .await;
    assert_eq!(me.status(), StatusCode::OK);
    let third = refresh(&app, &field(&second, "refresh_token")).await;
    assert_eq!(third.status(), StatusCode::OK);
}

#[tokio::test]
async fn every_unusable_refresh_is_the_same_400_and_another_grant_type_is_a_422() {
    let app = spawn_app_with(&[]).await;
    refused(refresh(&app, "not-a-token").await).await;
    let missing = app
        .client
        .post(app.url("/api/users/token"))
        .form(&[("grant_type", "refresh_token")])
        .send()
        .await
        .unwrap();
    refused(missing).await;
    let other = app
        .client
        .post(app.url("/api/users/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("username", "a"),
            ("password", "b"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn replaying_a_rotated_refresh_token_after_the_grace_ends_the_session() {
    let app = spawn_app_with(SHORT_GRACE).await;
    app.account("alice").await;
    let first = offline_login(&app, "alice@example.com", "Firefox").await;
    let second: Value = refresh(&app, &field(&first, "refresh_token"))
        .await
        .json()
        .await
        .unwrap();
    app.clock.advance(std::time::Duration::from_millis(2100));
    refused(refresh(&app, &field(&first, "refresh_token")).await).await;
    expect_unauthorized(
        app.get_as("/api/users/me", &field(&second, "access_token"))
            .await,
        "Invalid or expired token",
    )
    .await;
    expect_unauthorized(
        app.get_as("/api/users/me", &field(&first, "access_token"))
            .await,
        "Invalid or expired token",
    )
    .await;
    refused(refresh(&app, &field(&second, "refresh_token")).await).await;
}

#[tokio::test]
async fn ten_concurrent_refreshes_with_one_token_leave_exactly_one_live_chain() {
    let app = spawn_app_with(&[]).await;
    app.account("alice").await;
    let first = offline_login(&app, "alice@example.com", "Firefox").await;
    let presented = field(&first, "refresh_token");
    let racers = (0..10).map(|_| refresh(&app, &presented));
    let responses = futures_util::future::join_all(racers).await;
    let mut successors = HashSet::new();
    for response in responses {
        let status = response.status();
        assert!(!status.is_server_error(), "a racing refresh got {status}");
        let body: Value = response.json().await.unwrap();
        if status == StatusCode::OK {
            successors.insert(field(&body, "refresh_token"));
        }
    }
    assert_eq!(successors.len(), 1, "every winner holds the same successor");
    let successor = successors.into_iter().next().unwrap();
    let next = refresh(&app, &successor).await;
    assert_eq!(
        next.status(),
        StatusCode::OK,
        "the one successor renews the session"
    );
    let next: Value = next.json().await.unwrap();
    let sessions: Value = app
        .get_as("/api/users/me/sessions", &field(&next, "access_token"))
        .await
        .json()
        .await
        .unwrap();
    let offline: Vec<_> = sessions
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["user_agent"] == "Firefox")
        .collect();
    assert_eq!(
        offline.len(),
        1,
        "the race started no second session: {sessions}"
    );
}

#[tokio::test]
async fn the_session_list_shows_two_logins_and_ending_one_leaves_the_other_working() {
    let app = spawn_app_with(&[]).await;
    app.account("alice").await;
    // `account` logged in once already, without a user agent of its choosing.
    let phone = offline_login(&app, "alice@example.com", "PhoneBrowser/1.0").await;
    let laptop = offline_login(&app, "alice@example.com", "LaptopBrowser/2.0").await;
    let laptop_token = field(&laptop, "access_token");
    let listed = app.get_as("/api/users/me/sessions", &laptop_token).await;
    assert_eq!(listed.status(), StatusCode::OK);
    assert_eq!(listed.headers()["cache-control"], "no-store");
    let listed: Value = listed.json().await.unwrap();
    let listed = listed.as_array().unwrap();
    let by_agent = |agent: &str| {
        listed
            .iter()
            .find(|s| s["user_agent"] == agent)
            .unwrap_or_else(|| panic!("no session of {agent} in {listed:?}"))
            .clone()
    };
    let (phone_session, laptop_session) =
        (by_agent("PhoneBrowser/1.0"), by_agent("LaptopBrowser/2.0"));
    assert_eq!(laptop_session["current"], true);
    assert_eq!(phone_session["current"], false);
    for key in ["id", "created_at", "last_used_at"] {
        assert!(phone_session[key].is_string(), "{key} in {phone_session}");
    }

    let phone_id = field(&phone_session, "id");
    expect_no_content(&end_session(&app, &phone_id, &laptop_token).await);
    expect_unauthorized(
        app.get_as("/api/users/me", &field(&phone, "access_token"))
            .await,
        "Invalid or expired token",
    )
    .await;
    refused(refresh(&app, &field(&phone, "refresh_token")).await).await;
    assert_eq!(
        app.get_as("/api/users/me", &laptop_token).await.status(),
        StatusCode::OK
    );
    not_found(end_session(&app, &phone_id, &laptop_token).await).await;
}

#[tokio::test]
async fn no_one_can_end_or_see_another_accounts_session() {
    let app = spawn_app_with(&[]).await;
    let alice = app.account("alice").await;
    let bob = app.account("bob").await;
    let bobs: Value = app
        .get_as("/api/users/me/sessions", &bob.token)
        .await
        .json()
        .await
        .unwrap();
    let bobs_id = field(&bobs[0], "id");
    let alices: Value = app
        .get_as("/api/users/me/sessions", &alice.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        alices
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["id"] != bobs_id.as_str())
    );
    not_found(end_session(&app, &bobs_id, &alice.token).await).await;
    assert_eq!(
        app.get_as("/api/users/me", &bob.token).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn logout_ends_the_session_with_its_refresh_token_and_a_password_change_ends_the_others() {
    let app = spawn_app_with(&[]).await;
    app.account("alice").await;
    let first = offline_login(&app, "alice@example.com", "One").await;
    let second = offline_login(&app, "alice@example.com", "Two").await;
    let logout = app
        .client
        .post(app.url("/api/users/logout"))
        .bearer_auth(field(&first, "access_token"))
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    refused(refresh(&app, &field(&first, "refresh_token")).await).await;

    let third = offline_login(&app, "alice@example.com", "Three").await;
    let changed = app
        .client
        .patch(app.url("/api/users/me/password"))
        .bearer_auth(field(&second, "access_token"))
        .json(&json!({"current_password": "quiet-harbour-lamp", "new_password": "a-new-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    let changed: Value = changed.json().await.unwrap();
    refused(refresh(&app, &field(&third, "refresh_token")).await).await;
    let renewed = refresh(&app, &field(&second, "refresh_token")).await;
    assert_eq!(
        renewed.status(),
        StatusCode::OK,
        "the changer's own session goes on"
    );
    let sessions: Value = app
        .get_as("/api/users/me/sessions", &field(&changed, "access_token"))
        .await
        .json()
        .await
        .unwrap();
    let agents: Vec<_> = sessions
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["user_agent"].clone())
        .collect();
    assert_eq!(agents, [json!("Two")]);
}
