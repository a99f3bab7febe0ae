//! One call from settings and a connection to ready-to-use domain services.

use std::sync::Arc;

use quill_domain::{AuthService, Clock, PostService, SystemClock, Unexpected};
use sea_orm::DatabaseConnection;

use crate::config::Settings;
use crate::db::{SeaOrmPostRepository, SeaOrmUserRepository};
use crate::hashing::Argon2Hasher;
use crate::tokens::JwtCodec;

/// The domain services wired to the real adapters: SeaORM repositories, Argon2id with one
/// hashing slot per CPU, JWTs from the settings, and the system clock.
#[derive(Clone)]
pub struct AuthStack {
    /// Registration, login, tokens, account self-service.
    pub auth: AuthService,
    /// Posts.
    pub posts: PostService,
}

impl AuthStack {
    /// Builds the adapters and services over an open (and migrated) database.
    ///
    /// Prepares the hasher's dummy hash on the blocking pool, so it takes about one hash's
    /// time.
    ///
    /// # Errors
    /// [`Unexpected`] when the Argon2 parameters are unusable.
    pub async fn new(settings: &Settings, db: DatabaseConnection) -> Result<Self, Unexpected> {
        let argon2 = settings.argon2;
        let hasher = tokio::task::spawn_blocking(move || {
            Argon2Hasher::new(argon2, Argon2Hasher::default_slots())
        })
        .await
        .map_err(Unexpected::new)??;
        let tokens = JwtCodec::new(
            &settings.secret_key,
            settings.algorithm,
            settings.access_token_lifetime,
        );
        let users = Arc::new(SeaOrmUserRepository::new(db.clone()));
        let posts = Arc::new(SeaOrmPostRepository::new(db));
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        Ok(Self {
            auth: AuthService::new(
                users.clone(),
                Arc::new(hasher),
                Arc::new(tokens),
                clock.clone(),
            ),
            posts: PostService::new(posts, users, clock),
        })
    }
}
