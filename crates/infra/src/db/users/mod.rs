//! [`UserRepository`] over the `users` table.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use quill_domain::{
    Mail, NewUser, PasswordHash, StoreError, User, UserChanges, UserId, UserRepository, Username,
};
use sea_orm::sea_query::{Expr, ExprTrait as _, Func};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QuerySelect,
};
use tokio::sync::Notify;

mod pictures;
mod standing;
#[cfg(test)]
mod tests;

use super::{UniqueLookup as _, store_error};
use crate::entities::user;

/// Accounts in SQLite or PostgreSQL: the [`UserRepository`] that
/// [`AuthStack`](crate::AuthStack) wires in. The schema's unique indexes on the username's
/// key and skeleton and on the lower-cased email decide races, reported as the domain's
/// typed outcomes.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
///
/// use quill_domain::{Email, NewUser, PasswordHash, StoreError, UserRepository, Username};
/// use quill_infra::SeaOrmUserRepository;
///
/// let db = quill_infra::connect("sqlite::memory:", 1, Duration::from_secs(5)).await?;
/// quill_infra::migrate(&db).await?;
/// let users = SeaOrmUserRepository::new(db);
/// let alice = |email: &str| -> Result<NewUser, quill_domain::FieldError> {
///     Ok(NewUser {
///         username: Username::parse("alice")?,
///         email: Email::parse(email)?,
///         password_hash: PasswordHash::new("$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA"),
///     })
/// };
/// let stored = users.create(alice("alice@example.com")?).await?;
/// assert_eq!(users.id_by_username("ALICE").await?, Some(stored.id));
/// assert!(matches!(
///     users.create(alice("other@example.com")?).await,
///     Err(StoreError::UsernameTaken)
/// ));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SeaOrmUserRepository {
    db: DatabaseConnection,
    /// Woken when a change queues its notice, so delivery need not wait for its next poll.
    mail_queued: Arc<Notify>,
}

impl SeaOrmUserRepository {
    /// A repository over this connection pool.
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            mail_queued: Arc::default(),
        }
    }

    /// The same repository, waking `mail_queued` whenever a change queues a notice (give
    /// it what mail delivery waits on, as the recovery store's
    /// [`mail_queued`](crate::SeaOrmRecoveryStore::mail_queued)).
    #[must_use]
    pub fn notifying(self, mail_queued: Arc<Notify>) -> Self {
        Self {
            mail_queued,
            ..self
        }
    }
}

pub(crate) fn to_domain(model: user::Model) -> User {
    User {
        id: UserId(model.id),
        username: model.username,
        email: model.email,
        password_hash: PasswordHash::new(model.password_hash),
        image_file: model.image_file,
        token_generation: model.token_generation,
        profile_revision: model.profile_revision,
    }
}

/// The login lookup. Stored emails are canonical (lower-case), so this is the plain
/// comparison; it is written against `lower(email)` because that is the expression the unique
/// index is built on, and only so is it an index search rather than a scan of every account.
fn by_email_query(email: &str) -> sea_orm::Select<user::Entity> {
    user::Entity::find().filter(Expr::expr(Func::lower(Expr::col(user::Column::Email))).eq(email))
}

/// The registration and rename check: on the columns the two unique indexes are built on, so
/// the check and the constraints agree on what "the same name" means.
fn id_by_username_query(username: &str) -> sea_orm::Select<user::Entity> {
    user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(
            user::Column::UsernameKey
                .eq(Username::key_of(username))
                .or(user::Column::UsernameSkeleton.eq(Username::skeleton_of(username))),
        )
}

#[async_trait]
impl UserRepository for SeaOrmUserRepository {
    async fn create(&self, new: NewUser) -> Result<User, StoreError> {
        let row = user::ActiveModel {
            username_key: Set(Some(new.username.key())),
            username_skeleton: Set(Some(new.username.skeleton())),
            username: Set(new.username.into_inner()),
            email: Set(new.email.into_inner()),
            password_hash: Set(new.password_hash.as_str().to_owned()),
            image_file: Set(None),
            token_generation: Set(0),
            profile_revision: Set(0),
            ..Default::default()
        };
        row.insert(&self.db)
            .await
            .map(to_domain)
            .map_err(store_error)
    }

