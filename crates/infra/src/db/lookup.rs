//! Lookups by a unique key (a primary key or a unique index), without `LIMIT`.
//!
//! SeaORM's `.one()` appends `LIMIT ?` with the 1 bound as a parameter. SQLite, as bundled
//! (with `SQLITE_ENABLE_STAT4`), lets a bound `LIMIT` inform the plan, so binding it marks the
//! prepared statement expired, and every run parses and plans the statement again: about a
//! sixth of a small request's CPU time, found by profiling. A unique key matches one row at
//! most, so the limit adds nothing; these lookups read all (that is, at most one) rows.

use sea_orm::{
    ConnectionTrait, DbErr, EntityTrait, ModelTrait, Select, SelectTwo, Selector, SelectorTrait,
};

/// The one row a unique-key lookup finds, if any, read without `LIMIT`.
pub(crate) trait UniqueLookup {
    /// What the lookup finds.
    type Found;

    /// Runs the lookup.
    async fn unique<C: ConnectionTrait>(self, db: &C) -> Result<Option<Self::Found>, DbErr>;
}

impl<E: EntityTrait> UniqueLookup for Select<E>
where
    E::Model: ModelTrait + Send + Sync,
{
    type Found = E::Model;

    async fn unique<C: ConnectionTrait>(self, db: &C) -> Result<Option<E::Model>, DbErr> {
        Ok(self.all(db).await?.into_iter().next())
    }
}

impl<E: EntityTrait, F: EntityTrait> UniqueLookup for SelectTwo<E, F>
where
    E::Model: Send + Sync,
    F::Model: Send + Sync,
{
    type Found = (E::Model, Option<F::Model>);

    async fn unique<C: ConnectionTrait>(self, db: &C) -> Result<Option<Self::Found>, DbErr> {
        Ok(self.all(db).await?.into_iter().next())
    }
}

impl<S: SelectorTrait> UniqueLookup for Selector<S> {
    type Found = S::Item;

    async fn unique<C: ConnectionTrait>(self, db: &C) -> Result<Option<S::Item>, DbErr> {
        Ok(self.all(db).await?.into_iter().next())
    }
}
