//! Profile pictures: who may change one, how many uploads one client may have in progress
//! (counted from before the body is read), how much memory the bodies being read may take in
//! all and how fast each must arrive, how many may wait or be processed once read, the size
//! rule, and the order of writes that never leaves an account pointing at a missing file or a
//! file that nothing points at for longer than the clean-up's grace.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{
    PictureChangeError, PictureError, PictureName, PictureReadError, PictureService, PictureSwap,
};
use crate::auth::error::{Held, UserAction};
use crate::auth::hashing::SHARE_RETRY_AFTER;
use crate::auth::session::Caller;
use crate::auth::shares::{ClientShares, HeldPlace};
use crate::client::Client;
use crate::user::{PrivateUser, UserId};

/// How long a stored picture that no account refers to is kept before the clean-up removes
/// it: far longer than an upload takes between storing its picture and committing its name.
const ORPHAN_GRACE: chrono::Duration = chrono::Duration::hours(1);

/// How far back the first clean-up pass after start-up looks: pictures saved while no server
/// was sweeping (a restart, a deployment) are still examined, once.
const FIRST_SWEEP_REACH: chrono::Duration = chrono::Duration::days(1);

/// How often an upload retries its compare-and-swap when another upload of the same account
/// committed first.
const SWAP_ATTEMPTS: usize = 4;

/// How long an upload's body may take before the minimum rate applies: room for a slow start
/// (a connection's first round trips, a phone's radio waking up).
const UPLOAD_GRACE: Duration = Duration::from_secs(5);

/// The uploads in progress: per client from before the body is read, the bytes of the bodies
/// held in memory, and those read and waiting or being processed.
#[derive(Default)]
pub(super) struct UploadPlaces {
    processing: Arc<AtomicUsize>,
    buffered: Arc<AtomicUsize>,
    per_client: Arc<ClientShares>,
    /// Until when stored pictures have been examined by the clean-up: each pass examines only
    /// those saved since, so a pass costs as much as the uploads since the last one.
    swept_until: std::sync::Mutex<Option<DateTime<Utc>>>,
}

/// One upload's place, from before its body is read until its picture is stored (or it
/// fails), with the memory its body holds meanwhile; given back when dropped. Read the body
/// through [`hold`](Self::hold) and [`time_allowed`](Self::time_allowed), then hand the place
/// to [`PictureService::set_picture`].
#[must_use = "the place is given back when dropped"]
pub struct UploadPlace {
    target: UserId,
    buffered: Arc<AtomicUsize>,
    held: usize,
    budget: usize,
    min_rate: usize,
    _client: HeldPlace,
}

impl UploadPlace {
    /// Counts `bytes` more of this upload's body as held in memory, against what every body
    /// being read, waiting or processed may hold together (`picture_places` uploads of
    /// `max_upload_bytes`). A body that only trickles in holds only what it has sent.
    ///
    /// # Errors
    /// [`Held::Busy`] when the bodies in progress already hold all of it.
    pub fn hold(&mut self, bytes: usize) -> Result<(), Held> {
        let budget = self.budget;
        self.buffered
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                n.checked_add(bytes).filter(|total| *total <= budget)
            })
            .map_err(|_| Held::Busy)?;
        self.held += bytes;
        Ok(())
    }

    /// How long after it began the body may have taken once `received` bytes of it arrived:
    /// a grace of five seconds plus `received` at the policy's minimum rate. A body whose next
    /// bytes come later is given up, so a client that stalls holds its place only briefly.
    #[must_use]
    pub fn time_allowed(&self, received: usize) -> Duration {
        let received = u64::try_from(received).unwrap_or(u64::MAX);
        let rate = u64::try_from(self.min_rate.max(1)).unwrap_or(u64::MAX);
        UPLOAD_GRACE + Duration::from_millis(received.saturating_mul(1000) / rate)
    }
}

/// A place among the uploads read and waiting or being processed.
struct Processing(Arc<AtomicUsize>);

impl Drop for Processing {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl std::fmt::Debug for UploadPlace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadPlace")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl Drop for UploadPlace {
    fn drop(&mut self) {
        self.buffered.fetch_sub(self.held, Ordering::AcqRel);
    }
}

