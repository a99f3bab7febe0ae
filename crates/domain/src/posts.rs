//! The post service: writing, reading, editing and deleting posts, with the ownership rules.

use std::sync::Arc;

use chrono::Timelike as _;

use crate::error::Unexpected;
use crate::ports::{Clock, PostRepository, StoreError, UserRepository};
use crate::post::{NewPost, Page, PostChanges, PostContent, PostId, PostTitle, PostWithAuthor};
use crate::user::{PublicUser, User, UserId};

/// Which action a caller attempted on someone else's post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostAction {
    /// Editing it.
    Update,
    /// Deleting it.
    Delete,
}

/// The outcomes of [`PostService`] a caller branches on.
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    /// No post has the requested id.
    #[error("post not found")]
    NotFound,
    /// No user has the requested id (listing a user's posts).
    #[error("user not found")]
    UserNotFound,
    /// The caller is not the post's author.
    #[error("not authorized to {} this post", match .0 { PostAction::Update => "update", PostAction::Delete => "delete" })]
    NotAllowed(PostAction),
    /// Something outside the rules failed.
    #[error(transparent)]
    Unexpected(#[from] Unexpected),
}

impl From<StoreError> for PostError {
    fn from(error: StoreError) -> Self {
        match error {
            // Posts have no uniqueness rules; a store reporting one is broken.
            StoreError::UsernameTaken | StoreError::EmailTaken => {
                Self::Unexpected(Unexpected::new(error.to_string()))
            }
            StoreError::Unexpected(e) => Self::Unexpected(e),
        }
    }
}

/// A checked title and body for a new post or a full replacement.
#[derive(Debug, Clone)]
pub struct PostDraft {
    /// Title.
    pub title: PostTitle,
    /// Body.
    pub content: PostContent,
}

/// Posts and who may change them.
///
/// Cheap to clone: it holds only shared handles to its ports.
#[derive(Clone)]
pub struct PostService {
    posts: Arc<dyn PostRepository>,
    users: Arc<dyn UserRepository>,
    clock: Arc<dyn Clock>,
}

impl PostService {
    /// A service over these ports.
    #[must_use]
    pub fn new(
        posts: Arc<dyn PostRepository>,
        users: Arc<dyn UserRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            posts,
            users,
            clock,
        }
    }

    /// Publishes a post by `author`, dated now (to the microsecond, as stored).
    ///
    /// # Errors
    /// [`PostError::Unexpected`] only.
    pub async fn create(
        &self,
        author: &User,
        draft: PostDraft,
    ) -> Result<PostWithAuthor, PostError> {
        let now = self.clock.now();
        let date_posted = now
            .with_nanosecond(now.timestamp_subsec_micros() * 1_000)
            .unwrap_or(now);
        let post = self
            .posts
            .create(NewPost {
                title: draft.title,
                content: draft.content,
                user_id: author.id,
                date_posted,
            })
            .await?;
        Ok(PostWithAuthor {
            post,
            author: PublicUser::from(author),
        })
    }

    /// One post with its author.
    ///
    /// # Errors
    /// [`PostError::NotFound`].
    pub async fn get(&self, id: PostId) -> Result<PostWithAuthor, PostError> {
        self.posts.by_id(id).await?.ok_or(PostError::NotFound)
    }

    /// A newest-first page of everyone's posts.
    ///
    /// # Errors
    /// [`PostError::Unexpected`] only.
    pub async fn list(&self, page: Page) -> Result<Vec<PostWithAuthor>, PostError> {
        Ok(self.posts.list(None, page).await?)
    }

    /// A newest-first page of one user's posts.
    ///
    /// # Errors
    /// [`PostError::UserNotFound`] when no such user exists (an existing user without posts
    /// gets an empty list).
    pub async fn list_by_author(
        &self,
        author: UserId,
        page: Page,
    ) -> Result<Vec<PostWithAuthor>, PostError> {
        if self.users.by_id(author).await?.is_none() {
            return Err(PostError::UserNotFound);
        }
        Ok(self.posts.list(Some(author), page).await?)
    }

    /// Changes a post of the caller's: existence is checked before ownership.
    ///
    /// # Errors
    /// [`PostError::NotFound`], then [`PostError::NotAllowed`].
    pub async fn update(
        &self,
        caller: &User,
        id: PostId,
        changes: PostChanges,
    ) -> Result<PostWithAuthor, PostError> {
        self.ensure_owner(caller, id, PostAction::Update).await?;
        let post = self
            .posts
            .update(id, changes)
            .await?
            .ok_or(PostError::NotFound)?;
        Ok(PostWithAuthor {
            post,
            author: PublicUser::from(caller),
        })
    }

    /// Deletes a post of the caller's: existence is checked before ownership.
    ///
    /// # Errors
    /// [`PostError::NotFound`], then [`PostError::NotAllowed`].
    pub async fn delete(&self, caller: &User, id: PostId) -> Result<(), PostError> {
        self.ensure_owner(caller, id, PostAction::Delete).await?;
        if self.posts.delete(id).await? {
            Ok(())
        } else {
            Err(PostError::NotFound)
        }
    }

    async fn ensure_owner(
        &self,
        caller: &User,
        id: PostId,
        action: PostAction,
    ) -> Result<(), PostError> {
        let existing = self.posts.by_id(id).await?.ok_or(PostError::NotFound)?;
        if existing.post.user_id == caller.id {
            Ok(())
        } else {
            Err(PostError::NotAllowed(action))
        }
    }
}
