//! A database that cannot be written: the write probe fails and writes are unavailable,
//! not unexpected, while reads still work.

use super::*;

#[tokio::test]
async fn a_read_only_database_fails_the_write_probe_and_writes_are_unavailable_not_unexpected() {
    let database = TestDatabase::fresh().await;
    let writable = connect(&database.url, 2, Duration::from_secs(5))
        .await
        .unwrap();
    quill_infra::migrate(&writable).await.unwrap();
    quill_infra::probe_writable(&writable).await.unwrap();
    // The same database, opened read-only: a replica, a full disk's remount, a mistake.
    let read_only_url = if database.is_postgres() {
        format!(
            "{}?options=-c%20default_transaction_read_only%3Don",
            database.url
        )
    } else {
        database.url.replace("mode=rwc", "mode=ro")
    };
    let read_only = connect(&read_only_url, 2, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(quill_infra::probe_writable(&read_only).await.is_err());
    let users = SeaOrmUserRepository::new(read_only);
    assert!(
        users
            .by_email("nobody@example.com")
            .await
            .unwrap()
            .is_none(),
        "reads still work"
    );
    let refused = users.create(new_user("alice", "alice@example.com")).await;
    assert!(
        matches!(refused, Err(StoreError::Unavailable(_))),
        "{refused:?}"
    );
}
