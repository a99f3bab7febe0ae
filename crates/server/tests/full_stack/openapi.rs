//! `/openapi.json` against the contract and against the running server: every route and
//! status of SPEC section 6 is documented, nothing else is, protected operations name the
//! OAuth2 password-flow scheme, and every documented response (status, headers, body schema)
//! is what the server really sends, checked on real responses with a JSON Schema validator.

use std::collections::BTreeSet;

use crate::support::{Account, TestApp, poll_until, spawn_app, spawn_app_with};
use reqwest::multipart::Form;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};

/// Contract section 6 (and section 1's 413 for every route that takes a body), with the
/// session routes and the rate-limit (429) and hashing back-pressure (503) answers of the
/// routes that hash passwords: each route with every status it can answer.
const CONTRACT: &[(&str, &str, &[u16])] = &[
    ("post", "/api/users", &[201, 400, 413, 422, 429, 503]),
    (
        "post",
        "/api/users/token",
        &[200, 400, 401, 413, 422, 429, 503],
    ),
    ("get", "/api/users/me", &[200, 401]),
    ("get", "/api/users/me/sessions", &[200, 401]),
    (
        "delete",
        "/api/users/me/sessions/{session_id}",
        &[204, 401, 404],
    ),
    ("post", "/api/users/logout", &[204, 401]),
    ("post", "/api/users/logout-all", &[204, 401]),
    (
        "patch",
        "/api/users/me/password",
        &[200, 400, 401, 413, 422, 429, 503],
    ),
    (
        "post",
        "/api/users/forgot-password",
        &[202, 413, 422, 429, 503],
    ),
    (
        "post",
        "/api/users/reset-password",
        &[200, 400, 413, 422, 429, 503],
    ),
    ("get", "/api/users/{user_id}", &[200, 304, 404, 422]),
    (
        "patch",
        "/api/users/{user_id}",
        &[200, 400, 401, 403, 404, 413, 422],
    ),
    ("delete", "/api/users/{user_id}", &[204, 401, 403, 404]),
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
    ("get", "/.well-known/jwks.json", &[200]),
];

/// Documented statuses no test can provoke on purpose: the caller's own account vanishing
/// between authentication and the change (a concurrent deletion), and a queue of reset
/// requests full because its job has stopped. Their body is the same `ErrorMessage` as every
/// other refusal, which is checked against a real one instead.
const RACE_ONLY: &[(&str, &str, u16)] = &[
    ("patch", "/api/users/{user_id}", 404),
    ("delete", "/api/users/{user_id}", 404),
    ("post", "/api/users/forgot-password", 503),
];

/// A 1x1 PNG.
fn tiny_png() -> Vec<u8> {
    let mut out = Vec::new();
    image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new(&mut out),
        &[10, 20, 30],
        1,
        1,
        image::ExtendedColorType::Rgb8,
    )
    .unwrap();
    out
}

fn alice_path_picture(alice: &Account) -> String {
    format!("/api/users/{}/picture", alice.id)
}

/// An upload to `path` whose headers and first `sent` bytes of file are sent and whose body
/// then stalls, held open until the returned connection is dropped; from the address
/// `forwarded_for` names, if any (for a server that trusts the loopback proxy).
async fn stalled_upload(
    app: &TestApp,
    path: &str,
    token: &str,
    forwarded_for: Option<&str>,
    sent: usize,
) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt as _;
    let address = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let forwarded = forwarded_for
        .map(|from| format!("X-Forwarded-For: {from}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "PATCH {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         {forwarded}Content-Type: multipart/form-data; boundary=b\r\n\
         Content-Length: {}\r\n\r\n\
         --b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n",
        sent + 1000
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&vec![b'P'; sent]).await.unwrap();
    // Long enough for the server to read the head and admit the upload.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    stream
}

/// The token of the newest reset mail to `address` the server wrote to its mail folder.
async fn mailed_reset_token(app: &TestApp, address: &str) -> String {
    let limit = std::time::Duration::from_secs(20);
    let token = poll_until(limit, move || async move {
        let mut mails: Vec<(std::time::SystemTime, String)> =
            std::fs::read_dir(app.mail_dir.path())
                .unwrap()
                .filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                .filter_map(|e| {
                    let modified = e.metadata().ok()?.modified().ok()?;
                    Some((modified, std::fs::read_to_string(e.path()).ok()?))
                })
                .filter(|(_, text)| text.contains(&format!("To: {address}")))
                .collect();
        mails.sort();
        mails.last().and_then(|(_, data)| {
            quill_test_support::smtp::ReceivedMail {
                from: String::new(),
                to: Vec::new(),
                data: data.clone(),
                authenticated: false,
            }
            .reset_token()
        })
    })
    .await;
    token.unwrap_or_else(|| panic!("no reset mail to {address}"))
}

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

async fn document(app: &TestApp) -> Value {
    let response = app.get("/openapi.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "the document is served as JSON"
    );
    response.json().await.unwrap()
}

/// Every (method, path) the document describes.
fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if METHODS.contains(&method.as_str()) {
                found.push((method.clone(), path.clone(), operation));
            }
        }
    }
    found
}