    async fn by_id(&self, id: UserId) -> Result<Option<User>, StoreError> {
        user::Entity::find_by_id(id.0)
            .unique(&self.db)
            .await
            .map(|found| found.map(to_domain))
            .map_err(store_error)
    }

    async fn by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        by_email_query(email)
            .unique(&self.db)
            .await
            .map(|found| found.map(to_domain))
            .map_err(store_error)
    }

    async fn id_by_username(&self, username: &str) -> Result<Option<UserId>, StoreError> {
        id_by_username_query(username)
            .into_tuple::<i64>()
            .unique(&self.db)
            .await
            .map(|found| found.map(UserId))
            .map_err(store_error)
    }

    async fn update(
        &self,
        id: UserId,
        changes: UserChanges,
        notice: Option<Mail>,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, StoreError> {
        let UserChanges {
            username,
            email,
            image_file,
        } = changes;
        if username.is_none() && email.is_none() && image_file.is_none() {
            return self.by_id(id).await;
        }
        // One statement that also moves the profile revision, so a cached public view of the
        // account (or a list showing it) is never taken for current after a change.
        let mut update = user::Entity::update_many()
            .col_expr(
                user::Column::ProfileRevision,
                Expr::col(user::Column::ProfileRevision).add(1),
            )
            .filter(user::Column::Id.eq(id.0));
        if let Some(username) = username {
            update = update
                .col_expr(user::Column::UsernameKey, Expr::value(username.key()))
                .col_expr(
                    user::Column::UsernameSkeleton,
                    Expr::value(username.skeleton()),
                )
                .col_expr(user::Column::Username, Expr::value(username.into_inner()));
        }
        let new_email = email.as_ref().map(|e| e.as_str().to_owned());
        if let Some(email) = email {
            update = update.col_expr(user::Column::Email, Expr::value(email.into_inner()));
        }
        if let Some(image_file) = image_file {
            update = update.col_expr(
                user::Column::ImageFile,
                Expr::value(image_file.as_str().to_owned()),
            );
        }
        let tx = super::begin_write(&self.db).await?;
        if let Some(new_email) = new_email {
            // A new address is unverified until its own link is used.
            use sea_orm::ConnectionTrait as _;
            tx.execute_raw(sea_orm::Statement::from_sql_and_values(
                tx.get_database_backend(),
                "UPDATE users SET email_verified_at = NULL WHERE id = $1 AND email <> $2",
                vec![id.0.into(), new_email.into()],
            ))
            .await
            .map_err(store_error)?;
        }
        let updated = update
            .exec_with_returning(&tx)
            .await
            .map_err(store_error)?
            .into_iter()
            .next()
            .map(to_domain);
        let notice = notice.filter(|_| updated.is_some());
        let queued = notice.is_some();
        if let Some(notice) = notice {
            super::queue_mail(&tx, notice, now).await?;
        }
        // An error above drops the transaction, which rolls the change back with its notice.
        tx.commit().await.map_err(store_error)?;
        if queued {
            self.mail_queued.notify_one();
        }
        Ok(updated)
    }

    async fn replace_password_hash(
        &self,
        id: UserId,
        expected: &PasswordHash,
        fresh: PasswordHash,
    ) -> Result<bool, StoreError> {
        // One conditional statement: a password change committed since the caller read the
        // hash makes it match no row, and nothing is written.
        user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(fresh.as_str()))
            .filter(user::Column::Id.eq(id.0))
            .filter(user::Column::PasswordHash.eq(expected.as_str()))
            .exec(&self.db)
            .await
            .map(|result| result.rows_affected == 1)
            .map_err(store_error)
    }

    async fn delete(&self, id: UserId) -> Result<bool, StoreError> {
        // Posts go with it through the foreign key's ON DELETE CASCADE.
        user::Entity::delete_by_id(id.0)
            .exec(&self.db)
            .await
            .map(|result| result.rows_affected > 0)
            .map_err(store_error)
    }
}
