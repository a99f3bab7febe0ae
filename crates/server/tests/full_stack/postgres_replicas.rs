//! Several quill servers on one PostgreSQL database, the way a deployment behind a load
//! balancer runs them: tokens issued by one replica work on every other, replicas starting
//! together migrate the schema exactly once, and the database alone keeps accounts unique
//! across replicas.
//!
//! These need `TEST_DATABASE_URL` (an admin URL; `.ci/postgres.sh start` prints one). Without
//! it they skip with a note, except when `QUILL_REQUIRE_POSTGRES` is set (CI's PostgreSQL
//! run sets it), where a skip would hide a broken set-up, so they fail instead
//! (`quill_test_support::postgres_only`).

use crate::support::{TestApp, TestClock, poll_until, smtp_relay, start_server, start_server_on};
use quill_migration::{AuthMigrator, MigratorTrait as _};
use quill_test_support::{TestDatabase, postgres_admin_url, postgres_only};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait as _, Database, Statement};
use serde_json::{Value, json};

async fn two_servers(database: &TestDatabase) -> (TestApp, TestApp) {
    two_servers_with(database, &[]).await
}

async fn two_servers_with(database: &TestDatabase, extra: &[(&str, &str)]) -> (TestApp, TestApp) {
    // One clock for both, as one wall clock serves a fleet.
    let clock = std::sync::Arc::new(TestClock::default());
    let first = start_server_on(&database.url, extra, clock.clone())
        .await
        .unwrap();
    let second = start_server_on(&database.url, extra, clock).await.unwrap();
    (first, second)
}

async fn scalar(database_url: &str, sql: &str) -> i64 {
    let db = Database::connect(database_url).await.unwrap();
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    let value = row.try_get_by_index::<i64>(0).unwrap();
    db.close().await.unwrap();
    value
}