/// How many picture uploads are waiting or being processed now, against how many may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadLoad {
    /// Uploads read and waiting or being processed now.
    pub in_progress: usize,
    /// The most that may be ([`AuthPolicy::picture_places`](crate::AuthPolicy::picture_places)).
    pub places: usize,
}

impl PictureService {
    /// How many picture uploads are in progress now: for a monitoring gauge.
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    ///
    /// let load = Harness::new().auth.pictures.upload_load();
    /// assert_eq!((load.in_progress, load.places), (0, 8));
    /// ```
    #[must_use]
    pub fn upload_load(&self) -> UploadLoad {
        UploadLoad {
            in_progress: self.uploads.processing.load(Ordering::Acquire),
            places: self.policy.picture_places.max(1),
        }
    }

    /// Admits a picture upload by `caller` for the account `target`, before its body is read:
    /// only the owner may, and only within this client's share of uploads in progress. The
    /// body is then read through the place, and its bytes go to
    /// [`set_picture`](Self::set_picture) with it. A body being read takes none of the
    /// `picture_places` (those are for uploads read in full), so clients sending slowly
    /// hold up no one but themselves.
    ///
    /// # Errors
    /// [`PictureChangeError::NotAllowed`] for someone else's account; [`Held::ShareTaken`] when
    /// this client holds its share.
    pub fn admit_upload(
        &self,
        client: Client,
        caller: &Caller,
        target: UserId,
    ) -> Result<UploadPlace, PictureChangeError> {
        if caller.id() != target {
            return Err(PictureChangeError::NotAllowed(UserAction::UpdatePicture));
        }
        let places = &self.uploads;
        let key = self.guard.client_key(client);
        let Some(held) = places
            .per_client
            .take(key, self.policy.picture_places_per_client)
        else {
            return Err(PictureChangeError::Held(Held::ShareTaken {
                retry_after: SHARE_RETRY_AFTER,
            }));
        };
        Ok(UploadPlace {
            target,
            buffered: places.buffered.clone(),
            held: 0,
            budget: self
                .policy
                .picture_places
                .max(1)
                .saturating_mul(self.policy.max_upload_bytes),
            min_rate: self.policy.upload_min_bytes_per_second,
            _client: held,
        })
    }

