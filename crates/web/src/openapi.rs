//! The OpenAPI 3.1 document of `/api`: the parts no handler carries itself (title, tags, the
//! OAuth2 password-flow security scheme) and the schemas of the JSON request bodies.
//!
//! Paths, parameters and responses come from the `#[utoipa::path]` attribute on each handler,
//! and routes are registered from those same attributes (see `routes::api_router`), so a
//! route cannot exist without being documented. Response bodies are the types the handlers
//! serialise ([`crate::views`], [`crate::error`]); request bodies are described here, from
//! the domain's own limits, because handlers read them field by field into domain values.

use std::borrow::Cow;

use quill_domain::{Email, ImageFile, Password, PostTitle, Username};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, SchemaType, Type};
use utoipa::openapi::security::{Flow, OAuth2, Password as PasswordFlow, Scopes, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{Components, Info, OpenApi, RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

/// The name protected operations refer to in their `security` requirement.
pub const SECURITY_SCHEME: &str = "OAuth2PasswordBearer";

/// Where the security scheme tells clients (and the docs' Authorize dialog) to log in.
pub const TOKEN_URL: &str = "/api/users/token";

/// Completes the document gathered from the handlers: title, version, tags and the
/// security scheme the protected operations name.
#[must_use]
pub fn finish(mut document: OpenApi) -> OpenApi {
    document.info = Info::builder()
        .title("quill")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "The JSON API of the quill blog. Errors are `{\"detail\": \"<message>\"}`, except \
             422 whose `detail` lists every refused value. Protected operations take \
             `Authorization: Bearer <token>`; get a token from `POST /api/users/token` (the \
             Authorize button does it with your email and password).",
        ))
        .build();
    document.tags = Some(vec![
        TagBuilder::new()
            .name("users")
            .description(Some("Registration, login, accounts and public profiles."))
            .build(),
        TagBuilder::new()
            .name("posts")
            .description(Some("Reading and writing posts."))
            .build(),
    ]);
    let components = document.components.get_or_insert_with(Components::new);
    components.security_schemes.insert(
        SECURITY_SCHEME.to_owned(),
        RefOr::T(SecurityScheme::OAuth2(OAuth2::with_description(
            [Flow::Password(PasswordFlow::new(TOKEN_URL, Scopes::new()))],
            "Log in with the account's email as `username`; send the token as a Bearer token.",
        ))),
    );
    document
}

/// What [`ImageFile::parse`] accepts besides its length: no leading dot, no path or URL
/// punctuation, no control character (Unicode's `Cc`, as `char::is_control`).
const PLAIN_FILE_NAME: &str =
    r"^[^./\\?#%\u0000-\u001F\u007F-\u009F][^/\\?#%\u0000-\u001F\u007F-\u009F]*$";

/// A string schema counting characters, as the domain does.
fn text(min: usize, max: Option<usize>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(min))
        .max_length(max)
}

/// A field of a partial update: absent and `null` both leave the value unchanged.
fn unchanged_when_null(schema: ObjectBuilder) -> ObjectBuilder {
    schema.schema_type(
        [Type::String, Type::Null]
            .into_iter()
            .collect::<SchemaType>(),
    )
}

fn username() -> ObjectBuilder {
    text(1, Some(Username::MAX_CHARS))
        .description(Some(
            "Unique regardless of letter case and of Unicode compatibility forms; stored in \
             NFKC form. Not blank, and without control or invisible (format) characters.",
        ))
        .pattern(Some(visible_text_pattern()))
        .examples(["alice"])
}

/// Text with at least one character that is not white space and none of the domain's
/// invisible characters, written so that ECMA-262, Rust's and Python's regular expressions
/// read it alike: code points of the Basic Multilingual Plane escaped as `\uXXXX`, the few
/// beyond it written as themselves.
fn visible_text_pattern() -> String {
    let escape = |c: char| {
        if u32::from(c) <= 0xFFFF {
            format!("\\u{:04X}", u32::from(c))
        } else {
            c.to_string()
        }
    };
    let class: String = quill_domain::user::invisible_character_ranges()
        .into_iter()
        .map(|(from, to)| {
            if from == to {
                escape(from)
            } else {
                format!("{}-{}", escape(from), escape(to))
            }
        })
        .collect();
    format!("^[^{class}]*[^{class}\\s][^{class}]*$")
}

