//! `/openapi.json` against the contract and against the running server: every route and
//! status of SPEC section 6 is documented, nothing else is, protected operations name the
//! OAuth2 password-flow scheme, and every documented response (status, headers, body schema)
//! is what the server really sends, checked on real responses with a JSON Schema validator.
//!
//! Each resource's file holds its table (its routes, each with every status it can answer:
//! contract section 6, section 1's 413 for every route that takes a body, the rate-limit
//! (429) and back-pressure (503) answers) and its walk through them; `driver` is what they
//! share, `document` checks the document itself.

mod document;
mod driver;
mod keys;
mod limits;
mod pictures;
mod posts;
mod recovery;
mod sessions;
mod users;
mod verification;

use serde_json::Value;

use driver::{Checker, assert_valid, operations, statuses};

/// Contract section 6: every resource's table.
fn contract() -> Vec<(&'static str, &'static str, &'static [u16])> {
    [
        users::ROUTES,
        sessions::ROUTES,
        recovery::ROUTES,
        verification::ROUTES,
        pictures::ROUTES,
        posts::ROUTES,
        keys::ROUTES,
    ]
    .concat()
}

/// Documented statuses no test can provoke on purpose: the caller's own account vanishing
/// between authentication and the change (a concurrent deletion), and a queue of reset
/// requests full because its job has stopped. Their body is the same `ErrorMessage` as every
/// other refusal, which is checked against a real one instead.
const RACE_ONLY: &[(&str, &str, u16)] = &[
    ("patch", "/api/users/{user_id}", 404),
    ("delete", "/api/users/{user_id}", 404),
    ("post", "/api/users/forgot-password", 503),
];

#[tokio::test]
async fn every_documented_response_is_what_the_server_sends() {
    let mut c = Checker::new().await;
    let cast = users::walk(&mut c).await;
    pictures::walk(&mut c, &cast).await;
    posts::walk(&mut c, &cast).await;
    sessions::walk(&mut c, &cast).await;
    recovery::walk(&mut c).await;
    verification::walk(&mut c).await;
    limits::walk(&mut c).await;
    keys::walk(&mut c).await;
    users::delete(&mut c, &cast).await;

    // Every documented response was produced, except the race-only ones, whose schema is
    // checked against a real 404 of the same shape.
    let not_found = c
        .app
        .get("/api/users/999999")
        .await
        .json::<Value>()
        .await
        .unwrap();
    let mut missing = Vec::new();
    for (method, path, operation) in operations(&c.doc.clone()) {
        for status in statuses(operation) {
            if c.seen.contains(&(method.clone(), path.clone(), status)) {
                continue;
            }
            if RACE_ONLY.contains(&(method.as_str(), path.as_str(), status)) {
                let schema = &operation["responses"][status.to_string()]["content"]["application/json"]
                    ["schema"];
                assert_valid(
                    &c.doc,
                    schema,
                    &not_found,
                    &format!("{method} {path} {status}"),
                );
                continue;
            }
            missing.push(format!("{method} {path} {status}"));
        }
    }
    assert!(
        missing.is_empty(),
        "documented but never produced: {missing:?}"
    );
}
