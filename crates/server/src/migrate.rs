//! The start-up step that brings the database schema up to date before anything serves: the
//! auth core's schema, then the blog's.
//!
//! Every replica runs it when it starts, so several may run it at the same moment against
//! one PostgreSQL database; [`quill_migration::apply_pending`] serialises them (an advisory
//! lock around one transaction), so each pending migration is applied exactly once and every
//! replica comes up. The same runs back `quill-migration up`, so an operator migrating by
//! hand while replicas start is just as safe.

use sea_orm::DatabaseConnection;

use crate::StartError;

/// Applies every pending migration, once, however many servers start at the same time.
///
/// # Errors
/// [`StartError::Migration`] when a migration or the locking around it fails; on PostgreSQL
/// nothing of that run is left applied, so the next start tries again from the same point.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), StartError> {
    quill_infra::migrate(db).await?;
    Ok(quill_infra::blog::migrate_blog(db).await?)
}
