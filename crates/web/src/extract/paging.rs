//! `skip` and `limit` as a domain [`Page`], with their OpenAPI parameters.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use quill_domain::Page;
use utoipa::IntoParams;
use utoipa::openapi::Required;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::ObjectBuilder;

use super::path::{int_parsing, integer};
use crate::error::{ApiError, ErrorItem};

/// `skip` and `limit` query parameters as a [`Page`] (defaults 0 and 100).
#[derive(Debug)]
pub(crate) struct PageQuery(pub(crate) Page);

impl PageQuery {
    /// Reads `skip` and `limit` from a raw query string.
    ///
    /// # Errors
    /// A 422 naming each unusable parameter.
    pub(crate) fn parse(query: Option<&str>) -> Result<Page, ApiError> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(query.unwrap_or_default()).unwrap_or_default();
        let mut problems = Vec::new();
        let mut number = |name: &'static str, default: i64| {
            let Some((_, raw)) = pairs.iter().find(|(key, _)| key == name) else {
                return Some(default);
            };
            raw.trim()
                .parse::<i64>()
                .map_err(|_| problems.push(int_parsing("query", name)))
                .ok()
        };
        let skip = number("skip", 0);
        let limit = number("limit", 100);
        let (Some(skip), Some(limit)) = (skip, limit) else {
            return Err(ApiError::Validation(problems));
        };
        Page::new(skip, limit)
            .map_err(|e| ApiError::Validation(vec![ErrorItem::from_field("query", &e)]))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Ok(Self(Self::parse(parts.uri.query())?))
    }
}

impl IntoParams for PageQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let default = Page::default();
        let query = |name: &str, description: &str, schema: ObjectBuilder| {
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some(description))
                .schema(Some(schema))
                .build()
        };
        vec![
            query(
                "skip",
                "How many of the newest posts to pass over.",
                integer()
                    .minimum(Some(0))
                    .default(Some(default.skip().into())),
            ),
            query(
                "limit",
                "The most posts to return.",
                integer()
                    .minimum(Some(1))
                    .maximum(Some(Page::MAX_LIMIT))
                    .default(Some(default.limit().into())),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_defaults_to_the_first_hundred_and_refuses_out_of_range_values() {
        assert_eq!(PageQuery::parse(None).unwrap(), Page::default());
        assert_eq!(
            PageQuery::parse(Some("skip=5&limit=20")).unwrap(),
            Page::new(5, 20).unwrap()
        );
        for bad in ["limit=0", "limit=101", "skip=-1", "skip=x", "limit=1.5"] {
            assert!(PageQuery::parse(Some(bad)).is_err(), "{bad}");
        }
    }
}
