//! Password reset by email over real SMTP (contract section 11): quill delivers to an SMTP
//! sink on a loopback port, and the tests follow the mailed link the way a user would; a relay
//! that is down, a server restarted with mail still queued, racing resets and the sameness of
//! the answer for unknown emails.

use std::time::Duration;

use quill_test_support::TestDatabase;
use quill_test_support::smtp::{ReceivedMail, SmtpSink, free_port};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{
    TestApp, expect, expect_invalid, expect_unauthorized, poll_until, smtp_relay, spawn_app,
    start_server, start_server_on,
};

/// How long a mail may take to arrive: the worker looks at the outbox at least every second,
/// and a failed attempt is retried after two (tests advance the server's clock past that).
const MAIL_WAIT: Duration = Duration::from_secs(20);

async fn forgot(app: &TestApp, email: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/users/forgot-password"))
        .header("X-Request-Id", "same-id")
        .json(&json!({ "email": email }))
        .send()
        .await
        .unwrap()
}

async fn reset(app: &TestApp, token: &str, new_password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/users/reset-password"))
        .json(&json!({ "token": token, "new_password": new_password }))
        .send()
        .await
        .unwrap()
}

/// The one reset mail to `address` among `mails`.
fn reset_mail<'a>(mails: &'a [ReceivedMail], address: &str) -> &'a ReceivedMail {
    let found: Vec<_> = mails
        .iter()
        .filter(|m| m.to == [address] && m.reset_token().is_some())
        .collect();
    assert_eq!(found.len(), 1, "one reset mail to {address} in {mails:#?}");
    found[0]
}

async fn token_of(response: reqwest::Response) -> String {
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_mailed_reset_link_sets_a_new_password_and_ends_every_earlier_session() {
    let sink = SmtpSink::start().await;
    let port = sink.port().to_string();
    let app = crate::support::spawn_app_with(&smtp_relay(&port)).await;
    let alice = app.account("alice").await;
    let earlier = token_of(app.login("alice@example.com", "quiet-harbour-lamp").await).await;

    let asked = forgot(&app, "alice@example.com").await;
    assert_eq!(asked.status(), StatusCode::ACCEPTED);
    let mails = sink.wait_for(1, MAIL_WAIT).await;
    let mail = reset_mail(&mails, "alice@example.com");
    assert_eq!(
        mail.header("Subject").as_deref(),
        Some("Reset your quill password")
    );
    assert_eq!(mail.from, "no-reply@localhost");
    let link = format!("{}/reset-password#token=", app.base);
    assert!(mail.body().contains(&link), "{}", mail.body());
    let token = mail.reset_token().unwrap();
    assert_eq!(token.len(), 43, "32 random bytes, URL-safe base64");

    expect(
        reset(&app, &token, "a-brand-new-password").await,
        StatusCode::OK,
        json!({"message": "Password has been reset successfully"}),
    )
    .await;
    assert_eq!(
        app.login("alice@example.com", "a-brand-new-password")
            .await
            .status(),
        StatusCode::OK
    );
    expect_unauthorized(
        app.login("alice@example.com", "quiet-harbour-lamp").await,
        "Incorrect email or password",
    )
    .await;
    for old in [&alice.token, &earlier] {
        expect_unauthorized(
            app.get_as("/api/users/me", old).await,
            "Invalid or expired token",
        )
        .await;
    }
    expect(
        reset(&app, &token, "yet-another-password").await,
        StatusCode::BAD_REQUEST,
        json!({"detail": "Invalid or expired reset token"}),
    )
    .await;
    let mails = sink.wait_for(2, MAIL_WAIT).await;
    assert!(
        mails.iter().any(|m| m.to == ["alice@example.com"]
            && m.header("Subject").as_deref() == Some("Your quill password was changed")),
        "a notice of the change: {mails:#?}"
    );
}

#[tokio::test]
async fn forgot_password_answers_an_unknown_email_exactly_like_a_known_one() {
    let app = spawn_app().await;
    app.account("alice").await;
    let known = forgot(&app, "alice@example.com").await;
    let unknown = forgot(&app, "nobody@example.com").await;
    assert_eq!(known.status(), StatusCode::ACCEPTED);
    assert_eq!(known.status(), unknown.status());
    let headers = |r: &reqwest::Response| -> Vec<(String, String)> {
        r.headers()
            .iter()
            .filter(|(name, _)| *name != "date")
            .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
            .collect()
    };
    assert_eq!(headers(&known), headers(&unknown));
    let (known, unknown) = (known.bytes().await.unwrap(), unknown.bytes().await.unwrap());
    assert_eq!(known, unknown);
    assert_eq!(
        serde_json::from_slice::<Value>(&known).unwrap(),
        json!({"message": "If an account with that email exists, a password reset link has been sent."})
    );
}

#[tokio::test]
async fn a_reset_request_with_no_email_or_a_bad_one_is_refused_like_any_field() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/users/forgot-password"))
        .json(&json!({ "email": "not-an-email" }))
        .send()
        .await
        .unwrap();
    expect_invalid(response, "value_error", json!(["body", "email"])).await;
    expect_invalid(
        reset(&app, "some-token", "short").await,
        "string_too_short",
        json!(["body", "new_password"]),
    )
    .await;
    expect(
        reset(&app, "no-such-token", "long-enough-password").await,
        StatusCode::BAD_REQUEST,
        json!({"detail": "Invalid or expired reset token"}),
    )
    .await;
}

