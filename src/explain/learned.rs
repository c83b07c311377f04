//! A recorder of the lemmas a search learns, for the test oracle that reads each one on
//! concrete requests (`tests/differential_lemmas.rs`, `encodings/learned-lemmas.md`).
//!
//! Off unless a caller records ([`recording`]): then the search's thread reads one
//! thread-local per learned round and finds nothing to do. The search runs on a thread of
//! its own (`solve::in_fresh_context`), so `search_typed` carries the caller's recorder there.

use crate::encode::{Query, Term};
use std::cell::RefCell;
use std::sync::{Arc, Mutex, PoisonError};

/// What one search learned: its query (every atom the lemmas name, the ones concretizing
/// added included; its own domain lemmas and assertions left out) and the lemmas it asserted
/// after it started, in order.
#[derive(Debug, Clone, Default)]
pub struct LearnedLemmas {
    pub query: Query,
    pub lemmas: Vec<Term>,
}

type Recorder = Arc<Mutex<Vec<LearnedLemmas>>>;

thread_local! {
    static RECORDER: RefCell<Option<Recorder>> = const { RefCell::new(None) };
}

/// Runs `f` recording what every search it runs (on this thread) learns, one entry per search.
pub fn recording<R>(f: impl FnOnce() -> R) -> (R, Vec<LearnedLemmas>) {
    let recorder = Recorder::default();
    let result = {
        let _installed = Installed::on_this_thread(Some(recorder.clone()));
        f()
    };
    let learned = std::mem::take(&mut *recorder.lock().unwrap_or_else(PoisonError::into_inner));
    (result, learned)
}

/// The recorder of this thread, to carry to the thread a search runs on.
pub(super) fn current() -> Option<Recorder> {
    RECORDER.with(|r| r.borrow().clone())
}

/// A recorder installed on this thread until dropped (then the previous one is back).
pub(super) struct Installed(Option<Recorder>);

impl Installed {
    pub(super) fn on_this_thread(recorder: Option<Recorder>) -> Installed {
        Installed(RECORDER.with(|r| r.replace(recorder)))
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        let previous = self.0.take();
        RECORDER.with(|r| r.replace(previous));
    }
}

/// A search starts: a new entry with its query's atoms and keys.
pub(super) fn begin(query: &Query) {
    let Some(recorder) = current() else { return };
    let mut entry = LearnedLemmas {
        query: query.clone(),
        lemmas: Vec::new(),
    };
    entry.query.lemmas.clear();
    entry.query.assertions.clear();
    recorder
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(entry);
}

/// The search asserts `lemmas`, learned on `query` (atoms are only ever added to a query,
/// so the new ones are appended with the same ids).
pub(super) fn record(query: &Query, lemmas: &[Term]) {
    let Some(recorder) = current() else { return };
    let mut entries = recorder.lock().unwrap_or_else(PoisonError::into_inner);
    let Some(entry) = entries.last_mut() else {
        return;
    };
    let known = entry.query.atoms.len();
    for atom in query.atoms.iter().skip(known) {
        entry.query.atom(atom.clone());
    }
    entry.lemmas.extend_from_slice(lemmas);
}
