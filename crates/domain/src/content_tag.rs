//! Versions of public reads. A [`ContentTag`] names one state of a post, a public profile or a
//! page of posts (the blog makes the tags of its posts and pages, in `blog::content`). It is made from ids and revision numbers alone, which the stores move on
//! every change, so a cache can be told "unchanged" after a query that reads no content.

use std::fmt;
use std::hash::Hasher as _;

use crate::user::PublicUser;

/// One state of a public read. Equal tags mean the same content, as long as the revision
/// numbers move on every change; two different states share a tag only by a 64-bit hash
/// collision. Shown as 16 hexadecimal digits.
///
/// ```
/// use quill_domain::{ContentTag, PublicUser, UserId};
///
/// let alice = |revision| PublicUser { id: UserId(1), username: "alice".into(), image_file: None, revision };
/// assert_eq!(ContentTag::of_profile(&alice(0)), ContentTag::of_profile(&alice(0)));
/// assert_ne!(ContentTag::of_profile(&alice(0)), ContentTag::of_profile(&alice(1)));
/// assert_eq!(ContentTag::of_profile(&alice(0)).to_string().len(), 16);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContentTag(u64);

impl ContentTag {
    /// The tag of these numbers, in order: FNV-1a over their little-endian bytes, so every
    /// server of a fleet makes the same tag whatever its build or architecture, and a page of
    /// twenty costs next to nothing.
    pub(crate) fn of_numbers(numbers: impl IntoIterator<Item = i64>) -> Self {
        let mut hasher = fnv::FnvHasher::default();
        for number in numbers {
            hasher.write(&number.to_le_bytes());
        }
        Self(hasher.finish())
    }

    /// The tag of a public profile.
    #[must_use]
    pub fn of_profile(user: &PublicUser) -> Self {
        Self::of_numbers([user.id.0, user.revision])
    }
}

impl fmt::Display for ContentTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}
