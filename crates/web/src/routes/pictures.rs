//! Profile pictures (contract section 10): the owner uploads one (multipart field `file`) or
//! removes it. The upload is admitted (owner, the client's share) before its body is read,
//! and read chunk by chunk only up to its own limit, each chunk counted against the memory
//! all bodies in progress share, and only as long as it keeps arriving at the minimum rate;
//! so no client makes the server hold more of it, or hold it for long.

use axum::Json;
use axum::extract::{FromRequest, Multipart, Request, State};
use quill_axum::ClientAddr;
use quill_domain::UploadPlace;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorItem, ErrorMessage};
use crate::extract::{AuthUser, UserIdParam, body_failure};
use crate::openapi::responses::{InvalidInput, Unauthenticated, UploadShareTaken, UploadsBusy};
use crate::state::AppState;
use crate::views::{NoStore, UserPrivateBody};

/// The answer to a multipart body that cannot be parsed.
const FORM_UNREADABLE: &str = "The multipart form cannot be read";

/// `PictureUpload`: the picture, as a file in the `file` field of a multipart form.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = PictureUpload)]
#[allow(dead_code)]
pub(crate) struct PictureUploadForm {
    /// A JPEG, PNG, GIF or WebP image, at most `MAX_UPLOAD_SIZE_BYTES`.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Upload a new profile picture.
///
/// `PATCH /api/users/{user_id}/picture`, multipart with `file`: 200 `UserPrivate` with the new
/// `image_file`; 400 too large or not an image; 401; 403 not the caller; 422 no `file`; 429
/// this client's share of uploads taken; 503 every place taken.
#[utoipa::path(
    patch,
    path = "/users/{user_id}/picture",
    tag = "users",
    operation_id = "upload_picture",
    security(("OAuth2PasswordBearer" = [])),
    params(UserIdParam),
    request_body(content = PictureUploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Stored as a 300x300 JPEG under a new name; the caller's \
            own view, with the new `image_file`.", body = UserPrivateBody,
            headers(("Cache-Control" = String, description = "`no-store`."))),
        (status = 400, description = "`File too large. Maximum size is 5MB` (the number follows \
            `MAX_UPLOAD_SIZE_BYTES`), or `Invalid image file. Please upload a valid image \
            (JPEG, PNG, GIF, WebP)`, or `The multipart form cannot be read`.",
            body = ErrorMessage),
        Unauthenticated,
        (status = 403, description = "`Not authorized to update this user's picture`: \
            `user_id` is not the caller.", body = ErrorMessage),
        InvalidInput,
        UploadShareTaken,
        UploadsBusy,
    )
)]
pub(crate) async fn upload_picture(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    AuthUser(caller): AuthUser,
    UserIdParam(id): UserIdParam,
    request: Request,
) -> NoStore<Result<Json<UserPrivateBody>, ApiError>> {
    NoStore(
        async {
            let mut place = match state.auth.pictures.admit_upload(client, &caller, id) {
                Ok(place) => place,
                Err(refused) => {
                    drain(request).await;
                    return Err(refused.into());
                }
            };
            let max_bytes = state.auth.policy().max_upload_bytes;
            let upload = read_file_field(request, max_bytes, &mut place).await?;
            let user = state.auth.pictures.set_picture(place, upload).await?;
            Ok(Json(user.into()))
        }
        .await,
    )
}

/// Reads a refused upload's body to its end (or to the cap every body has), keeping none of
/// it: a client still sending when the answer comes would otherwise see its connection
/// reset instead of the answer.
async fn drain(request: Request) {
    use http_body_util::BodyExt as _;
    let mut body = request.into_body();
    while let Some(Ok(_)) = body.frame().await {}
}

/// Waits for `step` only as long as the body's minimum rate allows, given `received` bytes so
/// far since `started`; past that the upload is given up with the request timeout's 408.
async fn in_time<T>(
    place: &UploadPlace,
    started: tokio::time::Instant,
    received: usize,
    step: impl std::future::Future<Output = T>,
) -> Result<T, ApiError> {
    tokio::time::timeout_at(started + place.time_allowed(received), step)
        .await
        .map_err(|_| ApiError::RequestTimeout)
}

