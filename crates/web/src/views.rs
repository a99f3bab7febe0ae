//! The JSON shapes of the contract (section 4), built from the domain's views. The domain's
//! types are never serialised directly: this module decides what leaves the service.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use quill_domain::{
    AccessToken, Grant, OwnSession, PostWithAuthor, PrivateUser, PublicUser, RefreshToken,
};
use serde::Serialize;
use utoipa::ToSchema;

/// Where the picture of a user with this `image_file` is served from: uploads under
/// `/media`, the default picture under `/static`.
pub(crate) fn image_path(image_file: Option<&str>) -> String {
    match image_file {
        // Names quill stores are plain hex; one from before uploads existed may hold anything,
        // and is written so it stays one path segment.
        Some(name) => format!(
            "/media/profile_pics/{}",
            percent_encoding::utf8_percent_encode(name, PATH_SEGMENT)
        ),
        None => "/static/profile_pics/default.jpg".to_owned(),
    }
}

#[cfg(test)]
mod image_path_tests {
    use super::image_path;

    #[test]
    fn a_stored_name_is_its_own_path_and_any_other_name_stays_one_url_safe_segment() {
        assert_eq!(
            image_path(Some("0123456789abcdef0123456789abcdef.jpg")),
            "/media/profile_pics/0123456789abcdef0123456789abcdef.jpg"
        );
        assert_eq!(
            image_path(Some("my photo?#1/é.png")),
            "/media/profile_pics/my%20photo%3F%231%2F%C3%A9.png"
        );
        assert_eq!(image_path(None), "/static/profile_pics/default.jpg");
    }
}

/// What a path segment may carry unencoded: RFC 3986's unreserved characters.
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A private answer (a token, one's own account): `Cache-Control: no-store` on it, success or
/// refusal, so no browser cache or proxy keeps it.
#[derive(Debug)]
pub(crate) struct NoStore<T>(pub(crate) T);

impl<T: IntoResponse> IntoResponse for NoStore<T> {
    fn into_response(self) -> Response {
        let mut response = self.0.into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

// Each view below is documented as a closed object (`additionalProperties: false`, from the
// `deny_unknown_fields` marker, which serialisation ignores), so a field that leaks into a
// response, such as an email in a public profile, fails every schema check. Doc comments on
// these types and fields are the OpenAPI descriptions.

/// `UserPublic`: what anyone may see. No email.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = UserPublic)]
pub(crate) struct UserPublicBody {
    /// The account's id; never reused.
    #[schema(example = 1)]
    id: i64,
    /// The display name, as written at registration.
    #[schema(example = "alice")]
    pub(crate) username: String,
    /// The uploaded picture's file name, or `null` for the default picture.
    #[schema(required = true, example = json!(null))]
    image_file: Option<String>,
    /// Where the picture is served from.
    #[schema(example = "/static/profile_pics/default.jpg")]
    image_path: String,
}

impl From<PublicUser> for UserPublicBody {
    fn from(user: PublicUser) -> Self {
        let image_path = image_path(user.image_file.as_deref());
        Self {
            id: user.id.0,
            username: user.username,
            image_file: user.image_file,
            image_path,
        }
    }
}

/// `UserPrivate`: the public view plus the email, for the user themself.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = UserPrivate)]
pub(crate) struct UserPrivateBody {
    /// The account's id; never reused.
    #[schema(example = 1)]
    id: i64,
    /// The display name, as written at registration.
    #[schema(example = "alice")]
    username: String,
    /// The uploaded picture's file name, or `null` for the default picture.
    #[schema(required = true, example = json!(null))]
    image_file: Option<String>,
    /// Where the picture is served from.
    #[schema(example = "/static/profile_pics/default.jpg")]
    image_path: String,
    /// The login address, lower-cased.
    #[schema(format = Email, example = "alice@example.com")]
    email: String,
}

impl From<PrivateUser> for UserPrivateBody {
    fn from(user: PrivateUser) -> Self {
        let UserPublicBody {
            id,
            username,
            image_file,
            image_path,
        } = user.public.into();
        Self {
            id,
            username,
            image_file,
            image_path,
            email: user.email,
        }
    }
}

/// The only token type quill issues.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum TokenType {
    /// Send it back as `Authorization: Bearer <token>`.
    Bearer,
}

/// `Token`: an OAuth2 bearer token response; with `scope=offline_access` (and on every
/// refresh) also a refresh token and the access token's lifetime. Its `Debug` hides the
/// tokens.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Token)]
pub(crate) struct TokenBody {
    /// A signed JWT naming the account.
    access_token: String,
    /// Always `bearer`.
    token_type: TokenType,
    /// Only for an offline session: the opaque token that renews it, once
    /// (`grant_type=refresh_token`); each use hands out its successor.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    refresh_token: Option<String>,
    /// Only with a refresh token: the access token's lifetime in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = 1800)]
    expires_in: Option<u64>,
}

impl std::fmt::Debug for TokenBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenBody { access_token: <redacted>, token_type: bearer, .. }")
    }
}

