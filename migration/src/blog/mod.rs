//! The blog's schema: posts, which belong to the blog and not to the auth core. Recorded in a
//! bookkeeping table of their own, so an application embedding the auth core never sees them
//! and the two sets of migrations never refuse each other's history.

mod m20261201_000001_posts;
mod m20261202_000002_post_revisions;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DynIden;

/// The blog's migrations, oldest first, recorded in `quill_blog_migrations`. They assume the
/// auth core's schema ([`AuthMigrator`](crate::AuthMigrator)) is applied first.
#[derive(Debug)]
pub struct BlogMigrator;

#[async_trait::async_trait]
impl MigratorTrait for BlogMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261201_000001_posts::MIGRATION),
            Box::new(m20261202_000002_post_revisions::MIGRATION),
        ]
    }

    fn migration_table_name() -> DynIden {
        "quill_blog_migrations".into_iden()
    }
}
