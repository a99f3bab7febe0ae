//! The picture stores: [`FilePictureStore`] (files under `MEDIA_DIR`, for one server) and
//! [`DatabasePictureStore`] (a table, so every server on one PostgreSQL database serves every
//! picture).

use std::path::PathBuf;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use quill_domain::{PictureName, PictureStore, StoreError, Unexpected, throttle::micros};
use sea_orm::{ConnectionTrait as _, DatabaseConnection, Statement, Value};

use crate::db::store_error;

fn fresh_name() -> Result<PictureName, Unexpected> {
    let mut bytes = [0_u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| Unexpected::new(e.to_string()))?;
    Ok(PictureName::from_random(bytes))
}

fn io_error(e: std::io::Error) -> StoreError {
    StoreError::Unexpected(Unexpected::new(e))
}

/// Pictures as files in one directory (`MEDIA_DIR/profile_pics`), each written under a
/// temporary name and renamed, so a reader never sees half a picture.
#[derive(Debug, Clone)]
pub struct FilePictureStore {
    dir: PathBuf,
}

impl FilePictureStore {
    /// Pictures under `dir` (created when the first is saved).
    #[must_use]
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    async fn blocking<T: Send + 'static>(
        work: impl FnOnce() -> std::io::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| StoreError::Unexpected(Unexpected::new(e)))?
            .map_err(io_error)
    }
}

#[async_trait]
impl PictureStore for FilePictureStore {
    fn fresh_name(&self) -> Result<PictureName, Unexpected> {
        fresh_name()
    }

    async fn save(&self, name: &PictureName, jpeg: &[u8]) -> Result<(), StoreError> {
        let (dir, name, jpeg) = (self.dir.clone(), name.to_string(), jpeg.to_vec());
        Self::blocking(move || {
            std::fs::create_dir_all(&dir)?;
            let partial = dir.join(format!(".{name}.partial"));
            std::fs::write(&partial, jpeg)?;
            std::fs::rename(&partial, dir.join(&name))
        })
        .await
    }

    async fn load(&self, name: &PictureName) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.dir.join(name.as_str());
        Self::blocking(move || match std::fs::read(path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        })
        .await
    }

    async fn remove(&self, name: &PictureName) -> Result<(), StoreError> {
        let path = self.dir.join(name.as_str());
        Self::blocking(move || match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        })
        .await
    }

    async fn saved_between(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<PictureName>, StoreError> {
        let dir = self.dir.clone();
        let window = std::time::SystemTime::from(from)..std::time::SystemTime::from(until);
        Self::blocking(move || {
            let entries = match std::fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
                Err(e) => return Err(e),
            };
            let mut old = Vec::new();
            for entry in entries.flatten() {
                let Some(name) = entry.file_name().to_str().and_then(PictureName::parse) else {
                    continue;
                };
                if window.contains(&entry.metadata()?.modified()?) {
                    old.push(name);
                }
            }
            Ok(old)
        })
        .await
    }
}

/// Pictures in the `pictures` table, for a fleet on one PostgreSQL database.
#[derive(Debug, Clone)]
pub struct DatabasePictureStore {
    db: DatabaseConnection,
}

impl DatabasePictureStore {
    /// Pictures in this database.
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    fn statement(&self, sql: &str, values: Vec<Value>) -> Statement {
        Statement::from_sql_and_values(self.db.get_database_backend(), sql, values)
    }
}

#[async_trait]
impl PictureStore for DatabasePictureStore {
    fn fresh_name(&self) -> Result<PictureName, Unexpected> {
        fresh_name()
    }

    async fn save(&self, name: &PictureName, jpeg: &[u8]) -> Result<(), StoreError> {
        self.db
            .execute_raw(self.statement(
                "INSERT INTO pictures (name, data, saved_at_us) VALUES ($1, $2, $3)",
                vec![
                    name.as_str().into(),
                    Value::Bytes(Some(jpeg.to_vec())),
                    micros(Utc::now()).into(),
                ],
            ))
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn load(&self, name: &PictureName) -> Result<Option<Vec<u8>>, StoreError> {
        let row = self
            .db
            .query_one_raw(self.statement(
                "SELECT data FROM pictures WHERE name = $1",
                vec![name.as_str().into()],
            ))
            .await
            .map_err(store_error)?;
        row.map(|row| row.try_get::<Vec<u8>>("", "data"))
            .transpose()
            .map_err(store_error)
    }

    async fn remove(&self, name: &PictureName) -> Result<(), StoreError> {
        self.db
            .execute_raw(self.statement(
                "DELETE FROM pictures WHERE name = $1",
                vec![name.as_str().into()],
            ))
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn saved_between(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<PictureName>, StoreError> {
        let rows = self
            .db
            .query_all_raw(self.statement(
                "SELECT name FROM pictures WHERE saved_at_us >= $1 AND saved_at_us < $2",
                vec![micros(from).into(), micros(until).into()],
            ))
            .await
            .map_err(store_error)?;
        let mut names = Vec::with_capacity(rows.len());
        for row in rows {
            let name: String = row.try_get("", "name").map_err(store_error)?;
            names.extend(PictureName::parse(&name));
        }
        Ok(names)
    }
}
