//! Each auth operation's outcomes as the contract's answers: one exhaustive `From` per
//! operation's error, so a variant added to the domain fails to compile here until it is given
//! its status and message.

use quill_domain::{
    FieldErrorKind, Held, LoginError, PasswordChangeError, PictureChangeError, PictureReadError,
    ProfileError, ProfileReadError, RefreshError, RegisterError, ResetError, SecurityReadError,
    SessionError, TokenError, UserAction, VerificationMailError, VerifyEmailError,
};

use super::{ApiError, ErrorItem};

impl From<Held> for ApiError {
    fn from(held: Held) -> Self {
        match held {
            Held::Throttled { retry_after } | Held::ShareTaken { retry_after } => {
                Self::TooManyRequests {
                    retry_after_secs: retry_after.as_secs(),
                }
            }
            Held::Busy => Self::Busy,
        }
    }
}

/// The 422 for a new password refused as predictable, at the request's own field
/// (`password` at registration, `new_password` at a change or a reset).
fn too_common(field: &str) -> ApiError {
    ApiError::Validation(vec![ErrorItem::refused(
        "body",
        field,
        &FieldErrorKind::TooCommon,
    )])
}

/// The contract's 403 message for each action on someone else's account.
fn not_allowed(action: UserAction) -> ApiError {
    ApiError::Forbidden(match action {
        UserAction::Update => "Not authorized to update this user",
        UserAction::Delete => "Not authorized to delete this user",
        UserAction::UpdatePicture => "Not authorized to update this user's picture",
        UserAction::DeletePicture => "Not authorized to delete this user's picture",
    })
}

impl From<RegisterError> for ApiError {
    fn from(error: RegisterError) -> Self {
        match error {
            RegisterError::UsernameTaken => Self::BadRequest("Username already exists"),
            RegisterError::EmailTaken => Self::BadRequest("Email already registered"),
            RegisterError::PasswordTooCommon => too_common("password"),
            RegisterError::Held(held) => held.into(),
            RegisterError::Unavailable(e) => Self::StoreDown(e),
            RegisterError::Unexpected(e) => Self::Internal(e),
        }
    }
}

impl From<LoginError> for ApiError {
    fn from(error: LoginError) -> Self {
        match error {
            LoginError::InvalidCredentials => Self::Unauthorized("Incorrect email or password"),
            LoginError::EmailNotVerified => Self::Forbidden("Email not verified"),
            LoginError::Held(held) => held.into(),
            LoginError::Unavailable(e) => Self::StoreDown(e),
            LoginError::Unexpected(e) => Self::Internal(e),
        }
    }
}

impl From<TokenError> for ApiError {
    fn from(error: TokenError) -> Self {
        match error {
            TokenError::InvalidToken => Self::Unauthorized("Invalid or expired token"),
            TokenError::AccountGone => Self::Unauthorized("User not found"),
            TokenError::Unavailable(e) => Self::StoreDown(e),
            TokenError::Unexpected(e) => Self::Internal(e),
        }
    }
}

impl From<RefreshError> for ApiError {
    fn from(error: RefreshError) -> Self {
        match error {
            RefreshError::InvalidRefreshToken => {
                Self::BadRequest("Invalid or expired refresh token")
            }
            RefreshError::Throttled { retry_after } => Self::TooManyRequests {
                retry_after_secs: retry_after.as_secs(),
            },
            RefreshError::Unavailable(e) => Self::StoreDown(e),
            RefreshError::Unexpected(e) => Self::Internal(e),
        }
    }
}

impl From<SessionError> for ApiError {
    fn from(error: SessionError) -> Self {
        match error {
            SessionError::SessionNotFound => Self::NotFound("Session not found"),
            SessionError::AccountGone => Self::Unauthorized("User not found"),
            SessionError::Unavailable(e) => Self::StoreDown(e),
            SessionError::Unexpected(e) => Self::Internal(e),
        }
    }
}

impl From<ProfileReadError> for ApiError {
    fn from(error: ProfileReadError) -> Self {
        match error {
            ProfileReadError::UserNotFound => Self::NotFound("User not found"),
            ProfileReadError::Unavailable(e) => Self::StoreDown(e),
            ProfileReadError::Unexpected(e) => Self::Internal(e),
        }
    }
}

