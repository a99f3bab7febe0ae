//! `/api/users...` through the real server: registration, login, `/me`, profiles, account
//! self-service, with every error case of the contract.

use crate::support::{
    SECRET_KEY, expect, expect_invalid, expect_no_content, expect_unauthorized, spawn_app,
};
use reqwest::StatusCode;
use reqwest::multipart::Form;
use serde_json::{Value, json};

#[tokio::test]
async fn registering_returns_the_private_view_with_a_lower_cased_email() {
    let app = spawn_app().await;
    let response = app
        .register("alice", "Alice@Example.com", "quiet-harbour-lamp")
        .await;
    expect(
        response,
        StatusCode::CREATED,
        json!({"id":1,"username":"alice","image_file":null,"image_path":"/static/profile_pics/default.jpg","email":"alice@example.com"}),
    )
    .await;
}

#[tokio::test]
async fn a_username_differing_only_in_case_is_refused() {
    let app = spawn_app().await;
    app.register("alice", "alice@example.com", "quiet-harbour-lamp")
        .await;
    let response = app
        .register("ALICE", "other@example.com", "quiet-harbour-lamp")
        .await;
    expect(
        response,
        StatusCode::BAD_REQUEST,
        json!({"detail":"Username already exists"}),
    )
    .await;
}

#[tokio::test]
async fn an_email_differing_only_in_case_is_refused() {
    let app = spawn_app().await;
    app.register("alice", "alice@example.com", "quiet-harbour-lamp")
        .await;
    let response = app
        .register("alice2", "ALICE@EXAMPLE.COM", "quiet-harbour-lamp")
        .await;
    expect(
        response,
        StatusCode::BAD_REQUEST,
        json!({"detail":"Email already registered"}),
    )
    .await;
}

#[tokio::test]
async fn a_duplicate_username_is_reported_before_a_duplicate_email() {
    let app = spawn_app().await;
    app.register("alice", "alice@example.com", "quiet-harbour-lamp")
        .await;
    let response = app
        .register("Alice", "alice@example.com", "quiet-harbour-lamp")
        .await;
    expect(
        response,
        StatusCode::BAD_REQUEST,
        json!({"detail":"Username already exists"}),
    )
    .await;
}

#[tokio::test]
async fn an_invalid_email_is_a_value_error() {
    let app = spawn_app().await;
    let response = app
        .register("carol", "not-an-email", "quiet-harbour-lamp")
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    let item = &body["detail"][0];
    assert_eq!(item["type"], "value_error");
    assert_eq!(item["loc"], json!(["body", "email"]));
    assert!(
        item["msg"]
            .as_str()
            .unwrap()
            .starts_with("value is not a valid email address: ")
    );
}

