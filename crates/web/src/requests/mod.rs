//! The JSON request bodies of `/api`, one struct each: serde reads them (every field a
//! [`Text`], so no value can hide another's problem), utoipa derives their OpenAPI schemas
//! from the same fields, and each converts into the domain's input types at the edge, with
//! every refused field listed in one 422.

mod schemas;
mod verification;

pub(crate) use verification::{PresentedToken, VerifyEmailRequest};

use quill_domain::{
    Email, Password, PostChanges, PostContent, PostDraft, PostTitle, ProfileUpdate, Registration,
    Username,
};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::extract::{FieldChecks, Text};

/// An account to register. Unknown fields are ignored.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct RegisterRequest {
    #[schema(schema_with = schemas::username, required = true)]
    username: Text,
    #[schema(schema_with = schemas::email, required = true)]
    email: Text,
    #[schema(schema_with = schemas::new_password, required = true)]
    password: Text,
}

impl TryFrom<RegisterRequest> for Registration {
    type Error = ApiError;

    fn try_from(body: RegisterRequest) -> Result<Self, ApiError> {
        let mut checks = FieldChecks::default();
        let username = checks.required("username", body.username, Username::parse);
        let email = checks.required("email", body.email, |raw| Email::parse(&raw));
        let password = checks.required("password", body.password, Password::parse);
        let (Some(username), Some(email), Some(password)) = (username, email, password) else {
            return Err(checks.refused());
        };
        checks.finish(Self {
            username,
            email,
            password,
        })
    }
}

/// The password in use now and the one to replace it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct PasswordChangeRequest {
    #[schema(schema_with = schemas::current_password, required = true)]
    current_password: Text,
    #[schema(schema_with = schemas::new_password, required = true)]
    new_password: Text,
}

/// A password change in domain terms.
#[derive(Debug)]
pub(crate) struct PasswordChange {
    /// The attempt at the password in use now.
    pub(crate) current: Password,
    /// The password chosen to replace it.
    pub(crate) new: Password,
}

impl TryFrom<PasswordChangeRequest> for PasswordChange {
    type Error = ApiError;

    fn try_from(body: PasswordChangeRequest) -> Result<Self, ApiError> {
        let mut checks = FieldChecks::default();
        // The current password is checked, not parsed: any text is a (wrong or right) attempt.
        let current = checks.required("current_password", body.current_password, |raw| {
            Ok(Password::attempt(raw))
        });
        let new = checks.required("new_password", body.new_password, Password::parse);
        let (Some(current), Some(new)) = (current, new) else {
            return Err(checks.refused());
        };
        checks.finish(Self { current, new })
    }
}

/// Who wants a password-reset link.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct ForgotPasswordRequest {
    #[schema(schema_with = schemas::email, required = true)]
    email: Text,
}

impl TryFrom<ForgotPasswordRequest> for Email {
    type Error = ApiError;

    fn try_from(body: ForgotPasswordRequest) -> Result<Self, ApiError> {
        let mut checks = FieldChecks::default();
        let email = checks.required("email", body.email, |raw| Email::parse(&raw));
        let Some(email) = email else {
            return Err(checks.refused());
        };
        checks.finish(email)
    }
}

/// A reset link's token and the password to set with it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct ResetPasswordRequest {
    #[schema(schema_with = schemas::reset_token, required = true)]
    token: Text,
    #[schema(schema_with = schemas::new_password, required = true)]
    new_password: Text,
}

/// A password reset in domain terms.
#[derive(Debug)]
pub(crate) struct PasswordReset {
    /// The token from the link, as sent.
    pub(crate) token: String,
    /// The password to set.
    pub(crate) new: Password,
}

impl TryFrom<ResetPasswordRequest> for PasswordReset {
    type Error = ApiError;