fn statuses(operation: &Value) -> BTreeSet<u16> {
    operation["responses"]
        .as_object()
        .unwrap()
        .keys()
        .map(|s| s.parse().unwrap())
        .collect()
}

#[tokio::test]
async fn the_document_lists_every_route_and_status_of_the_contract_and_nothing_else() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let documented: BTreeSet<(String, String)> = operations(&doc)
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect();
    let contract: BTreeSet<(String, String)> = CONTRACT
        .iter()
        .map(|(method, path, _)| ((*method).to_owned(), (*path).to_owned()))
        .collect();
    // Also proves pages, files, health checks and the docs themselves are left out.
    assert_eq!(documented, contract);
    for (method, path, expected) in CONTRACT {
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

/// Follows a `$ref` into the document's components.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(pointer) => doc.pointer(pointer.trim_start_matches('#')).unwrap(),
        None => schema,
    }
}

/// A validator for one schema of the document, whose `$ref`s resolve into its components;
/// formats (`email`, `date-time`) are asserted, as Schemathesis does.
fn validator(doc: &Value, schema: &Value) -> jsonschema::Validator {
    let mut root = schema.clone();
    root.as_object_mut()
        .unwrap()
        .insert("components".to_owned(), doc["components"].clone());
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&root)
        .unwrap()
}

fn assert_valid(doc: &Value, schema: &Value, instance: &Value, what: &str) {
    let validator = validator(doc, schema);
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: {instance} does not match: {errors:?}"
    );
}

/// A login request running on its own task.
type Login = tokio::task::JoinHandle<reqwest::Result<Response>>;

/// Sends requests described by the document and checks each response against it, recording
/// which documented (method, path, status) were seen.
struct Checker {
    app: TestApp,
    doc: Value,
    seen: BTreeSet<(String, String, u16)>,
}

impl Checker {
    async fn new() -> Self {
        let app = spawn_app().await;
        let doc = document(&app).await;
        Self {
            app,
            doc,
            seen: BTreeSet::new(),
        }
    }

    fn request(&self, method: &Method, path: &str) -> RequestBuilder {
        self.app.client.request(method.clone(), self.app.url(path))
    }

    /// Sends a JSON body, first checking that the document's request schema agrees with the
    /// test about whether it is valid.
    async fn json(
        &mut self,
        method: Method,
        template: &str,
        path: &str,
        token: Option<&str>,
        body: &Value,
        valid: bool,
    ) -> Value {
        let operation = self.operation(&method, template).clone();
        let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
        assert!(
            schema.is_object(),
            "{method} {template}: no JSON body documented"
        );
        let accepted = validator(&self.doc, schema).is_valid(body);
        assert_eq!(accepted, valid, "{method} {template}: schema on {body}");
        let mut request = self.request(&method, path).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        self.send(method, template, request).await
    }

    /// Sends a request with no body (or one the caller built).
    async fn call(
        &mut self,
        method: Method,
        template: &str,
        path: &str,
        token: Option<&str>,
    ) -> Value {
        let mut request = self.request(&method, path);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        self.send(method, template, request).await
    }

    /// A body over the server's limit (256 KiB by default), declared in `Content-Length`.
    async fn oversized(&mut self, method: Method, template: &str, path: &str, token: &str) {
        let padding = "x".repeat(300 * 1024);
        let request = self
            .request(&method, path)
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(json!({ "title": padding }).to_string());
        let body = self.send(method, template, request).await;
        assert_eq!(body, json!({ "detail": "Request body too large" }));
    }

