//! Revalidation of public reads (the post lists, one post, a public profile): an `ETag` made
//! from the domain's [`ContentTag`], `Cache-Control: public, no-cache` so that browsers and
//! proxies keep a copy and ask before each use, and `304 Not Modified` without a body when
//! `If-None-Match` names the current tag. Private answers stay `no-store`
//! ([`NoStore`](crate::views::NoStore)).

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use quill_domain::ContentTag;
use utoipa::IntoParams;
use utoipa::openapi::Required;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};

/// What a public read's `Cache-Control` says: anyone may keep it, nobody may show it unasked.
const REVALIDATE: HeaderValue = HeaderValue::from_static("public, no-cache");

/// The entity tag of a state of a public read. The release is part of it, since a release
/// may show the same content in another form.
fn entity_tag(tag: ContentTag) -> HeaderValue {
    let quoted = format!("\"{}-{tag}\"", env!("CARGO_PKG_VERSION"));
    // Digits, dots, a dash and hexadecimal digits between quotes: always a valid value.
    HeaderValue::from_str(&quoted).unwrap_or(HeaderValue::from_static("\"\""))
}

/// The request's `If-None-Match` values, if it sent any.
#[derive(Debug)]
pub(crate) struct IfNoneMatch(Vec<HeaderValue>);

impl<S: Send + Sync> FromRequestParts<S> for IfNoneMatch {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::from_headers(&parts.headers))
    }
}

impl IfNoneMatch {
    fn from_headers(headers: &HeaderMap) -> Self {
        Self(
            headers
                .get_all(header::IF_NONE_MATCH)
                .iter()
                .cloned()
                .collect(),
        )
    }

    /// Whether the request is a revalidation at all: only then is a light read of the
    /// current tag worth a statement of its own.
    pub(crate) fn is_present(&self) -> bool {
        !self.0.is_empty()
    }

    /// Whether the client's copy is current: RFC 9110's weak comparison (`W/` ignored) with
    /// any listed tag, or `*` (the resource exists, which the caller has just found).
    pub(crate) fn matches(&self, tag: ContentTag) -> bool {
        let current = entity_tag(tag);
        let current = current.as_bytes();
        self.0.iter().any(|value| {
            value.as_bytes().split(|&b| b == b',').any(|candidate| {
                let candidate = candidate.trim_ascii();
                candidate == b"*" || candidate.strip_prefix(b"W/").unwrap_or(candidate) == current
            })
        })
    }

    /// `Unchanged` when the client's copy is `tag`, else the full answer `read` makes.
    pub(crate) fn answer<T>(&self, tag: ContentTag, read: impl FnOnce() -> T) -> Cached<T> {
        if self.matches(tag) {
            Cached::Unchanged(tag)
        } else {
            Cached::Fresh(tag, read())
        }
    }
}

impl IntoParams for IfNoneMatch {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            ParameterBuilder::new()
                .name("If-None-Match")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "Entity tags of copies the client holds (or `*`): when one is the current \
                     `ETag`, the answer is 304 without a body.",
                ))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .build(),
        ]
    }
}

/// A public read's answer: the content with its tag, or a 304 naming the tag.
#[derive(Debug)]
pub(crate) enum Cached<T> {
    /// The client's copy is current.
    Unchanged(ContentTag),
    /// The content, in this state.
    Fresh(ContentTag, T),
}

impl<T: IntoResponse> IntoResponse for Cached<T> {
    fn into_response(self) -> Response {
        let (tag, mut response) = match self {
            Self::Unchanged(tag) => (tag, StatusCode::NOT_MODIFIED.into_response()),
            Self::Fresh(tag, body) => (tag, body.into_response()),
        };
        let headers = response.headers_mut();
        headers.insert(header::ETAG, entity_tag(tag));
        headers.insert(header::CACHE_CONTROL, REVALIDATE);
        response
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue, header};
    use quill_domain::{ContentTag, PostId, PostVersion, UserId};

    use super::{IfNoneMatch, entity_tag};

    fn tag(revision: i64) -> ContentTag {
        ContentTag::of_page([PostVersion {
            post: PostId(1),
            revision,
            author: UserId(1),
            author_revision: 0,
        }])
    }

    fn sent(values: &[&str]) -> IfNoneMatch {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(header::IF_NONE_MATCH, HeaderValue::from_str(value).unwrap());
        }
        IfNoneMatch::from_headers(&headers)
    }

    #[test]
    fn a_copy_is_current_when_any_listed_tag_is_the_current_one_weak_or_strong() {
        let current = entity_tag(tag(1));
        let current = current.to_str().unwrap();
        let stale = entity_tag(tag(0));
        let stale = stale.to_str().unwrap();
        assert!(sent(&[current]).matches(tag(1)));
        assert!(sent(&[&format!("W/{current}")]).matches(tag(1)));
        assert!(sent(&[&format!("{stale}, {current}")]).matches(tag(1)));
        assert!(sent(&[stale, current]).matches(tag(1)));
        assert!(sent(&["*"]).matches(tag(1)));
    }

    #[test]
    fn a_copy_is_stale_when_no_listed_tag_is_the_current_one() {
        let stale = entity_tag(tag(0));
        assert!(!sent(&[stale.to_str().unwrap()]).matches(tag(1)));
        assert!(!sent(&["\"something else\"", "W/"]).matches(tag(1)));
        let unquoted = entity_tag(tag(1))
            .to_str()
            .unwrap()
            .trim_matches('"')
            .to_owned();
        assert!(!sent(&[&unquoted]).matches(tag(1)));
        assert!(!sent(&[]).is_present());
    }
}
