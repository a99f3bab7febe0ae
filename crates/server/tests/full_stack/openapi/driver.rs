//! The shared driver of the OpenAPI suite: fetching the document, reading its operations
//! and statuses, validating bodies against its schemas, and the [`Checker`] that sends
//! requests and checks every response against what the document says of it.

use std::collections::BTreeSet;

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};

use crate::support::{Account, TestApp, poll_until, spawn_app};

/// A 1x1 PNG.
pub(super) fn tiny_png() -> Vec<u8> {
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

pub(super) fn alice_path_picture(alice: &Account) -> String {
    format!("/api/users/{}/picture", alice.id)
}

/// An upload to `path` whose headers and first `sent` bytes of file are sent and whose body
/// then stalls, held open until the returned connection is dropped; from the address
/// `forwarded_for` names, if any (for a server that trusts the loopback proxy). It returns once
/// the server holds it: when a whole second upload of the same client is refused for the
/// client's one upload place. Should the second be served instead, it went first and the
/// first is no longer held: both are sent again, within a bound.
pub(super) async fn stalled_upload(
    app: &TestApp,
    path: &str,
    token: &str,
    forwarded_for: Option<&str>,
    sent: usize,
) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt as _;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let part =
            "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n";
        let mut stalled =
            upload_head(app, path, token, forwarded_for, part.len() + sent + 1000).await;
        stalled.write_all(part.as_bytes()).await.unwrap();
        stalled.write_all(&vec![b'P'; sent]).await.unwrap();
        let whole = format!("{part}P\r\n--b--\r\n");
        let mut probe = upload_head(app, path, token, forwarded_for, whole.len()).await;
        probe.write_all(whole.as_bytes()).await.unwrap();
        if status_of(&mut probe, deadline).await == Some(429) {
            return stalled;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the stalled upload was never held"
        );
    }
}

/// A connection that has sent the head of a multipart upload announcing `length` bytes.
async fn upload_head(
    app: &TestApp,
    path: &str,
    token: &str,
    forwarded_for: Option<&str>,
    length: usize,
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
         Content-Length: {length}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

/// The status of the response the server sends on `stream`, waited for until `deadline` (a
/// bounded wait on the server), if any.
async fn status_of(
    stream: &mut tokio::net::TcpStream,
    deadline: std::time::Instant,
) -> Option<u16> {
    use tokio::io::AsyncReadExt as _;
    let mut buffer = [0u8; 64];
    let limit = deadline.saturating_duration_since(std::time::Instant::now());
    let read = tokio::time::timeout(limit, stream.read(&mut buffer))
        .await
        .ok()?
        .ok()?;
    let line = std::str::from_utf8(&buffer[..read]).ok()?;
    line.split(' ').nth(1)?.parse().ok()
}

/// The token of the newest reset mail to `address` the server wrote to its mail folder.
pub(super) async fn mailed_reset_token(app: &TestApp, address: &str) -> String {
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

pub(super) async fn document(app: &TestApp) -> Value {
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
pub(super) fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
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

pub(super) fn statuses(operation: &Value) -> BTreeSet<u16> {
    operation["responses"]
        .as_object()
        .unwrap()
        .keys()
        .map(|s| s.parse().unwrap())
        .collect()
}

/// Follows a `$ref` into the document's components.
pub(super) fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(pointer) => doc.pointer(pointer.trim_start_matches('#')).unwrap(),
        None => schema,
    }
}

/// A validator for one schema of the document, whose `$ref`s resolve into its components;
/// formats (`email`, `date-time`) are asserted, as Schemathesis does.
pub(super) fn validator(doc: &Value, schema: &Value) -> jsonschema::Validator {
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

pub(super) fn assert_valid(doc: &Value, schema: &Value, instance: &Value, what: &str) {
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
pub(super) type Login = tokio::task::JoinHandle<reqwest::Result<Response>>;

/// Sends requests described by the document and checks each response against it, recording
/// which documented (method, path, status) were seen.
pub(super) struct Checker {
    pub(super) app: TestApp,
    pub(super) doc: Value,
    pub(super) seen: BTreeSet<(String, String, u16)>,
}

impl Checker {
    pub(super) async fn new() -> Self {
        let app = spawn_app().await;
        let doc = document(&app).await;
        Self {
            app,
            doc,
            seen: BTreeSet::new(),
        }
    }

    pub(super) fn request(&self, method: &Method, path: &str) -> RequestBuilder {
        self.app.client.request(method.clone(), self.app.url(path))
    }

    /// Sends a JSON body, first checking that the document's request schema agrees with the
    /// test about whether it is valid.
    pub(super) async fn json(
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
    pub(super) async fn call(
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
    pub(super) async fn oversized(
        &mut self,
        method: Method,
        template: &str,
        path: &str,
        token: &str,
    ) {
        let padding = "x".repeat(300 * 1024);
        let request = self
            .request(&method, path)
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(json!({ "title": padding }).to_string());
        let body = self.send(method, template, request).await;
        assert_eq!(body, json!({ "detail": "Request body too large" }));
    }

    pub(super) fn operation(&self, method: &Method, template: &str) -> &Value {
        let operation = &self.doc["paths"][template][method.as_str().to_ascii_lowercase()];
        assert!(
            operation.is_object(),
            "{method} {template} is not documented"
        );
        operation
    }

    /// Checks a response against the document and returns its JSON body (`null` if none).
    pub(super) async fn send(
        &mut self,
        method: Method,
        template: &str,
        request: RequestBuilder,
    ) -> Value {
        let response = request.send().await.unwrap();
        self.check(&method, template, response).await
    }

    pub(super) async fn check(
        &mut self,
        method: &Method,
        template: &str,
        response: Response,
    ) -> Value {
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
    pub(super) async fn hold_both_hashing_places(&mut self) -> (Response, Vec<Login>) {
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

    /// Registers `name` with `password`, from the address `from` names (for a server that
    /// trusts the loopback proxy) so that no other step's registration rate pays for it, and
    /// hands back a token of the original's kind, which says nothing of when the account
    /// authenticated: a caller whose authentication is never recent.
    pub(super) async fn stale_account(
        &mut self,
        name: &str,
        password: &str,
        from: &str,
    ) -> Account {
        let body = json!({
            "username": name,
            "email": format!("{name}@example.com"),
            "password": password,
        });
        let request = self
            .request(&Method::POST, "/api/users")
            .header("x-forwarded-for", from)
            .json(&body);
        let created = self.send(Method::POST, "/api/users", request).await;
        let id = created["id"].as_i64().unwrap();
        Account {
            id,
            token: crate::support::original_token(id),
        }
    }

    pub(super) async fn account(&mut self, name: &str) -> Account {
        let body = json!({
            "username": name,
            "email": format!("{name}@example.com"),
            "password": "quiet-harbour-lamp",
        });
        let created = self
            .json(Method::POST, "/api/users", "/api/users", None, &body, true)
            .await;
        let id = created["id"].as_i64().unwrap();
        let form = [
            ("username", format!("{name}@example.com")),
            ("password", "quiet-harbour-lamp".to_owned()),
        ];
        let request = self.request(&Method::POST, "/api/users/token").form(&form);
        let token = self.send(Method::POST, "/api/users/token", request).await;
        Account {
            id,
            token: token["access_token"].as_str().unwrap().to_owned(),
        }
    }
}