    fn try_from(body: ResetPasswordRequest) -> Result<Self, ApiError> {
        let mut checks = FieldChecks::default();
        // An empty token is a token that matches nothing, answered as any other (400), as
        // the original does; only a missing one, or one longer than any quill mints, is 422.
        let token = checks.required("token", body.token, |raw| {
            if raw.chars().count() > schemas::RESET_TOKEN_MAX_CHARS {
                Err(quill_domain::FieldError::new(
                    "token",
                    quill_domain::FieldErrorKind::TooLong {
                        max: schemas::RESET_TOKEN_MAX_CHARS,
                    },
                ))
            } else {
                Ok(raw)
            }
        });
        let new = checks.required("new_password", body.new_password, Password::parse);
        let (Some(token), Some(new)) = (token, new) else {
            return Err(checks.refused());
        };
        checks.finish(Self { token, new })
    }
}

/// Changes to the caller's own account. Fields that are absent or `null` are left
/// unchanged. A user may change the letter case of their own username. The picture is
/// changed through its own route; an `image_file` here is ignored like any unknown field.
/// A new email may need `current_password` (see [`AccountService::update_profile`]).
///
/// [`AccountService::update_profile`]: quill_domain::AccountService::update_profile
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct UserUpdateRequest {
    #[schema(schema_with = schemas::username_or_null)]
    username: Text,
    #[schema(schema_with = schemas::email_or_null)]
    email: Text,
    #[schema(schema_with = schemas::confirming_password)]
    current_password: Text,
}

/// A profile change in domain terms, with the password that may confirm it.
#[derive(Debug)]
pub(crate) struct ProfileChange {
    /// The changes.
    pub(crate) changes: ProfileUpdate,
    /// The attempt at the password in use now, if one was sent.
    pub(crate) current_password: Option<Password>,
}

impl TryFrom<UserUpdateRequest> for ProfileChange {
    type Error = ApiError;

    fn try_from(body: UserUpdateRequest) -> Result<Self, ApiError> {
        let mut checks = FieldChecks::default();
        let changes = ProfileUpdate {
            username: checks.optional("username", body.username, Username::parse),
            email: checks.optional("email", body.email, |raw| Email::parse(&raw)),
            image_file: None,
        };
        let current_password = confirming(&mut checks, body.current_password);
        checks.finish(Self {
            changes,
            current_password,
        })
    }
}

/// What may confirm the deletion of one's account. The body may be left out altogether.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct AccountDeletionRequest {
    #[schema(schema_with = schemas::confirming_password)]
    current_password: Text,
}

/// The current password a sensitive change was sent with, if any.
#[derive(Debug)]
pub(crate) struct CurrentPassword(pub(crate) Option<Password>);

impl TryFrom<AccountDeletionRequest> for CurrentPassword {
    type Error = ApiError;

    fn try_from(body: AccountDeletionRequest) -> Result<Self, ApiError> {
        let mut checks = FieldChecks::default();
        let password = confirming(&mut checks, body.current_password);
        checks.finish(Self(password))
    }
}

/// A `current_password` field: any text within a password's bounds is a (wrong or right)
/// attempt, refused as too long even when the change does not need it checked.
fn confirming(checks: &mut FieldChecks, field: Text) -> Option<Password> {
    checks.optional("current_password", field, Password::confirming)
}

/// A whole post. The author is always the caller; a `user_id` field is ignored.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct PostRequest {
    #[schema(schema_with = schemas::title, required = true)]
    title: Text,
    #[schema(schema_with = schemas::content, required = true)]
    content: Text,
}

impl TryFrom<PostRequest> for PostDraft {
    type Error = ApiError;

    fn try_from(body: PostRequest) -> Result<Self, ApiError> {
        let mut checks = FieldChecks::default();
        let title = checks.required("title", body.title, PostTitle::parse);
        let content = checks.required("content", body.content, PostContent::parse);
        let (Some(title), Some(content)) = (title, content) else {
            return Err(checks.refused());
        };
        checks.finish(Self { title, content })
    }
}

