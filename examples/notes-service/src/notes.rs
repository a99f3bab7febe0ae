//! The service's own data: each user's notes, kept in memory.
//!
//! In memory on purpose: this example is about what the service does *not* write (anything
//! to do with accounts). A real service would keep notes in tables of its own, on the same
//! database or another.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use quill_domain::UserId;
use serde::Serialize;

/// One note, as stored and as returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Note {
    /// Unique across all users.
    pub id: u64,
    /// What the user wrote.
    pub text: String,
}

#[derive(Debug, Default)]
struct Notebook {
    by_author: BTreeMap<UserId, Vec<Note>>,
    last_id: u64,
}

/// Every user's notes, keyed by the account id quill assigned.
#[derive(Debug, Default)]
pub(crate) struct NoteStore {
    notebook: Mutex<Notebook>,
}

impl NoteStore {
    /// Stores a note by `author` and returns it.
    pub(crate) fn add(&self, author: UserId, text: String) -> Note {
        let mut notebook = self.lock();
        notebook.last_id += 1;
        let note = Note {
            id: notebook.last_id,
            text,
        };
        notebook
            .by_author
            .entry(author)
            .or_default()
            .push(note.clone());
        note
    }

    /// The notes of `author`, oldest first.
    pub(crate) fn of(&self, author: UserId) -> Vec<Note> {
        self.lock()
            .by_author
            .get(&author)
            .cloned()
            .unwrap_or_default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Notebook> {
        // A handler that panicked mid-write leaves at worst one half-added note behind;
        // refusing every later request would be worse.
        self.notebook.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
