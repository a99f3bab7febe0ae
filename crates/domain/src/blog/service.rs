//! The post service: writing, reading, editing and deleting posts, with the ownership rules.
//! [`PostService`] is what a front end calls; [`PostError`] is everything it can refuse.

use std::sync::Arc;

use chrono::Timelike as _;

use super::post::{NewPost, Page, PostChanges, PostContent, PostId, PostTitle, PostWithAuthor};
use super::repository::{Authors, PostRepository};
use crate::auth::session::Caller;
use crate::clock::Clock;
use crate::content_tag::ContentTag;
use crate::error::{StoreError, Unexpected};
use crate::user::UserId;

/// Which action a caller attempted on someone else's post, carried by
/// [`PostError::NotAllowed`] so the refusal can name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostAction {
    /// Editing it.
    Update,
    /// Deleting it.
    Delete,
}

/// The outcomes of [`PostService`] a caller branches on; map them with an exhaustive
/// `match`, as for the auth capabilities' errors.
///
/// ```
/// use quill_domain::{PostAction, PostError};
///
/// let refused = PostError::NotAllowed(PostAction::Delete);
/// assert_eq!(refused.to_string(), "not authorized to delete this post");
/// ```
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    /// No post has the requested id.
    #[error("post not found")]
    NotFound,
    /// No user has the requested id (listing a user's posts).
    #[error("user not found")]
    UserNotFound,
    /// The caller's account was deleted while the request ran (a post cannot outlive its
    /// author, so none was stored).
    #[error("the author's account no longer exists")]
    AuthorGone,
    /// The caller is not the post's author.
    #[error("not authorized to {} this post", match .0 { PostAction::Update => "update", PostAction::Delete => "delete" })]
    NotAllowed(PostAction),
    /// The store cannot take this now (locked, read-only); retry shortly.
    #[error("temporarily unavailable: {0}")]
    Unavailable(#[source] Unexpected),
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
            StoreError::AccountGone => Self::AuthorGone,
            StoreError::Unavailable(e) => Self::Unavailable(e),
            StoreError::Unexpected(e) => Self::Unexpected(e),
        }
    }
}

/// A checked title and body for a new post or a full replacement.
///
/// ```
/// use quill_domain::{PostContent, PostDraft, PostTitle};
///
/// let draft = PostDraft {
///     title: PostTitle::parse("Hello")?,
///     content: PostContent::parse("First post.")?,
/// };
/// # let _ = draft;
/// # Ok::<(), quill_domain::FieldError>(())
/// ```
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
///
/// # Examples
///
/// ```
/// use quill_domain::testing::Harness;
/// use quill_domain::{Page, PostContent, PostDraft, PostTitle};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let h = Harness::builder()
///     .user("alice", "alice@example.com", "quiet-harbour-lamp")
///     .build();
/// let alice = h.caller("alice");
/// # futures_executor::block_on(async {
/// let draft = PostDraft {
///     title: PostTitle::parse("Hello")?,
///     content: PostContent::parse("First post.")?,
/// };
/// let created = h.posts.create(&alice, draft).await?;
/// assert_eq!(created.author.username, "alice");
/// assert_eq!(created.post.date_posted, h.clock.now());
///
/// let everyone = h.posts.list(Page::default()).await?;
/// assert_eq!(everyone.len(), 1);
/// # Ok(())
/// # })
/// # }
/// # use quill_domain::Clock as _;
/// ```
#[derive(Clone)]
pub struct PostService {
    posts: Arc<dyn PostRepository>,
    authors: Arc<dyn Authors>,
    clock: Arc<dyn Clock>,
}

