//! A revision number on each post, moved on every edit, so a post and every list showing it
//! have a version that a cache can revalidate against without reading the content.

use crate::sql::{SqlMigration, Statements};

const UP: &[&str] = &["ALTER TABLE posts ADD COLUMN revision BIGINT NOT NULL DEFAULT 0"];

const DOWN: &[&str] = &["ALTER TABLE posts DROP COLUMN revision"];

pub(crate) const MIGRATION: SqlMigration = SqlMigration {
    name: "m20261202_000002_post_revisions",
    up: Statements::everywhere(UP),
    down: Statements::everywhere(DOWN),
};
