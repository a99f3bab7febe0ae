//! The blog: what a post is (`post`), the rules of writing and reading posts
//! (`service`: [`PostService`]), the versions of its public reads (`content`) and its
//! ports (`repository`: posts, and the authors it checks). It stands on the auth core (a
//! [`Caller`](crate::Caller) is who writes) and asks nothing more of the accounts than whether
//! an author exists; the auth core knows nothing of it.

mod content;
mod post;
mod repository;
mod service;

pub use content::PostVersion;
pub use post::{NewPost, Page, Post, PostChanges, PostContent, PostId, PostTitle, PostWithAuthor};
pub use repository::{Authors, PostRepository};
pub use service::{PostAction, PostDraft, PostError, PostService};
