//! The email-verification routes: presenting a mailed link's token, asking for a new link,
//! the security overview, and the token endpoint's 403 when verification is required.

use reqwest::Method as M;
use serde_json::json;

use super::driver::Checker;
use crate::support::spawn_app_with;
use crate::verification::mailed_verification_token;

/// Each verification route with every status it can answer.
pub(super) const ROUTES: &[(&str, &str, &[u16])] = &[
    ("post", "/api/users/verify-email", &[200, 400, 413, 422]),
    ("post", "/api/users/me/verification-email", &[202, 401, 429]),
    ("get", "/api/users/me/security", &[200, 401]),
];

pub(super) async fn walk(c: &mut Checker) {
    let verify = "/api/users/verify-email";
    let send = "/api/users/me/verification-email";
    let security = "/api/users/me/security";
    let vera = c.account("vera").await;
    let unverified = c.call(M::GET, security, security, Some(&vera.token)).await;
    assert_eq!(unverified["email_verified"], false);
    c.call(M::GET, security, security, None).await;

    let bogus = json!({"token": "not-a-token"});
    c.json(M::POST, verify, verify, None, &bogus, true).await;
    c.json(M::POST, verify, verify, None, &json!({}), false)
        .await;
    c.oversized(M::POST, verify, verify, "-").await;
    let token = mailed_verification_token(&c.app, "vera@example.com").await;
    let verified = c
        .json(
            M::POST,
            verify,
            verify,
            None,
            &json!({"token": token}),
            true,
        )
        .await;
    assert_eq!(verified, json!({"message": "Email verified"}));

    // Three requests fill the account's bucket (a verified account is mailed nothing); the
    // fourth is refused.
    for _ in 0..3 {
        let answer = c.call(M::POST, send, send, Some(&vera.token)).await;
        assert_eq!(
            answer,
            json!({"message": "Your email address is already verified"})
        );
    }
    let limited = c.call(M::POST, send, send, Some(&vera.token)).await;
    assert_eq!(limited, json!({"detail": "Too many requests"}));
    c.call(M::POST, send, send, None).await;

    // With verification required, a right password for an unverified account is refused.
    let relaxed = std::mem::replace(
        &mut c.app,
        spawn_app_with(&[("EMAIL_VERIFICATION", "required")]).await,
    );
    let (users, token_route) = ("/api/users", "/api/users/token");
    let wren = json!({
        "username": "wren",
        "email": "wren@example.com",
        "password": "quiet-harbour-lamp",
    });
    c.json(M::POST, users, users, None, &wren, true).await;
    let form = [
        ("username", "wren@example.com"),
        ("password", "quiet-harbour-lamp"),
    ];
    let request = c.request(&M::POST, token_route).form(&form);
    let refused = c.send(M::POST, token_route, request).await;
    assert_eq!(refused, json!({"detail": "Email not verified"}));
    c.app = relaxed;
}
