//! Extractors that turn requests into domain values. Every refusal (bad JSON, a wrong content
//! type, a non-integer id, an oversized body) becomes an [`ApiError`] with the contract's
//! body, never axum's plain-text rejections; the authenticating extractors are
//! `quill-axum`'s, whose refusals have the same bodies.

use std::collections::HashMap;

use axum::extract::{FromRequest, FromRequestParts, Multipart, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use quill_domain::{Email, FieldError, FieldErrorKind, Page, Password, PostId, UserId};
use serde_json::{Map, Value};
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{Object, RefOr, Required, Schema};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use crate::error::{ApiError, ErrorItem, LocPart};

/// The request body limit, in bytes.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// Refuses a declared oversized body before anything reads it, and caps the body itself, so a
/// body of undeclared length (chunked) fails with 413 as soon as it passes the limit, however
/// it is read: JSON, forms, multipart, any route.
pub async fn reject_oversized_bodies(
    axum::extract::State(limit): axum::extract::State<BodyLimit>,
    request: Request,
    next: Next,
) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit.0 as u64) {
        return ApiError::PayloadTooLarge.into_response();
    }
    let (parts, body) = request.into_parts();
    let capped = axum::body::Body::new(http_body_util::Limited::new(body, limit.0));
    next.run(Request::from_parts(parts, capped)).await
}

/// The whole body; past the limit the capped body fails, which is a 413.
async fn read_body(request: Request) -> Result<axum::body::Bytes, ApiError> {
    axum::body::to_bytes(request.into_body(), usize::MAX)
        .await
        .map_err(|_| ApiError::PayloadTooLarge)
}

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

fn not_an_object() -> ApiError {
    ApiError::Validation(vec![ErrorItem {
        kind: "model_attributes_type".to_owned(),
        loc: vec![LocPart::Name("body".to_owned())],
        msg: "Input should be a valid dictionary or object to extract fields from".to_owned(),
    }])
}

/// Byte offset of serde_json's (1-based line, 1-based column) in `input`.
fn offset_of(input: &[u8], line: usize, column: usize) -> usize {
    let line_start: usize = input
        .split(|b| *b == b'\n')
        .take(line.saturating_sub(1))
        .map(|l| l.len() + 1)
        .sum();
    (line_start + column.saturating_sub(1)).min(input.len())
}

/// A JSON object body. Anything else (no JSON content type, malformed JSON, a JSON array) is
/// a 422; an oversized body is a 413.
pub struct JsonObject(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(request: Request, _: &S) -> Result<Self, ApiError> {
        let kind = content_type(request.headers());
        let is_json = kind == "application/json"
            || (kind.starts_with("application/") && kind.ends_with("+json"));
        let bytes = read_body(request).await?;
        if !is_json {
            return Err(not_an_object());
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(Self(map)),
            Ok(_) => Err(not_an_object()),
            Err(e) => Err(ApiError::Validation(vec![ErrorItem {
                kind: "json_invalid".to_owned(),
                loc: vec![
                    LocPart::Name("body".to_owned()),
                    LocPart::Index(offset_of(&bytes, e.line(), e.column())),
                ],
                msg: "JSON decode error".to_owned(),
            }])),
        }
    }
}

/// Reads the fields of a JSON object one by one into domain values, collecting every
/// problem, so one 422 lists them all (as FastAPI does). Unknown fields are ignored.
pub struct BodyFields {
    map: Map<String, Value>,
    problems: Vec<ErrorItem>,
}

impl BodyFields {
    /// Starts reading an object.
    #[must_use]
    pub fn new(JsonObject(map): JsonObject) -> Self {
        Self {
            map,
            problems: Vec::new(),
        }
    }

    fn text(&mut self, name: &'static str) -> Option<Option<String>> {
        match self.map.remove(name) {
            None | Some(Value::Null) => Some(None),
            Some(Value::String(s)) => Some(Some(s)),
            Some(_) => {
                self.problems.push(ErrorItem::new(
                    "string_type",
                    "body",
                    name,
                    "Input should be a valid string",
                ));
                None
            }
        }
    }

