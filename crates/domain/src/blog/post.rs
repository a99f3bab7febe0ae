//! Posts: what is stored ([`Post`]), how it is shown ([`PostWithAuthor`]), the checked inputs
//! that create or change one, and the window of a list ([`Page`]).

use std::fmt;

use chrono::{DateTime, Utc};

use crate::user::{PublicUser, UserId};
use crate::validation::{FieldError, FieldErrorKind, check_length};

/// A post's identifier.
///
/// ```
/// use quill_domain::PostId;
///
/// assert_eq!(PostId(3).to_string(), "3");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PostId(pub i64);

impl fmt::Display for PostId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A post title: 1 to 100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostTitle(String);

impl PostTitle {
    /// The most characters a title may have.
    pub const MAX_CHARS: usize = 100;

    /// Accepts a title of 1 to 100 characters.
    ///
    /// # Errors
    /// A [`FieldError`] for `title` when the length is outside that range.
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::{FieldErrorKind, PostTitle};
    ///
    /// assert_eq!(PostTitle::parse("Hello")?.as_str(), "Hello");
    /// let refused = PostTitle::parse("x".repeat(101)).unwrap_err();
    /// assert_eq!(refused.kind, FieldErrorKind::TooLong { max: 100 });
    /// # Ok::<(), quill_domain::FieldError>(())
    /// ```
    pub fn parse(raw: impl Into<String>) -> Result<Self, FieldError> {
        let raw = raw.into();
        check_length("title", &raw, 1, Some(Self::MAX_CHARS))?;
        Ok(Self(raw))
    }

    /// The title.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The title, taken out.
    #[must_use]
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A post body: at least one character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostContent(String);

impl PostContent {
    /// Accepts any non-empty body (the request size limit bounds it).
    ///
    /// # Errors
    /// A [`FieldError`] for `content` when it is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::PostContent;
    ///
    /// assert_eq!(PostContent::parse("Hi.")?.into_inner(), "Hi.");
    /// assert_eq!(PostContent::parse("").unwrap_err().field, "content");
    /// # Ok::<(), quill_domain::FieldError>(())
    /// ```
    pub fn parse(raw: impl Into<String>) -> Result<Self, FieldError> {
        let raw = raw.into();
        check_length("content", &raw, 1, None)?;
        Ok(Self(raw))
    }

    /// The body.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The body, taken out.
    #[must_use]
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A stored post. Returned inside a [`PostWithAuthor`] by
/// [`PostService`](crate::PostService).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    /// Its identifier.
    pub id: PostId,
    /// Title.
    pub title: String,
    /// Body.
    pub content: String,
    /// Its author.
    pub user_id: UserId,
    /// When it was created (UTC, microsecond precision).
    pub date_posted: DateTime<Utc>,
    /// Moves on every edit, so a cache can tell the post changed without reading it.
    pub revision: i64,
}

/// A post together with the public view of its author, as lists and pages show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostWithAuthor {
    /// The post.
    pub post: Post,
    /// Its author.
    pub author: PublicUser,
}

/// A post about to be stored, as [`PostService::create`](crate::PostService::create) hands
/// it to a [`PostRepository`](crate::PostRepository).
#[derive(Debug, Clone)]
pub struct NewPost {
    /// Title.
    pub title: PostTitle,
    /// Body.
    pub content: PostContent,
    /// Author.
    pub user_id: UserId,
    /// Creation time, set by the service from its clock.
    pub date_posted: DateTime<Utc>,
}

/// Changes to a post; `None` leaves a field as it is. The
/// [`PostService::update`](crate::PostService::update) example shows one.
#[derive(Debug, Clone, Default)]
pub struct PostChanges {
    /// New title.
    pub title: Option<PostTitle>,
    /// New body.
    pub content: Option<PostContent>,
}

/// Which slice of a newest-first list to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    skip: u64,
    limit: u64,
}

impl Page {
    /// The most items one page may hold, and the default size.
    pub const MAX_LIMIT: u64 = 100;

    /// A page skipping `skip` items and holding at most `limit` (1 to 100).
    ///
    /// # Errors
    /// A [`FieldError`] for `skip` or `limit` when out of range.
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::Page;
    ///
    /// let second = Page::new(20, 20)?;
    /// assert_eq!((second.skip(), second.limit()), (20, 20));
    /// assert_eq!(Page::new(0, 101).unwrap_err().field, "limit");
    /// assert_eq!(Page::default().limit(), Page::MAX_LIMIT);
    /// # Ok::<(), quill_domain::FieldError>(())
    /// ```
    pub fn new(skip: i64, limit: i64) -> Result<Self, FieldError> {
        let skip = u64::try_from(skip)
            .map_err(|_| FieldError::new("skip", FieldErrorKind::TooSmall { min: 0 }))?;
        if limit < 1 {
            return Err(FieldError::new(
                "limit",
                FieldErrorKind::TooSmall { min: 1 },
            ));
        }
        let limit = u64::try_from(limit).unwrap_or(u64::MAX);
        if limit > Self::MAX_LIMIT {
            return Err(FieldError::new(
                "limit",
                FieldErrorKind::TooLarge {
                    max: Self::MAX_LIMIT as i64,
                },
            ));
        }
        Ok(Self { skip, limit })
    }

    /// How many items to skip.
    #[must_use]
    pub fn skip(&self) -> u64 {
        self.skip
    }

    /// The most items to return.
    #[must_use]
    pub fn limit(&self) -> u64 {
        self.limit
    }
}

impl Default for Page {
    fn default() -> Self {
        Self {
            skip: 0,
            limit: Self::MAX_LIMIT,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_must_have_between_1_and_100_characters() {
        assert!(PostTitle::parse("").is_err());
        assert!(PostTitle::parse("t".repeat(100)).is_ok());
        assert!(PostTitle::parse("t".repeat(101)).is_err());
    }

    #[test]
    fn content_must_not_be_empty() {
        assert_eq!(
            PostContent::parse("").unwrap_err().kind,
            FieldErrorKind::TooShort { min: 1 }
        );
    }

    #[test]
    fn page_limit_is_between_1_and_100_and_skip_is_not_negative() {
        assert!(Page::new(0, 1).is_ok());
        assert!(Page::new(0, 100).is_ok());
        assert_eq!(Page::new(0, 0).unwrap_err().field, "limit");
        assert_eq!(Page::new(0, 101).unwrap_err().field, "limit");
        assert_eq!(Page::new(-1, 10).unwrap_err().field, "skip");
        assert_eq!(Page::default().limit(), 100);
    }
}
