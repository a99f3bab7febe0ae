//! What has been mailed of reset links, per account: when its day of mails began and how many
//! went out in it, when the last one went and until when that link works. The recovery store
//! reads and moves it in the statement that decides whether a request mails anything, so no
//! inbox gets more than the pace allows however many ask, on however many servers.

use crate::sql::{SqlMigration, Statements};

const SQLITE_UP: &[&str] = &["CREATE TABLE reset_mail_pace (
        user_id INTEGER PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        day_started_us BIGINT NOT NULL,
        mails INTEGER NOT NULL,
        last_mailed_us BIGINT NOT NULL,
        link_expires_us BIGINT NOT NULL
    )"];

const POSTGRES_UP: &[&str] = &["CREATE TABLE reset_mail_pace (
        user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        day_started_us BIGINT NOT NULL,
        mails INTEGER NOT NULL,
        last_mailed_us BIGINT NOT NULL,
        link_expires_us BIGINT NOT NULL
    )"];

const DOWN: &[&str] = &["DROP TABLE reset_mail_pace"];

pub(crate) const MIGRATION: SqlMigration = SqlMigration {
    name: "m20261207_000010_reset_mail_pace",
    up: Statements {
        sqlite: SQLITE_UP,
        postgres: POSTGRES_UP,
    },
    down: Statements::everywhere(DOWN),
};
