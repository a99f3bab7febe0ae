//! The `users` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub(crate) struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub username: String,
    /// `Username::key_of(username)`: what uniqueness of names is decided on.
    pub username_key: Option<String>,
    /// `Username::skeleton_of(username)`: what lookalike names are refused on.
    pub username_skeleton: Option<String>,
    pub email: String,
    pub password_hash: String,
    pub image_file: Option<String>,
    pub token_generation: i64,
    /// Moved by every change of the account (see `UserRepository::update`).
    pub profile_revision: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {
    #[sea_orm(has_many = "super::post::Entity")]
    Post,
}

impl Related<super::post::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Post.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