/// Changes to a post. Fields that are absent or `null` are left unchanged.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub(crate) struct PostPatchRequest {
    #[schema(schema_with = schemas::title_or_null)]
    title: Text,
    #[schema(schema_with = schemas::content_or_null)]
    content: Text,
}

impl TryFrom<PostPatchRequest> for PostChanges {
    type Error = ApiError;

    fn try_from(body: PostPatchRequest) -> Result<Self, ApiError> {
        let mut checks = FieldChecks::default();
        let changes = Self {
            title: checks.optional("title", body.title, PostTitle::parse),
            content: checks.optional("content", body.content, PostContent::parse),
        };
        checks.finish(changes)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use utoipa::PartialSchema;
    use utoipa::openapi::{RefOr, Schema};

    use super::*;

    /// The document's view of a body: every property, and the required ones.
    fn documented<T: PartialSchema>() -> (Vec<String>, Vec<String>) {
        let RefOr::T(Schema::Object(object)) = T::schema() else {
            panic!("a request body is documented as an object");
        };
        (object.properties.keys().cloned().collect(), object.required)
    }

    /// The fields named in the refusal of `body`, with their codes; none when it is accepted.
    fn refused<T, D>(body: Value) -> Vec<(String, String)>
    where
        T: serde::de::DeserializeOwned,
        D: TryFrom<T, Error = ApiError>,
    {
        let request: T = serde_json::from_value(body).unwrap();
        let items = match D::try_from(request) {
            Ok(_) => Vec::new(),
            Err(ApiError::Validation(items)) => items,
            Err(other) => panic!("a refused body is a 422, not {other:?}"),
        };
        items
            .iter()
            .map(|item| {
                let loc = serde_json::to_value(&item.loc).unwrap();
                (loc[1].as_str().unwrap().to_owned(), item.kind.clone())
            })
            .collect()
    }

    /// What each body reads and what its schema says are the same fields: an empty object
    /// misses exactly the required ones, and a number in every property is refused under
    /// exactly the documented names.
    fn reads_what_it_documents<T, D>()
    where
        T: serde::de::DeserializeOwned + PartialSchema,
        D: TryFrom<T, Error = ApiError>,
    {
        let (properties, required) = documented::<T>();
        let mut missing: Vec<String> = refused::<T, D>(json!({}))
            .into_iter()
            .map(|(field, kind)| {
                assert_eq!(kind, "missing");
                field
            })
            .collect();
        missing.sort();
        let mut expected = required;
        expected.sort();
        assert_eq!(missing, expected);
        let numbers: serde_json::Map<String, Value> =
            properties.iter().map(|p| (p.clone(), json!(1))).collect();
        let mut not_text: Vec<String> = refused::<T, D>(Value::Object(numbers))
            .into_iter()
            .map(|(field, kind)| {
                assert_eq!(kind, "string_type");
                field
            })
            .collect();
        not_text.sort();
        assert_eq!(not_text, properties);
    }

    #[test]
    fn every_request_body_reads_the_fields_its_schema_documents() {
        reads_what_it_documents::<RegisterRequest, Registration>();
        reads_what_it_documents::<PasswordChangeRequest, PasswordChange>();
        reads_what_it_documents::<ForgotPasswordRequest, Email>();
        reads_what_it_documents::<ResetPasswordRequest, PasswordReset>();
        reads_what_it_documents::<UserUpdateRequest, ProfileChange>();
        reads_what_it_documents::<AccountDeletionRequest, CurrentPassword>();
        reads_what_it_documents::<PostRequest, PostDraft>();
        reads_what_it_documents::<PostPatchRequest, PostChanges>();
    }

    #[test]
    fn a_short_new_password_is_refused_under_its_own_name() {
        let items = refused::<PasswordChangeRequest, PasswordChange>(
            json!({"current_password": "x", "new_password": "short"}),
        );
        assert_eq!(
            items,
            [("new_password".to_owned(), "string_too_short".to_owned())]
        );
    }
}
