//! The scenarios' side of the HTTP conversation: clients bound to an address, accounts,
//! logins and seeded posts. Every account is named `name`, has the email `name@example.com`
//! and the password [`PASSWORD`].

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::Failure;

/// The password every benchmark account is created with.
pub const PASSWORD: &str = "quiet-harbour-lamp";

/// Posts are seeded by this many clients at once.
const SEED_CONCURRENCY: usize = 8;

/// The email of the account named `name`.
#[must_use]
pub fn email_of(name: &str) -> String {
    format!("{name}@example.com")
}

/// A client whose connections leave from `address` (any of 127.0.0.0/8 on Linux), so the
/// server sees it as its own client.
///
/// # Errors
/// When the client cannot be built.
pub fn client_at(address: [u8; 4]) -> Result<reqwest::Client, Failure> {
    Ok(reqwest::Client::builder()
        .local_address(IpAddr::from(address))
        .build()?)
}

/// The login form for `email` and `password`, not yet sent.
pub fn login_request(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> reqwest::RequestBuilder {
    client
        .post(format!("{base}/api/users/token"))
        .form(&[("username", email), ("password", password)])
}

/// Logs in and returns the status and how long the whole answer took to arrive.
///
/// # Errors
/// When the request cannot be sent.
pub async fn login(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> Result<(u16, Duration), Failure> {
    let started = Instant::now();
    let response = login_request(client, base, email, password).send().await?;
    let status = response.status().as_u16();
    let _ = response.bytes().await;
    Ok((status, started.elapsed()))
}

/// Creates the account `name`.
///
/// # Errors
/// When the server does not answer 201.
pub async fn create_account(
    client: &reqwest::Client,
    base: &str,
    name: &str,
) -> Result<(), Failure> {
    let created = client
        .post(format!("{base}/api/users"))
        .json(&json!({"username": name, "email": email_of(name), "password": PASSWORD}))
        .send()
        .await?;
    if created.status() != 201 {
        return Err(format!("registering {name}: {}", created.status()).into());
    }
    Ok(())
}

/// Logs in as `email` with [`PASSWORD`] and returns the access token.
///
/// # Errors
/// When the answer carries no token.
pub async fn sign_in(client: &reqwest::Client, base: &str, email: &str) -> Result<String, Failure> {
    let token: Value = login_request(client, base, email, PASSWORD)
        .send()
        .await?
        .json()
        .await?;
    Ok(token["access_token"]
        .as_str()
        .ok_or_else(|| format!("logging in as {email}: no token"))?
        .to_owned())
}

/// Creates the account `name` and returns a token signed in to it.
///
/// # Errors
/// As [`create_account`] and [`sign_in`].
pub async fn register(client: &reqwest::Client, base: &str, name: &str) -> Result<String, Failure> {
    create_account(client, base, name).await?;
    sign_in(client, base, &email_of(name)).await
}

/// Creates `count` posts through the API, spread over the given authors' tokens, and returns
/// the highest post id seen.
///
/// # Errors
/// When a post cannot be created.
pub async fn seed_posts(
    client: &reqwest::Client,
    base: &str,
    tokens: &[String],
    count: usize,
) -> Result<i64, Failure> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for worker in 0..SEED_CONCURRENCY {
        let (client, base, next) = (client.clone(), base.to_owned(), next.clone());
        let token = tokens[worker % tokens.len()].clone();
        workers.push(tokio::spawn(async move {
            let mut last_id = 0;
            while next.fetch_add(1, Ordering::Relaxed) < count {
                let post: Value = client
                    .post(format!("{base}/api/posts"))
                    .bearer_auth(&token)
                    .json(&json!({"title": "A benchmark post", "content": "Some words about nothing in particular, repeated to look like a real post. ".repeat(4)}))
                    .send()
                    .await
                    .map_err(|e| e.to_string())?
                    .json()
                    .await
                    .map_err(|e| e.to_string())?;
                last_id = post["id"].as_i64().ok_or("no id")?;
            }
            Ok::<_, String>(last_id)
        }));
    }
    let mut last = 0;
    for worker in workers {
        last = last.max(worker.await??);
    }
    Ok(last)
}
