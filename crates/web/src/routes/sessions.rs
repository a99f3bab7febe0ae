//! Sessions: logout, logout everywhere, the session list, ending one session, and password
//! changes. Their rate limits, back-pressure and audit events are the auth core's; this layer
//! supplies the client's address and maps the outcomes.

use crate::error::{ApiError, ErrorMessage};
use crate::extract::{AuthUser, CurrentSession, JsonBody, SessionIdParam};
use crate::openapi::responses::{BodyTooLarge, Busy, InvalidInput, RateLimited, Unauthenticated};
use crate::requests::{PasswordChange, PasswordChangeRequest};
use crate::state::AppState;
use crate::views::{NoStore, SessionBody, TokenBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use quill_axum::ClientAddr;

/// Log out: end the presented token's session.
///
/// `POST /api/users/logout`: 204, and the presented token (with every token and the refresh
/// token of its session) is refused from now on; 401.
#[utoipa::path(
    post,
    path = "/users/logout",
    tag = "users",
    operation_id = "logout",
    security(("OAuth2PasswordBearer" = [])),
    responses(
        (status = 204, description = "The token's session is ended (a token naming none is \
            revoked, remembered until it would have expired). No body."),
        Unauthenticated,
    )
)]
pub(crate) async fn logout(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    CurrentSession(session): CurrentSession,
) -> Result<StatusCode, ApiError> {
    state.auth.sessions.logout(client, &session).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Log out everywhere: end every session of the caller and revoke every token.
///
/// `POST /api/users/logout-all`: 204, and every token of the caller is refused from now on;
/// 401.
#[utoipa::path(
    post,
    path = "/users/logout-all",
    tag = "users",
    operation_id = "logout_everywhere",
    security(("OAuth2PasswordBearer" = [])),
    responses(
        (status = 204, description = "Every session is ended and every token issued so far \
            revoked. No body."),
        Unauthenticated,
    )
)]
pub(crate) async fn logout_all(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    AuthUser(caller): AuthUser,
) -> Result<StatusCode, ApiError> {
    state
        .auth
        .sessions
        .logout_everywhere(client, &caller)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Change the caller's password.
///
/// `PATCH /api/users/me/password` with `current_password` and `new_password`: 200 `Token`
/// (a fresh one in the caller's session; every earlier token is revoked and every other
/// session ended); 400 `Current password is incorrect`; 401;
/// 413; 422; 429; 503.
#[utoipa::path(
    patch,
    path = "/users/me/password",
    tag = "users",
    operation_id = "change_password",
    security(("OAuth2PasswordBearer" = [])),
    request_body = PasswordChangeRequest,
    responses(
        (status = 200, description = "Changed; every earlier token is revoked, every other \
            session ended, and this fresh token continues the caller's session.",
            body = TokenBody,
            headers(("Cache-Control" = String, description = "`no-store`."))),
        (status = 400, description = "`Current password is incorrect`.", body = ErrorMessage),
        Unauthenticated,
        BodyTooLarge,
        InvalidInput,
        RateLimited,
        Busy,
    )
)]
pub(crate) async fn change_password(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    AuthUser(caller): AuthUser,
    JsonBody(body): JsonBody<PasswordChangeRequest>,
) -> NoStore<Result<Json<TokenBody>, ApiError>> {
    NoStore(change_checked(&state, client, &caller, body).await)
}

async fn change_checked(
    state: &AppState,
    client: quill_domain::Client,
    caller: &quill_domain::Caller,
    body: PasswordChangeRequest,
) -> Result<Json<TokenBody>, ApiError> {
    let PasswordChange { current, new } = PasswordChange::try_from(body)?;
    let token = state
        .auth
        .accounts
        .change_password(client, caller, &current, &new)
        .await?;
    Ok(Json(TokenBody::from(token)))
}

/// List the caller's sessions.
///
/// `GET /api/users/me/sessions`: 200, the live sessions, the most recently used first, the
/// caller's own marked `current`; 401.
#[utoipa::path(
    get,
    path = "/users/me/sessions",
    tag = "users",
    operation_id = "list_sessions",
    security(("OAuth2PasswordBearer" = [])),
    responses(
        (status = 200, description = "The caller's live sessions.", body = [SessionBody],
            headers(("Cache-Control" = String, description = "`no-store`."))),
        Unauthenticated,
    )
)]
pub(crate) async fn list_sessions(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
) -> NoStore<Result<Json<Vec<SessionBody>>, ApiError>> {
    NoStore(
        state
            .auth
            .sessions
            .list(&caller)
            .await
            .map(|sessions| Json(sessions.into_iter().map(SessionBody::from).collect()))
            .map_err(ApiError::from),
    )
}

/// End one of the caller's sessions.
///
/// `DELETE /api/users/me/sessions/{session_id}`: 204, and that session's tokens (access and
/// refresh) are refused from now on; 404 for another account's session or an unknown id;
/// 401.
#[utoipa::path(
    delete,
    path = "/users/me/sessions/{session_id}",
    tag = "users",
    operation_id = "end_session",
    security(("OAuth2PasswordBearer" = [])),
    params(SessionIdParam),
    responses(
        (status = 204, description = "The session is ended. No body."),
        Unauthenticated,
        (status = 404, description = "`Session not found`: not one of the caller's sessions.",
            body = ErrorMessage),
    )
)]
pub(crate) async fn end_session(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    AuthUser(caller): AuthUser,
    SessionIdParam(id): SessionIdParam,
) -> Result<StatusCode, ApiError> {
    state
        .auth
        .sessions
        .end_session(client, &caller, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