#[tokio::test]
async fn asking_again_while_the_mailed_link_works_mails_nothing_new_and_that_link_still_works() {
    let sink = SmtpSink::start().await;
    let port = sink.port().to_string();
    let app = crate::support::spawn_app_with(&smtp_relay(&port)).await;
    app.account("alice").await;
    app.account("bob").await;
    for address in ["alice@example.com", "alice@example.com", "bob@example.com"] {
        assert_eq!(forgot(&app, address).await.status(), StatusCode::ACCEPTED);
    }
    // Requests are handled, and their mail queued, in order: had alice's second request
    // mailed, her two mails would be the first two to arrive.
    let mails = sink.wait_for(2, MAIL_WAIT).await;
    let first = reset_mail(&mails, "alice@example.com")
        .reset_token()
        .unwrap();
    reset_mail(&mails, "bob@example.com");
    assert_eq!(
        reset(&app, &first, "a-brand-new-password").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn ten_concurrent_resets_with_one_token_succeed_exactly_once() {
    let sink = SmtpSink::start().await;
    let port = sink.port().to_string();
    let app = crate::support::spawn_app_with(&smtp_relay(&port)).await;
    app.account("alice").await;
    forgot(&app, "alice@example.com").await;
    let token = sink.wait_for(1, MAIL_WAIT).await[0].reset_token().unwrap();
    let attempts = (0..10).map(|i| {
        let (app, token) = (&app, token.clone());
        async move { reset(app, &token, &format!("new-password-number-{i}")).await }
    });
    let statuses: Vec<StatusCode> = futures_util::future::join_all(attempts)
        .await
        .iter()
        .map(reqwest::Response::status)
        .collect();
    let won = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(won, 1, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::BAD_REQUEST),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn mail_asked_for_while_the_relay_is_down_arrives_when_it_comes_back() {
    let port = free_port();
    let port_text = port.to_string();
    let app = crate::support::spawn_app_with(&smtp_relay(&port_text)).await;
    app.account("alice").await;
    assert_eq!(
        forgot(&app, "alice@example.com").await.status(),
        StatusCode::ACCEPTED
    );
    wait_until_attempted(app.database_url()).await;
    // The retry is due once its back-off has passed, by the server's clock.
    app.clock.advance(Duration::from_secs(60));
    let sink = SmtpSink::start_on(port).await;
    let mails = sink.wait_for(1, MAIL_WAIT).await;
    reset_mail(&mails, "alice@example.com");
}

#[tokio::test]
async fn a_server_restarted_before_delivery_still_delivers_the_mail() {
    let database = TestDatabase::fresh().await;
    let port = free_port();
    let port_text = port.to_string();
    let first = start_server(&database.url, &smtp_relay(&port_text))
        .await
        .unwrap();
    first.account("alice").await;
    forgot(&first, "alice@example.com").await;
    wait_until_attempted(&database.url).await;
    let clock = first.clock.clone();
    drop(first);

    let sink = SmtpSink::start_on(port).await;
    // The retry is due once its back-off has passed, by the clock the servers share.
    clock.advance(Duration::from_secs(60));
    let _second = start_server_on(&database.url, &smtp_relay(&port_text), clock)
        .await
        .unwrap();
    let mails = sink.wait_for(1, MAIL_WAIT).await;
    reset_mail(&mails, "alice@example.com");
}

#[tokio::test]
async fn changing_the_login_email_sends_a_notice_to_the_old_address() {
    let sink = SmtpSink::start().await;
    let port = sink.port().to_string();
    let app = crate::support::spawn_app_with(&smtp_relay(&port)).await;
    let alice = app.account("alice").await;
    let response = app
        .client
        .patch(app.url(&format!("/api/users/{}", alice.id)))
        .bearer_auth(&alice.token)
        .json(&json!({ "email": "alice@new.example.com" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mails = sink.wait_for(1, MAIL_WAIT).await;
    assert_eq!(mails[0].to, ["alice@example.com"]);
    assert_eq!(
        mails[0].header("Subject").as_deref(),
        Some("Your quill sign-in email was changed")
    );
    assert!(mails[0].body().contains("alice@new.example.com"));
}

#[tokio::test]
async fn without_a_relay_in_development_each_mail_is_an_eml_file_in_the_mail_directory() {
    let app = spawn_app().await;
    app.account("alice").await;
    forgot(&app, "alice@example.com").await;
    let app = &app;
    let written = poll_until(MAIL_WAIT, move || async move {
        // The account's verification link is in the folder too.
        std::fs::read_dir(app.mail_dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .map(|e| std::fs::read_to_string(e.path()).unwrap())
            .find(|text| text.contains("/reset-password#token="))
    })
    .await
    .expect("no mail written");
    assert!(written.contains("To: alice@example.com"));
    assert!(written.contains("Subject: Reset your quill password"));
}

/// Waits until the outbox's mail has been tried at least once and released again (the
/// attempt failed: no relay listens), so a server stopped now holds no claim on it.
async fn wait_until_attempted(database_url: &str) {
    use sea_orm::{ConnectionTrait as _, Database};
    let db = &Database::connect(database_url).await.unwrap();
    let tried = poll_until(MAIL_WAIT, move || async move {
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT COUNT(*) AS tried FROM mail_outbox \
                 WHERE attempts > 0 AND held_until_us IS NULL",
            ))
            .await
            .unwrap()
            .unwrap();
        let tried: i64 = row.try_get("", "tried").unwrap();
        (tried > 0).then_some(())
    })
    .await;
    assert!(tried.is_some(), "the mail was never tried");
}
