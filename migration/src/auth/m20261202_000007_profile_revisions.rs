//! A revision number on each account's public view (name and picture), moved on every change
//! of the account, so a public profile or a list showing its author has a version that a
//! cache can revalidate against without reading the content.

use crate::sql::{SqlMigration, Statements};

const UP: &[&str] = &["ALTER TABLE users ADD COLUMN profile_revision BIGINT NOT NULL DEFAULT 0"];

const DOWN: &[&str] = &["ALTER TABLE users DROP COLUMN profile_revision"];

pub(crate) const MIGRATION: SqlMigration = SqlMigration {
    name: "m20261202_000007_profile_revisions",
    up: Statements::everywhere(UP),
    down: Statements::everywhere(DOWN),
};
