//! Fakes of the picture ports: [`InMemoryPictureStore`] and [`FakePictureProcessor`].

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::StoreError;
use crate::error::Unexpected;
use crate::{PictureError, PictureName, PictureProcessor, PictureStore};

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A stored picture and when it was saved.
type Saved = (Vec<u8>, DateTime<Utc>);

/// Pictures in memory, each with the time it was saved (the real time: the clean-up test
/// passes whatever instant it likes as "before").
#[derive(Debug, Default)]
pub struct InMemoryPictureStore {
    pictures: Mutex<BTreeMap<PictureName, Saved>>,
    named: AtomicU64,
    failing: AtomicBool,
}

impl InMemoryPictureStore {
    /// Whether a picture is stored under `name`.
    #[must_use]
    pub fn contains(&self, name: &str) -> bool {
        PictureName::parse(name).is_some_and(|name| lock(&self.pictures).contains_key(&name))
    }

    /// How many pictures are stored.
    #[must_use]
    pub fn len(&self) -> usize {
        lock(&self.pictures).len()
    }

    /// Whether none is.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// While `failing`, every save fails as a full disk would.
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::Relaxed);
    }
}

#[async_trait]
impl PictureStore for InMemoryPictureStore {
    fn fresh_name(&self) -> Result<PictureName, Unexpected> {
        let n = self.named.fetch_add(1, Ordering::Relaxed) + 1;
        let mut bytes = [0_u8; 16];
        bytes[8..].copy_from_slice(&n.to_be_bytes());
        Ok(PictureName::from_random(bytes))
    }

    async fn save(&self, name: &PictureName, jpeg: &[u8]) -> Result<(), StoreError> {
        if self.failing.load(Ordering::Relaxed) {
            return Err(StoreError::Unexpected(Unexpected::new("disk full")));
        }
        lock(&self.pictures).insert(name.clone(), (jpeg.to_vec(), Utc::now()));
        Ok(())
    }

    async fn load(&self, name: &PictureName) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(lock(&self.pictures).get(name).map(|(jpeg, _)| jpeg.clone()))
    }

    async fn remove(&self, name: &PictureName) -> Result<(), StoreError> {
        lock(&self.pictures).remove(name);
        Ok(())
    }

    async fn saved_between(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<PictureName>, StoreError> {
        Ok(lock(&self.pictures)
            .iter()
            .filter(|(_, (_, saved))| from <= *saved && *saved < until)
            .map(|(name, _)| name.clone())
            .collect())
    }
}

/// A processor that accepts uploads starting with `image:` (turned into `jpeg:<rest>`) and
/// refuses anything else as no image; busy on demand, and held mid-processing on demand.
#[derive(Debug, Default)]
pub struct FakePictureProcessor {
    busy: AtomicBool,
    held: AtomicBool,
    waiting: Mutex<Vec<Waker>>,
}

impl FakePictureProcessor {
    /// While `busy`, every upload is refused as busy.
    pub fn set_busy(&self, busy: bool) {
        self.busy.store(busy, Ordering::Relaxed);
    }

    /// While `held`, every upload waits inside the processor (as a long decode would); let
    /// go, they all go on.
    pub fn set_held(&self, held: bool) {
        self.held.store(held, Ordering::SeqCst);
        if !held {
            lock(&self.waiting).drain(..).for_each(Waker::wake);
        }
    }
}

/// Ready once the processor is not held.
struct LetGo<'a>(&'a FakePictureProcessor);

impl Future for LetGo<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut waiting = lock(&self.0.waiting);
        if self.0.held.load(Ordering::SeqCst) {
            waiting.push(cx.waker().clone());
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    }
}

#[async_trait]
impl PictureProcessor for FakePictureProcessor {
    async fn process(&self, upload: Vec<u8>) -> Result<Vec<u8>, PictureError> {
        if self.busy.load(Ordering::Relaxed) {
            return Err(PictureError::Busy);
        }
        LetGo(self).await;
        match upload.strip_prefix(b"image:") {
            Some(rest) => Ok([b"jpeg:".as_slice(), rest].concat()),
            None => Err(PictureError::Invalid),
        }
    }
}
