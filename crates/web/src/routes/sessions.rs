//! Sessions: logout, logout everywhere, and password changes. Their rate limits,
//! back-pressure and audit events are the auth core's; this layer supplies the client's
//! address and maps the outcomes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use quill_axum::ClientAddr;
use quill_domain::Password;

use crate::error::{ApiError, ErrorMessage, ValidationFailure};
use crate::extract::{AuthUser, BodyFields, CurrentSession, JsonObject};
use crate::openapi::PasswordChangeRequest;
use crate::state::AppState;
use crate::views::{NoStore, TokenBody};

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
        (status = 401, description = "No valid bearer token.", body = ErrorMessage,
            headers(("WWW-Authenticate" = String, description = "`Bearer`."))),
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
        (status = 401, description = "No valid bearer token.", body = ErrorMessage,
            headers(("WWW-Authenticate" = String, description = "`Bearer`."))),
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
        (status = 401, description = "No valid bearer token.", body = ErrorMessage,
            headers(("WWW-Authenticate" = String, description = "`Bearer`."))),
        (status = 413, description = "`Request body too large`.", body = ErrorMessage),
        (status = 422, description = "A field is missing, or the new password is not 8 to 256 \
            characters.", body = ValidationFailure),
        (status = 429, description = "`Too many requests`: too many password checks for this \
            account.", body = ErrorMessage,
            headers(("Retry-After" = String, description = "Seconds to wait."))),
        (status = 503, description = "`Server busy, try again shortly`: every hashing slot \
            and queue place is taken.", body = ErrorMessage,
            headers(("Retry-After" = String, description = "Seconds to wait."))),
    )
)]
pub(crate) async fn change_password(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    AuthUser(caller): AuthUser,
    body: JsonObject,
) -> NoStore<Result<Json<TokenBody>, ApiError>> {
    NoStore(change_checked(&state, client, &caller, body).await)
}

async fn change_checked(
    state: &AppState,
    client: quill_domain::Client,
    caller: &quill_domain::Caller,
    body: JsonObject,
) -> Result<Json<TokenBody>, ApiError> {
    let mut fields = BodyFields::new(body);
    // The current password is checked, not parsed: any text is a (wrong or right) attempt.
    let current = fields.required("current_password", |raw| Ok(Password::attempt(raw)));
    let new = fields.required("new_password", Password::parse);
    fields.finish()?;
    let (Some(current), Some(new)) = (current, new) else {
        return Err(ApiError::Validation(Vec::new()));
    };
    let token = state
        .auth
        .change_password(client, caller, &current, &new)
        .await?;
    Ok(Json(TokenBody::from(token)))
}