#[tokio::test]
async fn a_missing_password_is_reported_as_missing() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/users"))
        .json(&json!({"username":"carol","email":"carol@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["detail"],
        json!([{"type":"missing","loc":["body","password"],"msg":"Field required"}])
    );
}

#[tokio::test]
async fn every_invalid_field_is_listed_at_once_without_echoing_the_password() {
    let app = spawn_app().await;
    let response = app.register("", "x@example.com", "s3cr3t").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    let items = body["detail"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{body}");
    assert_eq!(items[0]["type"], "string_too_short");
    assert_eq!(items[0]["loc"], json!(["body", "username"]));
    assert_eq!(
        items[1],
        json!({"type":"string_too_short","loc":["body","password"],"msg":"String should have at least 8 characters"})
    );
    assert!(!body.to_string().contains("s3cr3t"));
}

#[tokio::test]
async fn overlong_fields_are_refused() {
    let app = spawn_app().await;
    let long_name = "n".repeat(51);
    let response = app
        .register(&long_name, "x@example.com", "quiet-harbour-lamp")
        .await;
    expect_invalid(response, "string_too_long", json!(["body", "username"])).await;
    let long_password = "p".repeat(257);
    let response = app.register("carol", "x@example.com", &long_password).await;
    expect_invalid(response, "string_too_long", json!(["body", "password"])).await;
}

#[tokio::test]
async fn wrong_json_types_malformed_json_and_other_content_types_are_422_not_500() {
    let app = spawn_app().await;
    let url = app.url("/api/users");
    let wrong_type = app
        .client
        .post(&url)
        .json(&json!({"username": 5, "email": "a@example.com", "password": "quiet-harbour-lamp"}))
        .send()
        .await
        .unwrap();
    expect_invalid(wrong_type, "string_type", json!(["body", "username"])).await;

    let malformed = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"username\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = malformed.json().await.unwrap();
    assert_eq!(body["detail"][0]["type"], "json_invalid");

    for (content_type, payload) in [
        ("text/plain", "{\"username\":\"a\"}"),
        ("application/json", "[1, 2]"),
        ("application/json", "\"text\""),
    ] {
        let response = app
            .client
            .post(&url)
            .header("content-type", content_type)
            .body(payload)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{content_type} {payload}"
        );
    }
}

#[tokio::test]
async fn unknown_fields_are_ignored() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/users"))
        .json(&json!({"username":"dave","email":"dave@example.com","password":"quiet-harbour-lamp","is_admin":true,"id":99}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.json::<Value>().await.unwrap()["id"], 1);
}

#[tokio::test]
async fn ten_concurrent_registrations_of_one_name_in_different_case_create_exactly_one_account() {
    let app = spawn_app().await;
    let names = [
        "erin", "ERIN", "Erin", "eRin", "erIn", "eriN", "ERin", "erIN", "ErIn", "eRiN",
    ];
    let attempts = names.iter().enumerate().map(|(i, name)| {
        let app = &app;
        async move {
            app.register(name, &format!("erin{i}@example.com"), "quiet-harbour-lamp")
                .await
        }
    });
    let responses = futures_util::future::join_all(attempts).await;
    let mut created = 0;
    for response in responses {
        match response.status() {
            StatusCode::CREATED => created += 1,
            StatusCode::BAD_REQUEST => assert_eq!(
                response.json::<Value>().await.unwrap(),
                json!({"detail":"Username already exists"})
            ),
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(created, 1);
}

#[tokio::test]
async fn ten_concurrent_registrations_of_one_name_from_one_address_answer_one_201_and_nine_400_never_503()
 {
    // The default share of hashing places per client, not the tests' unlimited one.
    let app = crate::support::spawn_app_with(&[("HASHING_PLACES_PER_CLIENT", "2")]).await;
    let attempts = (0..10).map(|i| {
        let app = &app;
        async move {
            app.register(
                "frances",
                &format!("frances{i}@example.com"),
                "quiet-harbour-lamp",
            )
            .await
        }
    });
    let mut statuses = Vec::new();
    for response in futures_util::future::join_all(attempts).await {
        let status = response.status();
        if status == StatusCode::BAD_REQUEST {
            assert_eq!(
                response.json::<Value>().await.unwrap(),
                json!({"detail":"Username already exists"})
            );
        }
        statuses.push(status);
    }
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let taken = statuses
        .iter()
        .filter(|s| **s == StatusCode::BAD_REQUEST)
        .count();
    assert_eq!((created, taken), (1, 9), "{statuses:?}");
}

#[tokio::test]
async fn login_takes_the_email_in_any_case_and_returns_a_bearer_token() {
    let app = spawn_app().await;
    app.register("alice", "alice@example.com", "quiet-harbour-lamp")
        .await;
    let response = app.login("ALICE@EXAMPLE.COM", "quiet-harbour-lamp").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers().get("cache-control").unwrap(), "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "bearer");
    let token = body["access_token"].as_str().unwrap();
    let me = app.get_as("/api/users/me", token).await;
    assert_eq!(me.status(), StatusCode::OK);
}

#[tokio::test]
async fn login_accepts_a_multipart_form_and_a_password_grant_type() {
    let app = spawn_app().await;
    app.register("alice", "alice@example.com", "quiet-harbour-lamp")
        .await;
    let form = Form::new()
        .text("username", "alice@example.com")
        .text("password", "quiet-harbour-lamp")
        .text("grant_type", "password");
    let response = app
        .client
        .post(app.url("/api/users/token"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_username_instead_of_an_email_does_not_log_in() {
    let app = spawn_app().await;
    app.register("alice", "alice@example.com", "quiet-harbour-lamp")
        .await;
    expect_unauthorized(
        app.login("alice", "quiet-harbour-lamp").await,
        "Incorrect email or password",
    )
    .await;
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_identical_answers() {
    let app = spawn_app().await;
    app.register("alice", "alice@example.com", "quiet-harbour-lamp")
        .await;
    let unknown = app.login("nobody@example.com", "quiet-harbour-lamp").await;
    let wrong = app.login("alice@example.com", "wrong-password").await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status(), wrong.status());
    // The contract lets only these two differ.
    let headers = |r: &reqwest::Response| {
        let mut h: Vec<(String, String)> = r
            .headers()
            .iter()
            .filter(|(name, _)| *name != "date" && *name != "x-request-id")
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
            .collect();
        h.sort();
        h
    };
    assert_eq!(headers(&unknown), headers(&wrong));
    assert_eq!(unknown.bytes().await.unwrap(), wrong.bytes().await.unwrap());
}

#[tokio::test]
async fn login_with_missing_or_empty_fields_another_grant_type_or_json_is_422() {
    let app = spawn_app().await;
    let url = app.url("/api/users/token");
    let missing = app
        .client
        .post(&url)
        .form(&[("username", "a@example.com")])
        .send()
        .await
        .unwrap();
    expect_invalid(missing, "missing", json!(["body", "password"])).await;
    let empty = app
        .client
        .post(&url)
        .form(&[("username", ""), ("password", "quiet-harbour-lamp")])
        .send()
        .await
        .unwrap();
    expect_invalid(empty, "missing", json!(["body", "username"])).await;
    let grant = app
        .client
        .post(&url)
        .form(&[
            ("username", "a@example.com"),
            ("password", "pw"),
            ("grant_type", "client_credentials"),
        ])
        .send()
        .await
        .unwrap();
    expect_invalid(
        grant,
        "string_pattern_mismatch",
        json!(["body", "grant_type"]),
    )
    .await;
    let as_json = app
        .client
        .post(&url)
        .json(&json!({"username": "a@example.com", "password": "quiet-harbour-lamp"}))
        .send()
        .await
        .unwrap();
    expect_invalid(as_json, "missing", json!(["body", "username"])).await;
}

#[tokio::test]
async fn me_without_a_bearer_header_is_not_authenticated() {
    let app = spawn_app().await;
    expect_unauthorized(app.get("/api/users/me").await, "Not authenticated").await;
    let basic = app
        .client
        .get(app.url("/api/users/me"))
        .header("authorization", "Basic YWxpY2U6cHc=")
        .send()
        .await
        .unwrap();
    expect_unauthorized(basic, "Not authenticated").await;
}

#[tokio::test]
async fn me_accepts_the_scheme_name_in_lower_case() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    let response = app
        .client
        .get(app.url("/api/users/me"))
        .header("authorization", format!("bearer {}", alice.token))
        .send()
        .await
        .unwrap();
    expect(
        response,
        StatusCode::OK,
        json!({"id":alice.id,"username":"alice","image_file":null,"image_path":"/static/profile_pics/default.jpg","email":"alice@example.com"}),
    )
    .await;
}

fn forge(claims: &Value, key: &str, algorithm: jsonwebtoken::Algorithm) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(algorithm),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(key.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn garbage_forged_expired_and_foreign_algorithm_tokens_are_invalid() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    let now = chrono::Utc::now().timestamp();
    let sub = alice.id.to_string();
    let tokens = [
        "garbage".to_owned(),
        forge(
            &json!({"sub": sub, "exp": now + 600, "jti": "a", "gen": 0}),
            "another-key-another-key-another-key",
            jsonwebtoken::Algorithm::HS256,
        ),
        forge(
            &json!({"sub": sub, "exp": now - 1, "jti": "a", "gen": 0}),
            SECRET_KEY,
            jsonwebtoken::Algorithm::HS256,
        ),
        forge(
            &json!({"sub": sub, "exp": now + 600, "jti": "a", "gen": 0}),
            SECRET_KEY,
            jsonwebtoken::Algorithm::HS512,
        ),
        forge(
            &json!({"sub": alice.id, "exp": now + 600, "jti": "a", "gen": 0}),
            SECRET_KEY,
            jsonwebtoken::Algorithm::HS256,
        ),
        forge(
            &json!({"sub": sub, "jti": "a", "gen": 0}),
            SECRET_KEY,
            jsonwebtoken::Algorithm::HS256,
        ),
    ];
    for token in tokens {
        expect_unauthorized(
            app.get_as("/api/users/me", &token).await,
            "Invalid or expired token",
        )
        .await;
    }
    let genuine = forge(
        &json!({"sub": sub, "exp": now + 600, "jti": "a-token-id", "gen": 0}),
        SECRET_KEY,
        jsonwebtoken::Algorithm::HS256,
    );
    assert_eq!(
        app.get_as("/api/users/me", &genuine).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_token_of_a_deleted_account_is_refused_and_never_authenticates_a_later_account() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    let deleted = app
        .client
        .delete(app.url(&format!("/api/users/{}", alice.id)))
        .bearer_auth(&alice.token)
        .send()
        .await
        .unwrap();
    expect_no_content(&deleted);
    expect_unauthorized(
        app.get_as("/api/users/me", &alice.token).await,
        "User not found",
    )
    .await;

    let bob = app.account("bob").await;
    assert_ne!(bob.id, alice.id);
    expect_unauthorized(
        app.get_as("/api/users/me", &alice.token).await,
        "User not found",
    )
    .await;
}

#[tokio::test]
async fn a_public_profile_shows_no_email() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    expect(
        app.get(&format!("/api/users/{}", alice.id)).await,
        StatusCode::OK,
        json!({"id":alice.id,"username":"alice","image_file":null,"image_path":"/static/profile_pics/default.jpg"}),
    )
    .await;
    expect(
        app.get("/api/users/999").await,
        StatusCode::NOT_FOUND,
        json!({"detail":"User not found"}),
    )
    .await;
    expect_invalid(
        app.get("/api/users/abc").await,
        "int_parsing",
        json!(["path", "user_id"]),
    )
    .await;
}

async fn patch_user(
    app: &crate::support::TestApp,
    id: i64,
    token: Option<&str>,
    body: Value,
) -> reqwest::Response {
    let mut request = app
        .client
        .patch(app.url(&format!("/api/users/{id}")))
        .json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_user_updates_their_own_profile_and_absent_or_null_fields_stay() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    let response = patch_user(
        &app,
        alice.id,
        Some(&alice.token),
        json!({"username":"Alice","email":null,"image_file":"me.png"}),
    )
    .await;
    expect(
        response,
        StatusCode::OK,
        // `image_file` is ignored: pictures change through their own route.
        json!({"id":alice.id,"username":"Alice","image_file":null,"image_path":"/static/profile_pics/default.jpg","email":"alice@example.com"}),
    )
    .await;
    let email = patch_user(
        &app,
        alice.id,
        Some(&alice.token),
        json!({"email":"New@Example.com"}),
    )
    .await;
    let body: Value = email.json().await.unwrap();
    assert_eq!(body["email"], "new@example.com");
    assert_eq!(body["username"], "Alice");
}

#[tokio::test]
async fn profile_updates_check_authentication_then_ownership_then_uniqueness() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    let bob = app.account("bob").await;
    expect_unauthorized(
        patch_user(&app, alice.id, None, json!({"username": 5})).await,
        "Not authenticated",
    )
    .await;
    for target in [bob.id, 999] {
        expect(
            patch_user(&app, target, Some(&alice.token), json!({"username":"x"})).await,
            StatusCode::FORBIDDEN,
            json!({"detail":"Not authorized to update this user"}),
        )
        .await;
    }
    expect(
        patch_user(
            &app,
            alice.id,
            Some(&alice.token),
            json!({"username":"BOB"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        json!({"detail":"Username already exists"}),
    )
    .await;
    expect(
        patch_user(
            &app,
            alice.id,
            Some(&alice.token),
            json!({"email":"bob@example.com"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        json!({"detail":"Email already registered"}),
    )
    .await;
    expect_invalid(
        patch_user(&app, alice.id, Some(&alice.token), json!({"email":"nope"})).await,
        "value_error",
        json!(["body", "email"]),
    )
    .await;
    let ignored = patch_user(
        &app,
        alice.id,
        Some(&alice.token),
        json!({"image_file":"../../etc/passwd"}),
    )
    .await;
    assert_eq!(ignored.status(), StatusCode::OK);
    assert_eq!(
        ignored.json::<serde_json::Value>().await.unwrap()["image_file"],
        serde_json::Value::Null
    );
}

#[tokio::test]
async fn deleting_someone_elses_account_is_forbidden_whether_or_not_it_exists() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    let bob = app.account("bob").await;
    for target in [bob.id, 999] {
        let response = app
            .client
            .delete(app.url(&format!("/api/users/{target}")))
            .bearer_auth(&alice.token)
            .send()
            .await
            .unwrap();
        expect(
            response,
            StatusCode::FORBIDDEN,
            json!({"detail":"Not authorized to delete this user"}),
        )
        .await;
    }
    let anonymous = app
        .client
        .delete(app.url(&format!("/api/users/{}", bob.id)))
        .send()
        .await
        .unwrap();
    expect_unauthorized(anonymous, "Not authenticated").await;
    assert_eq!(
        app.get(&format!("/api/users/{}", bob.id)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn deleting_an_account_deletes_its_posts() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    let post = app.create_post(&alice, "bye").await;
    app.client
        .delete(app.url(&format!("/api/users/{}", alice.id)))
        .bearer_auth(&alice.token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        app.get(&format!("/api/posts/{}", post["id"]))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    expect(app.get("/api/posts").await, StatusCode::OK, json!([])).await;
}
