//! The picture adapters: [`ImagePictureProcessor`] (the `image` crate, within one memory
//! budget, on tokio's blocking pool behind a bound), [`FilePictureStore`] (files under
//! `MEDIA_DIR`, for one server) and [`DatabasePictureStore`] (a table, so every server on one
//! PostgreSQL database serves every picture).

mod budget;
mod processor;
mod stores;

pub use processor::{
    ImagePictureProcessor, MAX_DECODE_BYTES, MAX_DIMENSION, QUALITY, SIDE, process_now,
};
pub use stores::{DatabasePictureStore, FilePictureStore};
