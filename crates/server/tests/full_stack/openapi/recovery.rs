//! The password-reset routes: asking for a link and following it.

use reqwest::Method as M;
use serde_json::json;

use super::driver::{Checker, mailed_reset_token};

/// Each reset route with every status it can answer.
pub(super) const ROUTES: &[(&str, &str, &[u16])] = &[
    (
        "post",
        "/api/users/forgot-password",
        &[202, 413, 422, 429, 503],
    ),
    (
        "post",
        "/api/users/reset-password",
        &[200, 400, 413, 422, 429, 503],
    ),
];

pub(super) async fn walk(c: &mut Checker) {
    // Password reset: ask for a link, follow it (test servers write their mail to a folder).
    let (forgot, reset) = ("/api/users/forgot-password", "/api/users/reset-password");
    c.account("rita").await;
    let ask = json!({"email": "rita@example.com"});
    c.json(M::POST, forgot, forgot, None, &ask, true).await;
    let too_long = json!({"email": format!("{}@example.com", "a".repeat(200))});
    c.json(M::POST, forgot, forgot, None, &too_long, false)
        .await;
    c.oversized(M::POST, forgot, forgot, "-").await;
    let token = mailed_reset_token(&c.app, "rita@example.com").await;
    let bogus = json!({"token": "not-a-token", "new_password": "a-new-password"});
    c.json(M::POST, reset, reset, None, &bogus, true).await;
    let short_reset = json!({"token": token, "new_password": "short"});
    c.json(M::POST, reset, reset, None, &short_reset, false)
        .await;
    c.oversized(M::POST, reset, reset, "-").await;
    let reset_body = json!({"token": token, "new_password": "a-reset-password"});
    c.json(M::POST, reset, reset, None, &reset_body, true).await;
}
