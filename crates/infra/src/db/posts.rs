//! [`PostRepository`] over the `posts` table, joined to `users` for authors.

use async_trait::async_trait;
use quill_domain::{
    NewPost, Page, Post, PostChanges, PostId, PostRepository, PostWithAuthor, PublicUser,
    StoreError, Unexpected, UserId,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, DatabaseConnection, DbBackend, EntityTrait,
    FromQueryResult, Statement,
};

use super::store_error;
use super::users::to_domain as user_to_domain;
use crate::entities::{post, user};

/// The columns of a listed post and its author; `{filter}` and the placeholders differ by
/// backend and by whether one author's posts are listed.
macro_rules! list_sql {
    ($filter:literal, $limit:literal, $skip:literal) => {
        concat!(
            "SELECT p.id, p.title, p.content, p.user_id, p.date_posted, ",
            "u.username AS author_username, u.image_file AS author_image_file ",
            "FROM posts p JOIN users u ON u.id = p.user_id ",
            $filter,
            "ORDER BY p.date_posted DESC, p.id DESC LIMIT ",
            $limit,
            " OFFSET ",
            $skip
        )
    };
}

const LIST_SQLITE: &str = list_sql!("", "?1", "?2");
const LIST_POSTGRES: &str = list_sql!("", "$1", "$2");
const LIST_BY_AUTHOR_SQLITE: &str = list_sql!("WHERE p.user_id = ?3 ", "?1", "?2");
const LIST_BY_AUTHOR_POSTGRES: &str = list_sql!("WHERE p.user_id = $3 ", "$1", "$2");

/// One row of a list: a post and the public part of its author.
#[derive(FromQueryResult)]
struct ListedPost {
    id: i64,
    title: String,
    content: String,
    user_id: i64,
    date_posted: chrono::DateTime<chrono::Utc>,
    author_username: String,
    author_image_file: Option<String>,
}

impl ListedPost {
    fn into_domain(self) -> PostWithAuthor {
        PostWithAuthor {
            author: PublicUser {
                id: UserId(self.user_id),
                username: self.author_username,
                image_file: self.author_image_file,
            },
            post: Post {
                id: PostId(self.id),
                title: self.title,
                content: self.content,
                user_id: UserId(self.user_id),
                date_posted: self.date_posted,
            },
        }
    }
}

/// Posts in SQLite or PostgreSQL: the [`PostRepository`] of quill's blog (see
/// [`blog`](crate::blog)). Deleting a user cascades to their posts in the
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
/// quill_infra::blog::migrate_blog(&db).await?;
/// let posts = SeaOrmPostRepository::new(db);
/// assert!(posts.list(None, Page::default()).await?.is_empty());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
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
        // A hot path (the home page and both list routes), as fixed statements: no query
        // building per request, and the driver's statement cache reuses their preparation.
        // One indexed join, newest first, so authors never cost a query each.
        let backend = self.db.get_database_backend();
        let postgres = backend == DbBackend::Postgres;
        let limit = i64::try_from(page.limit()).unwrap_or(i64::MAX);
        let skip = i64::try_from(page.skip()).unwrap_or(i64::MAX);
        let statement = match author {
            None => {
                let sql = if postgres { LIST_POSTGRES } else { LIST_SQLITE };
                Statement::from_sql_and_values(backend, sql, [limit.into(), skip.into()])
            }
            Some(author) => {
                let sql = if postgres {
                    LIST_BY_AUTHOR_POSTGRES
                } else {
                    LIST_BY_AUTHOR_SQLITE
                };
                Statement::from_sql_and_values(
                    backend,
                    sql,
                    [limit.into(), skip.into(), author.0.into()],
                )
            }
        };
        Ok(ListedPost::find_by_statement(statement)
            .all(&self.db)
            .await
            .map_err(store_error)?
            .into_iter()
            .map(ListedPost::into_domain)
            .collect())
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