impl From<AccessToken> for TokenBody {
    fn from(token: AccessToken) -> Self {
        Self {
            access_token: token.into_inner(),
            token_type: TokenType::Bearer,
            refresh_token: None,
            expires_in: None,
        }
    }
}

impl From<Grant> for TokenBody {
    fn from(grant: Grant) -> Self {
        // Without a refresh token the body stays exactly the original's.
        let expires_in = grant
            .refresh_token
            .as_ref()
            .map(|_| grant.expires_in.as_secs());
        Self {
            refresh_token: grant.refresh_token.map(RefreshToken::into_inner),
            expires_in,
            ..Self::from(grant.access_token)
        }
    }
}

/// `Session`: one of the caller's live sessions.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Session)]
pub(crate) struct SessionBody {
    /// The session's id, for ending it.
    id: String,
    /// When it began (its login), RFC 3339 in UTC.
    #[schema(format = DateTime)]
    created_at: String,
    /// When it was last renewed, or began, RFC 3339 in UTC.
    #[schema(format = DateTime)]
    last_used_at: String,
    /// The `User-Agent` of its login, if one was sent.
    user_agent: Option<String>,
    /// Whether it is the session of the token that asked.
    current: bool,
}

impl From<OwnSession> for SessionBody {
    fn from(session: OwnSession) -> Self {
        let OwnSession { info, current } = session;
        Self {
            id: info.id.as_str().to_owned(),
            created_at: timestamp(info.created_at),
            last_used_at: timestamp(info.last_used_at),
            user_agent: info.user_agent,
            current,
        }
    }
}

/// `PostResponse`: a post with its author.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PostResponse)]
pub(crate) struct PostBody {
    /// 1 to 100 characters.
    #[schema(example = "Hello")]
    title: String,
    /// At least one character.
    #[schema(example = "My first post.")]
    content: String,
    /// The post's id.
    #[schema(example = 1)]
    id: i64,
    /// The author's id.
    #[schema(example = 1)]
    user_id: i64,
    /// When it was created: RFC 3339 in UTC with microseconds and a `Z`.
    #[schema(format = DateTime, example = "2026-11-26T18:01:27.345935Z")]
    date_posted: String,
    /// The author's public view.
    author: UserPublicBody,
}

/// RFC 3339 in UTC with microseconds and a `Z`, on every read alike.
#[must_use]
pub(crate) fn timestamp(at: DateTime<Utc>) -> String {
    // A fixed format, not a format string to interpret for every post of every list.
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
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

    #[test]
    fn a_token_body_never_shows_its_token_when_debugged() {
        let body = TokenBody::from(AccessToken::new("eyJ.secret.sig"));
        assert!(!format!("{body:?}").contains("secret"));
        assert!(
            serde_json::to_string(&body)
                .unwrap()
                .contains("eyJ.secret.sig")
        );
    }

    #[test]
    fn a_user_without_a_picture_shows_the_default_one() {
        assert_eq!(image_path(None), "/static/profile_pics/default.jpg");
        assert_eq!(image_path(Some("a.png")), "/media/profile_pics/a.png");
    }
}
