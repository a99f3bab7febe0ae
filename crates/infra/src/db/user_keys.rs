//! The comparison columns the database's uniqueness rules on names are built on, filled for
//! rows written before each existed: `username_key` (letter case) and `username_skeleton`
//! (lookalikes). Both are computed by the domain, which SQL cannot do, so they are filled here
//! right after the migrations run, and only where still empty.

use quill_domain::Username;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entities::user;

/// Gives every account still without one its username key (see
/// `m20261201_000004_username_keys`): rows of a database made before keys existed. A row
/// whose key another account already holds (two names the new rule calls the same, which
/// older versions let in) keeps working: its key is made unique with its id, so both accounts
/// log in as before and no third can take either name. Returns how many rows were keyed and
/// how many of those collided.
///
/// Safe to run from several servers at once: each write only fills a key that is still empty.
pub(crate) async fn key_usernames(db: &DatabaseConnection) -> Result<(u64, u64), sea_orm::DbErr> {
    let unkeyed: Vec<(i64, String)> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Username)
        .filter(user::Column::UsernameKey.is_null())
        .order_by_asc(user::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let (mut keyed, mut collided) = (0, 0);
    for (id, username) in unkeyed {
        let key = Username::key_of(&username);
        let write = |key: String| {
            user::Entity::update_many()
                .col_expr(user::Column::UsernameKey, Expr::value(key))
                .filter(user::Column::Id.eq(id))
                .filter(user::Column::UsernameKey.is_null())
                .exec(db)
        };
        match write(key.clone()).await {
            Ok(_) => keyed += 1,
            Err(e) if super::violates(&e, super::USERNAME_INDEX) => {
                write(format!("{key}#{id}")).await?;
                keyed += 1;
                collided += 1;
            }
            Err(e) => return Err(e),
        }
    }
    Ok((keyed, collided))
}

/// An account whose name looks like an older account's, found when its skeleton was filled:
/// both keep their names and log in as before, the later one under a skeleton made unique
/// with its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Lookalike {
    /// The later account.
    pub(crate) id: i64,
    /// Its name, unchanged.
    pub(crate) username: String,
    /// The account that already held the skeleton.
    pub(crate) looks_like: Option<i64>,
}

/// Gives every account still without one its username skeleton (see
/// `m20261207_000009_username_skeletons`), oldest first, so of two names that look alike the
/// older keeps the plain skeleton. A row whose skeleton is taken keeps its name and gets the
/// skeleton followed by a control character and its id, which the skeleton of no name quill
/// accepts can be (none holds a control character), so no third account can take either
/// name. Returns how
/// many rows were filled, and the lookalikes among them for the record.
///
/// Safe to run from several servers at once: each write only fills a skeleton that is still
/// empty.
pub(crate) async fn skeleton_usernames(
    db: &DatabaseConnection,
) -> Result<(u64, Vec<Lookalike>), sea_orm::DbErr> {
    let unfilled: Vec<(i64, String)> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Username)
        .filter(user::Column::UsernameSkeleton.is_null())
        .order_by_asc(user::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let mut filled = 0;
    let mut lookalikes = Vec::new();
    for (id, username) in unfilled {
        let skeleton = Username::skeleton_of(&username);
        let write = |skeleton: String| {
            user::Entity::update_many()
                .col_expr(user::Column::UsernameSkeleton, Expr::value(skeleton))
                .filter(user::Column::Id.eq(id))
                .filter(user::Column::UsernameSkeleton.is_null())
                .exec(db)
        };
        match write(skeleton.clone()).await {
            Ok(_) => filled += 1,
            Err(e) if super::violates(&e, super::USERNAME_SKELETON_INDEX) => {
                let looks_like: Option<i64> = user::Entity::find()
                    .select_only()
                    .column(user::Column::Id)
                    .filter(user::Column::UsernameSkeleton.eq(skeleton.as_str()))
                    .into_tuple()
                    .one(db)
                    .await?;
                write(format!("{skeleton}\u{1}{id}")).await?;
                filled += 1;
                lookalikes.push(Lookalike {
                    id,
                    username,
                    looks_like,
                });
            }
            Err(e) => return Err(e),
        }
    }
    Ok((filled, lookalikes))
}
