//! The defaults quill's outer layers share, written once in the one crate all of them depend
//! on: `quill-infra`'s settings fall back to them for what is not set, and `quill-web`'s own
//! configuration starts from them for an application that builds it without settings. Plain
//! values; nothing here is read from anywhere.

use std::time::Duration;

/// The largest request body accepted, in bytes (`MAX_BODY_BYTES`): 256 KiB.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// How long one request, its body included, may take before it is answered 408
/// (`REQUEST_TIMEOUT_SECONDS`).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest profile-picture upload accepted (`MAX_UPLOAD_SIZE_BYTES`): 5 MiB.
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;

/// Where uploaded profile pictures are kept, relative to the working directory (`MEDIA_DIR`).
pub const MEDIA_DIR: &str = "media";

/// The site's public address, which links in mail start with (`PUBLIC_BASE_URL`).
pub const PUBLIC_BASE_URL: &str = "http://127.0.0.1:8000";

/// How long an offline session lasts from its login (`REFRESH_TOKEN_EXPIRE_DAYS`): 30 days.
pub const REFRESH_TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// How long a rotated refresh token still answers with its successor, for racing tabs.
pub const REFRESH_GRACE: Duration = Duration::from_secs(10);

/// How long a password-reset link works (`PASSWORD_RESET_EXPIRE_MINUTES`): an hour.
pub const PASSWORD_RESET_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// How long a mailed reset link that still works answers new requests for the same account
/// (`PASSWORD_RESET_RESEND_MINUTES`): a quarter of an hour.
pub const PASSWORD_RESET_RESEND_AFTER: Duration = Duration::from_secs(15 * 60);

/// The most reset links one account is mailed in a day (`PASSWORD_RESET_MAILS_PER_DAY`).
pub const PASSWORD_RESET_MAILS_PER_DAY: u32 = 5;