/// The bytes of the `file` field, read chunk by chunk, each held through `place`, and given
/// up past `max_bytes` or when the body falls below its minimum rate.
async fn read_file_field(
    request: Request,
    max_bytes: usize,
    place: &mut UploadPlace,
) -> Result<Vec<u8>, ApiError> {
    let started = tokio::time::Instant::now();
    let too_large = ApiError::FileTooLarge { max_bytes };
    let missing = || {
        ApiError::Validation(vec![ErrorItem::new(
            "missing",
            "body",
            "file",
            "Field required",
        )])
    };
    let Ok(mut multipart) = Multipart::from_request(request, &()).await else {
        return Err(missing());
    };
    let cut_off = |error: &axum::extract::multipart::MultipartError| match body_failure(error) {
        ApiError::PayloadTooLarge => ApiError::FileTooLarge { max_bytes },
        // A form that breaks off or whose part headers are no headers: the request, not one
        // of its fields, is at fault.
        ApiError::BadRequest(_) => ApiError::BadRequest(FORM_UNREADABLE),
        other => other,
    };
    loop {
        let mut field = match in_time(place, started, 0, multipart.next_field()).await? {
            Ok(Some(field)) => field,
            Ok(None) => return Err(missing()),
            Err(e) => return Err(cut_off(&e)),
        };
        if field.name() != Some("file") {
            continue;
        }
        // A part without a filename is a form value, not a file: the contract's framework
        // refuses it as the wrong kind of value for the field.
        if field.file_name().is_none() {
            return Err(ApiError::Validation(vec![ErrorItem::new(
                "value_error",
                "body",
                "file",
                "Value error, Expected UploadFile, received: <class 'str'>",
            )]));
        }
        let mut upload = Vec::new();
        loop {
            match in_time(place, started, upload.len(), field.chunk()).await? {
                Ok(Some(chunk)) => {
                    if upload.len() + chunk.len() > max_bytes {
                        return Err(too_large);
                    }
                    if let Err(refused) = place.hold(chunk.len()) {
                        // The client is still sending: the rest is read and dropped (within
                        // the request's deadline) so that it gets this answer rather than a
                        // reset connection.
                        while let Ok(Some(_)) = field.chunk().await {}
                        drop(field);
                        while let Ok(Some(mut rest)) = multipart.next_field().await {
                            while let Ok(Some(_)) = rest.chunk().await {}
                        }
                        return Err(refused.into());
                    }
                    upload.extend_from_slice(&chunk);
                }
                Ok(None) => return Ok(upload),
                Err(e) => return Err(cut_off(&e)),
            }
        }
    }
}

/// Remove the profile picture.
///
/// `DELETE /api/users/{user_id}/picture`: 200 `UserPrivate` with `image_file: null`; 400 no
/// picture; 401; 403 not the caller.
#[utoipa::path(
    delete,
    path = "/users/{user_id}/picture",
    tag = "users",
    operation_id = "delete_picture",
    security(("OAuth2PasswordBearer" = [])),
    params(UserIdParam),
    responses(
        (status = 200, description = "Removed; the account shows the default picture again.",
            body = UserPrivateBody,
            headers(("Cache-Control" = String, description = "`no-store`."))),
        (status = 400, description = "`No profile picture to delete`.", body = ErrorMessage),
        Unauthenticated,
        (status = 403, description = "`Not authorized to delete this user's picture`: \
            `user_id` is not the caller.", body = ErrorMessage),
        InvalidInput,
    )
)]
pub(crate) async fn delete_picture(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    UserIdParam(id): UserIdParam,
) -> NoStore<Result<Json<UserPrivateBody>, ApiError>> {
    NoStore(
        state
            .auth
            .pictures
            .remove_picture(&caller, id)
            .await
            .map(|user| Json(user.into()))
            .map_err(ApiError::from),
    )
}
