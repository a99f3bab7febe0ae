//! The account lookups' query plans on a database of many accounts.

use std::time::Duration;

use quill_test_support::TestDatabase;
use sea_orm::{ConnectionTrait as _, DatabaseConnection, DbBackend, QueryTrait as _, Statement};

use super::{by_email_query, id_by_username_query};

/// How the database would run `sql`: SQLite's `EXPLAIN QUERY PLAN` details or
/// PostgreSQL's `EXPLAIN` lines, as one text.
async fn plan_of(db: &DatabaseConnection, sql: &str) -> String {
    let backend = db.get_database_backend();
    let (explain, column) = match backend {
        DbBackend::Postgres => (format!("EXPLAIN {sql}"), "QUERY PLAN"),
        _ => (format!("EXPLAIN QUERY PLAN {sql}"), "detail"),
    };
    let rows = db
        .query_all_raw(Statement::from_string(backend, explain))
        .await
        .unwrap();
    rows.iter()
        .map(|row| row.try_get::<String>("", column).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn the_login_and_registration_lookups_are_index_searches_among_many_accounts() {
    let database = TestDatabase::fresh().await;
    let db = crate::connect(&database.url, 2, Duration::from_secs(5))
        .await
        .unwrap();
    crate::migrate(&db).await.unwrap();
    let backend = db.get_database_backend();
    // Enough accounts, with fresh statistics, that a planner weighing a scan against the
    // index chooses as it would in production.
    let insert = match backend {
        DbBackend::Postgres => {
            "INSERT INTO users (username, username_key, email, password_hash) \
             SELECT 'user' || n, 'user' || n, 'user' || n || '@example.com', 'x' \
             FROM generate_series(1, 5000) AS n"
        }
        _ => {
            "WITH RECURSIVE n(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM n WHERE n < 5000) \
             INSERT INTO users (username, username_key, email, password_hash) \
             SELECT 'user' || n, 'user' || n, 'user' || n || '@example.com', 'x' FROM n"
        }
    };
    db.execute_unprepared(insert).await.unwrap();
    db.execute_unprepared("ANALYZE").await.unwrap();

    for (lookup, query, index) in [
        (
            "email",
            by_email_query("user42@example.com"),
            "users_email_lower_key",
        ),
        (
            "username",
            id_by_username_query("USER42"),
            "users_username_key_key",
        ),
    ] {
        let sql = query.build(backend).to_string();
        let found = db.query_one_raw(query.build(backend)).await.unwrap();
        assert!(found.is_some(), "the {lookup} lookup finds nothing:\n{sql}");
        let plan = plan_of(&db, &sql).await;
        assert!(
            plan.contains(index),
            "the {lookup} lookup does not use {index}:\n{sql}\n{plan}"
        );
    }
    drop(db);
    drop(database);
}
