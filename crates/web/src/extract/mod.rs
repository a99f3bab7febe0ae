//! Extractors that turn requests into domain values. Every refusal (bad JSON, a wrong content
//! type, a non-integer id, an oversized body) becomes an [`ApiError`](crate::ApiError) with
//! the contract's body, never axum's plain-text rejections; the authenticating extractors are
//! `quill-axum`'s, whose refusals have the same bodies.

mod body;
mod json;
mod login;
mod paging;
mod path;

pub(crate) use body::{BodyLimit, body_failure, reject_oversized_bodies};
pub(crate) use json::{FieldChecks, JsonBody, OptionalJsonBody, Text};
pub(crate) use login::LoginForm;
pub(crate) use paging::PageQuery;
pub(crate) use path::{PostIdParam, SessionIdParam, UserIdParam};
pub(crate) use quill_axum::{AuthUser, CurrentSession};
