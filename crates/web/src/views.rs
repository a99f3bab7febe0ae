//! The JSON shapes of the contract (section 4), built from the domain's views. The domain's
//! types are never serialised directly: this module decides what leaves the service.

use chrono::{DateTime, Utc};
use quill_domain::{AccessToken, PostWithAuthor, PrivateUser, PublicUser};
use serde::Serialize;

/// `UserPublic`: what anyone may see. No email.
#[derive(Debug, Serialize)]
pub struct UserPublicBody {
    id: i64,
    username: String,
    image_file: Option<String>,
    image_path: String,
}

impl From<PublicUser> for UserPublicBody {
    fn from(user: PublicUser) -> Self {
        let image_path = user.image_path();
        Self {
            id: user.id.0,
            username: user.username,
            image_file: user.image_file,
            image_path,
        }
    }
}

/// `UserPrivate`: the public view plus the email, for the user themself.
#[derive(Debug, Serialize)]
pub struct UserPrivateBody {
    #[serde(flatten)]
    public: UserPublicBody,
    email: String,
}

impl From<PrivateUser> for UserPrivateBody {
    fn from(user: PrivateUser) -> Self {
        Self {
            public: user.public.into(),
            email: user.email,
        }
    }
}

/// `Token`: an OAuth2 bearer token response.
#[derive(Debug, Serialize)]
pub struct TokenBody {
    access_token: String,
    token_type: &'static str,
}

impl From<AccessToken> for TokenBody {
    fn from(token: AccessToken) -> Self {
        Self {
            access_token: token.into_inner(),
            token_type: "bearer",
        }
    }
}

/// `PostResponse`: a post with its author.
#[derive(Debug, Serialize)]
pub struct PostBody {
    title: String,
    content: String,
    id: i64,
    user_id: i64,
    date_posted: String,
    author: UserPublicBody,
}

/// RFC 3339 in UTC with microseconds and a `Z`, on every read alike.
#[must_use]
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

impl From<PostWithAuthor> for PostBody {
    fn from(found: PostWithAuthor) -> Self {
        let PostWithAuthor { post, author } = found;
        Self {
            title: post.title,
            content: post.content,
            id: post.id.0,
            user_id: post.user_id.0,
            date_posted: timestamp(post.date_posted),
            author: author.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    #[test]
    fn timestamps_have_microseconds_and_a_z() {
        let at = Utc.with_ymd_and_hms(2026, 11, 26, 18, 1, 27).unwrap()
            + chrono::Duration::microseconds(345_935);
        assert_eq!(timestamp(at), "2026-11-26T18:01:27.345935Z");
        let whole = Utc.with_ymd_and_hms(2026, 11, 26, 18, 1, 27).unwrap();
        assert_eq!(timestamp(whole), "2026-11-26T18:01:27.000000Z");
    }
}
