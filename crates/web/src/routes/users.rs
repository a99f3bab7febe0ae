//! `/api/users...`: registration, login, the caller's own account, public profiles.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use quill_axum::ClientAddr;
use quill_domain::{ContentTag, RefreshError, Registration, SessionStart};

use crate::error::{ApiError, ErrorMessage, ValidationFailure};
use crate::extract::{AuthUser, JsonBody, LoginForm, OptionalJsonBody, UserIdParam};
use crate::openapi::responses::{
    BodyTooLarge, Busy, InvalidInput, NotModified, RateLimited, Unauthenticated, UserNotFound,
};
use crate::public_cache::{Cached, IfNoneMatch};
use crate::requests::{
    AccountDeletionRequest, CurrentPassword, ProfileChange, RegisterRequest, UserUpdateRequest,
};
use crate::state::AppState;
use crate::views::{NoStore, TokenBody, UserPrivateBody, UserPublicBody};

/// Register an account.
///
/// `POST /api/users`: 201 `UserPrivate`; 400 duplicate username (checked first) or email;
/// 413 body too large; 422 invalid fields.
#[utoipa::path(
    post,
    path = "/users",
    tag = "users",
    operation_id = "register_user",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered; the caller's own view.", body = UserPrivateBody,
            headers(("Cache-Control" = String, description = "`no-store`."))),
        (status = 400, description = "`Username already exists` (checked first, regardless of \
            letter case) or `Email already registered`.", body = ErrorMessage),
        BodyTooLarge,
        InvalidInput,
        RateLimited,
        Busy,
    )
)]
pub(crate) async fn register(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    JsonBody(body): JsonBody<RegisterRequest>,
) -> NoStore<Result<(StatusCode, Json<UserPrivateBody>), ApiError>> {
    NoStore(register_checked(state, client, body).await)
}

async fn register_checked(
    state: AppState,
    client: quill_domain::Client,
    body: RegisterRequest,
) -> Result<(StatusCode, Json<UserPrivateBody>), ApiError> {
    let created = state
        .auth
        .accounts
        .register(client, Registration::try_from(body)?)
        .await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// Log in for an access token, or renew a session.
///
/// `POST /api/users/token`: 200 `Token` (with `scope=offline_access`, also `refresh_token`
/// and `expires_in`); 401 `Incorrect email or password` for an unknown email and a wrong
/// password alike; with `grant_type=refresh_token`, 200 with the next pair or 400
/// `Invalid or expired refresh token`; 413 body too large; 422 for a missing field or another
/// grant type.
#[utoipa::path(
    post,
    path = "/users/token",
    tag = "users",
    operation_id = "login_for_access_token",
    request_body(
        description = "OAuth2 password grant (`username` holds the email address), or the \
            refresh-token grant.",
        content(
            (LoginForm = "application/x-www-form-urlencoded"),
            (LoginForm = "multipart/form-data"),
        )
    ),
    responses(
        (status = 200, description = "A bearer token for the account; with \
            `scope=offline_access`, or on a refresh, also its refresh token and lifetime.",
            body = TokenBody,
            headers(("Cache-Control" = String, description = "`no-store`."))),
        (status = 400, description = "`Invalid or expired refresh token`, for every refusal \
            of a refresh (unknown, spent, ended or expired; a spent one presented again after \
            the grace also ends its session).", body = ErrorMessage),
        (status = 401, description = "`Incorrect email or password`, for an unknown email and \
            a wrong password alike.", body = ErrorMessage,
            headers(("WWW-Authenticate" = String, description = "`Bearer`."))),
        (status = 403, description = "`Email not verified`: with `EMAIL_VERIFICATION=required`, \
            a right password for an account whose email is not verified yet (only ever after \
            a right password).", body = ErrorMessage),
        BodyTooLarge,
        (status = 422, description = "`username` or `password` missing or empty, another \
            `grant_type`, or a body that is not a form.", body = ValidationFailure),
        RateLimited,
        Busy,
    )
)]
pub(crate) async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    form: LoginForm,
) -> NoStore<Result<Json<TokenBody>, ApiError>> {
    // RFC 6749: token responses (and their refusals) must never be cached.
    NoStore(grant(&state, client, &headers, form).await)
}

async fn grant(
    state: &AppState,
    client: quill_domain::Client,
    headers: &HeaderMap,
    form: LoginForm,
) -> Result<Json<TokenBody>, ApiError> {
    let grant = match form {
        LoginForm::Password {
            username,
            password,
            offline,
        } => {
            let user_agent = headers
                .get(header::USER_AGENT)
                .and_then(|ua| ua.to_str().ok());
            let start = SessionStart::new(user_agent, offline);
            state
                .auth
                .login
                .sign_in(client, &username, &password, start)
                .await?
        }
        LoginForm::Refresh(Some(token)) => state.auth.sessions.refresh(client, &token).await?,
        LoginForm::Refresh(None) => return Err(RefreshError::InvalidRefreshToken.into()),
    };
    Ok(Json(TokenBody::from(grant)))
}

/// Read the caller's own account.
///
/// `GET /api/users/me`: 200 `UserPrivate`; 401.
#[utoipa::path(
    get,
    path = "/users/me",
    tag = "users",
    operation_id = "read_me",
    security(("OAuth2PasswordBearer" = [])),
    responses(
        (status = 200, description = "The caller's own view.", body = UserPrivateBody,
            headers(("Cache-Control" = String, description = "`no-store`."))),
        Unauthenticated,
    )
)]
pub(crate) async fn me(AuthUser(caller): AuthUser) -> NoStore<Json<UserPrivateBody>> {
    NoStore(Json(caller.account().clone().into()))
}