    fn parsed<T>(
        &mut self,
        raw: String,
        parse: impl FnOnce(String) -> Result<T, FieldError>,
    ) -> Option<T> {
        parse(raw)
            .map_err(|e| self.problems.push(ErrorItem::from_field("body", &e)))
            .ok()
    }

    /// A required string field, parsed.
    pub fn required<T>(
        &mut self,
        name: &'static str,
        parse: impl FnOnce(String) -> Result<T, FieldError>,
    ) -> Option<T> {
        match self.text(name)? {
            Some(raw) => self.parsed(raw, parse),
            None => {
                self.problems
                    .push(ErrorItem::new("missing", "body", name, "Field required"));
                None
            }
        }
    }

    /// An optional string field, parsed; absent and `null` both mean "leave unchanged".
    pub fn optional<T>(
        &mut self,
        name: &'static str,
        parse: impl FnOnce(String) -> Result<T, FieldError>,
    ) -> Option<T> {
        let raw = self.text(name)??;
        self.parsed(raw, parse)
    }

    /// Ends reading: a 422 listing every problem, if there was any.
    ///
    /// # Errors
    /// [`ApiError::Validation`].
    pub fn finish(self) -> Result<(), ApiError> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.problems))
        }
    }
}

fn int_parsing(section: &str, name: &str) -> ErrorItem {
    ErrorItem::new(
        "int_parsing",
        section,
        name,
        "Input should be a valid integer, unable to parse string as an integer",
    )
}

async fn path_id(parts: &mut Parts, name: &'static str) -> Result<i64, ApiError> {
    let params = RawPathParams::from_request_parts(parts, &())
        .await
        .map_err(|_| ApiError::NotFound("Not Found"))?;
    let raw = params
        .iter()
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
        .ok_or(ApiError::NotFound("Not Found"))?;
    raw.trim()
        .parse()
        .map_err(|_| ApiError::Validation(vec![int_parsing("path", name)]))
}

