//! The refusals many operations share, each written once with its status, body and headers,
//! and named in the operations' `responses(...)`. Refusals whose message is particular to one
//! operation (its 403 or 404) stay beside that operation.

// These types exist for their derived `IntoResponses`, which the operations' attributes call;
// the handlers answer with `ApiError`, so none is ever built.
#![allow(dead_code)]

use utoipa::IntoResponses;

use crate::error::{ErrorMessage, ValidationFailure};

/// 401 of a protected operation.
#[derive(Debug, IntoResponses)]
#[response(
    status = 401,
    description = "No valid bearer token, checked before anything else: `Not authenticated` \
        (none sent), `Invalid or expired token`, or `User not found` (the account was deleted \
        since).",
    headers(("WWW-Authenticate" = String, description = "`Bearer`."))
)]
pub(crate) struct Unauthenticated(ErrorMessage);

/// 413 of an operation that reads a body.
#[derive(Debug, IntoResponses)]
#[response(status = 413, description = "`Request body too large`.")]
pub(crate) struct BodyTooLarge(ErrorMessage);

/// 422 of an operation that reads a JSON body or an integer path or query value.
#[derive(Debug, IntoResponses)]
#[response(
    status = 422,
    description = "Refused input, every problem listed: a missing or invalid field, a body \
        that is not a JSON object, or a path or query value that is not an integer."
)]
pub(crate) struct InvalidInput(ValidationFailure<'static>);

/// 429 of an operation under a rate limit.
#[derive(Debug, IntoResponses)]
#[response(
    status = 429,
    description = "`Too many requests`: a limit of this address or of this account was \
        reached, or this address already has its share of the hashing places \
        (`HASHING_PLACES_PER_CLIENT`) running or waiting; answered before any hashing.",
    headers(("Retry-After" = String, description = "Seconds to wait."))
)]
pub(crate) struct RateLimited(ErrorMessage);

/// 503 of an operation that hashes a password.
#[derive(Debug, IntoResponses)]
#[response(
    status = 503,
    description = "`Server busy, try again shortly`: every hashing slot and queue place is \
        taken, or the database cannot take writes now.",
    headers(("Retry-After" = String, description = "Seconds to wait."))
)]
pub(crate) struct Busy(ErrorMessage);

/// 429 of the picture upload.
#[derive(Debug, IntoResponses)]
#[response(
    status = 429,
    description = "`Too many requests`: this address already has its share of uploads in \
        progress (`PICTURE_PLACES_PER_CLIENT`); answered before the body is read.",
    headers(("Retry-After" = String, description = "Seconds to wait."))
)]
pub(crate) struct UploadShareTaken(ErrorMessage);

/// 503 of the picture upload.
#[derive(Debug, IntoResponses)]
#[response(
    status = 503,
    description = "`Server busy, try again shortly`: every picture place is taken \
        (`PICTURE_PLACES`), or the database cannot take writes now.",
    headers(("Retry-After" = String, description = "Seconds to wait."))
)]
pub(crate) struct UploadsBusy(ErrorMessage);

/// 404 of an operation on one post.
#[derive(Debug, IntoResponses)]
#[response(
    status = 404,
    description = "`Post not found` (checked before authorship)."
)]
pub(crate) struct PostNotFound(ErrorMessage);

/// 404 of an operation on a public profile.
#[derive(Debug, IntoResponses)]
#[response(status = 404, description = "`User not found`.")]
pub(crate) struct UserNotFound(ErrorMessage);

/// 304 of a public read revalidated with a current tag.
#[derive(Debug, IntoResponses)]
#[response(
    status = 304,
    description = "Not modified: `If-None-Match` names the current `ETag`. No body.",
    headers(
        ("ETag" = String, description = "The current entity tag."),
        ("Cache-Control" = String, description = "`public, no-cache`.")
    )
)]
pub(crate) struct NotModified;