fn email() -> ObjectBuilder {
    text(1, Some(Email::MAX_CHARS))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
        .description(Some("Stored lower-cased; unique."))
        .examples(["alice@example.com"])
}

fn title() -> ObjectBuilder {
    text(1, Some(PostTitle::MAX_CHARS)).examples(["Hello"])
}

fn content() -> ObjectBuilder {
    text(1, None).examples(["My first post."])
}

fn schema(object: ObjectBuilder) -> RefOr<Schema> {
    RefOr::T(Schema::Object(object.build()))
}

/// Names a request-body schema type in the document's components.
macro_rules! named {
    ($type:ident) => {
        impl ToSchema for $type {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($type))
            }
        }
    };
}

/// Body of `POST /api/users`. Unknown fields are ignored.
pub struct RegisterRequest;
named!(RegisterRequest);

impl PartialSchema for RegisterRequest {
    fn schema() -> RefOr<Schema> {
        schema(
            ObjectBuilder::new()
                .property("username", username())
                .required("username")
                .property("email", email())
                .required("email")
                .property(
                    "password",
                    text(Password::MIN_CHARS, Some(Password::MAX_CHARS))
                        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
                        .examples(["password123"]),
                )
                .required("password"),
        )
    }
}

/// Body of `PATCH /api/users/me/password`.
pub struct PasswordChangeRequest;
named!(PasswordChangeRequest);

impl PartialSchema for PasswordChangeRequest {
    fn schema() -> RefOr<Schema> {
        let secret = |min| {
            text(min, Some(Password::MAX_CHARS))
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
        };
        schema(
            ObjectBuilder::new()
                .property(
                    "current_password",
                    secret(1).description(Some("The password in use now.")),
                )
                .required("current_password")
                .property(
                    "new_password",
                    secret(Password::MIN_CHARS).examples(["a-new-password"]),
                )
                .required("new_password"),
        )
    }
}

/// Body of `PATCH /api/users/{user_id}`: every field optional.
pub struct UserUpdateRequest;
named!(UserUpdateRequest);

impl PartialSchema for UserUpdateRequest {
    fn schema() -> RefOr<Schema> {
        schema(
            ObjectBuilder::new()
                .description(Some(
                    "Fields that are absent or `null` are left unchanged. A user may change the \
                     letter case of their own username.",
                ))
                .property("username", unchanged_when_null(username()))
                .property("email", unchanged_when_null(email()))
                .property(
                    "image_file",
                    unchanged_when_null(text(1, Some(ImageFile::MAX_CHARS)))
                        .description(Some(
                            "A plain file name under the pictures folder: no leading dot, \
                             none of `/ \\ ? # %`, no control characters.",
                        ))
                        .pattern(Some(PLAIN_FILE_NAME))
                        .examples(["me.jpg"]),
                ),
        )
    }
}

/// Body of `POST /api/posts` and `PUT /api/posts/{post_id}`.
pub struct PostRequest;
named!(PostRequest);

impl PartialSchema for PostRequest {
    fn schema() -> RefOr<Schema> {
        schema(
            ObjectBuilder::new()
                .description(Some(
                    "The author is always the caller; a `user_id` field is ignored.",
                ))
                .property("title", title())
                .required("title")
                .property("content", content())
                .required("content"),
        )
    }
}

/// Body of `PATCH /api/posts/{post_id}`: both fields optional.
pub struct PostPatchRequest;
named!(PostPatchRequest);

impl PartialSchema for PostPatchRequest {
    fn schema() -> RefOr<Schema> {
        schema(
            ObjectBuilder::new()
                .description(Some("Fields that are absent or `null` are left unchanged."))
                .property("title", unchanged_when_null(title()))
                .property("content", unchanged_when_null(content())),
        )
    }
}
