//! The answers of every resource under load: rate limits (429) and hashing and upload
//! back-pressure (503), each on a server of its own with tight settings.

use reqwest::multipart::Form;
use reqwest::{Method as M, StatusCode};
use serde_json::json;

use super::driver::{Checker, mailed_reset_token, stalled_upload};
use crate::support::{original_token, spawn_app_with};

const UMAS: &str = "quiet-harbour-lamp";
const WANDAS: &str = "amber-kettle-drift";

pub(super) async fn walk(c: &mut Checker) {
    let (users, token_route) = ("/api/users", "/api/users/token");
    let (password, picture) = ("/api/users/me/password", "/api/users/{user_id}/picture");
    let (forgot, reset) = ("/api/users/forgot-password", "/api/users/reset-password");
    let change =
        json!({"current_password": "quiet-harbour-lamp", "new_password": "a-new-password"});
    let bogus = json!({"token": "not-a-token", "new_password": "a-new-password"});
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
    // Callers whose authentication is not recent: a new email or a deletion needs their
    // password, checked like any other.
    let uma = c.stale_account("uma", UMAS, "192.0.2.63").await;
    let wanda = c.stale_account("wanda", WANDAS, "192.0.2.64").await;
    let user = "/api/users/{user_id}";
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
    // Confirming a change with the password is charged to that same bucket (from an address
    // of its own, whose rate is untouched).
    let frank_path = format!("/api/users/{}", frank.id);
    let stale_frank = original_token(frank.id);
    let moved = json!({"email": "frank@example.org", "current_password": "quiet-harbour-lamp"});
    let confirmed = json!({"current_password": "quiet-harbour-lamp"});
    for (method, body) in [(M::PATCH, &moved), (M::DELETE, &confirmed)] {
        let request = c
            .request(&method, &frank_path)
            .bearer_auth(&stale_frank)
            .header("x-forwarded-for", "192.0.2.62")
            .json(body);
        let limited = c.send(method, user, request).await;
        assert_eq!(limited, json!({"detail": "Too many requests"}));
    }
    let grace = json!({"username": "grace", "email": "grace@example.com", "password": "quiet-harbour-lamp"});
    c.json(M::POST, users, users, None, &grace, true).await;
    let heidi = json!({"username": "heidi", "email": "heidi@example.com", "password": "quiet-harbour-lamp"});
    c.json(M::POST, users, users, None, &heidi, true).await;
    // Three logins at once for three accounts from three addresses (so no address goes over
    // its own share): one hashes, one waits, the third is turned away at once.
    let attempts = [("ivan", 30), ("judy", 31), ("mallory", 32)].map(|(name, host)| {
        let form = [
            ("username", format!("{name}@example.com")),
            ("password", "quiet-harbour-lamp".to_owned()),
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
    let trent_body = json!({"username": "trent", "email": "trent@example.com", "password": "quiet-harbour-lamp"});
    let request = c
        .request(&M::POST, users)
        .header("x-forwarded-for", "192.0.2.9")
        .json(&trent_body);
    c.send(M::POST, users, request).await;
    let trent_form = [
        ("username", "trent@example.com"),
        ("password", "quiet-harbour-lamp"),
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
    // So is a confirmation with the password (each account's own bucket is untouched, and
    // each comes from an address of its own).
    let moved = json!({"email": "uma@example.org", "current_password": UMAS});
    let confirmed = json!({"current_password": WANDAS});
    for (method, who, body, from) in [
        (M::PATCH, &uma, &moved, "192.0.2.60"),
        (M::DELETE, &wanda, &confirmed, "192.0.2.61"),
    ] {
        let request = c
            .request(&method, &format!("/api/users/{}", who.id))
            .bearer_auth(&who.token)
            .header("x-forwarded-for", from)
            .json(body);
        let turned_away = c.send(method, user, request).await;
        assert_eq!(
            turned_away,
            json!({"detail": "Server busy, try again shortly"})
        );
    }
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
            .json(&json!({"username": name, "email": format!("{name}@example.com"), "password": "quiet-harbour-lamp"}))
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
}
