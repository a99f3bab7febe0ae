//! The document itself: every route and status of the contract and nothing else, each
//! operation tagged, named and described, the OAuth2 password flow named, paging documented,
//! response schemas closed; and the docs page that shows it.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::json;

use super::driver::{document, operations, resolve, statuses, validator};
use crate::support::spawn_app;

#[tokio::test]
async fn the_document_lists_every_route_and_status_of_the_contract_and_nothing_else() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let documented: BTreeSet<(String, String)> = operations(&doc)
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect();
    let contract: BTreeSet<(String, String)> = super::contract()
        .iter()
        .map(|(method, path, _)| ((*method).to_owned(), (*path).to_owned()))
        .collect();
    // Also proves pages, files, health checks and the docs themselves are left out.
    assert_eq!(documented, contract);
    for (method, path, expected) in &super::contract() {
        let operation = &doc["paths"][path][method];
        let listed = statuses(operation);
        for status in *expected {
            assert!(
                listed.contains(status),
                "{method} {path} does not document {status}: {listed:?}"
            );
        }
        assert!(!listed.contains(&500), "{method} {path} documents a 500");
    }
}

#[tokio::test]
async fn every_operation_is_tagged_named_and_described() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let tags: BTreeSet<&str> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(tags, BTreeSet::from(["users", "posts", "tokens"]));
    let mut ids = BTreeSet::new();
    for (method, path, operation) in operations(&doc) {
        let tag = operation["tags"][0].as_str().unwrap();
        let expected = if path.starts_with("/api/posts") || path.ends_with("/posts") {
            "posts"
        } else if path.starts_with("/.well-known/") {
            "tokens"
        } else {
            "users"
        };
        assert_eq!(tag, expected, "{method} {path}");
        let id = operation["operationId"].as_str().unwrap().to_owned();
        assert!(ids.insert(id), "{method} {path}: duplicate operationId");
        assert!(
            operation["summary"].is_string(),
            "{method} {path}: no summary"
        );
        for (status, response) in operation["responses"].as_object().unwrap() {
            assert!(
                response["description"]
                    .as_str()
                    .is_some_and(|d| !d.is_empty()),
                "{method} {path} {status}: no description"
            );
        }
        // Every placeholder of the path is a documented path parameter, and nothing else is.
        let in_path: BTreeSet<&str> = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|parameter| parameter["in"] == "path")
            .map(|parameter| parameter["name"].as_str().unwrap())
            .collect();
        let placeholders: BTreeSet<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect();
        assert_eq!(in_path, placeholders, "{method} {path}");
    }
}

#[tokio::test]
async fn protected_operations_name_the_oauth2_password_flow_that_logs_in_at_the_token_route() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    assert_eq!(schemes.len(), 1);
    let (name, scheme) = schemes.iter().next().unwrap();
    assert_eq!(scheme["type"], "oauth2");
    assert_eq!(scheme["flows"]["password"]["tokenUrl"], "/api/users/token");
    for (method, path, operation) in operations(&doc) {
        // A route is protected exactly when it can answer 401 for a missing token; the token
        // route answers 401 for bad credentials, and needs none.
        let protected = statuses(operation).contains(&401) && path != "/api/users/token";
        let security = &operation["security"];
        if protected {
            assert_eq!(security, &json!([{ name.as_str(): [] }]), "{method} {path}");
        } else {
            assert!(security.is_null(), "{method} {path} should be public");
        }
    }
    let token = &doc["paths"]["/api/users/token"]["post"]["requestBody"]["content"];
    for media in ["application/x-www-form-urlencoded", "multipart/form-data"] {
        let schema = resolve(&doc, &token[media]["schema"]);
        let [password, refresh] = schema["oneOf"].as_array().unwrap().as_slice() else {
            panic!("{media}: the password and refresh-token grants");
        };
        assert_eq!(
            password["required"],
            json!(["username", "password"]),
            "{media}"
        );
        assert_eq!(
            password["properties"]["grant_type"]["pattern"],
            "^password$"
        );
        for field in ["scope", "client_id", "client_secret"] {
            assert!(
                password["properties"][field].is_object(),
                "{media}: {field}"
            );
        }
        assert_eq!(
            refresh["required"],
            json!(["grant_type", "refresh_token"]),
            "{media}: a refresh needs no password"
        );
        assert_eq!(
            refresh["properties"]["grant_type"]["enum"],
            json!(["refresh_token"])
        );
    }
}

#[tokio::test]
async fn paging_parameters_are_documented_with_their_bounds_and_defaults() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    for path in ["/api/posts", "/api/users/{user_id}/posts"] {
        let parameters = doc["paths"][path]["get"]["parameters"].as_array().unwrap();
        let find = |name: &str| {
            parameters
                .iter()
                .find(|p| p["name"] == name && p["in"] == "query")
                .unwrap_or_else(|| panic!("{path}: no {name}"))
                .clone()
        };
        let (skip, limit) = (find("skip"), find("limit"));
        assert_eq!(skip["required"], false);
        assert_eq!(skip["schema"]["minimum"], 0);
        assert_eq!(skip["schema"]["default"], 0);
        assert_eq!(limit["schema"]["minimum"], 1);
        assert_eq!(limit["schema"]["maximum"], 100);
        assert_eq!(limit["schema"]["default"], 100);
    }
}

#[tokio::test]
async fn response_schemas_are_closed_so_a_leaked_field_fails_validation() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let public = json!({ "$ref": "#/components/schemas/UserPublic" });
    let mut profile = json!({
        "id": 1, "username": "alice", "image_file": null,
        "image_path": "/static/profile_pics/default.jpg",
    });
    assert!(validator(&doc, &public).is_valid(&profile));
    profile["email"] = json!("alice@example.com");
    assert!(
        !validator(&doc, &public).is_valid(&profile),
        "an email in UserPublic"
    );
    let message = json!({ "$ref": "#/components/schemas/ErrorMessage" });
    assert!(!validator(&doc, &message).is_valid(&json!({ "detail": [] })));
}

#[tokio::test]
async fn the_docs_page_is_served_by_quill_with_its_own_strict_policy() {
    let app = spawn_app().await;
    let page = app.get("/docs").await;
    assert_eq!(page.status(), StatusCode::OK);
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("script-src 'self';"), "{policy}");
    assert!(!policy.contains("unsafe-eval"), "{policy}");
    assert!(policy.contains("connect-src 'self'"), "{policy}");
    let html = page.text().await.unwrap();
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );
    for asset in [
        "swagger-ui-bundle.js",
        "swagger-ui.css",
        "swagger-initializer.js",
    ] {
        let response = app.get(&format!("/docs/{asset}")).await;
        assert_eq!(response.status(), StatusCode::OK, "{asset}");
    }
    let initializer = app
        .get("/docs/swagger-initializer.js")
        .await
        .text()
        .await
        .unwrap();
    assert!(initializer.contains("\"/openapi.json\""), "{initializer}");
    let unknown = app.get("/docs/nope.js").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(
        unknown.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}
