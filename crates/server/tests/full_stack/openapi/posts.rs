//! The post routes and an author's posts: creation, listing and paging, reads and their
//! revalidations, full and partial edits, deletion.

use reqwest::Method as M;
use serde_json::json;

use super::driver::Checker;
use super::users::Cast;

/// Each post route with every status it can answer.
pub(super) const ROUTES: &[(&str, &str, &[u16])] = &[
    ("get", "/api/users/{user_id}/posts", &[200, 304, 404]),
    ("get", "/api/posts", &[200, 304]),
    ("post", "/api/posts", &[201, 401, 413, 422]),
    ("get", "/api/posts/{post_id}", &[200, 304, 404, 422]),
    (
        "put",
        "/api/posts/{post_id}",
        &[200, 401, 403, 404, 413, 422],
    ),
    (
        "patch",
        "/api/posts/{post_id}",
        &[200, 401, 403, 404, 413, 422],
    ),
    ("delete", "/api/posts/{post_id}", &[204, 401, 403, 404]),
];

pub(super) async fn walk(c: &mut Checker, cast: &Cast) {
    let (user, user_posts) = ("/api/users/{user_id}", "/api/users/{user_id}/posts");
    let (posts, post) = ("/api/posts", "/api/posts/{post_id}");
    let Cast {
        alice,
        bob,
        alice_path,
        ..
    } = cast;
    // Posts.
    let draft = json!({"title": "Hello", "content": "First post.", "user_id": bob.id});
    let created = c
        .json(M::POST, posts, posts, Some(&alice.token), &draft, true)
        .await;
    assert_eq!(created["user_id"], alice.id);
    let post_path = format!("/api/posts/{}", created["id"]);
    c.json(M::POST, posts, posts, None, &draft, true).await;
    let untitled = json!({"content": "No title."});
    c.json(M::POST, posts, posts, Some(&alice.token), &untitled, false)
        .await;
    c.oversized(M::POST, posts, posts, &alice.token).await;
    let listed = c.call(M::GET, posts, posts, None).await;
    assert_eq!(listed[0]["author"]["username"], "Alice");
    c.call(M::GET, posts, "/api/posts?limit=101", None).await;
    c.call(
        M::GET,
        user_posts,
        &format!("{alice_path}/posts?skip=0&limit=5"),
        None,
    )
    .await;
    c.call(M::GET, user_posts, "/api/users/999999/posts", None)
        .await;
    c.call(M::GET, user_posts, "/api/users/abc/posts", None)
        .await;
    c.call(M::GET, post, &post_path, None).await;
    c.call(M::GET, post, "/api/posts/999999", None).await;
    c.call(M::GET, post, "/api/posts/abc", None).await;
    // Revalidations of the public reads, with the tags their 200s carried.
    for (template, path) in [
        (posts, posts.to_owned()),
        (user_posts, format!("{alice_path}/posts")),
        (post, post_path.clone()),
        (user, alice_path.clone()),
    ] {
        let full = c.request(&M::GET, &path).send().await.unwrap();
        let tag = full.headers()["etag"].clone();
        let request = c.request(&M::GET, &path).header("if-none-match", tag);
        c.send(M::GET, template, request).await;
    }
    for (method, changes) in [
        (
            M::PUT,
            json!({"title": "Hello again", "content": "Edited."}),
        ),
        (
            M::PATCH,
            json!({"title": "Hello, third time", "content": null}),
        ),
    ] {
        c.json(
            method.clone(),
            post,
            &post_path,
            Some(&alice.token),
            &changes,
            true,
        )
        .await;
        c.json(method.clone(), post, &post_path, None, &changes, true)
            .await;
        c.json(
            method.clone(),
            post,
            &post_path,
            Some(&bob.token),
            &changes,
            true,
        )
        .await;
        c.json(
            method.clone(),
            post,
            "/api/posts/999999",
            Some(&alice.token),
            &changes,
            true,
        )
        .await;
        let blank = json!({"title": ""});
        c.json(
            method.clone(),
            post,
            &post_path,
            Some(&alice.token),
            &blank,
            false,
        )
        .await;
        c.oversized(method, post, &post_path, &alice.token).await;
    }
    c.call(M::DELETE, post, &post_path, None).await;
    c.call(M::DELETE, post, &post_path, Some(&bob.token)).await;
    c.call(M::DELETE, post, "/api/posts/999999", Some(&alice.token))
        .await;
    c.call(M::DELETE, post, "/api/posts/abc", Some(&alice.token))
        .await;
    c.call(M::DELETE, post, &post_path, Some(&alice.token))
        .await;
}
