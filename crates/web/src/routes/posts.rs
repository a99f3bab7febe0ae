//! `/api/posts...` and `/api/users/{id}/posts`: reading, writing, editing, deleting posts.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use quill_domain::{PostChanges, PostContent, PostDraft, PostTitle};

use crate::error::ApiError;
use crate::extract::{AuthUser, BodyFields, JsonObject, PageQuery, PostIdParam, UserIdParam};
use crate::state::AppState;
use crate::views::PostBody;

fn bodies(posts: Vec<quill_domain::PostWithAuthor>) -> Json<Vec<PostBody>> {
    Json(posts.into_iter().map(PostBody::from).collect())
}

/// `GET /api/posts?skip&limit`: 200, newest first; 422 out-of-range paging.
pub(crate) async fn list(
    State(state): State<AppState>,
    PageQuery(page): PageQuery,
) -> Result<Json<Vec<PostBody>>, ApiError> {
    Ok(bodies(state.posts.list(page).await?))
}

/// `GET /api/users/{user_id}/posts?skip&limit`: 200, newest first; 404 no such user; 422.
pub(crate) async fn list_by_user(
    State(state): State<AppState>,
    UserIdParam(user): UserIdParam,
    PageQuery(page): PageQuery,
) -> Result<Json<Vec<PostBody>>, ApiError> {
    Ok(bodies(state.posts.list_by_author(user, page).await?))
}

fn full_draft(body: JsonObject) -> Result<PostDraft, ApiError> {
    let mut fields = BodyFields::new(body);
    let title = fields.required("title", PostTitle::parse);
    let content = fields.required("content", PostContent::parse);
    fields.finish()?;
    match (title, content) {
        (Some(title), Some(content)) => Ok(PostDraft { title, content }),
        _ => Err(ApiError::Validation(Vec::new())),
    }
}

/// `POST /api/posts`: 201 `PostResponse` owned by the caller (a `user_id` field is
/// ignored); 401; 422.
pub(crate) async fn create(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    body: JsonObject,
) -> Result<(StatusCode, Json<PostBody>), ApiError> {
    let draft = full_draft(body)?;
    let created = state.posts.create(&caller, draft).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// `GET /api/posts/{post_id}`: 200; 404; 422.
pub(crate) async fn get(
    State(state): State<AppState>,
    PostIdParam(id): PostIdParam,
) -> Result<Json<PostBody>, ApiError> {
    Ok(Json(state.posts.get(id).await?.into()))
}

/// `PUT /api/posts/{post_id}`: 200; 401; 404 (before 403); 403 not the author; 422.
pub(crate) async fn replace(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    PostIdParam(id): PostIdParam,
    body: JsonObject,
) -> Result<Json<PostBody>, ApiError> {
    let PostDraft { title, content } = full_draft(body)?;
    let changes = PostChanges {
        title: Some(title),
        content: Some(content),
    };
    Ok(Json(state.posts.update(&caller, id, changes).await?.into()))
}

/// `PATCH /api/posts/{post_id}`: as PUT, with both fields optional.
pub(crate) async fn patch(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    PostIdParam(id): PostIdParam,
    body: JsonObject,
) -> Result<Json<PostBody>, ApiError> {
    let mut fields = BodyFields::new(body);
    let changes = PostChanges {
        title: fields.optional("title", PostTitle::parse),
        content: fields.optional("content", PostContent::parse),
    };
    fields.finish()?;
    Ok(Json(state.posts.update(&caller, id, changes).await?.into()))
}

/// `DELETE /api/posts/{post_id}`: 204; 401; 404; 403 not the author.
pub(crate) async fn delete(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    PostIdParam(id): PostIdParam,
) -> Result<StatusCode, ApiError> {
    state.posts.delete(&caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
