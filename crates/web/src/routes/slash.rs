//! The trailing-slash redirect of the original's framework (SPEC section 13): a path that
//! names no route but would without its final slash is answered 307 to that path, so clients
//! that add a slash keep working, and the method and body survive the redirect.

use std::sync::Arc;

use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

/// The paths the router serves (`/api/posts/{post_id}`), to tell whether a path without its
/// slash names one.
#[derive(Clone)]
pub(crate) struct KnownPaths(Arc<matchit::Router<()>>);

impl std::fmt::Debug for KnownPaths {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnownPaths").finish_non_exhaustive()
    }
}

impl KnownPaths {
    /// The set of `paths`, written as the router writes them. A path that cannot be a route
    /// (a conflicting spelling) is left out: it would never be matched by the router either.
    pub(crate) fn new<'a>(paths: impl IntoIterator<Item = &'a str>) -> Self {
        let mut known = matchit::Router::new();
        for path in paths {
            // Two spellings of one route (a document path and a page path) insert once.
            let _ = known.insert(path, ());
        }
        Self(Arc::new(known))
    }

    /// The redirect for `uri` when it ends with a slash and names a route without it: the
    /// path without the slash, its query kept, as a relative reference (never built from the
    /// request's Host).
    pub(crate) fn redirect_without_slash(&self, uri: &Uri) -> Option<Response> {
        let path = uri.path();
        let trimmed = path.strip_suffix('/').filter(|rest| !rest.is_empty())?;
        // `//evil.example` as a Location would leave the site.
        if trimmed.starts_with("//") || self.0.at(trimmed).is_err() {
            return None;
        }
        let location = match uri.query() {
            Some(query) => format!("{trimmed}?{query}"),
            None => trimmed.to_owned(),
        };
        let location = HeaderValue::from_str(&location).ok()?;
        Some(
            (
                StatusCode::TEMPORARY_REDIRECT,
                [(header::LOCATION, location)],
            )
                .into_response(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> KnownPaths {
        KnownPaths::new(["/api/users", "/api/posts/{post_id}", "/posts", "/"])
    }

    fn location(uri: &str) -> Option<String> {
        let response = known().redirect_without_slash(&uri.parse().unwrap())?;
        assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
        Some(
            response.headers()[header::LOCATION]
                .to_str()
                .unwrap()
                .to_owned(),
        )
    }

    #[test]
    fn a_known_path_with_a_trailing_slash_redirects_to_itself_without_it_keeping_the_query() {
        assert_eq!(location("/api/users/").as_deref(), Some("/api/users"));
        assert_eq!(location("/api/posts/7/").as_deref(), Some("/api/posts/7"));
        assert_eq!(
            location("/posts/?skip=5&limit=2").as_deref(),
            Some("/posts?skip=5&limit=2")
        );
    }

    #[test]
    fn an_unknown_path_the_root_and_a_path_that_would_leave_the_site_are_not_redirected() {
        for uri in [
            "/api/nothing/",
            "/",
            "/api/users",
            "//api/users/",
            "/api/users//",
        ] {
            assert_eq!(location(uri), None, "{uri}");
        }
    }
}