/// Read a public profile.
///
/// `GET /api/users/{user_id}`: 200 `UserPublic` with an `ETag`; 304 when `If-None-Match`
/// names it; 404; 422 non-integer id.
#[utoipa::path(
    get,
    path = "/users/{user_id}",
    tag = "users",
    operation_id = "read_user",
    params(UserIdParam, IfNoneMatch),
    responses(
        (status = 200, description = "The public view: no email.", body = UserPublicBody,
            headers(
                ("ETag" = String, description = "This state's entity tag."),
                ("Cache-Control" = String, description = "`public, no-cache`.")
            )),
        NotModified,
        UserNotFound,
        InvalidInput,
    )
)]
pub(crate) async fn profile(
    State(state): State<AppState>,
    UserIdParam(id): UserIdParam,
    cached: IfNoneMatch,
) -> Result<Cached<Json<UserPublicBody>>, ApiError> {
    let user = state.auth.accounts.public_profile(id).await?;
    Ok(cached.answer(ContentTag::of_profile(&user), || Json(user.into())))
}

/// Update the caller's own account.
///
/// `PATCH /api/users/{user_id}`: 200 `UserPrivate`; 401; 403 not the caller, or a new email
/// without a recent login or `current_password`; 404; 400 duplicate or a wrong
/// `current_password`; 413 body too large; 422. Absent and `null` fields are left unchanged.
#[utoipa::path(
    patch,
    path = "/users/{user_id}",
    tag = "users",
    operation_id = "update_user",
    security(("OAuth2PasswordBearer" = [])),
    params(UserIdParam),
    request_body = UserUpdateRequest,
    responses(
        (status = 200, description = "Updated; the caller's own view.", body = UserPrivateBody,
            headers(("Cache-Control" = String, description = "`no-store`."))),
        (status = 400, description = "`Username already exists` or `Email already \
            registered` (another account has it), or `Current password is incorrect`.",
            body = ErrorMessage),
        Unauthenticated,
        (status = 403, description = "`Not authorized to update this user`: `user_id` is not \
            the caller, whether or not it exists; or `Recent authentication required`: a new \
            email, the caller's login older than `REAUTH_MAX_AGE_MINUTES` and no \
            `current_password` sent.", body = ErrorMessage),
        (status = 404, description = "`User not found`: the account was deleted while the \
            request ran.", body = ErrorMessage),
        BodyTooLarge,
        InvalidInput,
        RateLimited,
        Busy,
    )
)]
pub(crate) async fn update(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    AuthUser(caller): AuthUser,
    UserIdParam(id): UserIdParam,
    JsonBody(body): JsonBody<UserUpdateRequest>,
) -> NoStore<Result<Json<UserPrivateBody>, ApiError>> {
    NoStore(update_checked(&state, client, &caller, id, body).await)
}

async fn update_checked(
    state: &AppState,
    client: quill_domain::Client,
    caller: &quill_domain::Caller,
    id: quill_domain::UserId,
    body: UserUpdateRequest,
) -> Result<Json<UserPrivateBody>, ApiError> {
    let ProfileChange {
        changes,
        current_password,
    } = ProfileChange::try_from(body)?;
    Ok(Json(
        state
            .auth
            .accounts
            .update_profile(client, caller, id, changes, current_password.as_ref())
            .await?
            .into(),
    ))
}

/// Delete the caller's own account and all their posts.
///
/// `DELETE /api/users/{user_id}`: 204; 401; 403 not the caller, or without a recent login or
/// `current_password`; 400 a wrong `current_password`; 404; 422 non-integer id or a body
/// that is not the object documented. The body may be left out.
#[utoipa::path(
    delete,
    path = "/users/{user_id}",
    tag = "users",
    operation_id = "delete_user",
    security(("OAuth2PasswordBearer" = [])),
    params(UserIdParam),
    request_body(
        content = AccountDeletionRequest,
        description = "Optional: `current_password`, needed when the caller's login (not a \
            refresh) is older than `REAUTH_MAX_AGE_MINUTES`. No body: none sent.",
    ),
    responses(
        (status = 204, description = "Deleted, with the account's posts. No body."),
        (status = 400, description = "`Current password is incorrect`.", body = ErrorMessage),
        Unauthenticated,
        (status = 403, description = "`Not authorized to delete this user`: `user_id` is not \
            the caller, whether or not it exists; or `Recent authentication required`: the \
            caller's login is older than `REAUTH_MAX_AGE_MINUTES` and no `current_password` \
            was sent.", body = ErrorMessage),
        (status = 404, description = "`User not found`: the account was deleted while the \
            request ran.", body = ErrorMessage),
        BodyTooLarge,
        InvalidInput,
        RateLimited,
        Busy,
    )
)]
pub(crate) async fn delete(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    AuthUser(caller): AuthUser,
    UserIdParam(id): UserIdParam,
    OptionalJsonBody(body): OptionalJsonBody<AccountDeletionRequest>,
) -> Result<StatusCode, ApiError> {
    let CurrentPassword(current_password) = CurrentPassword::try_from(body)?;
    state
        .auth
        .accounts
        .delete_account(client, &caller, id, current_password.as_ref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
