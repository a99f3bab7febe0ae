//! The auth core's schema: accounts, token revocations, sessions (with when each
//! authenticated) and refresh tokens, rate-limit buckets, reset tokens, the pace of reset
//! mails, the mail outbox and email verification. This is all an
//! application that embeds quill's auth core gets in its database.

mod m20261126_000001_create_users_and_posts;
mod m20261126_000002_token_revocation;
mod m20261201_000003_auth_throttle;
mod m20261201_000004_username_keys;
mod m20261202_000005_recovery;
mod m20261202_000006_pictures;
mod m20261202_000007_profile_revisions;
mod m20261203_000008_sessions;
mod m20261207_000009_username_skeletons;
mod m20261207_000010_reset_mail_pace;
mod m20261208_000011_session_auth_time;
mod m20261208_000012_email_verification;

use sea_orm_migration::prelude::*;

/// The auth core's migrations, oldest first, recorded in `seaql_migrations` (the table quill
/// has always used, so existing databases upgrade in place).
#[derive(Debug)]
pub struct AuthMigrator;

#[async_trait::async_trait]
impl MigratorTrait for AuthMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_users_and_posts::MIGRATION),
            Box::new(m20261126_000002_token_revocation::MIGRATION),
            Box::new(m20261201_000003_auth_throttle::MIGRATION),
            Box::new(m20261201_000004_username_keys::MIGRATION),
            Box::new(m20261202_000005_recovery::MIGRATION),
            Box::new(m20261202_000006_pictures::MIGRATION),
            Box::new(m20261202_000007_profile_revisions::MIGRATION),
            Box::new(m20261203_000008_sessions::MIGRATION),
            Box::new(m20261207_000009_username_skeletons::MIGRATION),
            Box::new(m20261207_000010_reset_mail_pace::MIGRATION),
            Box::new(m20261208_000011_session_auth_time::MIGRATION),
            Box::new(m20261208_000012_email_verification::MIGRATION),
        ]
    }
}
