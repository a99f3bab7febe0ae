//! [`ImagePictureProcessor`]: the `image` crate turning an upload into the stored JPEG, on
//! tokio's blocking pool behind a bound, with every buffer of the work counted against one
//! memory budget before it is allocated.

use std::io::Cursor;
use std::sync::Arc;

use async_trait::async_trait;
use image::codecs::jpeg::JpegEncoder;
use image::imageops::{self, FilterType};
use image::metadata::Orientation;
use image::{
    DynamicImage, ImageBuffer, ImageDecoder as _, ImageFormat, ImageReader, Limits, Pixel,
};
use quill_domain::{PictureError, PictureProcessor, Unexpected};
use tokio::sync::Semaphore;

use super::budget;

/// The side of every stored picture, in pixels.
pub const SIDE: u32 = 300;
/// JPEG quality of every stored picture.
pub const QUALITY: u8 = 85;
/// The largest width or height decoded; an image declaring more is refused before any pixel
/// is read.
pub const MAX_DIMENSION: u32 = 10_000;
/// The most memory processing one picture may hold at once: its decoded pixels, the
/// decoder's own buffers and every intermediate image of the scaling. A picture that would
/// need more (a decompression bomb within the dimensions) is refused before any of it is
/// allocated.
pub const MAX_DECODE_BYTES: u64 = 96 * 1024 * 1024;

/// Decodes, crops, scales, turns upright and encodes, with at most `slots` at once and at
/// most `queue_limit` more waiting; past that it answers busy at once.
///
/// Memory is bounded by `slots × (MAX_DECODE_BYTES + 2 × the upload)` while processing (the
/// JPEG decoder keeps a copy of its input), plus `queue_limit × the upload` waiting.
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
/// JPEG, PNG, GIF or WebP whose processing fits [`MAX_DIMENSION`] and [`MAX_DECODE_BYTES`].
///
/// # Errors
/// [`PictureError::Invalid`]; [`PictureError::Unexpected`] if encoding fails.
pub fn process_now(upload: &[u8]) -> Result<Vec<u8>, PictureError> {
    let mut reader = ImageReader::new(Cursor::new(upload))
        .with_guessed_format()
        .map_err(|_| PictureError::Invalid)?;
    let format = match reader.format() {
        Some(
            format @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::Gif | ImageFormat::WebP),
        ) => format,
        _ => return Err(PictureError::Invalid),
    };
    if format == ImageFormat::Jpeg && !ends_its_scan(upload) {
        return Err(PictureError::Invalid);
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits.clone());
    let mut decoder = reader.into_decoder().map_err(|_| PictureError::Invalid)?;
    let (width, height) = decoder.dimensions();
    let side = width.min(height);
    if side == 0 {
        return Err(PictureError::Invalid);
    }
    // `into_decoder` hands the decoder the whole budget and lets `from_decoder` allocate the
    // pixels outside it; the pixels and the scaling's buffers are reserved here instead, so
    // the decoder's own buffers get only what is left.
    let working = budget::beside_the_pixels(format, upload, width, height, side);
    limits
        .reserve(decoder.total_bytes())
        .and_then(|()| limits.reserve(working))
        .and_then(|()| decoder.set_limits(limits))
        .map_err(|_| PictureError::Invalid)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let picture = DynamicImage::from_decoder(decoder).map_err(|_| PictureError::Invalid)?;
    // Cropping the centred square commutes with turning upright, so the turn is done on the
    // small result rather than on a copy of the whole picture.
    let mut square = scaled_square(&picture, side).ok_or(PictureError::Invalid)?;
    drop(picture);
    square.apply_orientation(orientation);
    let mut jpeg = Vec::with_capacity(64 * 1024);
    JpegEncoder::new_with_quality(&mut jpeg, QUALITY)
        .encode_image(&square.to_rgb8())
        .map_err(|e| PictureError::Unexpected(Unexpected::new(e)))?;
    Ok(jpeg)
}

/// The centred `side` x `side` square of `picture` scaled to [`SIDE`], read through a view
/// so the square is never copied out; `None` for a pixel layout this build does not decode.
fn scaled_square(picture: &DynamicImage, side: u32) -> Option<DynamicImage> {
    fn scaled<P>(
        image: &ImageBuffer<P, Vec<P::Subpixel>>,
        side: u32,
    ) -> ImageBuffer<P, Vec<P::Subpixel>>
    where
        P: Pixel + 'static,
        P::Subpixel: 'static,
    {
        let (width, height) = image.dimensions();
        let square = imageops::crop_imm(image, (width - side) / 2, (height - side) / 2, side, side);
        imageops::resize(&*square, SIDE, SIDE, FilterType::Lanczos3)
    }
    Some(match picture {
        DynamicImage::ImageLuma8(p) => scaled(p, side).into(),
        DynamicImage::ImageLumaA8(p) => scaled(p, side).into(),
        DynamicImage::ImageRgb8(p) => scaled(p, side).into(),
        DynamicImage::ImageRgba8(p) => scaled(p, side).into(),
        DynamicImage::ImageLuma16(p) => scaled(p, side).into(),
        DynamicImage::ImageLumaA16(p) => scaled(p, side).into(),
        DynamicImage::ImageRgb16(p) => scaled(p, side).into(),
        DynamicImage::ImageRgba16(p) => scaled(p, side).into(),
        DynamicImage::ImageRgb32F(p) => scaled(p, side).into(),
        DynamicImage::ImageRgba32F(p) => scaled(p, side).into(),
        _ => return None,
    })
}

/// Whether a JPEG's last scan is followed by its end-of-image marker. The JPEG decoder fills
/// a file cut off mid-scan with grey rather than failing; a truncated upload must be refused
/// like any other broken file.
fn ends_its_scan(jpeg: &[u8]) -> bool {
    let last_scan = jpeg.windows(2).rposition(|pair| pair == [0xff, 0xda]);
    last_scan.is_some_and(|start| jpeg[start..].windows(2).any(|pair| pair == [0xff, 0xd9]))
}
