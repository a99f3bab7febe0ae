//! The token check, the hottest query (every authenticated request): the account and where
//! one token stands, as one fixed statement per backend.

use quill_domain::{SessionId, StoreError, TokenStanding, User, UserId};
use sea_orm::{DatabaseConnection, DbBackend, FromQueryResult, Statement};

use super::to_domain;
use crate::db::store_error;
use crate::entities::user;

/// The token check of a token in a session: the account and its session's expiry. A session's
/// tokens are never revoked one by one (they end with their session), so the revocation list
/// is not consulted.
const SESSION_TOKEN_CHECK_SQLITE: &str = "SELECT id, username, email, password_hash, image_file, \
     token_generation, profile_revision, \
     (SELECT expires_at_us FROM sessions WHERE id = ?2 AND user_id = users.id) AS session_ends_us, \
     FALSE AS token_revoked \
     FROM users WHERE id = ?1";

const SESSION_TOKEN_CHECK_POSTGRES: &str = "SELECT id, username, email, password_hash, image_file, \
     token_generation, profile_revision, \
     (SELECT expires_at_us FROM sessions WHERE id = $2 AND user_id = users.id) AS session_ends_us, \
     FALSE AS token_revoked \
     FROM users WHERE id = $1";

/// The token check of a token naming no session (the original's): the account and whether
/// the token's id is among the revoked ones.
const SESSIONLESS_TOKEN_CHECK_SQLITE: &str = "SELECT id, username, email, password_hash, image_file, \
     token_generation, profile_revision, CAST(NULL AS BIGINT) AS session_ends_us, \
     EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = ?2) AS token_revoked \
     FROM users WHERE id = ?1";

const SESSIONLESS_TOKEN_CHECK_POSTGRES: &str = "SELECT id, username, email, password_hash, image_file, \
     token_generation, profile_revision, CAST(NULL AS BIGINT) AS session_ends_us, \
     EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = $2) AS token_revoked \
     FROM users WHERE id = $1";

/// A `users` row with where one token stands beside it: its session's expiry, if the
/// session is still there, and whether the token was revoked on its own.
#[derive(FromQueryResult)]
struct UserWithTokenStanding {
    id: i64,
    username: String,
    email: String,
    password_hash: String,
    image_file: Option<String>,
    token_generation: i64,
    profile_revision: i64,
    session_ends_us: Option<i64>,
    token_revoked: bool,
}

impl From<UserWithTokenStanding> for user::Model {
    fn from(row: UserWithTokenStanding) -> Self {
        Self {
            id: row.id,
            username: row.username,
            // Not selected by the token check, and not part of the domain's account.
            username_key: None,
            username_skeleton: None,
            email: row.email,
            password_hash: row.password_hash,
            image_file: row.image_file,
            token_generation: row.token_generation,
            profile_revision: row.profile_revision,
        }
    }
}

/// The account `id` and where the token stands: its session's expiry, or for a token in no
/// session whether `token_id` was revoked.
pub(super) async fn user_with_token_standing(
    db: &DatabaseConnection,
    id: UserId,
    session: Option<&SessionId>,
    token_id: &str,
) -> Result<Option<(User, TokenStanding)>, StoreError> {
    // The hottest query (every authenticated request), as one fixed statement: no query
    // building per request, and the driver's statement cache reuses its preparation. The
    // account row and, alongside, the expiry of the token's session (if it still exists),
    // or for a token in no session whether its id is among the revoked ones.
    let backend = db.get_database_backend();
    let postgres = backend == DbBackend::Postgres;
    let statement = match session {
        Some(session) => Statement::from_sql_and_values(
            backend,
            if postgres {
                SESSION_TOKEN_CHECK_POSTGRES
            } else {
                SESSION_TOKEN_CHECK_SQLITE
            },
            [id.0.into(), session.as_str().into()],
        ),
        None => Statement::from_sql_and_values(
            backend,
            if postgres {
                SESSIONLESS_TOKEN_CHECK_POSTGRES
            } else {
                SESSIONLESS_TOKEN_CHECK_SQLITE
            },
            [id.0.into(), token_id.into()],
        ),
    };
    UserWithTokenStanding::find_by_statement(statement)
        .one(db)
        .await
        .map(|found| {
            found.map(|row| {
                let standing = TokenStanding {
                    session_ends: row.session_ends_us.map(crate::db::instant),
                    revoked: row.token_revoked,
                };
                (to_domain(row.into()), standing)
            })
        })
        .map_err(store_error)
}
