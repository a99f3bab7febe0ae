//! `/api/posts...` and `/api/users/{id}/posts`: reading, writing, editing, deleting posts.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use quill_domain::{PostChanges, PostContent, PostDraft, PostTitle};

use crate::error::{ApiError, ErrorMessage, ValidationFailure};
use crate::extract::{AuthUser, BodyFields, JsonObject, PageQuery, PostIdParam, UserIdParam};
use crate::openapi::{PostPatchRequest, PostRequest};
use crate::state::AppState;
use crate::views::PostBody;

fn bodies(posts: Vec<quill_domain::PostWithAuthor>) -> Json<Vec<PostBody>> {
    Json(posts.into_iter().map(PostBody::from).collect())
}

/// List posts, newest first.
///
/// `GET /api/posts?skip&limit`: 200, newest first; 422 out-of-range paging.
#[utoipa::path(
    get,
    path = "/posts",
    tag = "posts",
    operation_id = "list_posts",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of posts, newest first.", body = [PostBody]),
        (status = 422, description = "`skip` or `limit` is not an integer or out of range.",
            body = ValidationFailure),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    PageQuery(page): PageQuery,
) -> Result<Json<Vec<PostBody>>, ApiError> {
    Ok(bodies(state.posts.list(page).await?))
}

/// List one author's posts, newest first.
///
/// `GET /api/users/{user_id}/posts?skip&limit`: 200, newest first; 404 no such user; 422.
#[utoipa::path(
    get,
    path = "/users/{user_id}/posts",
    tag = "posts",
    operation_id = "list_user_posts",
    params(UserIdParam, PageQuery),
    responses(
        (status = 200, description = "A page of the author's posts, newest first.",
            body = [PostBody]),
        (status = 404, description = "`User not found`.", body = ErrorMessage),
        (status = 422, description = "`user_id`, `skip` or `limit` is not an integer, or \
            paging is out of range.", body = ValidationFailure),
    )
)]
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

/// Write a post.
///
/// `POST /api/posts`: 201 `PostResponse` owned by the caller (a `user_id` field is
/// ignored); 401; 413 body too large; 422.
#[utoipa::path(
    post,
    path = "/posts",
    tag = "posts",
    operation_id = "create_post",
    security(("OAuth2PasswordBearer" = [])),
    request_body = PostRequest,
    responses(
        (status = 201, description = "Created, with the caller as author.", body = PostBody),
        (status = 401, description = "No valid bearer token (checked before the body).",
            body = ErrorMessage,
            headers(("WWW-Authenticate" = String, description = "`Bearer`."))),
        (status = 413, description = "`Request body too large`.", body = ErrorMessage),
        (status = 422, description = "A field is missing or invalid, or the body is not a JSON \
            object.", body = ValidationFailure),
    )
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    body: JsonObject,
) -> Result<(StatusCode, Json<PostBody>), ApiError> {
    let draft = full_draft(body)?;
    let created = state.posts.create(&caller, draft).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// Read a post.
///
/// `GET /api/posts/{post_id}`: 200; 404; 422.
#[utoipa::path(
    get,
    path = "/posts/{post_id}",
    tag = "posts",
    operation_id = "read_post",
    params(PostIdParam),
    responses(
        (status = 200, description = "The post and its author.", body = PostBody),
        (status = 404, description = "`Post not found`.", body = ErrorMessage),
        (status = 422, description = "`post_id` is not an integer.", body = ValidationFailure),
    )
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    PostIdParam(id): PostIdParam,
) -> Result<Json<PostBody>, ApiError> {
    Ok(Json(state.posts.get(id).await?.into()))
}

/// Replace a post's title and content.
///
/// `PUT /api/posts/{post_id}`: 200; 401; 404 (before 403); 403 not the author; 413; 422.
#[utoipa::path(
    put,
    path = "/posts/{post_id}",
    tag = "posts",
    operation_id = "replace_post",
    security(("OAuth2PasswordBearer" = [])),
    params(PostIdParam),
    request_body = PostRequest,
    responses(
        (status = 200, description = "The updated post.", body = PostBody),
        (status = 401, description = "No valid bearer token (checked before anything else).",
            body = ErrorMessage,
            headers(("WWW-Authenticate" = String, description = "`Bearer`."))),
        (status = 403, description = "`Not authorized to update this post`: the caller is not \
            its author.", body = ErrorMessage),
        (status = 404, description = "`Post not found` (checked before authorship).",
            body = ErrorMessage),
        (status = 413, description = "`Request body too large`.", body = ErrorMessage),
        (status = 422, description = "A field is missing or invalid, the body is not a JSON \
            object, or `post_id` is not an integer.", body = ValidationFailure),
    )
)]
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

/// Change some of a post's fields.
///
/// `PATCH /api/posts/{post_id}`: as PUT, with both fields optional.
#[utoipa::path(
    patch,
    path = "/posts/{post_id}",
    tag = "posts",
    operation_id = "patch_post",
    security(("OAuth2PasswordBearer" = [])),
    params(PostIdParam),
    request_body = PostPatchRequest,
    responses(
        (status = 200, description = "The updated post.", body = PostBody),
        (status = 401, description = "No valid bearer token (checked before anything else).",
            body = ErrorMessage,
            headers(("WWW-Authenticate" = String, description = "`Bearer`."))),
        (status = 403, description = "`Not authorized to update this post`: the caller is not \
            its author.", body = ErrorMessage),
        (status = 404, description = "`Post not found` (checked before authorship).",
            body = ErrorMessage),
        (status = 413, description = "`Request body too large`.", body = ErrorMessage),
        (status = 422, description = "An invalid field, a body that is not a JSON object, or \
            a `post_id` that is not an integer.", body = ValidationFailure),
    )
)]
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

/// Delete a post.
///
/// `DELETE /api/posts/{post_id}`: 204; 401; 404; 403 not the author; 422 non-integer id.
#[utoipa::path(
    delete,
    path = "/posts/{post_id}",
    tag = "posts",
    operation_id = "delete_post",
    security(("OAuth2PasswordBearer" = [])),
    params(PostIdParam),
    responses(
        (status = 204, description = "Deleted. No body."),
        (status = 401, description = "No valid bearer token (checked before anything else).",
            body = ErrorMessage,
            headers(("WWW-Authenticate" = String, description = "`Bearer`."))),
        (status = 403, description = "`Not authorized to delete this post`: the caller is not \
            its author.", body = ErrorMessage),
        (status = 404, description = "`Post not found` (checked before authorship).",
            body = ErrorMessage),
        (status = 422, description = "`post_id` is not an integer.", body = ValidationFailure),
    )
)]
pub(crate) async fn delete(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    PostIdParam(id): PostIdParam,
) -> Result<StatusCode, ApiError> {
    state.posts.delete(&caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