    fn operation(&self, method: &Method, template: &str) -> &Value {
        let operation = &self.doc["paths"][template][method.as_str().to_ascii_lowercase()];
        assert!(
            operation.is_object(),
            "{method} {template} is not documented"
        );
        operation
    }

    /// Checks a response against the document and returns its JSON body (`null` if none).
    async fn send(&mut self, method: Method, template: &str, request: RequestBuilder) -> Value {
        let response = request.send().await.unwrap();
        self.check(&method, template, response).await
    }

    async fn check(&mut self, method: &Method, template: &str, response: Response) -> Value {
        let status = response.status().as_u16();
        let what = format!("{method} {template} -> {status}");
        let documented = self.operation(method, template)["responses"][status.to_string()].clone();
        assert!(documented.is_object(), "{what} is not documented");
        let headers = response.headers().clone();
        for name in documented["headers"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|h| h.0)
        {
            assert!(
                headers.contains_key(name.as_str()),
                "{what}: no {name} header"
            );
        }
        if status == 401 {
            assert_eq!(headers["www-authenticate"], "Bearer", "{what}");
        }
        let bytes = response.bytes().await.unwrap();
        let body = match documented["content"].as_object() {
            None => {
                crate::support::expect_no_representation(&headers);
                assert!(
                    bytes.is_empty(),
                    "{what}: documented without a body, got one"
                );
                Value::Null
            }
            Some(content) => {
                let media = headers["content-type"].to_str().unwrap();
                let schema = &content
                    .get(media)
                    .unwrap_or_else(|| panic!("{what}: {media} is not documented"))["schema"];
                let body: Value = serde_json::from_slice(&bytes).unwrap();
                assert_valid(&self.doc, schema, &body, &what);
                body
            }
        };
        self.seen.insert((
            method.as_str().to_ascii_lowercase(),
            template.to_owned(),
            status,
        ));
        body
    }

    /// On a server with one hashing slot and a queue of one: returns once both places are
    /// seen held, with the login that was turned away for it and the two holding them (still
    /// running). Three logins go at once, each from an address of its own (so none is over
    /// its own share); one answering before the others, with a 503, is the
    /// sign: the other two hold the places and the first hash has only just begun. A round in
    /// which a hash ends first shows nothing and is retried, with other names (each account's
    /// failures are limited).
    async fn hold_both_hashing_places(&mut self) -> (Response, Vec<Login>) {
        for round in 0..5 {
            let mut logins: Vec<Login> = [("victor", 40), ("walter", 41), ("yvonne", 42)]
                .map(|(name, host)| {
                    let request = self
                        .request(&Method::POST, "/api/users/token")
                        .header("x-forwarded-for", format!("192.0.2.{host}"))
                        .form(&[
                            ("username", format!("{name}{round}@example.com")),
                            ("password", "x".to_owned()),
                        ]);
                    tokio::spawn(request.send())
                })
                .into();
            let (first, index, _) = futures_util::future::select_all(&mut logins).await;
            let first = first.unwrap().unwrap();
            logins.remove(index);
            if first.status() == StatusCode::SERVICE_UNAVAILABLE {
                return (first, logins);
            }
            self.check(&Method::POST, "/api/users/token", first).await;
            for login in logins {
                let answer = login.await.unwrap().unwrap();
                self.check(&Method::POST, "/api/users/token", answer).await;
            }
        }
        panic!("in five rounds of three logins at once, none was turned away for want of a place");
    }

    async fn account(&mut self, name: &str) -> Account {
        let body = json!({
            "username": name,
            "email": format!("{name}@example.com"),
            "password": "password123",
        });
        let created = self
            .json(Method::POST, "/api/users", "/api/users", None, &body, true)
            .await;
        let id = created["id"].as_i64().unwrap();
        let form = [
            ("username", format!("{name}@example.com")),
            ("password", "password123".to_owned()),
        ];
        let request = self.request(&Method::POST, "/api/users/token").form(&form);
        let token = self.send(Method::POST, "/api/users/token", request).await;
        Account {
            id,
            token: token["access_token"].as_str().unwrap().to_owned(),
        }
    }
}

