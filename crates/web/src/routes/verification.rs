//! Email verification (contract section 15): presenting a mailed link's token, asking for a
//! new link, and the owner's security overview. The rules (single-use tokens for the email
//! they were mailed to, the limits, what `EMAIL_VERIFICATION` changes) are the auth core's;
//! this layer reads the bodies and writes the contract's answers.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use quill_axum::ClientAddr;
use quill_domain::{AccountSecurity, LinkRequest};
use serde::Serialize;
use utoipa::ToSchema;

use super::recovery::MessageBody;
use crate::error::{ApiError, ErrorMessage};
use crate::extract::{AuthUser, JsonBody};
use crate::openapi::responses::{BodyTooLarge, InvalidInput, RateLimited, Unauthenticated};
use crate::requests::{PresentedToken, VerifyEmailRequest};
use crate::state::AppState;
use crate::views::NoStore;

/// Verify an email with a mailed link's token.
///
/// `POST /api/users/verify-email` with `token`: 200 `Email verified`; 400 `Invalid or expired
/// verification token` (unknown, used, replaced by a newer link, expired, or the account's
/// email changed since it was mailed); 413; 422. Signs no one in.
#[utoipa::path(
    post,
    path = "/users/verify-email",
    tag = "users",
    operation_id = "verify_email",
    request_body = VerifyEmailRequest,
    responses(
        (status = 200, description = "The email the link was mailed to is verified; the link \
            stops working.", body = MessageBody),
        (status = 400, description = "`Invalid or expired verification token` (unknown, used, \
            replaced by a newer link, expired, or the account's email changed since).",
            body = ErrorMessage),
        BodyTooLarge,
        InvalidInput,
    )
)]
pub(crate) async fn verify_email(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    JsonBody(body): JsonBody<VerifyEmailRequest>,
) -> Result<Json<MessageBody>, ApiError> {
    let PresentedToken(token) = PresentedToken::try_from(body)?;
    state.auth.verification.verify_email(client, &token).await?;
    Ok(Json(MessageBody::new("Email verified")))
}

/// Mail a new verification link to the caller's email.
///
/// `POST /api/users/me/verification-email`: 202, with a message saying whether a link was
/// mailed (to the account's current email, replacing earlier links), or the email is
/// verified already, or verification is off (neither mails anything); 401; 429 (per address
/// and per account).
#[utoipa::path(
    post,
    path = "/users/me/verification-email",
    tag = "users",
    operation_id = "send_verification_email",
    security(("OAuth2PasswordBearer" = [])),
    responses(
        (status = 202, description = "Accepted: `A new verification link has been sent to \
            your email address` (earlier links stop working), `Your email address is already \
            verified` or `Email verification is not in use` (neither mails anything).",
            body = MessageBody),
        Unauthenticated,
        RateLimited,
    )
)]
pub(crate) async fn send_verification_email(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    AuthUser(caller): AuthUser,
) -> Result<(StatusCode, Json<MessageBody>), ApiError> {
    let asked = state
        .auth
        .verification
        .request_link(client, &caller)
        .await?;
    let message = match asked {
        LinkRequest::Mailed => "A new verification link has been sent to your email address",
        LinkRequest::AlreadyVerified => "Your email address is already verified",
        LinkRequest::NotInUse => "Email verification is not in use",
    };
    Ok((StatusCode::ACCEPTED, Json(MessageBody::new(message))))
}

/// `AccountSecurity`: how the caller's account is protected.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = AccountSecurity)]
pub(crate) struct SecurityBody {
    /// Whether the account's current email was verified by a mailed link.
    email_verified: bool,
    /// A new email waiting for its confirmation, or `null`.
    #[schema(required = true, example = json!(null))]
    pending_email: Option<String>,
    /// Whether the account signs in with a password.
    password_set: bool,
    /// Whether a one-time-password second factor is enrolled.
    totp: bool,
    /// How many passkeys are registered.
    passkeys: u32,
    /// How many recovery codes are left, or `null` when the account has none.
    #[schema(required = true, example = json!(null))]
    recovery_codes_left: Option<u32>,
}

impl From<AccountSecurity> for SecurityBody {
    fn from(security: AccountSecurity) -> Self {
        Self {
            email_verified: security.email_verified,
            pending_email: security.pending_email,
            password_set: security.password_set,
            totp: security.totp,
            passkeys: security.passkeys,
            recovery_codes_left: security.recovery_codes_left,
        }
    }
}

/// Read how the caller's account is protected.
///
/// `GET /api/users/me/security`: 200 `AccountSecurity`; 401.
#[utoipa::path(
    get,
    path = "/users/me/security",
    tag = "users",
    operation_id = "read_my_security",
    security(("OAuth2PasswordBearer" = [])),
    responses(
        (status = 200, description = "The caller's account: whether its email is verified, \
            and its factors.", body = SecurityBody,
            headers(("Cache-Control" = String, description = "`no-store`."))),
        Unauthenticated,
    )
)]
pub(crate) async fn security(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
) -> NoStore<Result<Json<SecurityBody>, ApiError>> {
    let read = state.auth.verification.security(&caller).await;
    NoStore(read.map(|s| Json(s.into())).map_err(ApiError::from))
}
