//! Profile pictures, as values and ports: the [`PictureName`] every stored picture gets (never
//! a name a client chose), and the two ports the rules of
//! [`PictureService::set_picture`](super::PictureService::set_picture) work through: the
//! [`PictureProcessor`] that turns an upload into the stored JPEG (bounded, off the async
//! workers) and the [`PictureStore`] that keeps it (files, or the database for a fleet).

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::{StoreError, Unexpected};
use crate::user::UserId;

/// A stored picture's name: 32 lowercase hexadecimal digits (128 random bits) and `.jpg`.
/// Names never repeat, so a picture can be cached for good.
///
/// ```
/// use quill_domain::PictureName;
///
/// let name = PictureName::from_random([0xab; 16]);
/// assert_eq!(name.as_str(), "abababababababababababababababab.jpg");
/// assert_eq!(PictureName::parse(name.as_str()), Some(name));
/// assert_eq!(PictureName::parse("../etc/passwd"), None);
/// assert_eq!(PictureName::parse("me.jpg"), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PictureName(String);

impl PictureName {
    /// The name made of these random bytes.
    #[must_use]
    pub fn from_random(bytes: [u8; 16]) -> Self {
        use fmt::Write as _;
        let mut name = String::with_capacity(36);
        for byte in bytes {
            let _ = write!(name, "{byte:02x}");
        }
        name.push_str(".jpg");
        Self(name)
    }

    /// `text` if it is a name of this form, `None` for anything else (a name from before
    /// uploads existed, a path, a client's guess).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let stem = text.strip_suffix(".jpg")?;
        let ours = stem.len() == 32
            && stem
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        ours.then(|| Self(text.to_owned()))
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PictureName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why an upload did not become a picture.
#[derive(Debug, thiserror::Error)]
pub enum PictureError {
    /// Not a decodable JPEG, PNG, GIF or WebP within the decoder's limits (a truncated file,
    /// another format, an absurd declared size, a decompression bomb).
    #[error("not a usable image")]
    Invalid,
    /// Every processing place is taken; retry shortly.
    #[error("every picture-processing place is taken")]
    Busy,
    /// Anything else.
    #[error(transparent)]
    Unexpected(#[from] Unexpected),
}

/// Turns an upload into the picture that is stored: decoded within limits, turned upright by
/// its EXIF orientation, cropped to a centred square, scaled to 300x300 and encoded as JPEG.
/// Implementations keep the work off async workers and bound how much runs and waits.
#[async_trait]
pub trait PictureProcessor: Send + Sync {
    /// The JPEG to store for `upload`.
    ///
    /// # Errors
    /// [`PictureError::Invalid`] for anything that is not a usable image;
    /// [`PictureError::Busy`] when every place is taken.
    async fn process(&self, upload: Vec<u8>) -> Result<Vec<u8>, PictureError>;
}

/// Where pictures are kept, by name: readable by every server that serves them.
#[async_trait]
pub trait PictureStore: Send + Sync {
    /// A name no picture has had.
    ///
    /// # Errors
    /// [`Unexpected`] when no randomness can be had.
    fn fresh_name(&self) -> Result<PictureName, Unexpected>;

    /// Stores `jpeg` under `name`, whole or not at all.
    async fn save(&self, name: &PictureName, jpeg: &[u8]) -> Result<(), StoreError>;

    /// The picture stored under `name`, if any.
    async fn load(&self, name: &PictureName) -> Result<Option<Vec<u8>>, StoreError>;

    /// Forgets `name` (nothing happens when there is no such picture).
    async fn remove(&self, name: &PictureName) -> Result<(), StoreError>;

    /// The names of pictures stored from `from` (inclusive) until `until` (exclusive), for
    /// the clean-up of those no account refers to.
    async fn saved_between(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<PictureName>, StoreError>;
}

/// What a compare-and-swap of an account's picture found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PictureSwap {
    /// The account had the expected picture, and now has the new one.
    Swapped,
    /// The account's picture had changed meanwhile; nothing was written.
    Changed,
    /// The account no longer exists.
    Gone,
}

/// Which account shows which picture: the compare-and-swap that moves an account to a new
/// picture, and the check the clean-up makes before removing a stored one. Implemented over
/// the accounts' store.
#[async_trait]
pub trait PictureOwners: Send + Sync {
    /// Sets the account's picture to `new` only if it is still `expected` (a
    /// compare-and-swap, so two uploads racing leave one picture and no lost file), moving
    /// its profile revision.
    async fn swap_image_file(
        &self,
        id: UserId,
        expected: Option<&str>,
        new: Option<&str>,
    ) -> Result<PictureSwap, StoreError>;

    /// Whether any account's picture is `name`.
    async fn image_file_in_use(&self, name: &str) -> Result<bool, StoreError>;
}
