//! The server-rendered pages over HTTP: content, escaping, status codes of the error page,
//! security and cache headers, static files. (The browser suite covers behaviour in a real
//! browser.)

use crate::support::spawn_app;
use reqwest::StatusCode;

async fn page(
    app: &crate::support::TestApp,
    path: &str,
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let response = app.get(path).await;
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

#[tokio::test]
async fn the_home_page_lists_posts_escaped_with_author_and_long_date() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    app.create_post(&alice, "<script>alert(1)</script>").await;
    let (status, headers, html) = page(&app, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(html.contains("&lt;script&gt;alert(1)&lt;"));
    assert!(!html.contains("<script>alert(1)"));
    assert!(html.contains(&format!("href=\"/users/{}/posts\"", alice.id)));
    let today = chrono::Utc::now().format("%B %-d, %Y").to_string();
    assert!(html.contains(&today), "no {today} in the page");
    let (status, _, same) = page(&app, "/posts").await;
    assert_eq!(status, StatusCode::OK);
    assert!(same.contains("alice"));
}

#[tokio::test]
async fn pages_forbid_inline_scripts_framing_and_sniffing() {
    let app = spawn_app().await;
    for path in ["/", "/login", "/register", "/account", "/no-such-page"] {
        let (_, headers, html) = page(&app, path).await;
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(headers.contains_key("referrer-policy"));
        assert!(!html.contains("<script>"), "{path} has an inline script");
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "{path} has an absolute link"
        );
    }
}

#[tokio::test]
async fn a_users_page_names_them_and_says_when_they_have_no_posts() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    let (status, _, html) = page(&app, &format!("/users/{}/posts", alice.id)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Posts by alice"));
    assert!(html.contains("No posts by this user yet."));
}

#[tokio::test]
async fn missing_and_malformed_pages_render_the_error_page_with_their_status() {
    let app = spawn_app().await;
    for (path, status) in [
        ("/posts/999", StatusCode::NOT_FOUND),
        ("/users/999/posts", StatusCode::NOT_FOUND),
        ("/posts/abc", StatusCode::UNPROCESSABLE_ENTITY),
        ("/nothing/here", StatusCode::NOT_FOUND),
        ("/static/no-such-file.css", StatusCode::NOT_FOUND),
        ("/media/profile_pics/none.png", StatusCode::NOT_FOUND),
    ] {
        let (got, headers, html) = page(&app, path).await;
        assert_eq!(got, status, "{path}");
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        assert!(
            html.contains(&format!("Oops... {} Error", status.as_u16())),
            "{path}"
        );
    }
    let wrong_method = app.client.delete(app.url("/login")).send().await.unwrap();
    assert_eq!(wrong_method.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        wrong_method
            .text()
            .await
            .unwrap()
            .contains("Oops... 405 Error")
    );
}

#[tokio::test]
async fn pages_answer_head_requests_with_the_headers_of_the_page() {
    let app = spawn_app().await;
    let head = app.client.head(app.url("/")).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    // The client never reads a body after HEAD, so what shows the page was answered is that
    // its type and length are those of the page itself.
    let (status, headers, html) = page(&app, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(head.headers()["content-type"], headers["content-type"]);
    assert_eq!(
        head.headers()["content-length"],
        html.len().to_string().as_str()
    );
}

#[tokio::test]
async fn static_files_are_served_with_their_type_and_revalidated_on_every_use() {
    let app = spawn_app().await;
    for (path, kind) in [
        ("/static/js/auth.js", "text/javascript"),
        ("/static/css/style.css", "text/css"),
        ("/static/profile_pics/default.jpg", "image/jpeg"),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(kind),
            "{path}"
        );
        assert_eq!(response.headers()["cache-control"], "no-cache", "{path}");
        let modified = response.headers()["last-modified"].clone();
        // The browser's revalidation: unchanged, so 304 and no body.
        let again = app
            .client
            .get(app.url(path))
            .header("if-modified-since", modified)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        crate::support::expect_no_representation(again.headers());
        assert_eq!(again.headers()["cache-control"], "no-cache", "{path}");
    }
}

#[tokio::test]
async fn paging_links_on_the_home_page_point_at_older_and_newer_posts() {
    let app = spawn_app().await;
    let alice = app.account("alice").await;
    for n in 0..3 {
        app.create_post(&alice, &format!("post {n}")).await;
    }
    let (_, _, first) = page(&app, "/?limit=2").await;
    assert!(first.contains("post 2") && first.contains("post 1") && !first.contains("post 0"));
    assert!(first.contains("?skip=2&amp;limit=2\""), "no older link");
    let (_, _, second) = page(&app, "/?skip=2&limit=2").await;
    assert!(second.contains("post 0"));
    assert!(second.contains("?skip=0&amp;limit=2\""), "no newer link");
}
