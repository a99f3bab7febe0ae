//! The auth core's rate limits and hashing back-pressure as the HTTP layer answers them:
//! through the real router over the domain's fakes, so every password verification is
//! counted at the hasher port and time is the harness clock's (no sleeps). The rules
//! themselves are the domain's and tested there; this checks the statuses, headers, bodies and
//! the client address the limits are charged to.

use std::net::SocketAddr;
use std::sync::Arc;

use async_trait::async_trait;
use quill_domain::testing::Harness;
use quill_domain::{AuthPolicy, Rate};
use quill_web::{AppState, Readiness, WebConfig};
use reqwest::StatusCode;

struct AlwaysReady;

#[async_trait]
impl Readiness for AlwaysReady {
    async fn check(&self) -> Result<(), String> {
        Ok(())
    }
}

struct App {
    base: String,
    client: reqwest::Client,
    harness: Harness,
}

async fn start(policy: AuthPolicy) -> App {
    let harness = Harness::builder()
        .user("alice", "alice@example.com", "quiet-harbour-lamp")
        .user("bob", "bob@example.com", "quiet-harbour-lamp")
        .policy(policy)
        .build();
    let state = AppState {
        auth: harness.auth.clone(),
        posts: harness.posts.clone(),
        readiness: Arc::new(AlwaysReady),
    };
    let config = WebConfig {
        http: quill_web::HttpSettings {
            trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
            ..quill_web::HttpSettings::default()
        },
        ..WebConfig::default()
    };
    let router = quill_web::router(state, &config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    App {
        base,
        client: reqwest::Client::new(),
        harness,
    }
}

impl App {
    async fn login(&self, email: &str, password: &str, client_ip: &str) -> reqwest::Response {
        self.client
            .post(format!("{}/api/users/token", self.base))
            .header("x-forwarded-for", client_ip)
            .form(&[("username", email), ("password", password)])
            .send()
            .await
            .unwrap()
    }
}

fn limits(account: Rate) -> AuthPolicy {
    AuthPolicy {
        login_per_client: Rate::new(10, 60),
        login_failures_per_account: account,
        ..AuthPolicy::default()
    }
}

#[tokio::test]
async fn thirty_wrong_passwords_in_a_second_hit_429_after_the_burst_without_hashing() {
    let app = start(limits(Rate::new(5, 60))).await;
    let mut statuses = Vec::new();
    for _ in 0..30 {
        let response = app
            .login("alice@example.com", "wrong-guess", "198.51.100.7")
            .await;
        let status = response.status();
        if status == StatusCode::TOO_MANY_REQUESTS {
            // 60 a minute is one attempt regained each second, and the clock stands still.
            assert_eq!(response.headers()["retry-after"], "1");
            assert_eq!(
                response.json::<serde_json::Value>().await.unwrap(),
                serde_json::json!({"detail": "Too many requests"})
            );
        }
        statuses.push(status);
    }
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(statuses[..5], [StatusCode::UNAUTHORIZED; 5]);
    assert_eq!(refused, 25, "{statuses:?}");
    assert_eq!(
        app.harness.hasher.verifications(),
        5,
        "refused attempts never reach the hasher"
    );
}

#[tokio::test]
async fn another_address_logging_into_another_account_is_unaffected() {
    let app = start(limits(Rate::new(5, 60))).await;
    for _ in 0..30 {
        app.login("alice@example.com", "wrong-guess", "198.51.100.7")
            .await;
    }
    let bob = app
        .login("bob@example.com", "quiet-harbour-lamp", "203.0.113.20")
        .await;
    assert_eq!(bob.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_owner_logs_in_again_after_the_refill_interval() {
    // 60 per minute: one attempt regained every second.
    let app = start(limits(Rate::new(3, 60))).await;
    for _ in 0..10 {
        app.login("alice@example.com", "wrong-guess", "198.51.100.7")
            .await;
    }
    let locked = app
        .login("alice@example.com", "quiet-harbour-lamp", "203.0.113.20")
        .await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    app.harness.clock.advance(chrono::Duration::seconds(1));
    let owner = app
        .login("alice@example.com", "quiet-harbour-lamp", "203.0.113.20")
        .await;
    assert_eq!(owner.status(), StatusCode::OK);
}

#[tokio::test]
async fn guesses_at_a_missing_account_are_limited_the_same() {
    let app = start(limits(Rate::new(5, 60))).await;
    let mut refused = 0;
    for _ in 0..30 {
        let response = app
            .login("nobody@example.com", "wrong-guess", "198.51.100.7")
            .await;
        refused += usize::from(response.status() == StatusCode::TOO_MANY_REQUESTS);
    }
    assert_eq!(refused, 25);
}

#[tokio::test]
async fn registrations_are_limited_per_address() {
    let app = start(AuthPolicy {
        register_per_client: Rate::new(2, 1),
        ..AuthPolicy::default()
    })
    .await;
    let mut statuses = Vec::new();
    for n in 0..4 {
        let response = app
            .client
            .post(format!("{}/api/users", app.base))
            .header("x-forwarded-for", "198.51.100.9")
            .json(&serde_json::json!({"username": format!("u{n}"), "email": format!("u{n}@example.com"), "password": "quiet-harbour-lamp"}))
            .send()
            .await
            .unwrap();
        statuses.push(response.status());
    }
    assert_eq!(
        statuses,
        [
            StatusCode::CREATED,
            StatusCode::CREATED,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
}

#[tokio::test]
async fn a_saturated_hashing_gate_answers_503_with_retry_after_before_any_hashing() {
    let app = start(AuthPolicy::default()).await;
    let _saturated = app.harness.auth.hashing_gate().saturate();
    let response = app
        .login("alice@example.com", "quiet-harbour-lamp", "198.51.100.7")
        .await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["retry-after"], "1");
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap(),
        serde_json::json!({"detail": "Server busy, try again shortly"})
    );
    assert_eq!(app.harness.hasher.verifications(), 0);
}

#[tokio::test]
async fn a_login_name_longer_than_any_email_is_refused_with_422_before_any_limit() {
    let app = start(limits(Rate::new(1, 1))).await;
    let long = format!("{}@example.com", "a".repeat(120));
    for _ in 0..3 {
        let response = app.login(&long, "quiet-harbour-lamp", "198.51.100.7").await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["detail"][0]["type"], "string_too_long");
        assert_eq!(
            body["detail"][0]["loc"],
            serde_json::json!(["body", "username"])
        );
    }
    assert_eq!(app.harness.hasher.verifications(), 0);
    assert!(app.harness.throttle.is_empty(), "no bucket was charged");
}

#[tokio::test]
async fn the_client_charged_is_the_address_the_trusted_proxy_forwarded() {
    let app = start(AuthPolicy {
        login_per_client: Rate::new(2, 1),
        ..AuthPolicy::default()
    })
    .await;
    for n in 0..2 {
        let response = app
            .login(&format!("u{n}@example.com"), "wrong-guess", "198.51.100.7")
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let same_client = app
        .login("u9@example.com", "wrong-guess", "198.51.100.7")
        .await;
    assert_eq!(same_client.status(), StatusCode::TOO_MANY_REQUESTS);
    let other_client = app
        .login("u9@example.com", "wrong-guess", "198.51.100.8")
        .await;
    assert_eq!(other_client.status(), StatusCode::UNAUTHORIZED);
}
