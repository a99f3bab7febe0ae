//! The OpenAPI 3.1 document of `/api` and the published token keys: the parts no handler carries itself (title, tags, the
//! OAuth2 password-flow security scheme) and the schemas of the JSON request bodies.
//!
//! Paths, parameters and responses come from the `#[utoipa::path]` attribute on each handler,
//! and routes are registered from those same attributes (see `routes::api_router`), so a
//! route cannot exist without being documented. Response bodies are the types the handlers
//! serialise ([`crate::views`], [`crate::error`]); request bodies are the types they read
//! (`crate::requests`); the refusals many operations share are [`responses`].

pub(crate) mod responses;

use utoipa::openapi::security::{Flow, OAuth2, Password as PasswordFlow, Scopes, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{Components, Info, OpenApi, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::error::{ErrorMessage, ValidationFailure};

/// The name protected operations refer to in their `security` requirement.
pub(crate) const SECURITY_SCHEME: &str = "OAuth2PasswordBearer";

/// Where the security scheme tells clients (and the docs' Authorize dialog) to log in.
pub(crate) const TOKEN_URL: &str = "/api/users/token";

/// Completes the document gathered from the handlers: title, version, tags and the
/// security scheme the protected operations name.
#[must_use]
pub(crate) fn finish(mut document: OpenApi) -> OpenApi {
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
        TagBuilder::new()
            .name("tokens")
            .description(Some(
                "The public keys other services verify access tokens with.",
            ))
            .build(),
    ]);
    let components = document.components.get_or_insert_with(Components::new);
    // The shared refusals name their bodies by reference; the bodies are registered here, so
    // the references resolve whichever operations happen to use them.
    let mut bodies = vec![
        (ErrorMessage::name().into_owned(), ErrorMessage::schema()),
        (
            ValidationFailure::name().into_owned(),
            ValidationFailure::schema(),
        ),
    ];
    ErrorMessage::schemas(&mut bodies);
    ValidationFailure::schemas(&mut bodies);
    components.schemas.extend(bodies);
    components.security_schemes.insert(
        SECURITY_SCHEME.to_owned(),
        RefOr::T(SecurityScheme::OAuth2(OAuth2::with_description(
            [Flow::Password(PasswordFlow::new(TOKEN_URL, Scopes::new()))],
            "Log in with the account's email as `username`; send the token as a Bearer token.",
        ))),
    );
    document
}