impl From<ProfileError> for ApiError {
    fn from(error: ProfileError) -> Self {
        match error {
            ProfileError::UserNotFound => Self::NotFound("User not found"),
            ProfileError::NotAllowed(action) => not_allowed(action),
            ProfileError::UsernameTaken => Self::BadRequest("Username already exists"),
            ProfileError::EmailTaken => Self::BadRequest("Email already registered"),
            ProfileError::RecentAuthenticationRequired => {
                Self::Forbidden("Recent authentication required")
            }
            ProfileError::WrongCurrentPassword => Self::BadRequest("Current password is incorrect"),
            ProfileError::Held(held) => held.into(),
            ProfileError::Unavailable(e) => Self::StoreDown(e),
            ProfileError::Unexpected(e) => Self::Internal(e),
        }
    }
}

impl From<PasswordChangeError> for ApiError {
    fn from(error: PasswordChangeError) -> Self {
        match error {
            PasswordChangeError::WrongCurrentPassword => {
                Self::BadRequest("Current password is incorrect")
            }
            PasswordChangeError::PasswordTooCommon => too_common("new_password"),
            PasswordChangeError::AccountGone => Self::Unauthorized("User not found"),
            PasswordChangeError::Held(held) => held.into(),
            PasswordChangeError::Unavailable(e) => Self::StoreDown(e),
            PasswordChangeError::Unexpected(e) => Self::Internal(e),
        }
    }
}

impl From<ResetError> for ApiError {
    fn from(error: ResetError) -> Self {
        match error {
            ResetError::InvalidResetToken => Self::BadRequest("Invalid or expired reset token"),
            ResetError::PasswordTooCommon => too_common("new_password"),
            ResetError::Held(held) => held.into(),
            ResetError::Unavailable(e) => Self::StoreDown(e),
            ResetError::Unexpected(e) => Self::Internal(e),
        }
    }
}

impl From<PictureChangeError> for ApiError {
    fn from(error: PictureChangeError) -> Self {
        match error {
            PictureChangeError::NotAllowed(action) => not_allowed(action),
            PictureChangeError::PictureTooLarge { max_bytes } => Self::FileTooLarge { max_bytes },
            PictureChangeError::InvalidPicture => Self::BadRequest(
                "Invalid image file. Please upload a valid image (JPEG, PNG, GIF, WebP)",
            ),
            PictureChangeError::NoPicture => Self::BadRequest("No profile picture to delete"),
            PictureChangeError::AccountGone => Self::Unauthorized("User not found"),
            PictureChangeError::Held(held) => held.into(),
            PictureChangeError::Unavailable(e) => Self::StoreDown(e),
            PictureChangeError::Unexpected(e) => Self::Internal(e),
        }
    }
}

impl From<PictureReadError> for ApiError {
    fn from(error: PictureReadError) -> Self {
        match error {
            PictureReadError::Unavailable(e) => Self::StoreDown(e),
            PictureReadError::Unexpected(e) => Self::Internal(e),
        }
    }
}

impl From<VerifyEmailError> for ApiError {
    fn from(error: VerifyEmailError) -> Self {
        match error {
            VerifyEmailError::InvalidVerificationToken => {
                Self::BadRequest("Invalid or expired verification token")
            }
            VerifyEmailError::Unavailable(e) => Self::StoreDown(e),
            VerifyEmailError::Unexpected(e) => Self::Internal(e),
        }
    }
}

impl From<VerificationMailError> for ApiError {
    fn from(error: VerificationMailError) -> Self {
        match error {
            VerificationMailError::AccountGone => Self::Unauthorized("User not found"),
            VerificationMailError::Held(held) => held.into(),
            VerificationMailError::Unavailable(e) => Self::StoreDown(e),
            VerificationMailError::Unexpected(e) => Self::Internal(e),
        }
    }
}

impl From<SecurityReadError> for ApiError {
    fn from(error: SecurityReadError) -> Self {
        match error {
            SecurityReadError::Unavailable(e) => Self::StoreDown(e),
            SecurityReadError::Unexpected(e) => Self::Internal(e),
        }
    }
}
