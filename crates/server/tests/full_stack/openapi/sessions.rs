//! The session routes: listing and ending sessions, refresh grants, logout, logout
//! everywhere, and the password change that ends the others.

use reqwest::Method as M;
use serde_json::json;

use super::driver::Checker;
use super::users::Cast;

/// Each session route with every status it can answer.
pub(super) const ROUTES: &[(&str, &str, &[u16])] = &[
    ("get", "/api/users/me/sessions", &[200, 401]),
    (
        "delete",
        "/api/users/me/sessions/{session_id}",
        &[204, 401, 404],
    ),
    ("post", "/api/users/logout", &[204, 401]),
    ("post", "/api/users/logout-all", &[204, 401]),
    (
        "patch",
        "/api/users/me/password",
        &[200, 400, 401, 413, 422, 429, 503],
    ),
];

pub(super) async fn walk(c: &mut Checker, cast: &Cast) {
    let token_route = "/api/users/token";
    let alice = &cast.alice;
    // Sessions: logout, logout everywhere, password change.
    let (logout, logout_all, password) = (
        "/api/users/logout",
        "/api/users/logout-all",
        "/api/users/me/password",
    );
    let (sessions, one_session) = (
        "/api/users/me/sessions",
        "/api/users/me/sessions/{session_id}",
    );
    let carol = c.account("carol").await;
    let listed = c.call(M::GET, sessions, sessions, Some(&carol.token)).await;
    c.call(M::GET, sessions, sessions, None).await;
    let carols = format!(
        "/api/users/me/sessions/{}",
        listed[0]["id"].as_str().unwrap()
    );
    c.call(M::DELETE, one_session, &carols, None).await;
    c.call(
        M::DELETE,
        one_session,
        "/api/users/me/sessions/unknown",
        Some(&alice.token),
    )
    .await;
    let offline = [
        ("username", "carol@example.com"),
        ("password", "quiet-harbour-lamp"),
        ("scope", "offline_access"),
    ];
    let request = c.request(&M::POST, token_route).form(&offline);
    let grant = c.send(M::POST, token_route, request).await;
    let renew = [
        ("grant_type", "refresh_token"),
        ("refresh_token", grant["refresh_token"].as_str().unwrap()),
    ];
    let request = c.request(&M::POST, token_route).form(&renew);
    let renewed = c.send(M::POST, token_route, request).await;
    assert!(renewed["refresh_token"].is_string());
    let stale = [
        ("grant_type", "refresh_token"),
        ("refresh_token", "no-such-token"),
    ];
    let request = c.request(&M::POST, token_route).form(&stale);
    c.send(M::POST, token_route, request).await;
    let carol_elsewhere = renewed["access_token"].as_str().unwrap().to_owned();
    c.call(M::DELETE, one_session, &carols, Some(&carol_elsewhere))
        .await;
    c.call(M::POST, logout, logout, None).await;
    c.call(M::POST, logout, logout, Some(&carol_elsewhere))
        .await;
    c.call(M::POST, logout_all, logout_all, None).await;
    let dave = c.account("dave").await;
    c.call(M::POST, logout_all, logout_all, Some(&dave.token))
        .await;
    let erin = c.account("erin").await;
    let change =
        json!({"current_password": "quiet-harbour-lamp", "new_password": "a-new-password"});
    c.json(M::PATCH, password, password, None, &change, true)
        .await;
    let wrong_current = json!({"current_password": "not-it", "new_password": "a-new-password"});
    c.json(
        M::PATCH,
        password,
        password,
        Some(&erin.token),
        &wrong_current,
        true,
    )
    .await;
    let too_short = json!({"current_password": "quiet-harbour-lamp", "new_password": "short"});
    c.json(
        M::PATCH,
        password,
        password,
        Some(&erin.token),
        &too_short,
        false,
    )
    .await;
    c.oversized(M::PATCH, password, password, &erin.token).await;
    c.json(
        M::PATCH,
        password,
        password,
        Some(&erin.token),
        &change,
        true,
    )
    .await;
}
