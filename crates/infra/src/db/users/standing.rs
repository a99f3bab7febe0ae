//! [`TokenStandings`] over the `users`, `sessions` and `revoked_tokens` tables: the token
//! check, the hottest query (every authenticated request), as one fixed statement per backend,
//! and single-token revocations.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use quill_domain::{SessionId, StoreError, TokenStanding, TokenStandings, User, UserId};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, FromQueryResult, QueryFilter,
    Statement,
};

use super::{SeaOrmUserRepository, to_domain};
use crate::db::store_error;
use crate::entities::{revoked_token, user};

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
async fn user_with_token_standing(
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

#[async_trait]
impl TokenStandings for SeaOrmUserRepository {
    async fn revoke_token(
        &self,
        token_id: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let row = revoked_token::ActiveModel {
            jti: Set(token_id.to_owned()),
            expires_at: Set(expires_at),
        };
        // Logging out twice with one token is not an error: the second insert does nothing.
        revoked_token::Entity::insert(row)
            .on_conflict_do_nothing_on([revoked_token::Column::Jti])
            .exec(&self.db)
            .await
            .map(|_| ())
            .map_err(store_error)
    }

    async fn by_id_with_token_standing(
        &self,
        id: UserId,
        session: Option<&SessionId>,
        token_id: &str,
    ) -> Result<Option<(User, TokenStanding)>, StoreError> {
        user_with_token_standing(&self.db, id, session, token_id).await
    }

    async fn purge_revoked_tokens(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        revoked_token::Entity::delete_many()
            .filter(revoked_token::Column::ExpiresAt.lte(now))
            .exec(&self.db)
            .await
            .map(|result| result.rows_affected)
            .map_err(store_error)
    }
}
