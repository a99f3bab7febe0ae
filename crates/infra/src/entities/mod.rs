//! SeaORM entities of the `users` and `posts` tables. Private to this crate: the domain's
//! types are what leave it.

pub mod post;
pub mod revoked_token;
pub mod user;
