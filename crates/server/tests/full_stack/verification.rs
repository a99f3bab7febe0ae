//! Email verification end to end (contract section 15): with `EMAIL_VERIFICATION=required`, a
//! new account's right password is refused until the link mailed at registration (read from
//! the server's mail folder, as a user would open it) is used; the link works once; the
//! security overview shows the change; and with the default a new account signs in at once.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, expect, poll_until, spawn_app, spawn_app_with};

const PASSPHRASE: &str = "quiet-harbour-lamp";

/// The token of the newest verification mail to `address` in the server's mail folder.
pub(crate) async fn mailed_verification_token(app: &TestApp, address: &str) -> String {
    let token = poll_until(Duration::from_secs(20), move || async move {
        let mut mails: Vec<(std::time::SystemTime, String)> =
            std::fs::read_dir(app.mail_dir.path())
                .unwrap()
                .filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                .filter_map(|e| {
                    let modified = e.metadata().ok()?.modified().ok()?;
                    Some((modified, std::fs::read_to_string(e.path()).ok()?))
                })
                .filter(|(_, text)| text.contains(&format!("To: {address}")))
                .collect();
        mails.sort();
        mails.iter().rev().find_map(|(_, data)| {
            quill_test_support::smtp::ReceivedMail {
                from: String::new(),
                to: Vec::new(),
                data: data.clone(),
                authenticated: false,
            }
            .verification_token()
        })
    })
    .await;
    token.unwrap_or_else(|| panic!("no verification mail to {address}"))
}

async fn verify(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/users/verify-email"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap()
}

async fn security(app: &TestApp, token: &str) -> Value {
    let response = app.get_as("/api/users/me/security", token).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    response.json().await.unwrap()
}

async fn access_token(response: reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn with_verification_required_the_mailed_link_is_what_lets_a_new_account_sign_in() {
    let app = spawn_app_with(&[("EMAIL_VERIFICATION", "required")]).await;
    let registered = app.register("alice", "alice@example.com", PASSPHRASE).await;
    assert_eq!(registered.status(), StatusCode::CREATED);

    let wrong = app.login("alice@example.com", "loud-harbour-lamp").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    expect(
        app.login("alice@example.com", PASSPHRASE).await,
        StatusCode::FORBIDDEN,
        json!({"detail": "Email not verified"}),
    )
    .await;

    let token = mailed_verification_token(&app, "alice@example.com").await;
    assert_eq!(token.len(), 43, "32 random bytes, URL-safe base64");
    expect(
        verify(&app, &token).await,
        StatusCode::OK,
        json!({"message": "Email verified"}),
    )
    .await;
    expect(
        verify(&app, &token).await,
        StatusCode::BAD_REQUEST,
        json!({"detail": "Invalid or expired verification token"}),
    )
    .await;

    let bearer = access_token(app.login("alice@example.com", PASSPHRASE).await).await;
    assert_eq!(
        security(&app, &bearer).await,
        json!({
            "email_verified": true,
            "pending_email": null,
            "password_set": true,
            "totp": false,
            "passkeys": 0,
            "recovery_codes_left": null,
        })
    );
    // A verified account asks for a link in vain: nothing is mailed.
    expect(
        app.client
            .post(app.url("/api/users/me/verification-email"))
            .bearer_auth(&bearer)
            .send()
            .await
            .unwrap(),
        StatusCode::ACCEPTED,
        json!({"message": "Your email address is already verified"}),
    )
    .await;
}

#[tokio::test]
async fn by_default_a_new_account_signs_in_unverified_and_can_have_its_link_mailed_again() {
    let app = spawn_app().await;
    let registered = app.register("bob", "bob@example.com", PASSPHRASE).await;
    assert_eq!(registered.status(), StatusCode::CREATED);
    let first = mailed_verification_token(&app, "bob@example.com").await;
    let bearer = access_token(app.login("bob@example.com", PASSPHRASE).await).await;
    assert_eq!(security(&app, &bearer).await["email_verified"], false);

    expect(
        app.client
            .post(app.url("/api/users/me/verification-email"))
            .bearer_auth(&bearer)
            .send()
            .await
            .unwrap(),
        StatusCode::ACCEPTED,
        json!({"message": "A new verification link has been sent to your email address"}),
    )
    .await;
    let second = poll_until(Duration::from_secs(20), || async {
        let newest = mailed_verification_token(&app, "bob@example.com").await;
        (newest != first).then_some(newest)
    })
    .await
    .expect("a second link");
    // The new link replaced the first.
    assert_eq!(verify(&app, &first).await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(verify(&app, &second).await.status(), StatusCode::OK);
    assert_eq!(security(&app, &bearer).await["email_verified"], true);
}

#[tokio::test]
async fn the_verify_page_is_served_and_asks_for_a_click() {
    let app = spawn_app().await;
    let page = app.get("/verify-email").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"<form id="verify-form""#));
    assert!(html.contains("/static/js/verify-email.js"));
}
