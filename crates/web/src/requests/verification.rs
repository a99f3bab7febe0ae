//! The body of `POST /api/users/verify-email`: the token from a mailed verification link.

use serde::Deserialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};

use super::schemas::RESET_TOKEN_MAX_CHARS;
use crate::error::ApiError;
use crate::extract::{FieldChecks, Text};

/// A verification link's token.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct VerifyEmailRequest {
    #[schema(schema_with = verification_token, required = true)]
    token: Text,
}

fn verification_token() -> Object {
    // No minimum: an empty token is answered as any token that matches nothing (400).
    ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(RESET_TOKEN_MAX_CHARS))
        .description(Some(
            "The token from the verification link (what follows `#token=`).",
        ))
        .build()
}

/// The token as sent, for the verification service to digest.
#[derive(Debug)]
pub(crate) struct PresentedToken(pub(crate) String);

impl TryFrom<VerifyEmailRequest> for PresentedToken {
    type Error = ApiError;

    fn try_from(body: VerifyEmailRequest) -> Result<Self, ApiError> {
        let mut checks = FieldChecks::default();
        // As a reset token: longer than any quill mints is 422, anything else is looked up.
        let token = checks.required("token", body.token, |raw| {
            if raw.chars().count() > RESET_TOKEN_MAX_CHARS {
                Err(quill_domain::FieldError::new(
                    "token",
                    quill_domain::FieldErrorKind::TooLong {
                        max: RESET_TOKEN_MAX_CHARS,
                    },
                ))
            } else {
                Ok(raw)
            }
        });
        let Some(token) = token else {
            return Err(checks.refused());
        };
        checks.finish(Self(token))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read(body: serde_json::Value) -> Result<PresentedToken, ApiError> {
        PresentedToken::try_from(serde_json::from_value::<VerifyEmailRequest>(body).unwrap())
    }

    #[test]
    fn a_missing_or_overlong_token_is_refused_and_an_empty_one_is_looked_up() {
        assert!(read(json!({})).is_err());
        assert!(read(json!({"token": "a".repeat(257)})).is_err());
        assert_eq!(read(json!({"token": ""})).unwrap().0, "");
    }
}
