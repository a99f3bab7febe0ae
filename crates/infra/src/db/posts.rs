//! [`PostRepository`] over the `posts` table, joined to `users` for authors.

use async_trait::async_trait;
use quill_domain::{
    NewPost, Page, Post, PostChanges, PostId, PostRepository, PostWithAuthor, PublicUser,
    StoreError, Unexpected, UserId,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::store_error;
use super::users::to_domain as user_to_domain;
use crate::entities::{post, user};

/// Posts in SQLite or PostgreSQL: the [`PostRepository`] that
/// [`AuthStack`](crate::AuthStack) wires in. Deleting a user cascades to their posts in the
/// database itself.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
///
/// use quill_domain::{Page, PostRepository};
/// use quill_infra::SeaOrmPostRepository;
///
/// let db = quill_infra::connect("sqlite::memory:", 1, Duration::from_secs(5)).await?;
/// quill_infra::migrate(&db).await?;
/// let posts = SeaOrmPostRepository::new(db);
/// assert!(posts.list(None, Page::default()).await?.is_empty());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct SeaOrmPostRepository {
    db: DatabaseConnection,
}

impl SeaOrmPostRepository {
    /// A repository over this connection pool.
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn to_domain(model: post::Model) -> Post {
    Post {
        id: PostId(model.id),
        title: model.title,
        content: model.content,
        user_id: UserId(model.user_id),
        date_posted: model.date_posted,
    }
}

fn with_author(
    (post, author): (post::Model, Option<user::Model>),
) -> Result<PostWithAuthor, StoreError> {
    // The foreign key makes an authorless post impossible; finding one means corruption.
    let author = author.ok_or_else(|| {
        StoreError::Unexpected(Unexpected::new(format!("post {} has no author", post.id)))
    })?;
    Ok(PostWithAuthor {
        post: to_domain(post),
        author: PublicUser::from(&user_to_domain(author)),
    })
}

#[async_trait]
impl PostRepository for SeaOrmPostRepository {
    async fn create(&self, new: NewPost) -> Result<Post, StoreError> {
        let row = post::ActiveModel {
            title: Set(new.title.into_inner()),
            content: Set(new.content.into_inner()),
            user_id: Set(new.user_id.0),
            date_posted: Set(new.date_posted),
            ..Default::default()
        };
        row.insert(&self.db)
            .await
            .map(to_domain)
            .map_err(store_error)
    }

    async fn by_id(&self, id: PostId) -> Result<Option<PostWithAuthor>, StoreError> {
        post::Entity::find_by_id(id.0)
            .find_also_related(user::Entity)
            .one(&self.db)
            .await
            .map_err(store_error)?
            .map(with_author)
            .transpose()
    }

    async fn list(
        &self,
        author: Option<UserId>,
        page: Page,
    ) -> Result<Vec<PostWithAuthor>, StoreError> {
        let mut query = post::Entity::find();
        if let Some(author) = author {
            query = query.filter(post::Column::UserId.eq(author.0));
        }
        query
            .find_also_related(user::Entity)
            .order_by_desc(post::Column::DatePosted)
            .order_by_desc(post::Column::Id)
            .offset(page.skip())
            .limit(page.limit())
            .all(&self.db)
            .await
            .map_err(store_error)?
            .into_iter()
            .map(with_author)
            .collect()
    }

    async fn update(&self, id: PostId, changes: PostChanges) -> Result<Option<Post>, StoreError> {
        let PostChanges { title, content } = changes;
        if title.is_none() && content.is_none() {
            return Ok(self.by_id(id).await?.map(|found| found.post));
        }
        let mut row = post::ActiveModel {
            id: sea_orm::ActiveValue::Unchanged(id.0),
            ..Default::default()
        };
        if let Some(title) = title {
            row.title = Set(title.into_inner());
        }
        if let Some(content) = content {
            row.content = Set(content.into_inner());
        }
        match row.update(&self.db).await {
            Ok(model) => Ok(Some(to_domain(model))),
            Err(sea_orm::DbErr::RecordNotUpdated) => Ok(None),
            Err(e) => Err(store_error(e)),
        }
    }

    async fn delete(&self, id: PostId) -> Result<bool, StoreError> {
        post::Entity::delete_by_id(id.0)
            .exec(&self.db)
            .await
            .map(|result| result.rows_affected > 0)
            .map_err(store_error)
    }
}
