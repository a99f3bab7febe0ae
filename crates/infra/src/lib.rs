//! quill's adapters: the implementations of `quill-domain`'s ports, and configuration.
//!
//! - [`db`]: connecting to SQLite or PostgreSQL, and the SeaORM repositories
//!   ([`SeaOrmUserRepository`], [`SeaOrmPostRepository`]).
//! - [`hashing`]: [`Argon2Hasher`], Argon2id on a bounded blocking pool.
//! - [`tokens`]: [`JwtCodec`], HMAC-signed JWTs with a pinned algorithm.
//! - [`config`]: [`Settings`], read from the environment, a `.env` file and defaults.
//! - [`AuthStack`]: all of the above wired into the domain services in one call, for the
//!   server and for other services that embed quill's auth core.
//!
//! SeaORM types stay inside this crate: nothing public here exposes an entity or a `DbErr`.

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod config;
pub mod db;
mod entities;
pub mod hashing;
mod stack;
pub mod tokens;

pub use config::{Argon2Settings, ConfigError, Environment, SecretKey, Settings, TokenAlgorithm};
pub use db::{DatabaseError, SeaOrmPostRepository, SeaOrmUserRepository, connect};
pub use hashing::Argon2Hasher;
pub use stack::AuthStack;
pub use tokens::JwtCodec;