/// An integer as the id extractors read it: any 64-bit signed value.
fn integer() -> ObjectBuilder {
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
pub struct PostIdParam(pub PostId);

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
pub struct UserIdParam(pub UserId);

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

/// `skip` and `limit` query parameters as a [`Page`] (defaults 0 and 100).
pub struct PageQuery(pub Page);

impl PageQuery {
    /// Reads `skip` and `limit` from a raw query string.
    ///
    /// # Errors
    /// A 422 naming each unusable parameter.
    pub fn parse(query: Option<&str>) -> Result<Page, ApiError> {
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

/// The OAuth2 password-grant form of the token endpoint, URL-encoded or multipart:
/// `username` (which holds the email) and `password`, both required and non-empty, and
/// `grant_type`, which must be `password` when sent.
pub struct LoginForm {
    /// What the client typed as its login name (an email address).
    pub username: String,
    /// The password attempt.
    pub password: Password,
}

async fn form_fields(request: Request) -> Result<HashMap<String, String>, ApiError> {
    let kind = content_type(request.headers());
    if kind == "application/x-www-form-urlencoded" {
        let bytes = read_body(request).await?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| ApiError::Validation(vec![form_unreadable()]))?;
        return Ok(pairs.into_iter().collect());
    }
    if kind == "multipart/form-data" {
        let mut multipart = Multipart::from_request(request, &())
            .await
            .map_err(|_| ApiError::Validation(vec![form_unreadable()]))?;
        let mut fields = HashMap::new();
        loop {
            match multipart.next_field().await {
                Ok(Some(field)) => {
                    let name = field.name().unwrap_or_default().to_owned();
                    match field.text().await {
                        Ok(text) => {
                            fields.insert(name, text);
                        }
                        Err(e) => return Err(multipart_failure(&e)),
                    }
                }
                Ok(None) => return Ok(fields),
                Err(e) => return Err(multipart_failure(&e)),
            }
        }
    }
    // Any other body (JSON included) carries no form fields: the required ones are missing.
    Ok(HashMap::new())
}

fn form_unreadable() -> ErrorItem {
    ErrorItem {
        kind: "value_error".to_owned(),
        loc: vec![LocPart::Name("body".to_owned())],
        msg: "Value error, the form data cannot be read".to_owned(),
    }
}

/// A multipart body that broke off: too large (axum's own limit, or the capped body of
/// [`reject_oversized_bodies`] somewhere in the error's causes), else unreadable.
fn multipart_failure(error: &axum::extract::multipart::MultipartError) -> ApiError {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    let mut too_large = error.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE;
    while let Some(current) = cause {
        too_large |= current.is::<http_body_util::LengthLimitError>();
        cause = current.source();
    }
    if too_large {
        ApiError::PayloadTooLarge
    } else {
        ApiError::Validation(vec![form_unreadable()])
    }
}

/// The OpenAPI schema of the form, documented as `TokenRequest` for both media types it is
/// read from. Optional fields other than `grant_type` are accepted and ignored, as OAuth2
/// clients send them.
impl PartialSchema for LoginForm {
    fn schema() -> RefOr<Schema> {
        let text = |description: &str| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(description))
        };
        let object: Object = ObjectBuilder::new()
            .description(Some(
                "OAuth2 password grant. An empty `grant_type` counts as absent.",
            ))
            .property(
                "username",
                text("The account's email address (any case).")
                    .min_length(Some(1))
                    .max_length(Some(Email::MAX_CHARS)),
            )
            .required("username")
            .property(
                "password",
                text("The account's password.")
                    .min_length(Some(1))
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Password))),
            )
            .required("password")
            .property(
                "grant_type",
                text("`password` when sent.").pattern(Some("^password$")),
            )
            .property("scope", text("Ignored.").default(Some("".into())))
            .property("client_id", text("Ignored."))
            .property(
                "client_secret",
                text("Ignored.").format(Some(SchemaFormat::KnownFormat(KnownFormat::Password))),
            )
            .build();
        RefOr::T(Schema::Object(object))
    }
}

impl ToSchema for LoginForm {
    fn name() -> std::borrow::Cow<'static, str> {
        "TokenRequest".into()
    }
}

impl<S: Send + Sync> FromRequest<S> for LoginForm {
    type Rejection = ApiError;

    async fn from_request(request: Request, _: &S) -> Result<Self, ApiError> {
        let mut fields = form_fields(request).await?;
        let mut problems = Vec::new();
        let mut required = |name: &'static str| match fields.remove(name) {
            Some(value) if !value.is_empty() => Some(value),
            _ => {
                problems.push(ErrorItem::new("missing", "body", name, "Field required"));
                None
            }
        };
        let username = required("username");
        let password = required("password");
        // No account's email is longer, so a longer name is refused before any limiter or
        // lookup sees it.
        if username
            .as_ref()
            .is_some_and(|name| name.chars().count() > Email::MAX_CHARS)
        {
            problems.push(ErrorItem::from_field(
                "body",
                &FieldError::new(
                    "username",
                    FieldErrorKind::TooLong {
                        max: Email::MAX_CHARS,
                    },
                ),
            ));
        }
        if fields
            .get("grant_type")
            .is_some_and(|grant| !grant.is_empty() && grant != "password")
        {
            problems.push(ErrorItem::new(
                "string_pattern_mismatch",
                "body",
                "grant_type",
                "String should match pattern '^password$'",
            ));
        }
        match (username, password) {
            (Some(username), Some(password)) if problems.is_empty() => Ok(Self {
                username,
                password: Password::attempt(password),
            }),
            _ => Err(ApiError::Validation(problems)),
        }
    }
}

pub use quill_axum::{AuthUser, CurrentSession, bearer_token};

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

    #[test]
    fn json_error_offsets_count_bytes_across_lines() {
        assert_eq!(offset_of(b"{\n  x", 2, 3), 4);
    }
}
