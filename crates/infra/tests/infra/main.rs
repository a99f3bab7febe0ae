//! The infra crate's integration suite, one test binary: the adapters against real storage, a
//! freshly migrated database per test (SQLite by default, PostgreSQL when
//! `TEST_DATABASE_URL` is set; see `quill-test-support`). One module per subject.

mod accounts;
mod pictures;
mod recovery_store;
mod repositories;
mod session_store;
mod verification_store;