#[tokio::test]
async fn a_user_registered_on_one_server_logs_in_on_another_and_both_accept_the_token() {
    let Some(database) = postgres_only().await else {
        return;
    };
    let (first, second) = two_servers(&database).await;

    let registered = first
        .register("alice", "alice@example.com", "quiet-harbour-lamp")
        .await;
    assert_eq!(registered.status(), StatusCode::CREATED);
    let alice: Value = registered.json().await.unwrap();

    let login = second
        .login("alice@example.com", "quiet-harbour-lamp")
        .await;
    assert_eq!(login.status(), StatusCode::OK);
    let token = login.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    for server in [&first, &second] {
        let me = server.get_as("/api/users/me", &token).await;
        assert_eq!(me.status(), StatusCode::OK);
        assert_eq!(me.json::<Value>().await.unwrap(), alice);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_starting_together_on_an_empty_database_both_come_up_and_migrate_once() {
    let Some(database) = postgres_only().await else {
        return;
    };
    // Both start-ups run on their own worker, so their migrations genuinely overlap.
    let url = database.url.clone();
    let first = tokio::spawn(async move { start_server(&url, &[]).await });
    let url = database.url.clone();
    let second = tokio::spawn(async move { start_server(&url, &[]).await });
    let first = first.await.unwrap().expect("the first server starts");
    let second = second.await.unwrap().expect("the second server starts");

    for server in [&first, &second] {
        assert_eq!(server.get("/api/posts").await.status(), StatusCode::OK);
    }
    let applied = scalar(&database.url, "SELECT COUNT(*) FROM seaql_migrations").await;
    let distinct = scalar(
        &database.url,
        "SELECT COUNT(DISTINCT version) FROM seaql_migrations",
    )
    .await;
    let expected = i64::try_from(AuthMigrator::migrations().len()).unwrap();
    assert_eq!((applied, distinct), (expected, expected));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_duplicate_registrations_split_across_two_servers_yield_exactly_one_account() {
    let Some(database) = postgres_only().await else {
        return;
    };
    let (first, second) = two_servers(&database).await;
    let servers = [&first, &second];

    // Ten registrations of one name in two spellings, alternating between the servers.
    let same_name = (0..10).map(|i| {
        let server = servers[i % 2];
        let name = if i % 2 == 0 { "carol" } else { "CAROL" };
        async move {
            let email = format!("carol{i}@example.com");
            server.register(name, &email, "quiet-harbour-lamp").await
        }
    });
    // Ten registrations of one address under different names, likewise.
    let same_email = (0..10).map(|i| {
        let server = servers[i % 2];
        async move {
            let name = format!("dave{i}");
            server
                .register(&name, "dave@example.com", "quiet-harbour-lamp")
                .await
        }
    });
    let (same_name, same_email) = tokio::join!(
        futures_util::future::join_all(same_name),
        futures_util::future::join_all(same_email)
    );

    for (responses, loser_detail) in [
        (same_name, "Username already exists"),
        (same_email, "Email already registered"),
    ] {
        let mut created = 0;
        for response in responses {
            if response.status() == StatusCode::CREATED {
                created += 1;
            } else {
                assert_eq!(response.status(), StatusCode::BAD_REQUEST);
                assert_eq!(
                    response.json::<Value>().await.unwrap(),
                    json!({ "detail": loser_detail })
                );
            }
        }
        assert_eq!(created, 1, "{loser_detail}");
    }
    assert_eq!(scalar(&database.url, "SELECT COUNT(*) FROM users").await, 2);
}

#[tokio::test]
async fn wrong_passwords_alternating_between_two_servers_share_one_account_limit() {
    let Some(database) = postgres_only().await else {
        return;
    };
    let burst = 5;
    let (first, second) = two_servers_with(
        &database,
        &[
            ("ACCOUNT_LOGIN_RATE_BURST", "5"),
            ("ACCOUNT_LOGIN_RATE_PER_MINUTE", "6"),
        ],
    )
    .await;
    let registered = first
        .register("erin", "erin@example.com", "quiet-harbour-lamp")
        .await;
    assert_eq!(registered.status(), StatusCode::CREATED);
    let servers = [&first, &second];
    let mut statuses = Vec::new();
    for attempt in 0..30 {
        let response = servers[attempt % 2]
            .login("erin@example.com", "not-her-password")
            .await;
        statuses.push(response.status());
    }
    let wrong = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let throttled = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(wrong, burst, "{statuses:?}");
    assert_eq!(throttled, 30 - burst, "{statuses:?}");
    // The buckets are rows of the shared database, keyed by digests: no email in them.
    let rows = scalar(&database.url, "SELECT COUNT(*) FROM auth_throttle").await;
    assert!(rows >= 1);
    let leaked = scalar(
        &database.url,
        "SELECT COUNT(*) FROM auth_throttle WHERE position('erin' in encode(key, 'escape')) > 0",
    )
    .await;
    assert_eq!(leaked, 0);
}

#[tokio::test]
async fn a_database_that_takes_no_writes_is_not_ready_and_writes_answer_503_not_500() {
    let Some(database) = postgres_only().await else {
        return;
    };
    let app = start_server(&database.url, &[]).await.unwrap();
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
    // Turn the database read-only, as a failover to a standby would, and drop the sessions
    // opened before so every new one is read-only.
    let name = database.url.rsplit('/').next().unwrap().to_owned();
    let admin = Database::connect(postgres_admin_url().unwrap())
        .await
        .unwrap();
    for statement in [
        format!("ALTER DATABASE \"{name}\" SET default_transaction_read_only = on"),
        format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ),
    ] {
        admin
            .execute_raw(Statement::from_string(
                admin.get_database_backend(),
                statement,
            ))
            .await
            .unwrap();
    }
    admin.close().await.unwrap();
    let mut statuses = Vec::new();
    for n in 0..4 {
        let readiness = app.get("/readyz").await;
        statuses.push(readiness.status());
        let registered = app
            .register(
                &format!("late{n}"),
                &format!("late{n}@example.com"),
                "quiet-harbour-lamp",
            )
            .await;
        assert_eq!(registered.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(registered.headers().contains_key("retry-after"));
    }
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::SERVICE_UNAVAILABLE),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn one_reset_requested_with_two_servers_delivering_is_mailed_exactly_once() {
    let Some(database) = postgres_only().await else {
        return;
    };
    let sink = quill_test_support::smtp::SmtpSink::start().await;
    let port = sink.port().to_string();
    let (first, second) = two_servers_with(&database, &smtp_relay(&port)).await;
    for name in ["alice", "bob", "carol"] {
        first.account(name).await;
    }
    let ask = |server: &TestApp, email: &'static str| {
        server
            .client
            .post(server.url("/api/users/forgot-password"))
            .json(&json!({ "email": email }))
            .send()
    };
    assert_eq!(
        ask(&second, "alice@example.com").await.unwrap().status(),
        StatusCode::ACCEPTED
    );
    let mails = sink.wait_for(1, std::time::Duration::from_secs(20)).await;
    assert_eq!(mails.len(), 1);
    // A mail leaves the outbox just after the relay accepts it; until then its deliverer's
    // hold is all that keeps it from being sent again, and the clock moved below would end it.
    assert!(
        outbox_drained(&database.url).await,
        "mail left in the outbox after delivery"
    );
    // Past any hold a deliverer could have on alice's mail, each server's worker makes one
    // more pass (a mail queued on it wakes it): still one mail to alice.
    first.clock.advance(std::time::Duration::from_secs(3600));
    for (server, email) in [(&first, "bob@example.com"), (&second, "carol@example.com")] {
        assert_eq!(
            ask(server, email).await.unwrap().status(),
            StatusCode::ACCEPTED
        );
    }
    let mails = sink.wait_for(3, std::time::Duration::from_secs(20)).await;
    assert!(mails.len() >= 3, "{mails:#?}");
    let to_alice = mails.iter().filter(|m| m.to == ["alice@example.com"]);
    assert_eq!(to_alice.count(), 1, "{mails:#?}");
    assert!(
        outbox_drained(&database.url).await,
        "mail left in the outbox after delivery"
    );
}

/// Whether the outbox empties within a bound: a delivered mail is deleted just after the
/// relay accepts it, so its delete may trail the relay's receipt.
async fn outbox_drained(url: &str) -> bool {
    poll_until(std::time::Duration::from_secs(10), || async {
        (scalar(url, "SELECT COUNT(*) FROM mail_outbox").await == 0).then_some(())
    })
    .await
    .is_some()
}

#[tokio::test]
async fn reset_requests_for_one_account_spread_over_two_servers_mail_it_one_link() {
    let Some(database) = postgres_only().await else {
        return;
    };
    let sink = quill_test_support::smtp::SmtpSink::start().await;
    let port = sink.port().to_string();
    let mut settings = smtp_relay(&port).to_vec();
    // Every request reaches the pace: no limit of the client's or the email's drops one.
    settings.extend([
        ("RESET_RATE_BURST", "100"),
        ("ACCOUNT_RESET_RATE_BURST", "100"),
    ]);
    let (first, second) = two_servers_with(&database, &settings).await;
    for name in ["alice", "bob", "carol"] {
        first.account(name).await;
    }
    let ask = |server: &TestApp, email: &'static str| {
        server
            .client
            .post(server.url("/api/users/forgot-password"))
            .json(&json!({ "email": email }))
            .send()
    };
    let asked = futures_util::future::join_all(
        [&first, &second, &first, &second, &first, &second]
            .into_iter()
            .map(|server| ask(server, "alice@example.com")),
    )
    .await;
    for answer in asked {
        assert_eq!(answer.unwrap().status(), StatusCode::ACCEPTED);
    }
    // Each server handles its requests in order, one at a time: once bob's (asked of the
    // first) and carol's (of the second) are mailed, every request for alice was handled.
    for (server, email) in [(&first, "bob@example.com"), (&second, "carol@example.com")] {
        assert_eq!(
            ask(server, email).await.unwrap().status(),
            StatusCode::ACCEPTED
        );
    }
    let mailed = |address: &str| sink.mails().iter().filter(|m| m.to == [address]).count();
    let both = poll_until(std::time::Duration::from_secs(20), || async {
        (mailed("bob@example.com") + mailed("carol@example.com") >= 2).then_some(())
    })
    .await;
    assert!(both.is_some(), "{:#?}", sink.mails());
    let alice_mails = "SELECT CAST(p.mails AS BIGINT) FROM reset_mail_pace p \
        JOIN users u ON u.id = p.user_id WHERE u.email = 'alice@example.com'";
    assert_eq!(scalar(&database.url, alice_mails).await, 1);
    assert!(mailed("alice@example.com") <= 1, "{:#?}", sink.mails());
}

#[tokio::test]
async fn a_picture_uploaded_through_one_server_is_served_byte_identical_by_the_other() {
    let Some(database) = postgres_only().await else {
        return;
    };
    let (first, second) = two_servers(&database).await;
    let alice = first.account("alice").await;
    let mut png = Vec::new();
    image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new(&mut png),
        &[200_u8; 3 * 64 * 48],
        64,
        48,
        image::ExtendedColorType::Rgb8,
    )
    .unwrap();
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(png).file_name("me.png"),
    );
    let uploaded: Value = first
        .client
        .patch(first.url(&format!("/api/users/{}/picture", alice.id)))
        .bearer_auth(&alice.token)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let path = uploaded["image_path"].as_str().unwrap();
    let from_first = first.get(path).await;
    let from_second = second.get(path).await;
    assert_eq!(from_first.status(), StatusCode::OK);
    assert_eq!(from_second.status(), StatusCode::OK);
    assert_eq!(
        from_first.bytes().await.unwrap(),
        from_second.bytes().await.unwrap()
    );
    assert_eq!(
        scalar(&database.url, "SELECT COUNT(*) FROM pictures").await,
        1
    );
}