impl PostService {
    /// A service over these ports: posts, and the authors, to tell one with no posts from no
    /// such user.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// use quill_domain::PostService;
    /// use quill_domain::testing::{FixedClock, InMemoryStore};
    ///
    /// let store = Arc::new(InMemoryStore::new());
    /// let posts = PostService::new(store.clone(), store, Arc::new(FixedClock::default()));
    /// # let _ = posts;
    /// ```
    #[must_use]
    pub fn new(
        posts: Arc<dyn PostRepository>,
        authors: Arc<dyn Authors>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            posts,
            authors,
            clock,
        }
    }

    /// Publishes a post by `author`, dated now (to the microsecond, as stored). The
    /// [`PostService`] example shows it in use.
    ///
    /// # Errors
    /// [`PostError::Unexpected`] only.
    pub async fn create(
        &self,
        author: &Caller,
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
                user_id: author.id(),
                date_posted,
            })
            .await?;
        Ok(PostWithAuthor {
            post,
            author: author.public().clone(),
        })
    }

    /// One post with its author.
    ///
    /// # Errors
    /// [`PostError::NotFound`].
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    /// use quill_domain::{PostError, PostId};
    ///
    /// let h = Harness::new();
    /// let missing = futures_executor::block_on(h.posts.get(PostId(7)));
    /// assert!(matches!(missing, Err(PostError::NotFound)));
    /// ```
    pub async fn get(&self, id: PostId) -> Result<PostWithAuthor, PostError> {
        self.posts.by_id(id).await?.ok_or(PostError::NotFound)
    }

    /// A newest-first page of everyone's posts.
    ///
    /// # Errors
    /// [`PostError::Unexpected`] only.
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::Page;
    /// use quill_domain::testing::Harness;
    ///
    /// let h = Harness::new();
    /// let first_ten = Page::new(0, 10).unwrap();
    /// assert!(futures_executor::block_on(h.posts.list(first_ten)).unwrap().is_empty());
    /// ```
    pub async fn list(&self, page: Page) -> Result<Vec<PostWithAuthor>, PostError> {
        Ok(self.posts.list(None, page).await?)
    }

    /// A newest-first page of one user's posts.
    ///
    /// # Errors
    /// [`PostError::UserNotFound`] when no such user exists (an existing user without posts
    /// gets an empty list).
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    /// use quill_domain::{Page, PostError, UserId};
    ///
    /// let h = Harness::builder()
    ///     .user("alice", "alice@example.com", "quiet-harbour-lamp")
    ///     .build();
    /// # futures_executor::block_on(async {
    /// assert!(h.posts.list_by_author(h.user("alice").id, Page::default()).await?.is_empty());
    /// assert!(matches!(
    ///     h.posts.list_by_author(UserId(42), Page::default()).await,
    ///     Err(PostError::UserNotFound)
    /// ));
    /// # Ok::<(), PostError>(())
    /// # }).unwrap();
    /// ```
    pub async fn list_by_author(
        &self,
        author: UserId,
        page: Page,
    ) -> Result<Vec<PostWithAuthor>, PostError> {
        let posts = self.posts.list(Some(author), page).await?;
        if posts.is_empty() {
            self.require_author(author).await?;
        }
        Ok(posts)
    }

    /// The [`ContentTag`] of [`PostService::list`]'s page, read without the posts' content:
    /// a cache holding that tag may show its copy.
    ///
    /// # Errors
    /// [`PostError::Unexpected`] only.
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    /// use quill_domain::{ContentTag, Page};
    ///
    /// # futures_executor::block_on(async {
    /// let h = Harness::new();
    /// let shown = h.posts.list(Page::default()).await?;
    /// assert_eq!(h.posts.list_tag(Page::default()).await?, ContentTag::of_posts(&shown));
    /// # Ok::<(), quill_domain::PostError>(())
    /// # }).unwrap();
    /// ```
    pub async fn list_tag(&self, page: Page) -> Result<ContentTag, PostError> {
        Ok(ContentTag::of_page(
            self.posts.list_versions(None, page).await?,
        ))
    }

    /// The [`ContentTag`] of [`PostService::list_by_author`]'s page, read without the posts'
    /// content.
    ///
    /// # Errors
    /// As [`PostService::list_by_author`].
    pub async fn list_by_author_tag(
        &self,
        author: UserId,
        page: Page,
    ) -> Result<ContentTag, PostError> {
        let versions = self.posts.list_versions(Some(author), page).await?;
        if versions.is_empty() {
            self.require_author(author).await?;
        }
        Ok(ContentTag::of_page(versions))
    }

    /// Tells an author without posts on the page from no such user. Only an empty page
    /// needs it: a post on it names its author, so the common read stays one statement.
    async fn require_author(&self, author: UserId) -> Result<(), PostError> {
        if self.authors.author_exists(author).await? {
            Ok(())
        } else {
            Err(PostError::UserNotFound)
        }
    }

    /// Changes a post of the caller's: existence is checked before ownership.
    ///
    /// # Errors
    /// [`PostError::NotFound`], then [`PostError::NotAllowed`].
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    /// use quill_domain::{PostAction, PostChanges, PostContent, PostDraft, PostError, PostTitle};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let h = Harness::builder()
    ///     .user("alice", "alice@example.com", "quiet-harbour-lamp")
    ///     .user("bob", "bob@example.com", "quiet-harbour-lamp")
    ///     .build();
    /// let (alice, bob) = (h.caller("alice"), h.caller("bob"));
    /// # futures_executor::block_on(async {
    /// let draft = PostDraft {
    ///     title: PostTitle::parse("Hello")?,
    ///     content: PostContent::parse("First post.")?,
    /// };
    /// let id = h.posts.create(&alice, draft).await?.post.id;
    /// let retitle = PostChanges {
    ///     title: Some(PostTitle::parse("Hello again")?),
    ///     ..PostChanges::default()
    /// };
    /// let by_bob = h.posts.update(&bob, id, retitle.clone()).await;
    /// assert!(matches!(by_bob, Err(PostError::NotAllowed(PostAction::Update))));
    /// let by_alice = h.posts.update(&alice, id, retitle).await?;
    /// assert_eq!(by_alice.post.title, "Hello again");
    /// assert_eq!(by_alice.post.content, "First post.");
    /// # Ok(())
    /// # })
    /// # }
    /// ```
    pub async fn update(
        &self,
        caller: &Caller,
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
            author: caller.public().clone(),
        })
    }

    /// Deletes a post of the caller's: existence is checked before ownership.
    ///
    /// # Errors
    /// [`PostError::NotFound`], then [`PostError::NotAllowed`].
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    /// use quill_domain::{PostError, PostId};
    ///
    /// let h = Harness::builder()
    ///     .user("bob", "bob@example.com", "quiet-harbour-lamp")
    ///     .build();
    /// // No such post: NotFound, whoever asks.
    /// let outcome = futures_executor::block_on(h.posts.delete(&h.caller("bob"), PostId(1)));
    /// assert!(matches!(outcome, Err(PostError::NotFound)));
    /// ```
    pub async fn delete(&self, caller: &Caller, id: PostId) -> Result<(), PostError> {
        self.ensure_owner(caller, id, PostAction::Delete).await?;
        if self.posts.delete(id).await? {
            Ok(())
        } else {
            Err(PostError::NotFound)
        }
    }

    async fn ensure_owner(
        &self,
        caller: &Caller,
        id: PostId,
        action: PostAction,
    ) -> Result<(), PostError> {
        let existing = self.posts.by_id(id).await?.ok_or(PostError::NotFound)?;
        if existing.post.user_id == caller.id() {
            Ok(())
        } else {
            Err(PostError::NotAllowed(action))
        }
    }
}

crate::opaque_debug!(PostService);
