//! Sessions: logout, logout everywhere, and password changes. Their rate limits,
//! back-pressure and audit events are the auth core's; this layer supplies the client's
//! address and maps the outcomes.

use crate::error::{ApiError, ErrorMessage};
use crate::extract::{AuthUser, CurrentSession, JsonBody};
use crate::openapi::responses::{BodyTooLarge, Busy, InvalidInput, RateLimited, Unauthenticated};
use crate::requests::{PasswordChange, PasswordChangeRequest};
use crate::state::AppState;
use crate::views::{NoStore, TokenBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use quill_axum::ClientAddr;

/// Log out: revoke the presented token.
///
/// `POST /api/users/logout`: 204, and the presented token is refused from now on; 401.
#[utoipa::path(
    post,
    path = "/users/logout",
    tag = "users",
    operation_id = "logout",
    security(("OAuth2PasswordBearer" = [])),
    responses(
        (status = 204, description = "The token is revoked (remembered until it would have \
            expired). No body."),
        Unauthenticated,
    )
)]
pub(crate) async fn logout(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    CurrentSession(session): CurrentSession,
) -> Result<StatusCode, ApiError> {
    state.auth.logout(client, &session).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Log out everywhere: revoke every token of the caller.
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
        (status = 204, description = "Every token issued so far is revoked. No body."),
        Unauthenticated,
    )
)]
pub(crate) async fn logout_all(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    AuthUser(caller): AuthUser,
) -> Result<StatusCode, ApiError> {
    state.auth.logout_everywhere(client, &caller).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Change the caller's password.
///
/// `PATCH /api/users/me/password` with `current_password` and `new_password`: 200 `Token`
/// (a fresh one; every earlier token is revoked); 400 `Current password is incorrect`; 401;
/// 413; 422; 429; 503.
#[utoipa::path(
    patch,
    path = "/users/me/password",
    tag = "users",
    operation_id = "change_password",
    security(("OAuth2PasswordBearer" = [])),
    request_body = PasswordChangeRequest,
    responses(
        (status = 200, description = "Changed; every earlier token is revoked and this fresh \
            one replaces them.", body = TokenBody,
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
        .change_password(client, caller, &current, &new)
        .await?;
    Ok(Json(TokenBody::from(token)))
}
