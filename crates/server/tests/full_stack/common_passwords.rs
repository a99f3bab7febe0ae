//! Common passwords through the real server: registration answers the contract's 422
//! `password_too_common`, an uncommon passphrase registers and signs in, and
//! `PASSWORD_BLOCKLIST=off` lets a common password through.

use crate::support::{expect, spawn_app, spawn_app_with};
use reqwest::StatusCode;
use serde_json::json;

fn too_common() -> serde_json::Value {
    json!({"detail": [{
        "type": "password_too_common",
        "loc": ["body", "password"],
        "msg": "This password is too common. Choose a less predictable one",
    }]})
}

#[tokio::test]
async fn registration_refuses_common_passwords_and_accepts_an_uncommon_passphrase() {
    let app = spawn_app().await;
    for password in ["password123", "Password1!", "alice-harbour"] {
        let refused = app.register("alice", "alice@example.com", password).await;
        expect(refused, StatusCode::UNPROCESSABLE_ENTITY, too_common()).await;
    }
    let passphrase = "correct horse battery staple quill";
    let created = app.register("alice", "alice@example.com", passphrase).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let login = app.login("alice@example.com", passphrase).await;
    assert_eq!(login.status(), StatusCode::OK);
}

#[tokio::test]
async fn with_the_blocklist_off_a_common_password_registers() {
    let app = spawn_app_with(&[("PASSWORD_BLOCKLIST", "off")]).await;
    let created = app
        .register("alice", "alice@example.com", "password123")
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
}
