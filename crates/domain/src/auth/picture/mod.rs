//! The picture capability: who may change a profile picture, the upload places and the order
//! of writes (`service`), and the values and ports it works through (`store`).

mod service;
mod store;

use std::sync::Arc;

pub use service::{UploadLoad, UploadPlace};
pub use store::{
    PictureError, PictureName, PictureOwners, PictureProcessor, PictureStore, PictureSwap,
};

use super::error::{Held, UserAction};
use super::guard::Guard;
use super::policy::AuthPolicy;
use crate::error::{StoreError, Unexpected};
use crate::user::UserRepository;
use service::UploadPlaces;

/// Why a picture was not changed or removed.
#[derive(Debug, thiserror::Error)]
pub enum PictureChangeError {
    /// The caller tried to change someone else's picture.
    #[error("{}", .0.refused())]
    NotAllowed(UserAction),
    /// An upload over the policy's size limit.
    #[error("the picture is larger than {max_bytes} bytes")]
    PictureTooLarge {
        /// The limit, in bytes.
        max_bytes: usize,
    },
    /// An upload that is no usable JPEG, PNG, GIF or WebP.
    #[error("not a usable image")]
    InvalidPicture,
    /// Removing the picture of an account that has none.
    #[error("no profile picture to delete")]
    NoPicture,
    /// The account was deleted meanwhile.
    #[error("the account no longer exists")]
    AccountGone,
    /// Held back (this client's share of uploads, or every place taken); it may be retried.
    #[error(transparent)]
    Held(#[from] Held),
    /// A store could not answer right now; retry shortly.
    #[error("temporarily unavailable: {0}")]
    Unavailable(#[source] Unexpected),
    /// Something outside the rules failed.
    #[error(transparent)]
    Unexpected(#[from] Unexpected),
}

impl From<StoreError> for PictureChangeError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::AccountGone => Self::AccountGone,
            StoreError::Unavailable(e) => Self::Unavailable(e),
            StoreError::Unexpected(e) => Self::Unexpected(e),
            conflict @ (StoreError::UsernameTaken | StoreError::EmailTaken) => {
                Self::Unexpected(Unexpected::new(conflict))
            }
        }
    }
}

/// Why a stored picture could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PictureReadError {
    /// The store could not answer right now; retry shortly.
    #[error("temporarily unavailable: {0}")]
    Unavailable(#[source] Unexpected),
    /// Something outside the rules failed.
    #[error(transparent)]
    Unexpected(#[from] Unexpected),
}

impl From<StoreError> for PictureReadError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(e) => Self::Unavailable(e),
            StoreError::Unexpected(e) => Self::Unexpected(e),
            other => Self::Unexpected(Unexpected::new(other)),
        }
    }
}

/// What a [`PictureService`] works through besides the shared guard.
#[derive(Clone)]
pub struct PicturePorts {
    /// Accounts, read for the picture they show now.
    pub users: Arc<dyn UserRepository>,
    /// Which account shows which picture.
    pub owners: Arc<dyn PictureOwners>,
    /// Stored pictures.
    pub pictures: Arc<dyn PictureStore>,
    /// Turning uploads into pictures, bounded.
    pub processor: Arc<dyn PictureProcessor>,
}

/// Profile pictures, with the upload places that bound them.
///
/// Cheap to clone: shared handles to its ports and its places.
#[derive(Clone)]
pub struct PictureService {
    users: Arc<dyn UserRepository>,
    owners: Arc<dyn PictureOwners>,
    pictures: Arc<dyn PictureStore>,
    processor: Arc<dyn PictureProcessor>,
    guard: Guard,
    policy: AuthPolicy,
    uploads: Arc<UploadPlaces>,
}

impl PictureService {
    /// The picture service over these ports.
    #[must_use]
    pub fn new(ports: PicturePorts, guard: Guard, policy: AuthPolicy) -> Self {
        Self {
            users: ports.users,
            owners: ports.owners,
            pictures: ports.pictures,
            processor: ports.processor,
            guard,
            policy,
            uploads: Arc::new(UploadPlaces::default()),
        }
    }
}

crate::opaque_debug!(PictureService, PicturePorts);
