//! Ids in the path (`{post_id}`, `{user_id}`, `{session_id}`) as domain ids, with their
//! OpenAPI parameters beside the code that reads them.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use quill_domain::{PostId, SessionId, UserId};
use utoipa::IntoParams;
use utoipa::openapi::Required;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};

use crate::error::{ApiError, ErrorItem};

pub(crate) fn int_parsing(section: &str, name: &str) -> ErrorItem {
    ErrorItem::new(
        "int_parsing",
        section,
        name,
        "Input should be a valid integer, unable to parse string as an integer",
    )
}

async fn path_segment(parts: &mut Parts, name: &'static str) -> Result<String, ApiError> {
    let params = RawPathParams::from_request_parts(parts, &())
        .await
        .map_err(|_| ApiError::NotFound("Not Found"))?;
    params
        .iter()
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
        .ok_or(ApiError::NotFound("Not Found"))
}

async fn path_id(parts: &mut Parts, name: &'static str) -> Result<i64, ApiError> {
    path_segment(parts, name)
        .await?
        .trim()
        .parse()
        .map_err(|_| ApiError::Validation(vec![int_parsing("path", name)]))
}

/// An integer as the id extractors read it: any 64-bit signed value.
pub(crate) fn integer() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
}

/// The OpenAPI description of an id path segment, next to the extractor that reads it.
fn id_parameter(name: &str, description: &str) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(format!(
            "{description} A value that is not an integer is a 422."
        )))
        .schema(Some(integer()))
        .build()
}

/// The `{post_id}` path segment as a post id.
#[derive(Debug)]
pub(crate) struct PostIdParam(pub(crate) PostId);

impl<S: Send + Sync> FromRequestParts<S> for PostIdParam {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Ok(Self(PostId(path_id(parts, "post_id").await?)))
    }
}

impl IntoParams for PostIdParam {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![id_parameter("post_id", "The post's id.")]
    }
}

/// The `{user_id}` path segment as a user id.
#[derive(Debug)]
pub(crate) struct UserIdParam(pub(crate) UserId);

impl<S: Send + Sync> FromRequestParts<S> for UserIdParam {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Ok(Self(UserId(path_id(parts, "user_id").await?)))
    }
}

impl IntoParams for UserIdParam {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![id_parameter("user_id", "The account's id.")]
    }
}

/// The `{session_id}` path segment as a session id. Any text is one: an id no session has is
/// the same 404 as another account's.
#[derive(Debug)]
pub(crate) struct SessionIdParam(pub(crate) SessionId);

impl<S: Send + Sync> FromRequestParts<S> for SessionIdParam {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Ok(Self(SessionId::new(
            path_segment(parts, "session_id").await?,
        )))
    }
}

impl IntoParams for SessionIdParam {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            ParameterBuilder::new()
                .name("session_id")
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(Some("The session's id, as the session list gives it."))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .build(),
        ]
    }
}