    /// Makes `upload` the picture of the account `place` was admitted for: checks the size,
    /// takes one of the policy's `picture_places`, processes it (bounded), stores it under a
    /// fresh name, commits the name with a
    /// compare-and-swap, and only then removes the previous picture. A failure after the
    /// store removes the new picture again; one the process does not survive leaves a picture
    /// nothing refers to, which [`Auth::maintain`](crate::Auth::maintain) removes after an hour.
    ///
    /// # Errors
    /// [`PictureChangeError::PictureTooLarge`], [`PictureChangeError::InvalidPicture`], [`Held::Busy`]
    /// when every place is taken, [`PictureChangeError::AccountGone`] when the account was deleted
    /// meanwhile, or a store failure.
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    /// use quill_domain::{Client, PictureChangeError};
    ///
    /// let h = Harness::builder().user("alice", "alice@example.com", "quiet-harbour-lamp").build();
    /// let alice = h.caller("alice");
    /// # futures_executor::block_on(async {
    /// let place = h.auth.pictures.admit_upload(Client::UNKNOWN, &alice, alice.id())?;
    /// let updated = h.auth.pictures.set_picture(place, b"image:a cat".to_vec()).await?;
    /// let name = updated.public.image_file.unwrap();
    /// assert!(h.pictures.contains(&name));
    ///
    /// let place = h.auth.pictures.admit_upload(Client::UNKNOWN, &alice, alice.id())?;
    /// let refused = h.auth.pictures.set_picture(place, b"not an image".to_vec()).await;
    /// assert!(matches!(refused, Err(PictureChangeError::InvalidPicture)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn set_picture(
        &self,
        place: UploadPlace,
        upload: Vec<u8>,
    ) -> Result<PrivateUser, PictureChangeError> {
        let max_bytes = self.policy.max_upload_bytes;
        if upload.len() > max_bytes {
            return Err(PictureChangeError::PictureTooLarge { max_bytes });
        }
        let target = place.target;
        let cap = self.policy.picture_places.max(1);
        let processing = &self.uploads.processing;
        processing
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < cap).then_some(n + 1)
            })
            .map_err(|_| Held::Busy)?;
        let processing = Processing(processing.clone());
        let jpeg = self.processor.process(upload).await.map_err(|e| match e {
            PictureError::Invalid => PictureChangeError::InvalidPicture,
            PictureError::Busy => PictureChangeError::Held(Held::Busy),
            PictureError::Unexpected(e) => PictureChangeError::Unexpected(e),
        })?;
        let pictures = &self.pictures;
        let name = pictures.fresh_name()?;
        pictures.save(&name, &jpeg).await?;
        drop((place, processing));
        match self.commit_picture(target, Some(name.as_str())).await {
            Ok((user, previous)) => {
                self.forget_picture(previous.as_deref()).await;
                Ok(user)
            }
            Err(e) => {
                let _ = pictures.remove(&name).await;
                Err(e)
            }
        }
    }

    /// Removes the caller's own picture: the account goes back to the default one, and the
    /// file goes once that is committed.
    ///
    /// # Errors
    /// [`PictureChangeError::NotAllowed`] for someone else's account, [`PictureChangeError::NoPicture`] when
    /// it has none, [`PictureChangeError::AccountGone`].
    pub async fn remove_picture(
        &self,
        caller: &Caller,
        target: UserId,
    ) -> Result<PrivateUser, PictureChangeError> {
        if caller.id() != target {
            return Err(PictureChangeError::NotAllowed(UserAction::DeletePicture));
        }
        let (user, previous) = self.commit_picture(target, None).await?;
        if previous.is_none() {
            return Err(PictureChangeError::NoPicture);
        }
        self.forget_picture(previous.as_deref()).await;
        Ok(user)
    }

    /// The stored picture called `name`, to serve; `None` for a name that is not one of
    /// ours or that nothing is stored under.
    ///
    /// # Errors
    /// A store failure.
    pub async fn picture(&self, name: &str) -> Result<Option<Vec<u8>>, PictureReadError> {
        let Some(name) = PictureName::parse(name) else {
            return Ok(None);
        };
        Ok(self.pictures.load(&name).await?)
    }

    /// Sets the account's picture to `new` whatever it was, retrying the compare-and-swap when
    /// another change committed first; the account as it is afterwards, and the picture it had.
    async fn commit_picture(
        &self,
        target: UserId,
        new: Option<&str>,
    ) -> Result<(PrivateUser, Option<String>), PictureChangeError> {
        for _ in 0..SWAP_ATTEMPTS {
            let current = self
                .users
                .by_id(target)
                .await?
                .ok_or(PictureChangeError::AccountGone)?;
            let previous = current.image_file.clone();
            if new.is_none() && previous.is_none() {
                return Ok((PrivateUser::from(&current), None));
            }
            match self
                .owners
                .swap_image_file(target, previous.as_deref(), new)
                .await?
            {
                PictureSwap::Swapped => {
                    let mut updated = current;
                    updated.image_file = new.map(str::to_owned);
                    return Ok((PrivateUser::from(&updated), previous));
                }
                PictureSwap::Changed => {}
                PictureSwap::Gone => return Err(PictureChangeError::AccountGone),
            }
        }
        Err(PictureChangeError::Held(Held::Busy))
    }

    /// Removes a picture no account refers to any more; only names of our own form are
    /// stored by us (an older, hand-placed file is left alone). Best effort: a failure
    /// leaves it to the clean-up.
    pub(crate) async fn forget_picture(&self, name: Option<&str>) {
        if let Some(name) = name.and_then(PictureName::parse) {
            let _ = self.pictures.remove(&name).await;
        }
    }

    /// Removes stored pictures past the grace that no account refers to, examining each
    /// picture once (those saved since the previous pass); returns how many.
    pub(crate) async fn sweep_orphan_pictures(
        &self,
        now: DateTime<Utc>,
    ) -> Result<u64, crate::error::StoreError> {
        let until = now - ORPHAN_GRACE;
        let from = {
            let swept = self
                .uploads
                .swept_until
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            swept.unwrap_or(until - FIRST_SWEEP_REACH)
        };
        if from >= until {
            return Ok(0);
        }
        let mut removed = 0;
        for name in self.pictures.saved_between(from, until).await? {
            if !self.owners.image_file_in_use(name.as_str()).await? {
                self.pictures.remove(&name).await?;
                removed += 1;
            }
        }
        *self
            .uploads
            .swept_until
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(until);
        Ok(removed)
    }
}
