//! Revalidation of public reads through the real server: every public read carries an
//! `ETag` and `Cache-Control: public, no-cache`, answers 304 without a body to its current
//! tag, and a change the read shows (an edit, a rename, a new picture, a deletion) makes the
//! old tag stale. Private answers stay `no-store`.

use reqwest::StatusCode;
use serde_json::json;

use crate::pictures::{landscape, png, upload};
use crate::support::{TestApp, expect_no_representation, spawn_app};

/// The public reads of Alice's world: both lists, her post, her profile.
fn public_reads(alice: i64, post: i64) -> [String; 4] {
    [
        "/api/posts".to_owned(),
        format!("/api/users/{alice}/posts"),
        format!("/api/posts/{post}"),
        format!("/api/users/{alice}"),
    ]
}

/// Reads `path`, checks its caching headers, and returns its tag.
async fn tag_of(app: &TestApp, path: &str) -> String {
    let response = app.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    assert_eq!(
        response.headers()["cache-control"],
        "public, no-cache",
        "{path}"
    );
    let tag = response.headers()["etag"].to_str().unwrap().to_owned();
    assert!(tag.starts_with('"') && tag.ends_with('"'), "{path}: {tag}");
    tag
}

/// Revalidates `path` with `tag` and returns the status.
async fn revalidate(app: &TestApp, path: &str, tag: &str) -> StatusCode {
    app.client
        .get(app.url(path))
        .header("if-none-match", tag)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_public_read_revalidated_with_its_current_tag_is_a_304_without_a_body() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    let post = app.create_post(&alice, "Hello").await["id"]
        .as_i64()
        .unwrap();
    for path in public_reads(alice.id, post) {
        let tag = tag_of(&app, &path).await;
        let response = app
            .client
            .get(app.url(&path))
            .header("if-none-match", format!("\"stale\", W/{tag}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(response.headers()["etag"].to_str().unwrap(), tag, "{path}");
        assert_eq!(response.headers()["cache-control"], "public, no-cache");
        expect_no_representation(response.headers());
        assert!(response.bytes().await.unwrap().is_empty(), "{path}");
        assert_eq!(revalidate(&app, &path, "\"stale\"").await, StatusCode::OK);
    }
}

/// Checks that each read's old tag is now stale (a 200), and takes the new tags.
async fn all_stale_after(app: &TestApp, change: &str, reads: &[String], tags: &mut [String]) {
    for (path, tag) in reads.iter().zip(tags.iter_mut()) {
        assert_eq!(
            revalidate(app, path, tag).await,
            StatusCode::OK,
            "{path} after {change}"
        );
        *tag = tag_of(app, path).await;
    }
}

#[tokio::test]
async fn an_edit_a_rename_a_new_picture_or_a_deletion_makes_the_tags_of_what_shows_it_stale() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    let older = app.create_post(&alice, "Older").await["id"]
        .as_i64()
        .unwrap();
    let post = app.create_post(&alice, "Hello").await["id"]
        .as_i64()
        .unwrap();
    let reads = public_reads(alice.id, post);
    let mut tags = Vec::new();
    for path in &reads {
        tags.push(tag_of(&app, path).await);
    }
    let patch = |path: String, body: serde_json::Value| {
        app.client
            .patch(app.url(&path))
            .bearer_auth(&alice.token)
            .json(&body)
            .send()
    };

    let edit = patch(
        format!("/api/posts/{post}"),
        json!({"title": "Hello again"}),
    );
    assert_eq!(edit.await.unwrap().status(), StatusCode::OK);
    // The profile does not show posts: only the three reads that do.
    all_stale_after(&app, "an edit", &reads[..3], &mut tags[..3]).await;

    let rename = patch(
        format!("/api/users/{}", alice.id),
        json!({"username": "alicia"}),
    );
    assert_eq!(rename.await.unwrap().status(), StatusCode::OK);
    all_stale_after(&app, "a rename", &reads, &mut tags).await;

    let picture = upload(
        &app,
        alice.id,
        &alice.token,
        "me.png",
        png(&landscape(), None),
    )
    .await;
    assert_eq!(picture.status(), StatusCode::OK);
    all_stale_after(&app, "a new picture", &reads, &mut tags).await;

    let deletion = app
        .client
        .delete(app.url(&format!("/api/posts/{older}")))
        .bearer_auth(&alice.token)
        .send()
        .await
        .unwrap();
    assert_eq!(deletion.status(), StatusCode::NO_CONTENT);
    all_stale_after(&app, "a deletion", &reads[..2], &mut tags[..2]).await;
    // What the deletion did not touch keeps its tag.
    for (path, tag) in reads[2..].iter().zip(&tags[2..]) {
        assert_eq!(
            revalidate(&app, path, tag).await,
            StatusCode::NOT_MODIFIED,
            "{path}"
        );
    }
}

#[tokio::test]
async fn private_answers_carry_no_tag_and_stay_no_store() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    let me = app.get_as("/api/users/me", &alice.token).await;
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(me.headers()["cache-control"], "no-store");
    assert!(me.headers().get("etag").is_none());
    let missing = app.get("/api/posts/999999").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.headers().get("etag").is_none());
}
