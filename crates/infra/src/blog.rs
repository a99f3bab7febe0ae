//! quill's blog on top of the auth core: its own schema ([`migrate_blog`]) and its service
//! ([`post_service`]). An application embedding only the auth core never calls these, so its
//! database gets no blog table.

use std::sync::Arc;

use quill_domain::PostService;
use quill_migration::BlogMigrator;
use sea_orm::DatabaseConnection;

use crate::db::SeaOrmPostRepository;
use crate::schema::MigrationError;
use crate::stack::AuthStack;

/// Applies the blog's pending migrations (the `posts` table), after the auth core's
/// ([`migrate`](crate::migrate)), which they refer to. Safe to run at every start and from
/// several processes at once.
///
/// # Errors
/// [`MigrationError`] when a statement fails.
pub async fn migrate_blog(db: &DatabaseConnection) -> Result<(), MigrationError> {
    quill_migration::apply_pending::<BlogMigrator>(db)
        .await
        .map_err(MigrationError::from_db)
}

/// The blog's migrations this build knows and `db` has not applied, by name.
///
/// # Errors
/// [`MigrationError`] when the bookkeeping table cannot be read.
pub async fn pending_blog_migrations(
    db: &DatabaseConnection,
) -> Result<Vec<String>, MigrationError> {
    quill_migration::pending::<BlogMigrator>(db)
        .await
        .map_err(MigrationError::from_db)
}

/// The posts service over the stack's database and clock; its authors are the stack's
/// accounts, read through the posts' own repository.
#[must_use]
pub fn post_service(stack: &AuthStack) -> PostService {
    let posts = Arc::new(SeaOrmPostRepository::new(stack.connection().clone()));
    PostService::new(posts.clone(), posts, stack.clock())
}
