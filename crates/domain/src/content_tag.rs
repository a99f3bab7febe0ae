//! Versions of public reads. A [`ContentTag`] names one state of a post, a public profile or a
//! page of posts. It is made from ids and revision numbers alone, which the stores move on
//! every change, so a cache can be told "unchanged" after a query that reads no content.

use std::fmt;
use std::hash::Hasher as _;

use crate::{PostId, PostWithAuthor, PublicUser, UserId};

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
    /// The author's [`PublicUser::revision`].
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

/// One state of a public read. Equal tags mean the same content, as long as the revision
/// numbers move on every change; two different states share a tag only by a 64-bit hash
/// collision. Shown as 16 hexadecimal digits.
///
/// ```
/// use quill_domain::{ContentTag, PostId, PostVersion, UserId};
///
/// let v = |revision| PostVersion { post: PostId(1), revision, author: UserId(1), author_revision: 0 };
/// assert_eq!(ContentTag::of_page([v(0)]), ContentTag::of_page([v(0)]));
/// assert_ne!(ContentTag::of_page([v(0)]), ContentTag::of_page([v(1)]));
/// assert_ne!(ContentTag::of_page([v(0)]), ContentTag::of_page([]));
/// assert_eq!(ContentTag::of_page([v(0)]).to_string().len(), 16);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContentTag(u64);

impl ContentTag {
    /// The tag of a page of posts, in the page's order. An edit, a deletion, a new post
    /// moving the page, or an author's change of name or picture all change it.
    #[must_use]
    pub fn of_page(versions: impl IntoIterator<Item = PostVersion>) -> Self {
        // FNV-1a over little-endian numbers: the same tag from every server of a fleet,
        // whatever their build or architecture, and cheap for a page of twenty.
        let mut hasher = fnv::FnvHasher::default();
        for version in versions {
            for number in [
                version.post.0,
                version.revision,
                version.author.0,
                version.author_revision,
            ] {
                hasher.write(&number.to_le_bytes());
            }
        }
        Self(hasher.finish())
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

    /// The tag of a public profile.
    #[must_use]
    pub fn of_profile(user: &PublicUser) -> Self {
        let mut hasher = fnv::FnvHasher::default();
        hasher.write(&user.id.0.to_le_bytes());
        hasher.write(&user.revision.to_le_bytes());
        Self(hasher.finish())
    }
}

impl fmt::Display for ContentTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}
