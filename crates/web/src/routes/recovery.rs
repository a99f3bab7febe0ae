//! Account recovery: asking for a reset link and setting a new password with it (contract
//! section 11). The rules (limits, one-time tokens, what a reset ends) are the auth core's;
//! this layer reads the bodies and writes the contract's answers.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use quill_axum::ClientAddr;
use quill_domain::Email;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorMessage};
use crate::extract::JsonBody;
use crate::openapi::responses::{BodyTooLarge, Busy, InvalidInput, RateLimited};
use crate::requests::{ForgotPasswordRequest, PasswordReset, ResetPasswordRequest};
use crate::state::AppState;

/// The one answer to a reset request, whoever asked for whichever email.
const RESET_REQUESTED: &str =
    "If an account with that email exists, a password reset link has been sent.";

/// `Message`: what happened, in a sentence.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Message)]
pub(crate) struct MessageBody {
    message: &'static str,
}

impl MessageBody {
    pub(crate) fn new(message: &'static str) -> Self {
        Self { message }
    }
}

/// Ask for a password-reset link.
///
/// `POST /api/users/forgot-password` with `email`: 202 with the same message, bytes and
/// timing whether or not an account has the email (the lookup and the mail come after the
/// answer); 413; 422; 429 (per address and per email); 503.
#[utoipa::path(
    post,
    path = "/users/forgot-password",
    tag = "users",
    operation_id = "forgot_password",
    request_body = ForgotPasswordRequest,
    responses(
        (status = 202, description = "Accepted: if an account has this email, a link valid \
            for `PASSWORD_RESET_EXPIRE_MINUTES` is mailed to it, and any earlier link stops \
            working. The same answer for every email.", body = MessageBody),
        BodyTooLarge,
        InvalidInput,
        RateLimited,
        Busy,
    )
)]
pub(crate) async fn forgot_password(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    JsonBody(body): JsonBody<ForgotPasswordRequest>,
) -> Result<(StatusCode, Json<MessageBody>), ApiError> {
    let email = Email::try_from(body)?;
    state
        .auth
        .recovery
        .request_password_reset(client, &email)
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(MessageBody {
            message: RESET_REQUESTED,
        }),
    ))
}

/// Set a new password with a reset link's token.
///
/// `POST /api/users/reset-password` with `token` and `new_password`: 200; every earlier
/// token of the account is revoked and the link stops working; no token is issued (log in
/// with the new password). 400 `Invalid or expired reset token`; 413; 422; 429; 503.
#[utoipa::path(
    post,
    path = "/users/reset-password",
    tag = "users",
    operation_id = "reset_password",
    request_body = ResetPasswordRequest,
    responses(
        (status = 200, description = "The password is changed; every earlier token of the \
            account is revoked, and a notice is mailed.", body = MessageBody),
        (status = 400, description = "`Invalid or expired reset token` (unknown, used, \
            replaced by a newer link, or expired).", body = ErrorMessage),
        BodyTooLarge,
        InvalidInput,
        RateLimited,
        Busy,
    )
)]
pub(crate) async fn reset_password(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    JsonBody(body): JsonBody<ResetPasswordRequest>,
) -> Result<Json<MessageBody>, ApiError> {
    let PasswordReset { token, new } = PasswordReset::try_from(body)?;
    state
        .auth
        .recovery
        .reset_password(client, &token, &new)
        .await?;
    Ok(Json(MessageBody {
        message: "Password has been reset successfully",
    }))
}
