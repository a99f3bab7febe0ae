//! The account routes: registration, login and its token grants, the caller's account,
//! public profiles, profile changes and account deletion.

use reqwest::Method as M;
use reqwest::multipart::Form;
use serde_json::json;

use super::driver::Checker;
use crate::support::Account;

/// Each account route with every status it can answer.
pub(super) const ROUTES: &[(&str, &str, &[u16])] = &[
    ("post", "/api/users", &[201, 400, 413, 422, 429, 503]),
    (
        "post",
        "/api/users/token",
        &[200, 400, 401, 403, 413, 422, 429, 503],
    ),
    ("get", "/api/users/me", &[200, 401]),
    ("get", "/api/users/{user_id}", &[200, 304, 404, 422]),
    (
        "patch",
        "/api/users/{user_id}",
        &[200, 400, 401, 403, 404, 413, 422, 429, 503],
    ),
    (
        "delete",
        "/api/users/{user_id}",
        &[204, 400, 401, 403, 404, 413, 422, 429, 503],
    ),
];

/// The two accounts the walks of the other resources act on, with their profiles' paths.
pub(super) struct Cast {
    pub(super) alice: Account,
    pub(super) bob: Account,
    pub(super) alice_path: String,
    pub(super) bob_path: String,
}

/// Registration and login, the caller's account and public profiles, profile changes.
pub(super) async fn walk(c: &mut Checker) -> Cast {
    let (users, token_route) = ("/api/users", "/api/users/token");
    let user = "/api/users/{user_id}";
    // Registration and login.
    let alice = c.account("alice").await;
    let bob = c.account("bob").await;
    let duplicate =
        json!({"username": "ALICE", "email": "x@example.com", "password": "quiet-harbour-lamp"});
    c.json(M::POST, users, users, None, &duplicate, true).await;
    let short = json!({"username": "carol", "email": "carol@example.com", "password": "short"});
    c.json(M::POST, users, users, None, &short, false).await;
    c.oversized(M::POST, users, users, "-").await;
    let request = c.request(&M::POST, token_route).multipart(
        Form::new()
            .text("username", "bob@example.com")
            .text("password", "quiet-harbour-lamp"),
    );
    let multipart = c.send(M::POST, token_route, request).await;
    assert_eq!(multipart["token_type"], "bearer");
    let wrong = [
        ("username", "alice@example.com"),
        ("password", "wrong-password"),
    ];
    let request = c.request(&M::POST, token_route).form(&wrong);
    c.send(M::POST, token_route, request).await;
    let other_grant = [
        ("username", "a@b.c"),
        ("password", "p"),
        ("grant_type", "client"),
    ];
    let request = c.request(&M::POST, token_route).form(&other_grant);
    c.send(M::POST, token_route, request).await;
    c.oversized(M::POST, token_route, token_route, "-").await;

    // The caller's account and public profiles.
    let me = "/api/users/me";
    let mine = c.call(M::GET, me, me, Some(&alice.token)).await;
    assert_eq!(mine["email"], "alice@example.com");
    c.call(M::GET, me, me, None).await;
    c.call(M::GET, me, me, Some("not-a-token")).await;
    let alice_path = format!("/api/users/{}", alice.id);
    let bob_path = format!("/api/users/{}", bob.id);
    let public = c.call(M::GET, user, &alice_path, None).await;
    assert!(
        public.get("email").is_none(),
        "a public profile leaks the email"
    );
    c.call(M::GET, user, "/api/users/999999", None).await;
    c.call(M::GET, user, "/api/users/abc", None).await;

    // Profile changes.
    let rename = json!({"username": "Alice", "image_file": "me.jpg", "email": null});
    // `image_file` is not the picture's route: ignored, like any unknown field.
    let renamed = c
        .json(
            M::PATCH,
            user,
            &alice_path,
            Some(&alice.token),
            &rename,
            true,
        )
        .await;
    assert_eq!(renamed["image_path"], "/static/profile_pics/default.jpg");
    let taken = json!({"username": "bob"});
    c.json(
        M::PATCH,
        user,
        &alice_path,
        Some(&alice.token),
        &taken,
        true,
    )
    .await;
    c.json(M::PATCH, user, &alice_path, None, &rename, true)
        .await;
    c.json(M::PATCH, user, &bob_path, Some(&alice.token), &rename, true)
        .await;
    for refused in [json!({"email": "not-an-email"}), json!({"username": ""})] {
        c.json(
            M::PATCH,
            user,
            &alice_path,
            Some(&alice.token),
            &refused,
            false,
        )
        .await;
    }
    c.oversized(M::PATCH, user, &alice_path, &alice.token).await;
    Cast {
        alice,
        bob,
        alice_path,
        bob_path,
    }
}

/// A new email and the deletion when the login is no longer recent, account deletion, then
/// the deleted account's token: the walk's last step (it moves the server's clock on).
pub(super) async fn delete(c: &mut Checker, cast: &Cast) {
    let (user, me) = ("/api/users/{user_id}", "/api/users/me");
    let Cast {
        bob,
        alice_path,
        bob_path,
        ..
    } = cast;
    // Bob's login is older than REAUTH_MAX_AGE_MINUTES from here on.
    c.app.clock.advance(std::time::Duration::from_secs(11 * 60));
    let moved = json!({"email": "bob@example.org"});
    let stale = c
        .json(M::PATCH, user, bob_path, Some(&bob.token), &moved, true)
        .await;
    assert_eq!(stale, json!({"detail": "Recent authentication required"}));
    let wrong = json!({"email": "bob@example.org", "current_password": "not-bobs"});
    c.json(M::PATCH, user, bob_path, Some(&bob.token), &wrong, true)
        .await;
    let confirmed = json!({"email": "bob@example.org", "current_password": "quiet-harbour-lamp"});
    let changed = c
        .json(M::PATCH, user, bob_path, Some(&bob.token), &confirmed, true)
        .await;
    assert_eq!(changed["email"], "bob@example.org");

    // Account deletion, then the deleted account's token.
    c.call(M::DELETE, user, alice_path, None).await;
    c.call(M::DELETE, user, alice_path, Some(&bob.token)).await;
    c.call(M::DELETE, user, "/api/users/abc", Some(&bob.token))
        .await;
    let stale = c.call(M::DELETE, user, bob_path, Some(&bob.token)).await;
    assert_eq!(stale, json!({"detail": "Recent authentication required"}));
    let not_text = json!({"current_password": 5});
    c.json(
        M::DELETE,
        user,
        bob_path,
        Some(&bob.token),
        &not_text,
        false,
    )
    .await;
    c.oversized(M::DELETE, user, bob_path, &bob.token).await;
    let wrong = json!({"current_password": "not-bobs"});
    let refused = c
        .json(M::DELETE, user, bob_path, Some(&bob.token), &wrong, true)
        .await;
    assert_eq!(refused, json!({"detail": "Current password is incorrect"}));
    let confirmed = json!({"current_password": "quiet-harbour-lamp"});
    c.json(
        M::DELETE,
        user,
        bob_path,
        Some(&bob.token),
        &confirmed,
        true,
    )
    .await;
    c.call(M::GET, me, me, Some(&bob.token)).await;
}
