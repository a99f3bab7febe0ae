//! Logout, logout everywhere and password changes through the real server: old tokens stop
//! working (and stay stopped across a restart), fresh ones work, and every step leaves an
//! audit event that never contains a secret.

use std::io::Write;
use std::sync::{Arc, Mutex};

use crate::support::{expect_no_content, expect_unauthorized, spawn_app, start_server};
use quill_test_support::TestDatabase;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn post_as(app: &crate::support::TestApp, path: &str, token: &str) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn change_password(
    app: &crate::support::TestApp,
    token: &str,
    current: &str,
    new: &str,
) -> reqwest::Response {
    app.client
        .patch(app.url("/api/users/me/password"))
        .bearer_auth(token)
        .json(&json!({"current_password": current, "new_password": new}))
        .send()
        .await
        .unwrap()
}

/// A token as the original service issued it with the same key: `sub` and `exp` only,
/// expiring `lifetime_secs` from now.
fn original_token(user_id: i64, lifetime_secs: i64) -> String {
    let exp = chrono::Utc::now().timestamp() + lifetime_secs;
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"sub": user_id.to_string(), "exp": exp}),
        &jsonwebtoken::EncodingKey::from_secret(crate::support::SECRET_KEY.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn tokens_of_the_original_service_work_and_are_revoked_by_logout_and_logout_everywhere() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    let first = original_token(alice.id, 600);
    assert_eq!(
        app.get_as("/api/users/me", &first).await.status(),
        StatusCode::OK
    );
    let logout = post_as(&app, "/api/users/logout", &first).await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    expect_unauthorized(
        app.get_as("/api/users/me", &first).await,
        "Invalid or expired token",
    )
    .await;

    // Another expiry makes another token, which the logout above did not touch.
    let second = original_token(alice.id, 900);
    assert_eq!(
        app.get_as("/api/users/me", &second).await.status(),
        StatusCode::OK
    );
    let everywhere = post_as(&app, "/api/users/logout-all", &alice.token).await;
    assert_eq!(everywhere.status(), StatusCode::NO_CONTENT);
    expect_unauthorized(
        app.get_as("/api/users/me", &second).await,
        "Invalid or expired token",
    )
    .await;
}

#[tokio::test]
async fn a_bearer_header_with_an_empty_credential_is_an_invalid_token() {
    let app = spawn_app().await;
    for header in ["Bearer", "Bearer ", "bearer    "] {
        let response = app
            .client
            .get(app.url("/api/users/me"))
            .header("authorization", header)
            .send()
            .await
            .unwrap();
        expect_unauthorized(response, "Invalid or expired token").await;
    }
    let without = app.get("/api/users/me").await;
    expect_unauthorized(without, "Not authenticated").await;
}

#[tokio::test]
async fn logging_out_revokes_the_presented_token_only() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    let second: Value = app
        .login("alice@example.com", "quiet-harbour-lamp")
        .await
        .json()
        .await
        .unwrap();
    let second = second["access_token"].as_str().unwrap().to_owned();

    let logout = post_as(&app, "/api/users/logout", &alice.token).await;
    expect_no_content(&logout);
    expect_unauthorized(
        app.get_as("/api/users/me", &alice.token).await,
        "Invalid or expired token",
    )
    .await;
    assert_eq!(
        app.get_as("/api/users/me", &second).await.status(),
        StatusCode::OK
    );
    expect_unauthorized(
        post_as(&app, "/api/users/logout", &alice.token).await,
        "Invalid or expired token",
    )
    .await;
}

