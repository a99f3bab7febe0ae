//! A database of its own for each test: a SQLite file in a temporary directory by default, or,
//! when `TEST_DATABASE_URL` names a PostgreSQL server, a new database created on that server
//! for the test and dropped again when the test ends.
//!
//! `TEST_DATABASE_URL` is an admin URL (a role allowed to `CREATE DATABASE`), for example
//! `postgres://postgres:secret@127.0.0.1:54329/postgres`; `.ci/postgres.sh start` prints one.
//! The infra and full-stack test suites both use this crate, so "a fresh database" means the
//! same thing in both, and so does skipping a PostgreSQL-only test ([`postgres_only`]).
//!
//! [`smtp`] is the other real component the suites need: an SMTP server to deliver to;
//! [`keys`] makes the signing key files an operator would write; [`bombs`] makes the
//! decompression bombs the picture processor must refuse.

pub mod bombs;
pub mod keys;
pub mod smtp;

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};

/// The variable that switches the suites to PostgreSQL.
pub const TEST_DATABASE_URL: &str = "TEST_DATABASE_URL";

/// The variable that turns a skipped PostgreSQL-only test into a failure (CI's PostgreSQL run
/// sets it, where a skip would hide a broken set-up).
pub const QUILL_REQUIRE_POSTGRES: &str = "QUILL_REQUIRE_POSTGRES";

/// The PostgreSQL admin URL the suites should run against, if one is configured.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var(TEST_DATABASE_URL)
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// A fresh PostgreSQL database for a test that only means something there, or `None` (with a
/// note on stderr) when the test should be skipped.
///
/// # Panics
///
/// When [`QUILL_REQUIRE_POSTGRES`] is set but [`TEST_DATABASE_URL`] is not.
pub async fn postgres_only() -> Option<TestDatabase> {
    if let Some(admin_url) = postgres_admin_url() {
        return Some(TestDatabase::postgres(&admin_url).await);
    }
    assert!(
        std::env::var_os(QUILL_REQUIRE_POSTGRES).is_none(),
        "{QUILL_REQUIRE_POSTGRES} is set but {TEST_DATABASE_URL} is not (see .ci/postgres.sh)"
    );
    eprintln!("note: skipped, PostgreSQL only; set {TEST_DATABASE_URL} to run it");
    None
}

/// An empty database that lives as long as this value.
#[derive(Debug)]
pub struct TestDatabase {
    /// The URL quill connects to (`DATABASE_URL`).
    pub url: String,
    place: Place,
}

#[derive(Debug)]
enum Place {
    // Held, not read: the directory (and the file in it) is deleted when the test ends.
    Sqlite { _dir: tempfile::TempDir },
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    /// A fresh database on PostgreSQL when `TEST_DATABASE_URL` is set, else on SQLite.
    pub async fn fresh() -> Self {
        match postgres_admin_url() {
            Some(admin_url) => Self::postgres(&admin_url).await,
            None => Self::sqlite(),
        }
    }

    /// A fresh SQLite file.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("quill.db").display()
        );
        Self {
            url,
            place: Place::Sqlite { _dir: dir },
        }
    }

    /// A fresh database on the PostgreSQL server `admin_url` points at.
    pub async fn postgres(admin_url: &str) -> Self {
        let name = unique_name();
        let admin = admin_connection(admin_url).await;
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
        let _ = admin.close().await;
        Self {
            url: with_database(admin_url, &name),
            place: Place::Postgres {
                admin_url: admin_url.to_owned(),
                name,
            },
        }
    }

    /// Whether this database is on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self.place, Place::Postgres { .. })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Place::Postgres { admin_url, name } = &self.place else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot be blocked on; a thread with a
        // runtime of its own can. FORCE ends the sessions of servers still holding pooled
        // connections, so the drop never waits for them.
        let (admin_url, name) = (admin_url.clone(), name.clone());
        let outcome = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let admin = admin_connection(&admin_url).await;
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await
                    .map_err(|e| format!("{name}: {e}"))?;
                admin.close().await.map_err(|e| e.to_string())
            })
        })
        .join();
        match outcome {
            Ok(Ok(())) => {}
            // A leftover database costs disk space, not correctness: say so and carry on.
            Ok(Err(e)) => eprintln!("note: could not drop test database: {e}"),
            Err(_) => eprintln!("note: dropping a test database panicked"),
        }
    }
}

async fn admin_connection(admin_url: &str) -> DatabaseConnection {
    let mut options = ConnectOptions::new(admin_url);
    options.max_connections(1).sqlx_logging(false);
    Database::connect(options)
        .await
        .unwrap_or_else(|e| panic!("cannot reach {TEST_DATABASE_URL}: {e}"))
}

/// Unique across concurrently running test binaries (process id) and within one (counter),
/// and across runs of one process id (time), so tests never share a database.
fn unique_name() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |t| t.subsec_nanos());
    format!(
        "quill_test_{}_{}_{nanos:x}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// `url` with its database (the path) replaced by `name`, keeping credentials and query.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority = base.find("://").map_or(0, |i| i + 3);
    let path = base[authority..]
        .find('/')
        .map_or(base.len(), |i| authority + i);
    let mut out = format!("{}/{name}", &base[..path]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_name_is_replaced_keeping_credentials_port_and_query() {
        assert_eq!(
            with_database("postgres://u:p@db:5432/postgres?sslmode=disable", "t1"),
            "postgres://u:p@db:5432/t1?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@db", "t2"), "postgres://u@db/t2");
    }
}
