//! The picture adapters: [`ImagePictureProcessor`] (the `image` crate, within decoder limits,
//! on tokio's blocking pool behind a bound), [`FilePictureStore`] (files under `MEDIA_DIR`,
//! for one server) and [`DatabasePictureStore`] (a table, so every server on one PostgreSQL
//! database serves every picture).

use std::io::Cursor;
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder as _, ImageFormat, ImageReader, Limits};
use quill_domain::{
    PictureError, PictureName, PictureProcessor, PictureStore, StoreError, Unexpected,
    throttle::micros,
};
use sea_orm::{ConnectionTrait as _, DatabaseConnection, Statement, Value};
use tokio::sync::Semaphore;

use crate::db::store_error;

/// The side of every stored picture, in pixels.
pub const SIDE: u32 = 300;
/// JPEG quality of every stored picture.
pub const QUALITY: u8 = 85;
/// The largest width or height decoded; an image declaring more is refused before any pixel
/// is read.
pub const MAX_DIMENSION: u32 = 10_000;
/// The most memory one decode may allocate; a decompression bomb within the dimensions is
/// refused before it allocates.
pub const MAX_DECODE_BYTES: u64 = 96 * 1024 * 1024;

/// Decodes, turns upright, crops, scales and encodes, with at most `slots` at once and at
/// most `queue_limit` more waiting; past that it answers busy at once.
///
/// Memory is bounded by `slots × (MAX_DECODE_BYTES + the upload)` while decoding, plus
/// `queue_limit × the upload` waiting.
#[derive(Debug, Clone)]
pub struct ImagePictureProcessor {
    running: Arc<Semaphore>,
    places: Arc<Semaphore>,
}

impl ImagePictureProcessor {
    /// A processor running `slots` decodes at once, with `queue_limit` waiting.
    #[must_use]
    pub fn new(slots: usize, queue_limit: usize) -> Self {
        let slots = slots.max(1);
        Self {
            running: Arc::new(Semaphore::new(slots)),
            places: Arc::new(Semaphore::new(slots + queue_limit)),
        }
    }
}

#[async_trait]
impl PictureProcessor for ImagePictureProcessor {
    async fn process(&self, upload: Vec<u8>) -> Result<Vec<u8>, PictureError> {
        let _place = self
            .places
            .clone()
            .try_acquire_owned()
            .map_err(|_| PictureError::Busy)?;
        let _slot = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| PictureError::Unexpected(Unexpected::new(e)))?;
        tokio::task::spawn_blocking(move || process_now(&upload))
            .await
            .map_err(|e| PictureError::Unexpected(Unexpected::new(e)))?
    }
}

/// The stored JPEG for `upload`, or [`PictureError::Invalid`] for anything that is not a
/// JPEG, PNG, GIF or WebP decodable within the limits.
///
/// # Errors
/// [`PictureError::Invalid`]; [`PictureError::Unexpected`] if encoding fails.
pub fn process_now(upload: &[u8]) -> Result<Vec<u8>, PictureError> {
    let mut reader = ImageReader::new(Cursor::new(upload))
        .with_guessed_format()
        .map_err(|_| PictureError::Invalid)?;
    if !matches!(
        reader.format(),
        Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::Gif | ImageFormat::WebP)
    ) {
        return Err(PictureError::Invalid);
    }
    if reader.format() == Some(ImageFormat::Jpeg) && !ends_its_scan(upload) {
        return Err(PictureError::Invalid);
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|_| PictureError::Invalid)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut picture = DynamicImage::from_decoder(decoder).map_err(|_| PictureError::Invalid)?;
    picture.apply_orientation(orientation);
    let (width, height) = (picture.width(), picture.height());
    let side = width.min(height);
    if side == 0 {
        return Err(PictureError::Invalid);
    }
    let square = picture.crop_imm((width - side) / 2, (height - side) / 2, side, side);
    let scaled = square
        .resize_exact(SIDE, SIDE, FilterType::Lanczos3)
        .to_rgb8();
    let mut jpeg = Vec::with_capacity(64 * 1024);
    JpegEncoder::new_with_quality(&mut jpeg, QUALITY)
        .encode_image(&scaled)
        .map_err(|e| PictureError::Unexpected(Unexpected::new(e)))?;
    Ok(jpeg)
}

/// Whether a JPEG's last scan is followed by its end-of-image marker. The JPEG decoder fills
/// a file cut off mid-scan with grey rather than failing; a truncated upload must be refused
/// like any other broken file.
fn ends_its_scan(jpeg: &[u8]) -> bool {
    let last_scan = jpeg.windows(2).rposition(|pair| pair == [0xff, 0xda]);
    last_scan.is_some_and(|start| jpeg[start..].windows(2).any(|pair| pair == [0xff, 0xd9]))
}

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