#[tokio::test]
async fn logging_out_everywhere_revokes_every_earlier_token_and_later_logins_work() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    let bob = app.account("bob").await;
    let logout_all = post_as(&app, "/api/users/logout-all", &alice.token).await;
    assert_eq!(logout_all.status(), StatusCode::NO_CONTENT);
    expect_unauthorized(
        app.get_as("/api/users/me", &alice.token).await,
        "Invalid or expired token",
    )
    .await;
    assert_eq!(
        app.get_as("/api/users/me", &bob.token).await.status(),
        StatusCode::OK
    );
    let fresh: Value = app
        .login("alice@example.com", "quiet-harbour-lamp")
        .await
        .json()
        .await
        .unwrap();
    let fresh = fresh["access_token"].as_str().unwrap();
    assert_eq!(
        app.get_as("/api/users/me", fresh).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_password_change_revokes_earlier_tokens_and_returns_one_that_works() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    let wrong = change_password(&app, &alice.token, "not-my-password", "brand-new-password").await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        wrong.json::<Value>().await.unwrap(),
        json!({"detail": "Current password is incorrect"})
    );
    let short = change_password(&app, &alice.token, "quiet-harbour-lamp", "short").await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.get_as("/api/users/me", &alice.token).await.status(),
        StatusCode::OK
    );

    let changed = change_password(
        &app,
        &alice.token,
        "quiet-harbour-lamp",
        "brand-new-password",
    )
    .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let fresh: Value = changed.json().await.unwrap();
    assert_eq!(fresh["token_type"], "bearer");
    let fresh = fresh["access_token"].as_str().unwrap();
    expect_unauthorized(
        app.get_as("/api/users/me", &alice.token).await,
        "Invalid or expired token",
    )
    .await;
    assert_eq!(
        app.get_as("/api/users/me", fresh).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.login("alice@example.com", "quiet-harbour-lamp")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("alice@example.com", "brand-new-password")
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn session_routes_need_a_valid_token() {
    let app = spawn_app().await;
    for path in ["/api/users/logout", "/api/users/logout-all"] {
        let anonymous = app.client.post(app.url(path)).send().await.unwrap();
        expect_unauthorized(anonymous, "Not authenticated").await;
    }
    let anonymous = app
        .client
        .patch(app.url("/api/users/me/password"))
        .json(&json!({"current_password": "a", "new_password": "b"}))
        .send()
        .await
        .unwrap();
    expect_unauthorized(anonymous, "Not authenticated").await;
}

#[tokio::test]
async fn a_revoked_token_stays_revoked_across_a_restart() {
    let database = TestDatabase::fresh().await;
    let token = {
        let first = start_server(&database.url, &[]).await.unwrap();
        let alice = first.account("alice").await;
        assert_eq!(
            post_as(&first, "/api/users/logout", &alice.token)
                .await
                .status(),
            StatusCode::NO_CONTENT
        );
        alice.token
    };
    let second = start_server(&database.url, &[]).await.unwrap();
    expect_unauthorized(
        second.get_as("/api/users/me", &token).await,
        "Invalid or expired token",
    )
    .await;
}

/// Captures, as JSON lines, everything the process logs from now on, on every thread.
///
/// This installs the process's global subscriber, so only a test running in a process of its
/// own may call it ([`crate::support::alone_in_a_process`]). A subscriber scoped to the test's
/// thread would not do: tracing caches whether a log statement is wanted when another test's
/// thread first reaches it, and would then keep this test's audit events from it.
fn capture_logs() -> Arc<Mutex<Vec<u8>>> {
    let logs = Arc::new(Mutex::new(Vec::new()));
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_env_filter("info")
        .with_writer(move || LogSink(sink.clone()))
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    logs
}

struct LogSink(Arc<Mutex<Vec<u8>>>);

impl Write for LogSink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn every_security_action_leaves_an_audit_event_and_no_secret_reaches_the_logs() {
    if !crate::support::alone_in_a_process(
        "token_lifecycle::every_security_action_leaves_an_audit_event_and_no_secret_reaches_the_logs",
    ) {
        return;
    }
    let logs = capture_logs();
    let sink = quill_test_support::smtp::SmtpSink::start().await;
    let port = sink.port().to_string();
    let mut settings = crate::support::smtp_relay(&port).to_vec();
    settings.extend([
        ("SMTP_USERNAME", "quill-relay"),
        ("SMTP_PASSWORD", "smtp-secret-password"),
    ]);
    let app = crate::support::spawn_app_with(&settings).await;
    let alice = app.account("alice").await;
    app.login("alice@example.com", "wrong-password-1").await;
    let second: Value = app
        .login("alice@example.com", "quiet-harbour-lamp")
        .await
        .json()
        .await
        .unwrap();
    let second = second["access_token"].as_str().unwrap().to_owned();
    post_as(&app, "/api/users/logout", &alice.token).await;
    let changed: Value = change_password(&app, &second, "quiet-harbour-lamp", "brand-new-password")
        .await
        .json()
        .await
        .unwrap();
    let fresh = changed["access_token"].as_str().unwrap().to_owned();
    post_as(&app, "/api/users/logout-all", &fresh).await;
    app.client
        .post(app.url("/api/users/forgot-password"))
        .json(&serde_json::json!({ "email": "alice@example.com" }))
        .send()
        .await
        .unwrap();
    let mails = sink.wait_for(2, std::time::Duration::from_secs(20)).await;
    let mailed = mails
        .iter()
        .find_map(quill_test_support::smtp::ReceivedMail::reset_token)
        .expect("a reset mail");
    assert!(
        mails.iter().all(|m| m.authenticated),
        "the relay's credentials were used"
    );
    let reset = app
        .client
        .post(app.url("/api/users/reset-password"))
        .json(&serde_json::json!({ "token": mailed, "new_password": "reset-password-42" }))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), reqwest::StatusCode::OK);
    let last: Value = app
        .login("alice@example.com", "reset-password-42")
        .await
        .json()
        .await
        .unwrap();
    let last = last["access_token"].as_str().unwrap().to_owned();
    app.client
        .delete(app.url(&format!("/api/users/{}", alice.id)))
        .bearer_auth(&last)
        .send()
        .await
        .unwrap();

    let text = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    let audit: Vec<Value> = text
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|event| event["target"] == "audit")
        .collect();
    let seen = |action: &str, outcome: &str| {
        audit.iter().any(|e| {
            e["fields"]["action"] == action
                && e["fields"]["outcome"] == outcome
                && e["fields"]["client_ip"].is_string()
                && e["timestamp"].is_string()
        })
    };
    for (action, outcome) in [
        ("register", "success"),
        ("login", "success"),
        ("login", "failure"),
        ("logout", "success"),
        ("password_change", "success"),
        ("logout_everywhere", "success"),
        ("password_reset_request", "success"),
        ("password_reset", "success"),
        ("account_deletion", "success"),
    ] {
        assert!(
            seen(action, outcome),
            "no {action}/{outcome} audit event in {audit:#?}"
        );
    }
    assert!(
        audit
            .iter()
            .any(|e| e["fields"]["action"] == "logout" && e["fields"]["user_id"] == alice.id),
        "the logout event names the account"
    );
    let failed_login = audit
        .iter()
        .find(|e| e["fields"]["action"] == "login" && e["fields"]["outcome"] == "failure")
        .unwrap();
    let digest = failed_login["fields"]["account_digest"].as_str().unwrap();
    assert_eq!(digest.len(), 16, "a keyed digest of the attempted email");
    assert!(!text.contains("alice@example.com"), "no email in the logs");
    for secret in [
        "quiet-harbour-lamp",
        "wrong-password-1",
        "brand-new-password",
        "reset-password-42",
        "smtp-secret-password",
        &mailed,
        "$argon2id$",
        &alice.token,
        &second,
        &fresh,
        &last,
    ] {
        assert!(
            !text.contains(secret),
            "the logs contain a secret: {secret}"
        );
    }
}