#[tokio::test]
async fn every_documented_response_is_what_the_server_sends() {
    use Method as M;
    let mut c = Checker::new().await;
    let (users, token_route) = ("/api/users", "/api/users/token");
    let (user, user_posts) = ("/api/users/{user_id}", "/api/users/{user_id}/posts");
    let (posts, post) = ("/api/posts", "/api/posts/{post_id}");

    // Registration and login.
    let alice = c.account("alice").await;
    let bob = c.account("bob").await;
    let duplicate =
        json!({"username": "ALICE", "email": "x@example.com", "password": "password123"});
    c.json(M::POST, users, users, None, &duplicate, true).await;
    let short = json!({"username": "carol", "email": "carol@example.com", "password": "short"});
    c.json(M::POST, users, users, None, &short, false).await;
    c.oversized(M::POST, users, users, "-").await;
    let request = c.request(&M::POST, token_route).multipart(
        Form::new()
            .text("username", "bob@example.com")
            .text("password", "password123"),
    );
    let multipart = c.send(M::POST, token_route, request).await;
    assert_eq!(multipart["token_type"], "bearer");
    let wrong = [
        ("username", "alice@example.com"),
        ("password", "wrong-password"),
    ];
    let request = c.request(&M::POST, token_route).form(&wrong);
    c.send(M::POST, token_route, request).await;
    let other_grant = [
        ("username", "a@b.c"),
        ("password", "p"),
        ("grant_type", "client"),
    ];
    let request = c.request(&M::POST, token_route).form(&other_grant);
    c.send(M::POST, token_route, request).await;
    c.oversized(M::POST, token_route, token_route, "-").await;

    // The caller's account and public profiles.
    let me = "/api/users/me";
    let mine = c.call(M::GET, me, me, Some(&alice.token)).await;
    assert_eq!(mine["email"], "alice@example.com");
    c.call(M::GET, me, me, None).await;
    c.call(M::GET, me, me, Some("not-a-token")).await;
    let alice_path = format!("/api/users/{}", alice.id);
    let bob_path = format!("/api/users/{}", bob.id);
    let public = c.call(M::GET, user, &alice_path, None).await;
    assert!(
        public.get("email").is_none(),
        "a public profile leaks the email"
    );
    c.call(M::GET, user, "/api/users/999999", None).await;
    c.call(M::GET, user, "/api/users/abc", None).await;

    // Profile changes.
    let rename = json!({"username": "Alice", "image_file": "me.jpg", "email": null});
    // `image_file` is not the picture's route: ignored, like any unknown field.
    let renamed = c
        .json(
            M::PATCH,
            user,
            &alice_path,
            Some(&alice.token),
            &rename,
            true,
        )
        .await;
    assert_eq!(renamed["image_path"], "/static/profile_pics/default.jpg");
    let taken = json!({"username": "bob"});
    c.json(
        M::PATCH,
        user,
        &alice_path,
        Some(&alice.token),
        &taken,
        true,
    )
    .await;
    c.json(M::PATCH, user, &alice_path, None, &rename, true)
        .await;
    c.json(M::PATCH, user, &bob_path, Some(&alice.token), &rename, true)
        .await;
    for refused in [json!({"email": "not-an-email"}), json!({"username": ""})] {
        c.json(
            M::PATCH,
            user,
            &alice_path,
            Some(&alice.token),
            &refused,
            false,
        )
        .await;
    }
    c.oversized(M::PATCH, user, &alice_path, &alice.token).await;

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
    let request = upload(&c, &uma_picture, Some(&uma.token), file(tiny_png()));
    let uploaded = c.send(M::PATCH, picture, request).await;
    assert!(
        uploaded["image_path"]
            .as_str()
            .unwrap()
            .starts_with("/media/profile_pics/")
    );
    let request = upload(&c, &uma_picture, Some(&uma.token), file(b"text".to_vec()));
    c.send(M::PATCH, picture, request).await;
    let request = upload(&c, &uma_picture, None, file(tiny_png()));
    c.send(M::PATCH, picture, request).await;
    let request = upload(
        &c,
        &alice_path_picture(&alice),
        Some(&uma.token),
        file(tiny_png()),
    );
    c.send(M::PATCH, picture, request).await;
    let request = upload(
        &c,
        &uma_picture,
        Some(&uma.token),
        Form::new().text("x", "y"),
    );
    c.send(M::PATCH, picture, request).await;
    // An upload whose body is still arriving holds the client's one upload place: a second
    // one from the same client meanwhile is that client's excess, told to slow down.
    let stalled = stalled_upload(&c.app, &uma_picture, &uma.token, None, 3).await;
    let request = upload(&c, &uma_picture, Some(&uma.token), file(tiny_png()));
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
        &alice_path_picture(&alice),
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

    // Sessions: logout, logout everywhere, password change.
    let (logout, logout_all, password) = (
        "/api/users/logout",
        "/api/users/logout-all",
        "/api/users/me/password",
    );
    let (sessions, one_session) = (
        "/api/users/me/sessions",
        "/api/users/me/sessions/{session_id}",
    );
    let carol = c.account("carol").await;
    let listed = c.call(M::GET, sessions, sessions, Some(&carol.token)).await;
    c.call(M::GET, sessions, sessions, None).await;
    let carols = format!(
        "/api/users/me/sessions/{}",
        listed[0]["id"].as_str().unwrap()
    );
    c.call(M::DELETE, one_session, &carols, None).await;
    c.call(
        M::DELETE,
        one_session,
        "/api/users/me/sessions/unknown",
        Some(&alice.token),
    )
    .await;
    let offline = [
        ("username", "carol@example.com"),
        ("password", "password123"),
        ("scope", "offline_access"),
    ];
    let request = c.request(&M::POST, token_route).form(&offline);
    let grant = c.send(M::POST, token_route, request).await;
    let renew = [
        ("grant_type", "refresh_token"),
        ("refresh_token", grant["refresh_token"].as_str().unwrap()),
    ];
    let request = c.request(&M::POST, token_route).form(&renew);
    let renewed = c.send(M::POST, token_route, request).await;
    assert!(renewed["refresh_token"].is_string());
    let stale = [
        ("grant_type", "refresh_token"),
        ("refresh_token", "no-such-token"),
    ];
    let request = c.request(&M::POST, token_route).form(&stale);
    c.send(M::POST, token_route, request).await;
    let carol_elsewhere = renewed["access_token"].as_str().unwrap().to_owned();
    c.call(M::DELETE, one_session, &carols, Some(&carol_elsewhere))
        .await;
    c.call(M::POST, logout, logout, None).await;
    c.call(M::POST, logout, logout, Some(&carol_elsewhere))
        .await;
    c.call(M::POST, logout_all, logout_all, None).await;
    let dave = c.account("dave").await;
    c.call(M::POST, logout_all, logout_all, Some(&dave.token))
        .await;
    let erin = c.account("erin").await;
    let change = json!({"current_password": "password123", "new_password": "a-new-password"});
    c.json(M::PATCH, password, password, None, &change, true)
        .await;
    let wrong_current = json!({"current_password": "not-it", "new_password": "a-new-password"});
    c.json(
        M::PATCH,
        password,
        password,
        Some(&erin.token),
        &wrong_current,
        true,
    )
    .await;
    let too_short = json!({"current_password": "password123", "new_password": "short"});
    c.json(
        M::PATCH,
        password,
        password,
        Some(&erin.token),
        &too_short,
        false,
    )
    .await;
    c.oversized(M::PATCH, password, password, &erin.token).await;
    c.json(
        M::PATCH,
        password,
        password,
        Some(&erin.token),
        &change,
        true,
    )
    .await;

    // Password reset: ask for a link, follow it (test servers write their mail to a folder).
    let (forgot, reset) = ("/api/users/forgot-password", "/api/users/reset-password");
    c.account("rita").await;
    let ask = json!({"email": "rita@example.com"});
    c.json(M::POST, forgot, forgot, None, &ask, true).await;
    let too_long = json!({"email": format!("{}@example.com", "a".repeat(200))});
    c.json(M::POST, forgot, forgot, None, &too_long, false)
        .await;
    c.oversized(M::POST, forgot, forgot, "-").await;
    let token = mailed_reset_token(&c.app, "rita@example.com").await;
    let bogus = json!({"token": "not-a-token", "new_password": "a-new-password"});
    c.json(M::POST, reset, reset, None, &bogus, true).await;
    let short_reset = json!({"token": token, "new_password": "short"});
    c.json(M::POST, reset, reset, None, &short_reset, false)
        .await;
    c.oversized(M::POST, reset, reset, "-").await;
    let reset_body = json!({"token": token, "new_password": "a-reset-password"});
    c.json(M::POST, reset, reset, None, &reset_body, true).await;

    // Rate limits and hashing back-pressure, on a server with tight limits, one hashing slot
    // with a queue of one, and hashes that take long enough for requests to overlap.
    let relaxed = std::mem::replace(
        &mut c.app,
        spawn_app_with(&[
            ("ACCOUNT_LOGIN_RATE_BURST", "2"),
            ("ACCOUNT_LOGIN_RATE_PER_MINUTE", "1"),
            ("REGISTER_RATE_BURST", "2"),
            ("REGISTER_RATE_PER_MINUTE", "1"),
            ("PASSWORD_CHANGE_RATE_BURST", "1"),
            ("PASSWORD_CHANGE_RATE_PER_MINUTE", "1"),
            ("RESET_RATE_BURST", "1"),
            ("RESET_RATE_PER_MINUTE", "1"),
            ("HASHING_SLOTS", "1"),
            ("HASHING_QUEUE_LIMIT", "1"),
            ("ARGON2_MEMORY_KIB", "65536"),
            ("ARGON2_ITERATIONS", "3"),
            ("TRUSTED_PROXIES", "127.0.0.1"),
            ("PICTURE_PLACES", "1"),
            ("MAX_UPLOAD_SIZE_BYTES", "65536"),
        ])
        .await,
    );
    let frank = c.account("frank").await;
    // Reset requests from one client: the first spends the bucket, the second is refused.
    let ask = json!({"email": "frank@example.com"});
    c.json(M::POST, forgot, forgot, None, &ask, true).await;
    let limited = c.json(M::POST, forgot, forgot, None, &ask, true).await;
    assert_eq!(limited, json!({"detail": "Too many requests"}));
    let franks_link = mailed_reset_token(&c.app, "frank@example.com").await;
    let guess = [("username", "frank@example.com"), ("password", "a-guess")];
    for _ in 0..2 {
        let request = c.request(&M::POST, token_route).form(&guess);
        c.send(M::POST, token_route, request).await;
    }
    let request = c.request(&M::POST, token_route).form(&guess);
    let limited = c.send(M::POST, token_route, request).await;
    assert_eq!(limited, json!({"detail": "Too many requests"}));
    // Password changes have a bucket of their own: the first (a wrong current password)
    // spends it, the second is refused.
    let wrong_current = json!({"current_password": "not-it", "new_password": "a-new-password"});
    for _ in 0..2 {
        c.json(
            M::PATCH,
            password,
            password,
            Some(&frank.token),
            &wrong_current,
            true,
        )
        .await;
    }
    let grace =
        json!({"username": "grace", "email": "grace@example.com", "password": "password123"});
    c.json(M::POST, users, users, None, &grace, true).await;
    let heidi =
        json!({"username": "heidi", "email": "heidi@example.com", "password": "password123"});
    c.json(M::POST, users, users, None, &heidi, true).await;
    // Three logins at once for three accounts from three addresses (so no address goes over
    // its own share): one hashes, one waits, the third is turned away at once.
    let attempts = [("ivan", 30), ("judy", 31), ("mallory", 32)].map(|(name, host)| {
        let form = [
            ("username", format!("{name}@example.com")),
            ("password", "password123".to_owned()),
        ];
        c.request(&M::POST, token_route)
            .header("x-forwarded-for", format!("192.0.2.{host}"))
            .form(&form)
            .send()
    });
    let answers = futures_util::future::join_all(attempts).await;
    let mut busy = 0;
    for answer in answers {
        let answer = answer.unwrap();
        busy += usize::from(answer.status() == StatusCode::SERVICE_UNAVAILABLE);
        c.check(&M::POST, token_route, answer).await;
    }
    assert!(busy >= 1, "a third simultaneous login was not turned away");
    // A password change arriving while two hashes hold both places is turned away too.
    let trent_body =
        json!({"username": "trent", "email": "trent@example.com", "password": "password123"});
    let request = c
        .request(&M::POST, users)
        .header("x-forwarded-for", "192.0.2.9")
        .json(&trent_body);
    c.send(M::POST, users, request).await;
    let trent_form = [
        ("username", "trent@example.com"),
        ("password", "password123"),
    ];
    let request = c.request(&M::POST, token_route).form(&trent_form);
    let trent = c.send(M::POST, token_route, request).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (turned_away_login, holders) = c.hold_both_hashing_places().await;
    let request = c
        .request(&M::PATCH, password)
        .bearer_auth(&trent)
        .json(&change);
    let turned_away = c.send(M::PATCH, password, request).await;
    assert_eq!(
        turned_away,
        json!({"detail": "Server busy, try again shortly"})
    );
    // So is a reset with a good link: the link is checked, then the hash finds no place.
    let franks_reset = json!({"token": franks_link, "new_password": "a-reset-password"});
    let turned_away = c
        .json(M::POST, reset, reset, None, &franks_reset, true)
        .await;
    assert_eq!(
        turned_away,
        json!({"detail": "Server busy, try again shortly"})
    );
    c.check(&M::POST, token_route, turned_away_login).await;
    for holder in holders {
        c.check(&M::POST, token_route, holder.await.unwrap().unwrap())
            .await;
    }
    // Registrations are bounded by the same hashing places (from three addresses, so the
    // per-address limit spent above does not answer first).
    let newcomers = [("niaj", "192.0.2.1"), ("olivia", "192.0.2.2"), ("peggy", "192.0.2.3")].map(|(name, address)| {
        c.request(&M::POST, users)
            .header("x-forwarded-for", address)
            .json(&json!({"username": name, "email": format!("{name}@example.com"), "password": "password123"}))
            .send()
    });
    for answer in futures_util::future::join_all(newcomers).await {
        c.check(&M::POST, users, answer.unwrap()).await;
    }
    // The bodies of picture uploads share one budget of memory (here one upload of 64 KiB):
    // one that has sent most of its file and stalls leaves too little for another client's.
    let frank_picture = format!("/api/users/{}/picture", frank.id);
    let stalled = stalled_upload(
        &c.app,
        &frank_picture,
        &frank.token,
        Some("192.0.2.50"),
        60_000,
    )
    .await;
    let form = Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(vec![0; 32 * 1024]).file_name("me.png"),
    );
    let request = c
        .request(&M::PATCH, &frank_picture)
        .bearer_auth(&frank.token)
        .header("x-forwarded-for", "192.0.2.51")
        .multipart(form);
    let busy = c.send(M::PATCH, picture, request).await;
    assert_eq!(busy, json!({"detail": "Server busy, try again shortly"}));
    drop(stalled);
    let overloaded = std::mem::replace(&mut c.app, relaxed);
    drop(overloaded);

    // A reset is a password check like a login, charged to the client's login rate.
    let relaxed = std::mem::replace(
        &mut c.app,
        spawn_app_with(&[("LOGIN_RATE_BURST", "1"), ("LOGIN_RATE_PER_MINUTE", "1")]).await,
    );
    c.json(M::POST, reset, reset, None, &bogus, true).await;
    let limited = c.json(M::POST, reset, reset, None, &bogus, true).await;
    assert_eq!(limited, json!({"detail": "Too many requests"}));
    let rate_limited = std::mem::replace(&mut c.app, relaxed);
    drop(rate_limited);

    // The published keys: none under the shared secret, one key's public members under
    // EdDSA (the schema is closed, so a leaked private member would fail it).
    let jwks = "/.well-known/jwks.json";
    assert_eq!(
        c.call(M::GET, jwks, jwks, None).await,
        json!({ "keys": [] })
    );
    let key_dir = tempfile::tempdir().unwrap();
    let key_file = key_dir.path().join("signing.pem");
    std::fs::write(&key_file, quill_test_support::keys::ed25519(9).private_pem).unwrap();
    let shared_secret = std::mem::replace(
        &mut c.app,
        spawn_app_with(&[
            ("ALGORITHM", "EdDSA"),
            ("SIGNING_KEY_FILE", key_file.to_str().unwrap()),
        ])
        .await,
    );
    let published = c.call(M::GET, jwks, jwks, None).await;
    assert_eq!(published["keys"][0]["alg"], "EdDSA");
    let asymmetric = std::mem::replace(&mut c.app, shared_secret);
    drop(asymmetric);

    // Account deletion, then the deleted account's token.
    c.call(M::DELETE, user, &alice_path, None).await;
    c.call(M::DELETE, user, &alice_path, Some(&bob.token)).await;
    c.call(M::DELETE, user, "/api/users/abc", Some(&bob.token))
        .await;
    c.call(M::DELETE, user, &bob_path, Some(&bob.token)).await;
    c.call(M::GET, me, me, Some(&bob.token)).await;

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
