//! [`PictureOwners`] over the `users` table: the compare-and-swap of an account's picture, and
//! whether a stored picture is still shown by anyone.

use async_trait::async_trait;
use quill_domain::{PictureOwners, PictureSwap, StoreError, UserId, UserRepository as _};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait as _, QueryFilter};

use super::SeaOrmUserRepository;
use crate::db::store_error;
use crate::entities::user;

#[async_trait]
impl PictureOwners for SeaOrmUserRepository {
    async fn swap_image_file(
        &self,
        id: UserId,
        expected: Option<&str>,
        new: Option<&str>,
    ) -> Result<PictureSwap, StoreError> {
        let update = user::Entity::update_many()
            .col_expr(user::Column::ImageFile, Expr::value(new.map(str::to_owned)))
            .col_expr(
                user::Column::ProfileRevision,
                Expr::col(user::Column::ProfileRevision).add(1),
            )
            .filter(user::Column::Id.eq(id.0));
        let update = match expected {
            Some(expected) => update.filter(user::Column::ImageFile.eq(expected)),
            None => update.filter(user::Column::ImageFile.is_null()),
        };
        let swapped = update.exec(&self.db).await.map_err(store_error)?;
        if swapped.rows_affected == 1 {
            return Ok(PictureSwap::Swapped);
        }
        Ok(match self.by_id(id).await? {
            Some(_) => PictureSwap::Changed,
            None => PictureSwap::Gone,
        })
    }

    async fn image_file_in_use(&self, name: &str) -> Result<bool, StoreError> {
        user::Entity::find()
            .filter(user::Column::ImageFile.eq(name))
            .count(&self.db)
            .await
            .map(|count| count > 0)
            .map_err(store_error)
    }
}
