//! `/api/posts...` and `/api/users/{id}/posts` through the real server.

use crate::support::{
    TestApp, expect, expect_invalid, expect_no_content, expect_unauthorized, spawn_app,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = app.client.request(method, app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_new_post_belongs_to_the_caller_whatever_user_id_it_claims() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    let bob = app.account("bob").await;
    let response = send(
        &app,
        Method::POST,
        "/api/posts",
        Some(&alice.token),
        Some(json!({"title":"Hello","content":"World","user_id": bob.id})),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let post: Value = response.json().await.unwrap();
    assert_eq!(post["user_id"], alice.id);
    assert_eq!(post["title"], "Hello");
    assert_eq!(post["content"], "World");
    assert_eq!(
        post["author"],
        json!({"id":alice.id,"username":"alice","image_file":null,"image_path":"/static/profile_pics/default.jpg"})
    );
    let date = post["date_posted"].as_str().unwrap();
    assert_eq!(date.len(), "2026-11-26T18:01:27.345935Z".len(), "{date}");
    assert!(date.ends_with('Z'));
    assert!(chrono::DateTime::parse_from_rfc3339(date).is_ok());

    let read: Value = app
        .get(&format!("/api/posts/{}", post["id"]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        read, post,
        "a later read shows the same post, timestamp included"
    );
}

#[tokio::test]
async fn creating_a_post_needs_a_valid_token_before_anything_else() {
    let app = spawn_app().await;
    let response = send(
        &app,
        Method::POST,
        "/api/posts",
        None,
        Some(json!({"title": 1})),
    )
    .await;
    expect_unauthorized(response, "Not authenticated").await;
    let response = send(
        &app,
        Method::POST,
        "/api/posts",
        Some("nope"),
        Some(json!({})),
    )
    .await;
    expect_unauthorized(response, "Invalid or expired token").await;
}

#[tokio::test]
async fn post_fields_are_validated() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    let token = Some(alice.token.as_str());
    let cases = [
        (json!({"content":"x"}), "missing", "title"),
        (
            json!({"title":"","content":"x"}),
            "string_too_short",
            "title",
        ),
        (
            json!({"title":"t".repeat(101),"content":"x"}),
            "string_too_long",
            "title",
        ),
        (
            json!({"title":"t","content":""}),
            "string_too_short",
            "content",
        ),
        (json!({"title":"t","content":7}), "string_type", "content"),
    ];
    for (body, kind, field) in cases {
        let response = send(&app, Method::POST, "/api/posts", token, Some(body)).await;
        expect_invalid(response, kind, json!(["body", field])).await;
    }
}

#[tokio::test]
async fn a_missing_post_is_404_and_a_non_integer_id_is_422() {
    let app = spawn_app().await;
    expect(
        app.get("/api/posts/42").await,
        StatusCode::NOT_FOUND,
        json!({"detail":"Post not found"}),
    )
    .await;
    let response = app.get("/api/posts/abc").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"detail":[{"type":"int_parsing","loc":["path","post_id"],"msg":"Input should be a valid integer, unable to parse string as an integer"}]})
    );
}

#[tokio::test]
async fn lists_are_newest_first_and_paged_with_skip_and_limit() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    let bob = app.account("bob").await;
    for (author, title) in [(&alice, "a1"), (&bob, "b1"), (&alice, "a2"), (&bob, "b2")] {
        app.create_post(author, title).await;
    }
    let titles = |list: Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|p| p["title"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        titles(app.get("/api/posts").await.json().await.unwrap()),
        ["b2", "a2", "b1", "a1"]
    );
    assert_eq!(
        titles(
            app.get("/api/posts?skip=1&limit=2")
                .await
                .json()
                .await
                .unwrap()
        ),
        ["a2", "b1"]
    );
    assert_eq!(
        titles(
            app.get(&format!("/api/users/{}/posts", alice.id))
                .await
                .json()
                .await
                .unwrap()
        ),
        ["a2", "a1"]
    );
    assert_eq!(
        titles(
            app.get(&format!("/api/users/{}/posts?limit=1", bob.id))
                .await
                .json()
                .await
                .unwrap()
        ),
        ["b2"]
    );
    expect_invalid(
        app.get("/api/posts?limit=0").await,
        "greater_than_equal",
        json!(["query", "limit"]),
    )
    .await;
    expect_invalid(
        app.get("/api/posts?limit=101").await,
        "less_than_equal",
        json!(["query", "limit"]),
    )
    .await;
    expect_invalid(
        app.get("/api/posts?skip=-1").await,
        "greater_than_equal",
        json!(["query", "skip"]),
    )
    .await;
    expect_invalid(
        app.get("/api/posts?skip=abc").await,
        "int_parsing",
        json!(["query", "skip"]),
    )
    .await;
}

