//! The versions of the blog's public reads: what a listed post's version is made of
//! ([`PostVersion`]), and the [`ContentTag`] of a post and of a page of posts.

use super::post::{PostId, PostWithAuthor};
use crate::content_tag::ContentTag;
use crate::user::UserId;

/// What a listed post's version is made of: the post's revision and its author's, since a
/// list shows the author's name and picture too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostVersion {
    /// The post.
    pub post: PostId,
    /// Its [`Post::revision`](crate::Post::revision).
    pub revision: i64,
    /// Its author.
    pub author: UserId,
    /// The author's [`PublicUser::revision`](crate::PublicUser::revision).
    pub author_revision: i64,
}

impl PostWithAuthor {
    /// The numbers this post's version is made of.
    #[must_use]
    pub fn version(&self) -> PostVersion {
        PostVersion {
            post: self.post.id,
            revision: self.post.revision,
            author: self.author.id,
            author_revision: self.author.revision,
        }
    }
}

/// The blog's tags.
///
/// ```
/// use quill_domain::{ContentTag, PostId, PostVersion, UserId};
///
/// let v = |revision| PostVersion { post: PostId(1), revision, author: UserId(1), author_revision: 0 };
/// assert_eq!(ContentTag::of_page([v(0)]), ContentTag::of_page([v(0)]));
/// assert_ne!(ContentTag::of_page([v(0)]), ContentTag::of_page([v(1)]));
/// assert_ne!(ContentTag::of_page([v(0)]), ContentTag::of_page([]));
/// ```
impl ContentTag {
    /// The tag of a page of posts, in the page's order. An edit, a deletion, a new post
    /// moving the page, or an author's change of name or picture all change it.
    #[must_use]
    pub fn of_page(versions: impl IntoIterator<Item = PostVersion>) -> Self {
        Self::of_numbers(versions.into_iter().flat_map(|version| {
            [
                version.post.0,
                version.revision,
                version.author.0,
                version.author_revision,
            ]
        }))
    }

    /// The tag of a page of posts as it was read.
    #[must_use]
    pub fn of_posts(posts: &[PostWithAuthor]) -> Self {
        Self::of_page(posts.iter().map(PostWithAuthor::version))
    }

    /// The tag of one post with its author.
    #[must_use]
    pub fn of_post(post: &PostWithAuthor) -> Self {
        Self::of_page([post.version()])
    }
}
