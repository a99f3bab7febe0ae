//! The picture routes: upload, its refusals (the client's one upload place included), and
//! removal.

use reqwest::Method as M;
use reqwest::multipart::Form;
use serde_json::json;

use super::driver::{Checker, alice_path_picture, stalled_upload, tiny_png};
use super::users::Cast;

/// Each picture route with every status it can answer.
pub(super) const ROUTES: &[(&str, &str, &[u16])] = &[
    (
        "patch",
        "/api/users/{user_id}/picture",
        &[200, 400, 401, 403, 422, 429, 503],
    ),
    (
        "delete",
        "/api/users/{user_id}/picture",
        &[200, 400, 401, 403, 422],
    ),
];

pub(super) async fn walk(c: &mut Checker, cast: &Cast) {
    let alice = &cast.alice;
    // Pictures: upload, the refusals, and removal.
    let (picture, uma) = ("/api/users/{user_id}/picture", c.account("uma").await);
    let uma_picture = format!("/api/users/{}/picture", uma.id);
    let file = |bytes: Vec<u8>| {
        Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name("me.png"),
        )
    };
    let upload = |c: &Checker, path: &str, token: Option<&str>, form: Form| {
        let request = c.request(&M::PATCH, path).multipart(form);
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    };
    let request = upload(c, &uma_picture, Some(&uma.token), file(tiny_png()));
    let uploaded = c.send(M::PATCH, picture, request).await;
    assert!(
        uploaded["image_path"]
            .as_str()
            .unwrap()
            .starts_with("/media/profile_pics/")
    );
    let request = upload(c, &uma_picture, Some(&uma.token), file(b"text".to_vec()));
    c.send(M::PATCH, picture, request).await;
    let request = upload(c, &uma_picture, None, file(tiny_png()));
    c.send(M::PATCH, picture, request).await;
    let request = upload(
        c,
        &alice_path_picture(alice),
        Some(&uma.token),
        file(tiny_png()),
    );
    c.send(M::PATCH, picture, request).await;
    let request = upload(
        c,
        &uma_picture,
        Some(&uma.token),
        Form::new().text("x", "y"),
    );
    c.send(M::PATCH, picture, request).await;
    // An upload whose body is still arriving holds the client's one upload place: a second
    // one from the same client meanwhile is that client's excess, told to slow down.
    let stalled = stalled_upload(&c.app, &uma_picture, &uma.token, None, 3).await;
    let request = upload(c, &uma_picture, Some(&uma.token), file(tiny_png()));
    let excess = c.send(M::PATCH, picture, request).await;
    assert_eq!(excess, json!({"detail": "Too many requests"}));
    drop(stalled);
    c.call(M::DELETE, picture, &uma_picture, Some(&uma.token))
        .await;
    c.call(M::DELETE, picture, &uma_picture, Some(&uma.token))
        .await;
    c.call(M::DELETE, picture, &uma_picture, None).await;
    c.call(
        M::DELETE,
        picture,
        &alice_path_picture(alice),
        Some(&uma.token),
    )
    .await;
    c.call(
        M::DELETE,
        picture,
        "/api/users/abc/picture",
        Some(&uma.token),
    )
    .await;
}