#[tokio::test]
async fn a_users_posts_need_the_user_to_exist_but_may_be_empty() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    expect(
        app.get(&format!("/api/users/{}/posts", alice.id)).await,
        StatusCode::OK,
        json!([]),
    )
    .await;
    expect(
        app.get("/api/users/999/posts").await,
        StatusCode::NOT_FOUND,
        json!({"detail":"User not found"}),
    )
    .await;
}

#[tokio::test]
async fn the_author_replaces_a_post_with_put_and_changes_part_of_it_with_patch() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    let post = app.create_post(&alice, "first").await;
    let path = format!("/api/posts/{}", post["id"]);
    let put = send(
        &app,
        Method::PUT,
        &path,
        Some(&alice.token),
        Some(json!({"title":"second","content":"new body"})),
    )
    .await;
    assert_eq!(put.status(), StatusCode::OK);
    let put: Value = put.json().await.unwrap();
    assert_eq!(
        (put["title"].as_str(), put["content"].as_str()),
        (Some("second"), Some("new body"))
    );
    assert_eq!(put["date_posted"], post["date_posted"]);

    let patch = send(
        &app,
        Method::PATCH,
        &path,
        Some(&alice.token),
        Some(json!({"title":"third","content":null})),
    )
    .await;
    let patch: Value = patch.json().await.unwrap();
    assert_eq!(
        (patch["title"].as_str(), patch["content"].as_str()),
        (Some("third"), Some("new body"))
    );

    let incomplete = send(
        &app,
        Method::PUT,
        &path,
        Some(&alice.token),
        Some(json!({"title":"only"})),
    )
    .await;
    expect_invalid(incomplete, "missing", json!(["body", "content"])).await;
}

#[tokio::test]
async fn editing_checks_authentication_then_existence_then_ownership() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    let bob = app.account("bob").await;
    let post = app.create_post(&alice, "mine").await;
    let path = format!("/api/posts/{}", post["id"]);
    let body = json!({"title":"t","content":"c"});
    for method in [Method::PUT, Method::PATCH] {
        expect_unauthorized(
            send(&app, method.clone(), &path, None, Some(json!([]))).await,
            "Not authenticated",
        )
        .await;
        expect(
            send(
                &app,
                method.clone(),
                "/api/posts/999",
                Some(&bob.token),
                Some(body.clone()),
            )
            .await,
            StatusCode::NOT_FOUND,
            json!({"detail":"Post not found"}),
        )
        .await;
        expect(
            send(
                &app,
                method.clone(),
                &path,
                Some(&bob.token),
                Some(body.clone()),
            )
            .await,
            StatusCode::FORBIDDEN,
            json!({"detail":"Not authorized to update this post"}),
        )
        .await;
    }
    let unchanged: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(unchanged["title"], "mine");
}

#[tokio::test]
async fn only_the_author_deletes_a_post_and_then_it_is_gone() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    let bob = app.account("bob").await;
    let post = app.create_post(&alice, "mine").await;
    let path = format!("/api/posts/{}", post["id"]);
    expect_unauthorized(
        send(&app, Method::DELETE, &path, None, None).await,
        "Not authenticated",
    )
    .await;
    expect(
        send(
            &app,
            Method::DELETE,
            "/api/posts/999",
            Some(&bob.token),
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
        json!({"detail":"Post not found"}),
    )
    .await;
    expect(
        send(&app, Method::DELETE, &path, Some(&bob.token), None).await,
        StatusCode::FORBIDDEN,
        json!({"detail":"Not authorized to delete this post"}),
    )
    .await;
    let deleted = send(&app, Method::DELETE, &path, Some(&alice.token), None).await;
    expect_no_content(&deleted);
    assert_eq!(app.get(&path).await.status(), StatusCode::NOT_FOUND);
}
