//! Sessions: guarded login and registration (rate limits and hashing back-pressure before
//! any hashing), logout, logout everywhere, and password changes.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use quill_domain::{Email, Password, PrivateUser, Registration};

use crate::audit::{self, Action};
use crate::error::{ApiError, ErrorMessage, ValidationFailure};
use crate::extract::{AuthUser, BodyFields, CurrentSession, JsonObject, LoginForm};
use crate::limits::{ClientIp, Guards};
use crate::openapi::PasswordChangeRequest;
use crate::state::AppState;
use crate::views::TokenBody;

fn refused(error: ApiError, user: Option<quill_domain::UserId>, ip: std::net::IpAddr) -> ApiError {
    let action = match error {
        ApiError::Busy => Action::HashingBusy,
        _ => Action::RateLimited,
    };
    audit::record(action, "refused", user, ip);
    error
}

/// Login behind the rate limits and the hashing bound.
pub(crate) async fn guarded_login(
    state: &AppState,
    guards: &Guards,
    ip: std::net::IpAddr,
    form: &LoginForm,
) -> Result<Json<TokenBody>, ApiError> {
    guards
        .login(ip, &Email::normalize(&form.username))
        .map_err(|e| refused(e, None, ip))?;
    let _permit = guards.hashing().map_err(|e| refused(e, None, ip))?;
    let outcome = state.auth.login(&form.username, &form.password).await;
    audit::record_result(Action::Login, &outcome, None, ip);
    Ok(Json(TokenBody::from(outcome?)))
}

/// Registration behind the rate limit and the hashing bound.
pub(crate) async fn guarded_register(
    state: &AppState,
    guards: &Guards,
    ip: std::net::IpAddr,
    registration: Registration,
) -> Result<PrivateUser, ApiError> {
    guards.register(ip).map_err(|e| refused(e, None, ip))?;
    let _permit = guards.hashing().map_err(|e| refused(e, None, ip))?;
    let outcome = state.auth.register(registration).await;
    let user = outcome.as_ref().ok().map(|u| u.public.id);
    audit::record_result(Action::Register, &outcome, user, ip);
    Ok(outcome?)
}

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
    ClientIp(ip): ClientIp,
    CurrentSession(session): CurrentSession,
) -> Result<StatusCode, ApiError> {
    let outcome = state.auth.logout(&session).await;
    audit::record_result(Action::Logout, &outcome, Some(session.user.id), ip);
    outcome?;
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
    ClientIp(ip): ClientIp,
    AuthUser(caller): AuthUser,
) -> Result<StatusCode, ApiError> {
    let outcome = state.auth.logout_everywhere(&caller).await;
    audit::record_result(Action::LogoutEverywhere, &outcome, Some(caller.id), ip);
    outcome?;
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
            one replaces them.", body = TokenBody),
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
    Extension(guards): Extension<Arc<Guards>>,
    ClientIp(ip): ClientIp,
    AuthUser(caller): AuthUser,
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
    guards
        .password_check(&caller.email)
        .map_err(|e| refused(e, Some(caller.id), ip))?;
    let _permit = guards
        .hashing()
        .map_err(|e| refused(e, Some(caller.id), ip))?;
    let outcome = state.auth.change_password(&caller, &current, &new).await;
    audit::record_result(Action::PasswordChange, &outcome, Some(caller.id), ip);
    Ok(Json(TokenBody::from(outcome?)))
}
