//! `/api/users...`: registration, login, the caller's own account, public profiles.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use quill_domain::{Email, ImageFile, Password, ProfileUpdate, Registration, Username};

use crate::error::ApiError;
use crate::extract::{AuthUser, BodyFields, JsonObject, LoginForm, UserIdParam};
use crate::state::AppState;
use crate::views::{TokenBody, UserPrivateBody, UserPublicBody};

/// `POST /api/users`: 201 `UserPrivate`; 400 duplicate username (checked first) or email;
/// 422 invalid fields.
pub(crate) async fn register(
    State(state): State<AppState>,
    body: JsonObject,
) -> Result<(StatusCode, Json<UserPrivateBody>), ApiError> {
    let mut fields = BodyFields::new(body);
    let username = fields.required("username", Username::parse);
    let email = fields.required("email", |raw| Email::parse(&raw));
    let password = fields.required("password", Password::parse);
    fields.finish()?;
    let (Some(username), Some(email), Some(password)) = (username, email, password) else {
        return Err(ApiError::Validation(Vec::new()));
    };
    let created = state
        .auth
        .register(Registration {
            username,
            email,
            password,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// `POST /api/users/token`: 200 `Token`; 401 `Incorrect email or password` for an unknown
/// email and a wrong password alike; 422 for a missing field or another grant type.
pub(crate) async fn login(State(state): State<AppState>, form: LoginForm) -> Response {
    let outcome = state
        .auth
        .login(&form.username, &form.password)
        .await
        .map(|token| Json(TokenBody::from(token)))
        .map_err(ApiError::from);
    let mut response = outcome.into_response();
    // RFC 6749: token responses (and their refusals) must never be cached.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /api/users/me`: 200 `UserPrivate`; 401.
pub(crate) async fn me(AuthUser(user): AuthUser) -> Json<UserPrivateBody> {
    Json(quill_domain::PrivateUser::from(&user).into())
}

/// `GET /api/users/{user_id}`: 200 `UserPublic`; 404; 422 non-integer id.
pub(crate) async fn profile(
    State(state): State<AppState>,
    UserIdParam(id): UserIdParam,
) -> Result<Json<UserPublicBody>, ApiError> {
    Ok(Json(state.auth.public_profile(id).await?.into()))
}

/// `PATCH /api/users/{user_id}`: 200 `UserPrivate`; 401; 403 not the caller; 404; 400
/// duplicate; 422. Absent and `null` fields are left unchanged.
pub(crate) async fn update(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    UserIdParam(id): UserIdParam,
    body: JsonObject,
) -> Result<Json<UserPrivateBody>, ApiError> {
    let mut fields = BodyFields::new(body);
    let changes = ProfileUpdate {
        username: fields.optional("username", Username::parse),
        email: fields.optional("email", |raw| Email::parse(&raw)),
        image_file: fields.optional("image_file", ImageFile::parse),
    };
    fields.finish()?;
    Ok(Json(
        state
            .auth
            .update_profile(&caller, id, changes)
            .await?
            .into(),
    ))
}

/// `DELETE /api/users/{user_id}`: 204; 401; 403 not the caller; 404.
pub(crate) async fn delete(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    UserIdParam(id): UserIdParam,
) -> Result<StatusCode, ApiError> {
    state.auth.delete_account(&caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
