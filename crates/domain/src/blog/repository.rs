//! The blog's ports: [`PostRepository`], the storage of posts, and [`Authors`], the one
//! thing the blog asks of the accounts.

use async_trait::async_trait;

use super::content::PostVersion;
use super::post::{NewPost, Page, Post, PostChanges, PostId, PostWithAuthor};
use crate::error::StoreError;
use crate::user::UserId;

/// Storage of posts. Listing is newest first; deleting an author deletes their posts
/// (that is [`UserRepository::delete`](crate::UserRepository::delete)'s job).
///
/// ```
/// use quill_domain::testing::InMemoryStore;
/// use quill_domain::{Page, PostRepository};
///
/// let store = InMemoryStore::new();
/// let everyone = futures_executor::block_on(store.list(None, Page::default())).unwrap();
/// assert!(everyone.is_empty());
/// ```
#[async_trait]
pub trait PostRepository: Send + Sync {
    /// Stores a new post.
    async fn create(&self, post: NewPost) -> Result<Post, StoreError>;

    /// The post with this id and its author, if any.
    async fn by_id(&self, id: PostId) -> Result<Option<PostWithAuthor>, StoreError>;

    /// A newest-first page of posts with their authors, of one author or of everyone.
    async fn list(
        &self,
        author: Option<UserId>,
        page: Page,
    ) -> Result<Vec<PostWithAuthor>, StoreError>;

    /// The versions of the posts [`PostRepository::list`] would return for the same page,
    /// in the same order, read without their content: what revalidating a cached page costs.
    async fn list_versions(
        &self,
        author: Option<UserId>,
        page: Page,
    ) -> Result<Vec<PostVersion>, StoreError>;

    /// Applies changes and moves the post's revision; `None` when the post no longer exists.
    async fn update(&self, id: PostId, changes: PostChanges) -> Result<Option<Post>, StoreError>;

    /// Deletes the post; `false` when it did not exist.
    async fn delete(&self, id: PostId) -> Result<bool, StoreError>;
}

/// Whether an author exists: all the blog needs of the accounts (to tell an author with no
/// posts from no such user), so the blog never sees an account's email or hash.
#[async_trait]
pub trait Authors: Send + Sync {
    /// Whether an account with this id exists.
    async fn author_exists(&self, id: UserId) -> Result<bool, StoreError>;
}
