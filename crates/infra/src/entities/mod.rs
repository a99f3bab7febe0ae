//! SeaORM entities of the `users` and `posts` tables. Private to this crate: the domain's
//! types are what leave it.

pub(crate) mod post;
pub(crate) mod revoked_token;
pub(crate) mod user;
