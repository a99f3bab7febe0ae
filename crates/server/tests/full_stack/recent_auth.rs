//! Recent authentication through the real server: a new email and the account's deletion go
//! through on a fresh login's token, need `current_password` once the login is older than
//! `REAUTH_MAX_AGE_MINUTES` (403 `Recent authentication required` without it, 400 with a
//! wrong one), and a refresh hands out tokens that keep the login's `auth_time`.

use std::time::Duration;

use base64::Engine as _;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, expect, expect_no_content, original_token, spawn_app};

const PASSWORD: &str = "quiet-harbour-lamp";
const LATER: Duration = Duration::from_secs(11 * 60);

/// Registers `name` with [`PASSWORD`] and logs in (offline when asked): the token body.
async fn signed_up(app: &TestApp, name: &str, offline: bool) -> (i64, Value) {
    let email = format!("{name}@example.com");
    let created = app.register(name, &email, PASSWORD).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = created.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let mut form = vec![("username", email.as_str()), ("password", PASSWORD)];
    if offline {
        form.push(("scope", "offline_access"));
    }
    let response = app
        .client
        .post(app.url("/api/users/token"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    (id, response.json().await.unwrap())
}

fn access(grant: &Value) -> String {
    grant["access_token"].as_str().unwrap().to_owned()
}

/// The claims of an access token, read without checking it.
fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

async fn send(
    app: &TestApp,
    method: Method,
    id: i64,
    token: &str,
    body: Option<Value>,
) -> Response {
    let mut request = app
        .client
        .request(method, app.url(&format!("/api/users/{id}")))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

async fn recent_authentication_required(response: Response) {
    expect(
        response,
        StatusCode::FORBIDDEN,
        json!({"detail": "Recent authentication required"}),
    )
    .await;
}

async fn wrong_password(response: Response) {
    expect(
        response,
        StatusCode::BAD_REQUEST,
        json!({"detail": "Current password is incorrect"}),
    )
    .await;
}

#[tokio::test]
async fn a_fresh_login_changes_the_email_and_deletes_the_account_on_its_token_alone() {
    let app = spawn_app().await;
    let (id, grant) = signed_up(&app, "alice", false).await;
    let token = access(&grant);
    let moved = json!({"email": "alice@example.org"});
    let changed = send(&app, Method::PATCH, id, &token, Some(moved)).await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(
        changed.json::<Value>().await.unwrap()["email"],
        "alice@example.org"
    );
    expect_no_content(&send(&app, Method::DELETE, id, &token, None).await);
}

#[tokio::test]
async fn an_old_login_changes_the_email_only_with_the_right_current_password() {
    let app = spawn_app().await;
    let (id, grant) = signed_up(&app, "alice", false).await;
    let token = access(&grant);
    app.clock.advance(LATER);
    let moved = json!({"email": "alice@example.org"});
    recent_authentication_required(send(&app, Method::PATCH, id, &token, Some(moved)).await).await;
    let guessed = json!({"email": "alice@example.org", "current_password": "amber-kettle-drift"});
    wrong_password(send(&app, Method::PATCH, id, &token, Some(guessed)).await).await;
    let me = app.get_as("/api/users/me", &token).await;
    assert_eq!(
        me.json::<Value>().await.unwrap()["email"],
        "alice@example.com",
        "neither refusal changed it"
    );
    let renamed = json!({"username": "alice2"});
    let response = send(&app, Method::PATCH, id, &token, Some(renamed)).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "a new name needs nothing more"
    );
    let confirmed = json!({"email": "alice@example.org", "current_password": PASSWORD});
    let changed = send(&app, Method::PATCH, id, &token, Some(confirmed)).await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(
        changed.json::<Value>().await.unwrap()["email"],
        "alice@example.org"
    );
}

#[tokio::test]
async fn an_old_login_deletes_the_account_only_with_the_right_current_password_in_the_body() {
    let app = spawn_app().await;
    let (id, grant) = signed_up(&app, "alice", false).await;
    let token = access(&grant);
    app.clock.advance(LATER);
    recent_authentication_required(send(&app, Method::DELETE, id, &token, None).await).await;
    let empty = json!({});
    recent_authentication_required(send(&app, Method::DELETE, id, &token, Some(empty)).await).await;
    let guessed = json!({"current_password": "amber-kettle-drift"});
    wrong_password(send(&app, Method::DELETE, id, &token, Some(guessed)).await).await;
    let confirmed = json!({"current_password": PASSWORD});
    expect_no_content(&send(&app, Method::DELETE, id, &token, Some(confirmed)).await);
    assert_eq!(
        app.get(&format!("/api/users/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_refreshed_token_keeps_the_logins_auth_time_and_is_not_a_recent_authentication() {
    let app = spawn_app().await;
    let (id, grant) = signed_up(&app, "alice", true).await;
    let login_time = claims(&access(&grant))["auth_time"].as_i64().unwrap();
    assert!(
        (claims(&access(&grant))["iat"].as_i64().unwrap() - login_time).abs() <= 1,
        "a login's token says it was issued at its authentication"
    );
    app.clock.advance(LATER);
    let refreshed = app
        .client
        .post(app.url("/api/users/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", grant["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), StatusCode::OK);
    let renewed = access(&refreshed.json::<Value>().await.unwrap());
    assert_eq!(claims(&renewed)["auth_time"], login_time);
    recent_authentication_required(send(&app, Method::DELETE, id, &renewed, None).await).await;
}

#[tokio::test]
async fn a_token_of_the_original_never_counts_as_a_recent_authentication() {
    let app = spawn_app().await;
    let (id, _) = signed_up(&app, "alice", false).await;
    let original = original_token(id);
    assert_eq!(
        app.get_as("/api/users/me", &original).await.status(),
        StatusCode::OK
    );
    recent_authentication_required(send(&app, Method::DELETE, id, &original, None).await).await;
    let confirmed = json!({"current_password": PASSWORD});
    expect_no_content(&send(&app, Method::DELETE, id, &original, Some(confirmed)).await);
}

#[tokio::test]
async fn a_deletion_body_that_is_not_the_documented_object_is_refused_before_anything_else() {
    let app = spawn_app().await;
    let (id, grant) = signed_up(&app, "alice", false).await;
    let token = access(&grant);
    let not_text = json!({"current_password": 5});
    let response = send(&app, Method::DELETE, id, &token, Some(not_text)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = app
        .client
        .delete(app.url(&format!("/api/users/{id}")))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("current_password")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.get(&format!("/api/users/{id}")).await.status(),
        StatusCode::OK,
        "the account is still there"
    );
}

#[tokio::test]
async fn a_current_password_longer_than_any_password_is_refused_even_when_not_needed() {
    let app = spawn_app().await;
    let (id, grant) = signed_up(&app, "alice", false).await;
    let token = access(&grant);
    let too_long = "x".repeat(257);
    let renamed = json!({"username": "alicia", "current_password": too_long});
    let answer = send(&app, Method::PATCH, id, &token, Some(renamed)).await;
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = answer.json::<Value>().await.unwrap();
    assert_eq!(
        body["detail"][0]["loc"],
        json!(["body", "current_password"])
    );
    let unchanged = send(
        &app,
        Method::DELETE,
        id,
        &token,
        Some(json!({"current_password": ""})),
    )
    .await;
    assert_eq!(unchanged.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