#[tokio::test]
async fn a_tag_from_one_server_revalidates_on_the_other_until_an_edit_through_either() {
    let Some(database) = postgres_only().await else {
        return;
    };
    let (first, second) = two_servers(&database).await;
    let alice = first.account("alice").await;
    let post = first.create_post(&alice, "Hello").await;
    let paths = [
        "/api/posts".to_owned(),
        format!("/api/posts/{}", post["id"]),
    ];
    let revalidate = async |server: &TestApp, path: &str, tag: &str| {
        server
            .client
            .get(server.url(path))
            .header("if-none-match", tag)
            .send()
            .await
            .unwrap()
            .status()
    };
    let mut tags = Vec::new();
    for path in &paths {
        let tag = first.get(path).await.headers()["etag"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            revalidate(&second, path, &tag).await,
            StatusCode::NOT_MODIFIED
        );
        tags.push(tag);
    }
    let edit = second
        .client
        .patch(second.url(&paths[1]))
        .bearer_auth(&alice.token)
        .json(&json!({"content": "Edited through the other server."}))
        .send()
        .await
        .unwrap();
    assert_eq!(edit.status(), StatusCode::OK);
    for (path, tag) in paths.iter().zip(&tags) {
        assert_eq!(
            revalidate(&first, path, tag).await,
            StatusCode::OK,
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_refresh_token_rotates_across_servers_and_a_replay_on_either_ends_the_session_on_both() {
    let Some(database) = postgres_only().await else {
        return;
    };
    let (first, second) = two_servers_with(&database, &[("REFRESH_GRACE_SECONDS", "1")]).await;
    assert_eq!(
        first
            .register("alice", "alice@example.com", "quiet-harbour-lamp")
            .await
            .status(),
        StatusCode::CREATED
    );
    let form = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<Vec<_>>()
    };
    let token_call = |server: &TestApp, pairs: Vec<(String, String)>| {
        let request = server
            .client
            .post(server.url("/api/users/token"))
            .form(&pairs);
        async move { request.send().await.unwrap() }
    };
    let login = token_call(
        &first,
        form(&[
            ("username", "alice@example.com"),
            ("password", "quiet-harbour-lamp"),
            ("scope", "offline_access"),
        ]),
    )
    .await;
    assert_eq!(login.status(), StatusCode::OK);
    let login: Value = login.json().await.unwrap();
    let refresh_with =
        |token: &str| form(&[("grant_type", "refresh_token"), ("refresh_token", token)]);
    let original = login["refresh_token"].as_str().unwrap().to_owned();

    // Two tabs, one on each server, race with the same token: one chain.
    let (a, b) = tokio::join!(
        token_call(&first, refresh_with(&original)),
        token_call(&second, refresh_with(&original))
    );
    assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));
    let (a, b): (Value, Value) = (a.json().await.unwrap(), b.json().await.unwrap());
    assert_eq!(
        a["refresh_token"], b["refresh_token"],
        "both servers hand out one successor"
    );
    let access = a["access_token"].as_str().unwrap().to_owned();
    for server in [&first, &second] {
        let sessions = server.get_as("/api/users/me/sessions", &access).await;
        assert_eq!(sessions.status(), StatusCode::OK);
        let sessions: Value = sessions.json().await.unwrap();
        assert_eq!(sessions.as_array().unwrap().len(), 1);
    }

    first.clock.advance(std::time::Duration::from_millis(2100));
    let replay = token_call(&second, refresh_with(&original)).await;
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);
    for server in [&first, &second] {
        assert_eq!(
            server.get_as("/api/users/me", &access).await.status(),
            StatusCode::UNAUTHORIZED,
            "the replay ended the session for every server"
        );
    }
    let successor = a["refresh_token"].as_str().unwrap();
    let after = token_call(&first, refresh_with(successor)).await;
    assert_eq!(after.status(), StatusCode::BAD_REQUEST);
}
