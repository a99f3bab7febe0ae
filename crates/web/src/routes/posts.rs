//! `/api/posts...` and `/api/users/{id}/posts`: reading, writing, editing, deleting posts.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use quill_domain::{Caller, ContentTag, PostChanges, PostDraft, PostId, PostWithAuthor};

use crate::error::{ApiError, ErrorMessage};
use crate::extract::{AuthUser, JsonBody, PageQuery, PostIdParam, UserIdParam};
use crate::openapi::responses::{
    BodyTooLarge, InvalidInput, NotModified, PostNotFound, Unauthenticated, UserNotFound,
};
use crate::public_cache::{Cached, IfNoneMatch};
use crate::requests::{PostPatchRequest, PostRequest};
use crate::state::AppState;
use crate::views::PostBody;

/// A page of posts as answered, tagged with the state it shows.
fn page_answer(posts: Vec<PostWithAuthor>, cached: &IfNoneMatch) -> Cached<Json<Vec<PostBody>>> {
    cached.answer(ContentTag::of_posts(&posts), || {
        Json(posts.into_iter().map(PostBody::from).collect())
    })
}

/// List posts, newest first.
///
/// `GET /api/posts?skip&limit`: 200, newest first, with an `ETag`; 304 when `If-None-Match`
/// names it; 422 out-of-range paging.
#[utoipa::path(
    get,
    path = "/posts",
    tag = "posts",
    operation_id = "list_posts",
    params(PageQuery, IfNoneMatch),
    responses(
        (status = 200, description = "A page of posts, newest first.", body = [PostBody],
            headers(
                ("ETag" = String, description = "This state's entity tag."),
                ("Cache-Control" = String, description = "`public, no-cache`.")
            )),
        NotModified,
        InvalidInput,
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    PageQuery(page): PageQuery,
    cached: IfNoneMatch,
) -> Result<Cached<Json<Vec<PostBody>>>, ApiError> {
    // A revalidation reads the page's versions only, without the posts' content.
    if cached.is_present() {
        let tag = state.posts.list_tag(page).await?;
        if cached.matches(tag) {
            return Ok(Cached::Unchanged(tag));
        }
    }
    Ok(page_answer(state.posts.list(page).await?, &cached))
}

/// List one author's posts, newest first.
///
/// `GET /api/users/{user_id}/posts?skip&limit`: 200, newest first, with an `ETag`; 304 when
/// `If-None-Match` names it; 404 no such user; 422.
#[utoipa::path(
    get,
    path = "/users/{user_id}/posts",
    tag = "posts",
    operation_id = "list_user_posts",
    params(UserIdParam, PageQuery, IfNoneMatch),
    responses(
        (status = 200, description = "A page of the author's posts, newest first.",
            body = [PostBody], headers(
                ("ETag" = String, description = "This state's entity tag."),
                ("Cache-Control" = String, description = "`public, no-cache`.")
            )),
        NotModified,
        UserNotFound,
        InvalidInput,
    )
)]
pub(crate) async fn list_by_user(
    State(state): State<AppState>,
    UserIdParam(user): UserIdParam,
    PageQuery(page): PageQuery,
    cached: IfNoneMatch,
) -> Result<Cached<Json<Vec<PostBody>>>, ApiError> {
    if cached.is_present() {
        let tag = state.posts.list_by_author_tag(user, page).await?;
        if cached.matches(tag) {
            return Ok(Cached::Unchanged(tag));
        }
    }
    Ok(page_answer(
        state.posts.list_by_author(user, page).await?,
        &cached,
    ))
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
        Unauthenticated,
        BodyTooLarge,
        InvalidInput,
    )
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    JsonBody(body): JsonBody<PostRequest>,
) -> Result<(StatusCode, Json<PostBody>), ApiError> {
    let draft = PostDraft::try_from(body)?;
    let created = state.posts.create(&caller, draft).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// Read a post.
///
/// `GET /api/posts/{post_id}`: 200 with an `ETag`; 304 when `If-None-Match` names it; 404;
/// 422.
#[utoipa::path(
    get,
    path = "/posts/{post_id}",
    tag = "posts",
    operation_id = "read_post",
    params(PostIdParam, IfNoneMatch),
    responses(
        (status = 200, description = "The post and its author.", body = PostBody,
            headers(
                ("ETag" = String, description = "This state's entity tag."),
                ("Cache-Control" = String, description = "`public, no-cache`.")
            )),
        NotModified,
        PostNotFound,
        InvalidInput,
    )
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    PostIdParam(id): PostIdParam,
    cached: IfNoneMatch,
) -> Result<Cached<Json<PostBody>>, ApiError> {
    // One post is one indexed read either way; a current copy saves its serialisation.
    let post = state.posts.get(id).await?;
    Ok(cached.answer(ContentTag::of_post(&post), || Json(post.into())))
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
        Unauthenticated,
        (status = 403, description = "`Not authorized to update this post`: the caller is not \
            its author.", body = ErrorMessage),
        PostNotFound,
        BodyTooLarge,
        InvalidInput,
    )
)]
pub(crate) async fn replace(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    PostIdParam(id): PostIdParam,
    JsonBody(body): JsonBody<PostRequest>,
) -> Result<Json<PostBody>, ApiError> {
    let every_field = |PostDraft { title, content }| PostChanges {
        title: Some(title),
        content: Some(content),
    };
    edit(
        &state,
        &caller,
        id,
        PostDraft::try_from(body).map(every_field),
    )
    .await
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
        Unauthenticated,
        (status = 403, description = "`Not authorized to update this post`: the caller is not \
            its author.", body = ErrorMessage),
        PostNotFound,
        BodyTooLarge,
        InvalidInput,
    )
)]
pub(crate) async fn patch(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    PostIdParam(id): PostIdParam,
    JsonBody(body): JsonBody<PostPatchRequest>,
) -> Result<Json<PostBody>, ApiError> {
    edit(&state, &caller, id, PostChanges::try_from(body)).await
}

/// What PUT and PATCH share once the body is read as the changes it asks for (every field
/// for PUT, the given ones for PATCH): the author's edit, answered with the updated post.
async fn edit(
    state: &AppState,
    caller: &Caller,
    id: PostId,
    changes: Result<PostChanges, ApiError>,
) -> Result<Json<PostBody>, ApiError> {
    Ok(Json(state.posts.update(caller, id, changes?).await?.into()))
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
        Unauthenticated,
        (status = 403, description = "`Not authorized to delete this post`: the caller is not \
            its author.", body = ErrorMessage),
        PostNotFound,
        InvalidInput,
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
