//! [`PostRepository`] over the `posts` table, joined to `users` for authors.

use async_trait::async_trait;
use quill_domain::{
    Authors, NewPost, Page, Post, PostChanges, PostId, PostRepository, PostVersion, PostWithAuthor,
    PublicUser, StoreError, Unexpected, UserId,
};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait as _, DatabaseConnection, DbBackend,
    EntityTrait, FromQueryResult, QueryFilter as _, Statement,
};

use super::users::to_domain as user_to_domain;
use super::{UniqueLookup as _, store_error};
use crate::entities::{post, user};

/// The start of a page statement: everyone's posts or one author's, newest first, over one
/// indexed join, so authors never cost a query each. `$columns` are what the page reads;
/// `$author` is the placeholder of the author's id on the backend.
macro_rules! page_sql {
    ($columns:expr) => {
        concat!(
            "SELECT ",
            $columns,
            " FROM posts p JOIN users u ON u.id = p.user_id ",
            "ORDER BY p.date_posted DESC, p.id DESC"
        )
    };
    ($columns:expr, $author:literal) => {
        concat!(
            "SELECT ",
            $columns,
            " FROM posts p JOIN users u ON u.id = p.user_id WHERE p.user_id = ",
            $author,
            " ORDER BY p.date_posted DESC, p.id DESC"
        )
    };
}

/// The columns of [`ListedPost`].
macro_rules! listed_columns {
    () => {
        "p.id, p.title, p.content, p.user_id, p.date_posted, p.revision, \
         u.username AS author_username, u.image_file AS author_image_file, \
         u.profile_revision AS author_revision"
    };
}

/// The columns of [`ListedVersion`].
macro_rules! version_columns {
    () => {
        "p.id, p.revision, p.user_id, u.profile_revision AS author_revision"
    };
}

/// The page statements, before their `LIMIT`: everyone's or one author's, posts or versions.
struct PageStatements {
    posts: &'static str,
    posts_by_author: &'static str,
    versions: &'static str,
    versions_by_author: &'static str,
}

const SQLITE_PAGES: PageStatements = PageStatements {
    posts: page_sql!(listed_columns!()),
    posts_by_author: page_sql!(listed_columns!(), "?"),
    versions: page_sql!(version_columns!()),
    versions_by_author: page_sql!(version_columns!(), "?"),
};

const POSTGRES_PAGES: PageStatements = PageStatements {
    posts: page_sql!(listed_columns!()),
    posts_by_author: page_sql!(listed_columns!(), "$1"),
    versions: page_sql!(version_columns!()),
    versions_by_author: page_sql!(version_columns!(), "$1"),
};

/// One row of a list: a post and the public part of its author.
#[derive(FromQueryResult)]
struct ListedPost {
    id: i64,
    title: String,
    content: String,
    user_id: i64,
    date_posted: chrono::DateTime<chrono::Utc>,
    revision: i64,
    author_username: String,
    author_image_file: Option<String>,
    author_revision: i64,
}

impl ListedPost {
    fn into_domain(self) -> PostWithAuthor {
        PostWithAuthor {
            author: PublicUser {
                id: UserId(self.user_id),
                username: self.author_username,
                image_file: self.author_image_file,
                revision: self.author_revision,
            },
            post: Post {
                id: PostId(self.id),
                title: self.title,
                content: self.content,
                user_id: UserId(self.user_id),
                date_posted: self.date_posted,
                revision: self.revision,
            },
        }
    }
}

/// One row of a page's versions.
#[derive(FromQueryResult)]
struct ListedVersion {
    id: i64,
    revision: i64,
    user_id: i64,
    author_revision: i64,
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

    fn pages(&self) -> &'static PageStatements {
        match self.db.get_database_backend() {
            DbBackend::Postgres => &POSTGRES_PAGES,
            _ => &SQLITE_PAGES,
        }
    }

    /// A page statement with its paging. The limit and offset are written into the text as
    /// numbers (they are integers from a [`Page`], nothing a client wrote): SQLite lets a
    /// bound `LIMIT` inform the plan, so binding one expires the prepared statement and every
    /// run would parse and plan it again (see [`UniqueLookup`](super::UniqueLookup)). The
    /// driver caches a prepared statement per distinct text, and pages come in few sizes.
    fn page(&self, start: &str, author: Option<UserId>, page: Page) -> Statement {
        let sql = format!("{start} LIMIT {} OFFSET {}", page.limit(), page.skip());
        let backend = self.db.get_database_backend();
        match author {
            None => Statement::from_string(backend, sql),
            Some(author) => Statement::from_sql_and_values(backend, sql, [author.0.into()]),
        }
    }
}

fn to_domain(model: post::Model) -> Post {
    Post {
        id: PostId(model.id),
        title: model.title,
        content: model.content,
        user_id: UserId(model.user_id),
        date_posted: model.date_posted,
        revision: model.revision,
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
            revision: Set(0),
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
            .unique(&self.db)
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
        let pages = self.pages();
        let start = if author.is_some() {
            pages.posts_by_author
        } else {
            pages.posts
        };
        Ok(
            ListedPost::find_by_statement(self.page(start, author, page))
                .all(&self.db)
                .await
                .map_err(store_error)?
                .into_iter()
                .map(ListedPost::into_domain)
                .collect(),
        )
    }

    async fn list_versions(
        &self,
        author: Option<UserId>,
        page: Page,
    ) -> Result<Vec<PostVersion>, StoreError> {
        let pages = self.pages();
        let start = if author.is_some() {
            pages.versions_by_author
        } else {
            pages.versions
        };
        Ok(
            ListedVersion::find_by_statement(self.page(start, author, page))
                .all(&self.db)
                .await
                .map_err(store_error)?
                .into_iter()
                .map(|row| PostVersion {
                    post: PostId(row.id),
                    revision: row.revision,
                    author: UserId(row.user_id),
                    author_revision: row.author_revision,
                })
                .collect(),
        )
    }

    async fn update(&self, id: PostId, changes: PostChanges) -> Result<Option<Post>, StoreError> {
        let PostChanges { title, content } = changes;
        if title.is_none() && content.is_none() {
            return Ok(self.by_id(id).await?.map(|found| found.post));
        }
        let mut update = post::Entity::update_many()
            .col_expr(
                post::Column::Revision,
                Expr::col(post::Column::Revision).add(1),
            )
            .filter(post::Column::Id.eq(id.0));
        if let Some(title) = title {
            update = update.col_expr(post::Column::Title, Expr::value(title.into_inner()));
        }
        if let Some(content) = content {
            update = update.col_expr(post::Column::Content, Expr::value(content.into_inner()));
        }
        update
            .exec_with_returning(&self.db)
            .await
            .map(|updated| updated.into_iter().next().map(to_domain))
            .map_err(store_error)
    }

    async fn delete(&self, id: PostId) -> Result<bool, StoreError> {
        post::Entity::delete_by_id(id.0)
            .exec(&self.db)
            .await
            .map(|result| result.rows_affected > 0)
            .map_err(store_error)
    }
}

#[async_trait]
impl Authors for SeaOrmPostRepository {
    async fn author_exists(&self, id: UserId) -> Result<bool, StoreError> {
        user::Entity::find_by_id(id.0)
            .unique(&self.db)
            .await
            .map(|found| found.is_some())
            .map_err(store_error)
    }
}
