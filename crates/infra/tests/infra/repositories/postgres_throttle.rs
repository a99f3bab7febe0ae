//! The fleet-wide buckets on PostgreSQL hold to the domain's GCRA rule, under concurrency
//! too. (On SQLite quill keeps buckets in the process; nothing to test here.)

use super::*;
use quill_domain::throttle::gcra;
use quill_domain::{Admission, Rate, Throttle, ThrottleKey, ThrottleScope};
use quill_infra::PostgresThrottle;

async fn throttle() -> Option<(PostgresThrottle, TestDatabase)> {
    let database = postgres_only().await?;
    let db = connect(&database.url, 8, Duration::from_secs(30))
        .await
        .unwrap();
    quill_infra::migrate(&db).await.unwrap();
    Some((PostgresThrottle::new(db), database))
}

fn key(email: &str) -> ThrottleKey {
    ThrottleKey::account_email(ThrottleScope::LoginFailuresPerAccount, email)
}

#[tokio::test]
async fn a_burst_is_admitted_then_refused_with_the_same_wait_as_the_domains_rule() {
    let Some((throttle, _database)) = throttle().await else {
        return;
    };
    let rate = Rate::new(3, 6);
    let now = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
    let mut arrival = None;
    for _ in 0..3 {
        assert_eq!(
            throttle.admit(&key("a@x"), rate, now).await.unwrap(),
            Admission::Admitted
        );
        arrival = Some(gcra(arrival, now.timestamp_micros(), rate).unwrap());
    }
    let later = now + chrono::Duration::seconds(4);
    let expected = gcra(arrival, later.timestamp_micros(), rate).unwrap_err();
    assert_eq!(
        throttle.admit(&key("a@x"), rate, later).await.unwrap(),
        Admission::Refused {
            retry_after: expected
        }
    );
    assert_eq!(
        throttle.admit(&key("b@x"), rate, later).await.unwrap(),
        Admission::Admitted,
        "another key is unaffected"
    );
    throttle.refund(&key("a@x"), rate, later).await.unwrap();
    assert_eq!(
        throttle.admit(&key("a@x"), rate, later).await.unwrap(),
        Admission::Admitted
    );
    let pruned = throttle
        .prune(now + chrono::Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(pruned, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_attempts_on_one_bucket_admit_exactly_the_burst() {
    let Some((throttle, _database)) = throttle().await else {
        return;
    };
    let throttle = Arc::new(throttle);
    let now = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
    let attempts: Vec<_> = (0..20)
        .map(|_| {
            let throttle = throttle.clone();
            tokio::spawn(async move {
                throttle
                    .admit(&key("target@x"), Rate::new(5, 1), now)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut admitted = 0;
    for attempt in attempts {
        if attempt.await.unwrap() == Admission::Admitted {
            admitted += 1;
        }
    }
    assert_eq!(admitted, 5);
}
