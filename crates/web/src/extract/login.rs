//! The token endpoint's OAuth2 form, URL-encoded or multipart, with its OpenAPI schema: the
//! password grant (a login, `scope=offline_access` for a refresh token too) and the
//! refresh-token grant.

use std::collections::HashMap;

use axum::extract::{FromRequest, Multipart, Request};
use quill_domain::{Email, FieldError, FieldErrorKind, Password, RefreshToken};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use super::body::{body_failure, content_type, read_body};
use crate::error::{ApiError, ErrorItem, LocPart};
use crate::views::NoStore;

/// The token endpoint's OAuth2 form, URL-encoded or multipart. `grant_type` absent, empty or
/// `password`: a login with `username` (which holds the email) and `password`, both required
/// and non-empty. `grant_type=refresh_token`: a renewal with `refresh_token`.
#[derive(Debug)]
pub(crate) enum LoginForm {
    /// The password grant.
    Password {
        /// What the client typed as its login name (an email address).
        username: String,
        /// The password attempt.
        password: Password,
        /// Whether `scope` asked for `offline_access` (a refresh token).
        offline: bool,
    },
    /// The refresh-token grant; `None` when the field was missing or empty, which is refused
    /// like any other unusable refresh token.
    Refresh(Option<RefreshToken>),
}

/// The scope that asks for a refresh token (OpenID Connect's name for it).
const OFFLINE_ACCESS: &str = "offline_access";

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
/// `reject_oversized_bodies` somewhere in the error's causes), too slow, else unreadable.
fn multipart_failure(error: &axum::extract::multipart::MultipartError) -> ApiError {
    if error.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::PayloadTooLarge;
    }
    match body_failure(error) {
        ApiError::BadRequest(_) => ApiError::Validation(vec![form_unreadable()]),
        cut_off => cut_off,
    }
}

/// The OpenAPI schema of the form, documented as `TokenRequest` for both media types it is
/// read from: one of the two grants, told apart by `grant_type`, so a client generated from
/// the document sends a refresh token without a password. Optional fields the grant does not
/// use are accepted and ignored, as OAuth2 clients send them.
impl PartialSchema for LoginForm {
    fn schema() -> RefOr<Schema> {
        let text = |description: &str| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(description))
        };
        let secret = |description: &str| {
            text(description).format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
        };
        let password_grant = ObjectBuilder::new()
            .title(Some("Password grant"))
            .property(
                "username",
                text("The account's email address (any case).")
                    .min_length(Some(1))
                    .max_length(Some(Email::MAX_CHARS)),
            )
            .required("username")
            .property(
                "password",
                secret("The account's password.").min_length(Some(1)),
            )
            .required("password")
            .property(
                "grant_type",
                text("`password` when sent; an empty one counts as absent.")
                    .pattern(Some("^password$")),
            )
            .property(
                "scope",
                text("Space-separated; `offline_access` asks for a refresh token too.")
                    .default(Some("".into())),
            )
            .property("client_id", text("Ignored."))
            .property("client_secret", secret("Ignored."));
        let refresh_grant = ObjectBuilder::new()
            .title(Some("Refresh-token grant"))
            .property(
                "grant_type",
                text("Renews a session.").enum_values(Some(["refresh_token"])),
            )
            .required("grant_type")
            .property(
                "refresh_token",
                secret("The refresh token to rotate; it is spent by this request."),
            )
            .required("refresh_token")
            .property("client_id", text("Ignored."))
            .property("client_secret", secret("Ignored."));
        let grants = OneOfBuilder::new()
            .description(Some(
                "OAuth2 password grant, or refresh-token grant (`grant_type=refresh_token`).",
            ))
            .item(password_grant)
            .item(refresh_grant)
            .build();
        RefOr::T(Schema::OneOf(grants))
    }
}

impl ToSchema for LoginForm {
    fn name() -> std::borrow::Cow<'static, str> {
        "TokenRequest".into()
    }
}

impl<S: Send + Sync> FromRequest<S> for LoginForm {
    /// RFC 6749 (5.1, 5.2): the token endpoint's answers, its refusals of a malformed request
    /// included, are never cached.
    type Rejection = NoStore<ApiError>;

    async fn from_request(request: Request, _: &S) -> Result<Self, Self::Rejection> {
        read_login_form(request).await.map_err(NoStore)
    }
}

async fn read_login_form(request: Request) -> Result<LoginForm, ApiError> {
    let mut fields = form_fields(request).await?;
    if fields.get("grant_type").map(String::as_str) == Some("refresh_token") {
        let token = fields
            .remove("refresh_token")
            .filter(|token| !token.is_empty())
            .map(RefreshToken::new);
        return Ok(LoginForm::Refresh(token));
    }
    let offline = fields
        .get("scope")
        .is_some_and(|scope| scope.split(' ').any(|s| s == OFFLINE_ACCESS));
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
            "String should match pattern '^(password|refresh_token)$'",
        ));
    }
    match (username, password) {
        (Some(username), Some(password)) if problems.is_empty() => Ok(LoginForm::Password {
            username,
            password: Password::attempt(password),
            offline,
        }),
        _ => Err(ApiError::Validation(problems)),
    }
}
