//! The check's deadline, seen by the concretizer's exact procedures.
//!
//! The word equations are capped per call by state counts, not by time: many capped calls in
//! one concretization ran minutes past `--timeout`. The search sets the deadline on its own
//! thread (the concretizer runs there), and long loops ask [`passed`] between calls.

use std::cell::Cell;
use std::time::Instant;

thread_local! {
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Sets the deadline for this thread until the guard drops (then restores the one before).
pub(super) fn set(deadline: Instant) -> Guard {
    Guard(DEADLINE.with(|d| d.replace(Some(deadline))))
}

/// Whether this thread's deadline, if any, has passed.
pub(super) fn passed() -> bool {
    DEADLINE.with(|d| d.get().is_some_and(|at| Instant::now() >= at))
}

pub(super) struct Guard(Option<Instant>);

impl Drop for Guard {
    fn drop(&mut self) {
        DEADLINE.with(|d| d.set(self.0));
    }
}
