//! What page templates are given: posts, authors and the pager, shaped for display.

use quill_domain::{Page, PostWithAuthor};
use serde::Serialize;

use crate::views::{UserPublicBody, timestamp};

pub(super) fn serialized<T: Serialize>(value: &T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(value))
}

#[derive(Debug, Serialize)]
pub(super) struct PostView {
    id: i64,
    pub(super) title: String,
    content: String,
    user_id: i64,
    date_posted: String,
    date_display: String,
    /// Shown as the API shows it publicly.
    author: UserPublicBody,
}

impl From<PostWithAuthor> for PostView {
    fn from(found: PostWithAuthor) -> Self {
        let PostWithAuthor { post, author } = found;
        Self {
            id: post.id.0,
            title: post.title,
            content: post.content,
            user_id: post.user_id.0,
            date_posted: timestamp(post.date_posted),
            date_display: post.date_posted.format("%B %-d, %Y").to_string(),
            author: author.into(),
        }
    }
}

#[derive(Debug, Serialize)]
pub(super) struct Pager {
    newer_url: Option<String>,
    older_url: Option<String>,
}

impl Pager {
    pub(super) fn new(base: &str, page: Page, shown: usize) -> Self {
        let (skip, limit) = (page.skip(), page.limit());
        let newer_url = (skip > 0).then(|| {
            let newer = skip.saturating_sub(limit);
            format!("{base}?skip={newer}&limit={limit}")
        });
        let older_url =
            (shown as u64 >= limit).then(|| format!("{base}?skip={}&limit={limit}", skip + limit));
        Self {
            newer_url,
            older_url,
        }
    }
}
