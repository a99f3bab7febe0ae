//! [`PostRepository`] over the `posts` table, joined to `users` for authors.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use quill_domain::{
    NewPost, Page, Post, PostChanges, PostId, PostRepository, PostVersion, PostWithAuthor,
    PublicUser, StoreError, Unexpected, UserId,
};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait as _, DatabaseConnection, DbBackend,
    EntityTrait, FromQueryResult, QueryFilter as _, Statement,
};

use super::store_error;
use super::users::to_domain as user_to_domain;
use crate::entities::{post, user};

/// A page of posts as one statement that answers with one row: the page's rows packed into
/// a JSON array by the database. The SQLite driver hands every row from its own thread to
/// the caller's task, a thread wake-up each, which cost more than the rest of a 20-post
/// list together; one row is one hand-over. `$columns` are the page's (see [`Listed`] and
/// [`ListedVersion`]), `$filter` selects one author's posts or none, and the placeholders
/// and the JSON functions differ by backend.
macro_rules! page_sql {
    (sqlite, $columns:expr, $filter:literal) => {
        concat!(
            "SELECT json_group_array(json_array(",
            $columns,
            ") ORDER BY date_posted DESC, id DESC) AS page FROM (",
            "SELECT p.id, p.title, p.content, p.user_id, p.date_posted, p.revision, ",
            "u.username, u.image_file, u.profile_revision ",
            "FROM posts p JOIN users u ON u.id = p.user_id ",
            $filter,
            "ORDER BY p.date_posted DESC, p.id DESC LIMIT ?1 OFFSET ?2)"
        )
    };
    (postgres, $columns:expr, $filter:literal) => {
        concat!(
            "SELECT COALESCE(json_agg(json_build_array(",
            $columns,
            ") ORDER BY date_posted DESC, id DESC), '[]')::text AS page FROM (",
            "SELECT p.id, p.title, p.content, p.user_id, p.date_posted, p.revision, ",
            "u.username, u.image_file, u.profile_revision ",
            "FROM posts p JOIN users u ON u.id = p.user_id ",
            $filter,
            "ORDER BY p.date_posted DESC, p.id DESC LIMIT $1 OFFSET $2) page"
        )
    };
}

/// What a listed post carries: everything shown, in [`Listed`]'s order.
macro_rules! listed_columns {
    () => {
        "id, title, content, user_id, date_posted, revision, username, image_file, profile_revision"
    };
}

/// What a version of a listed post carries, in [`ListedVersion`]'s order.
macro_rules! version_columns {
    () => {
        "id, revision, user_id, profile_revision"
    };
}

/// The four page statements of one backend: everyone's or one author's, posts or versions.
struct PageStatements {
    posts: &'static str,
    posts_by_author: &'static str,
    versions: &'static str,
    versions_by_author: &'static str,
}

const SQLITE_PAGES: PageStatements = PageStatements {
    posts: page_sql!(sqlite, listed_columns!(), ""),
    posts_by_author: page_sql!(sqlite, listed_columns!(), "WHERE p.user_id = ?3 "),
    versions: page_sql!(sqlite, version_columns!(), ""),
    versions_by_author: page_sql!(sqlite, version_columns!(), "WHERE p.user_id = ?3 "),
};

const POSTGRES_PAGES: PageStatements = PageStatements {
    posts: page_sql!(postgres, listed_columns!(), ""),
    posts_by_author: page_sql!(postgres, listed_columns!(), "WHERE p.user_id = $3 "),
    versions: page_sql!(postgres, version_columns!(), ""),
    versions_by_author: page_sql!(postgres, version_columns!(), "WHERE p.user_id = $3 "),
};

/// The one row of a page statement.
#[derive(FromQueryResult)]
struct PackedPage {
    page: String,
}

/// One listed post and the public part of its author, as packed by [`listed_columns`].
type Listed = (
    i64,
    String,
    String,
    i64,
    String,
    i64,
    String,
    Option<String>,
    i64,
);

/// One listed post's version, as packed by [`version_columns`].
type ListedVersion = (i64, i64, i64, i64);

fn listed_to_domain(listed: Listed) -> Result<PostWithAuthor, StoreError> {
    let (id, title, content, user_id, date_posted, revision, username, image_file, author_rev) =
        listed;
    Ok(PostWithAuthor {
        author: PublicUser {
            id: UserId(user_id),
            username,
            image_file,
            revision: author_rev,
        },
        post: Post {
            id: PostId(id),
            title,
            content,
            user_id: UserId(user_id),
            date_posted: parse_timestamp(&date_posted)?,
            revision,
        },
    })
}

/// A timestamp as JSON shows it: SQLite keeps the RFC 3339 text the driver wrote, PostgreSQL
/// writes ISO 8601 with a `T`; both parse as RFC 3339 with either separator.
fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, StoreError> {
    text.parse::<DateTime<chrono::FixedOffset>>()
        .map(|at| at.with_timezone(&Utc))
        .map_err(|e| {
            StoreError::Unexpected(Unexpected::new(format!(
                "a stored post date cannot be read ({text:?}): {e}"
            )))
        })
}

fn unpack<T: serde::de::DeserializeOwned>(
    packed: Option<PackedPage>,
) -> Result<Vec<T>, StoreError> {
    let Some(packed) = packed else {
        return Ok(Vec::new());
    };
    serde_json::from_str(&packed.page).map_err(|e| {
        StoreError::Unexpected(Unexpected::new(format!(
            "a packed page cannot be read: {e}"
        )))
    })
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

    /// Runs a page statement: fixed text, so the driver's statement cache reuses its
    /// preparation, over one indexed join, newest first.
    async fn page(
        &self,
        sql: &'static str,
        author: Option<UserId>,
        page: Page,
    ) -> Result<Option<PackedPage>, StoreError> {
        let backend = self.db.get_database_backend();
        let limit = i64::try_from(page.limit()).unwrap_or(i64::MAX);
        let skip = i64::try_from(page.skip()).unwrap_or(i64::MAX);
        let statement = match author {
            None => Statement::from_sql_and_values(backend, sql, [limit.into(), skip.into()]),
            Some(author) => Statement::from_sql_and_values(
                backend,
                sql,
                [limit.into(), skip.into(), author.0.into()],
            ),
        };
        PackedPage::find_by_statement(statement)
            .one(&self.db)
            .await
            .map_err(store_error)
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
        let statements = self.pages();
        let sql = match author {
            None => statements.posts,
            Some(_) => statements.posts_by_author,
        };
        let listed: Vec<Listed> = unpack(self.page(sql, author, page).await?)?;
        listed.into_iter().map(listed_to_domain).collect()
    }

    async fn list_versions(
        &self,
        author: Option<UserId>,
        page: Page,
    ) -> Result<Vec<PostVersion>, StoreError> {
        let statements = self.pages();
        let sql = match author {
            None => statements.versions,
            Some(_) => statements.versions_by_author,
        };
        let versions: Vec<ListedVersion> = unpack(self.page(sql, author, page).await?)?;
        Ok(versions
            .into_iter()
            .map(|(post, revision, author, author_revision)| PostVersion {
                post: PostId(post),
                revision,
                author: UserId(author),
                author_revision,
            })
            .collect())
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
