//! The authenticating extractors: [`AuthUser`], [`MaybeAuthUser`] and [`CurrentSession`].
//! Handlers never read the `Authorization` header or decode a token themselves.

use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use quill_domain::{Caller, Session, SessionService};

use crate::refusal::AuthRefusal;

/// The bearer token of a request, if it has one: `Authorization: Bearer <token>`, the scheme
/// name in any case, the token non-empty.
///
/// ```
/// use axum::http::{HeaderMap, HeaderValue, header};
/// use quill_axum::bearer_token;
///
/// let mut headers = HeaderMap::new();
/// headers.insert(header::AUTHORIZATION, HeaderValue::from_static("bearer abc"));
/// assert_eq!(bearer_token(&headers), Some("abc"));
/// headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
/// assert_eq!(bearer_token(&headers), None);
/// ```
#[must_use]
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    match presented(headers) {
        Presented::Token(token) => Some(token),
        Presented::Absent | Presented::Empty => None,
    }
}

/// What a request presents as its bearer credential.
enum Presented<'a> {
    /// No `Authorization: Bearer` header at all (or another scheme).
    Absent,
    /// The bearer scheme with nothing after it: a credential, and a bad one.
    Empty,
    Token(&'a str),
}

fn presented(headers: &HeaderMap) -> Presented<'_> {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Presented::Absent;
    };
    let (scheme, token) = value.trim().split_once(' ').unwrap_or((value.trim(), ""));
    let token = token.trim();
    match (scheme.eq_ignore_ascii_case("bearer"), token.is_empty()) {
        (false, _) => Presented::Absent,
        (true, true) => Presented::Empty,
        (true, false) => Presented::Token(token),
    }
}

/// The token to check, or the refusal for a request that presents none (or an empty one).
pub(crate) fn token_of(headers: &HeaderMap) -> Result<Option<&str>, AuthRefusal> {
    match presented(headers) {
        Presented::Absent => Ok(None),
        Presented::Empty => Err(AuthRefusal::Invalid),
        Presented::Token(token) => Ok(Some(token)),
    }
}

/// The caller's session: their account and their token's claims (to revoke that very
/// token). Works in any axum application whose state yields an [`SessionService`].
///
/// Refusals ([`AuthRefusal`]): 401 `Not authenticated` without a bearer header, 401 `Invalid
/// or expired token` for a bad or empty token, 401 `User not found` when the account was
/// deleted since.
#[derive(Debug, Clone)]
pub struct CurrentSession(pub Session);

impl<S> FromRequestParts<S> for CurrentSession
where
    S: Send + Sync,
    SessionService: FromRef<S>,
{
    type Rejection = AuthRefusal;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AuthRefusal> {
        let token = token_of(&parts.headers)?.ok_or(AuthRefusal::Missing)?;
        Ok(Self(SessionService::from_ref(state).session(token).await?))
    }
}

/// The authenticated caller. As `AuthUser` (that is, `AuthUser<Caller>`) it is checked by
/// the state's [`SessionService`] and refuses exactly like [`CurrentSession`]. With the `jwks`
/// feature, `AuthUser<TokenSubject>` is the same extractor for a service without quill's
/// database: the state yields a `JwksVerifier` instead, and the caller is what the verified
/// token says.
#[derive(Debug, Clone)]
pub struct AuthUser<C = Caller>(pub C);

impl<S> FromRequestParts<S> for AuthUser<Caller>
where
    S: Send + Sync,
    SessionService: FromRef<S>,
{
    type Rejection = AuthRefusal;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AuthRefusal> {
        let CurrentSession(session) = CurrentSession::from_request_parts(parts, state).await?;
        Ok(Self(session.caller))
    }
}

/// The caller when the request carries a bearer token, `None` when it carries none: for
/// routes that anyone may call and that answer signed-in callers differently. A token that
/// is present but bad is still refused (the client should learn that its token is dead).
#[derive(Debug, Clone)]
pub struct MaybeAuthUser(pub Option<Caller>);

impl<S> FromRequestParts<S> for MaybeAuthUser
where
    S: Send + Sync,
    SessionService: FromRef<S>,
{
    type Rejection = AuthRefusal;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AuthRefusal> {
        match token_of(&parts.headers)? {
            None => Ok(Self(None)),
            Some(token) => Ok(Self(Some(
                SessionService::from_ref(state).authenticate(token).await?,
            ))),
        }
    }
}

impl<S> OptionalFromRequestParts<S> for AuthUser<Caller>
where
    S: Send + Sync,
    SessionService: FromRef<S>,
{
    type Rejection = AuthRefusal;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Option<Self>, AuthRefusal> {
        let MaybeAuthUser(caller) =
            <MaybeAuthUser as FromRequestParts<S>>::from_request_parts(parts, state).await?;
        Ok(caller.map(Self))
    }
}
