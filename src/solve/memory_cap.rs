//! z3's own memory cap: its global `memory_max_size`, which z3 checks whenever an allocating
//! thread's balance passes 100 KB, so it holds however late the resident-memory watchdog
//! (`explain::memory`) wakes. On by default (`KEYAKI_SOLVER_MEMORY_CAP=off` turns it off).
//!
//! The cap is z3's count outside the running searches, read from z3 itself at each search's
//! start (`CapBooks`), plus, per running search, its context and three quarters of its
//! budget (the rest is left for the allocator's overhead and our own structures, which the
//! resident-memory samples police). Past the cap z3 fails its allocation: a solver call
//! answers unknown ([`solver_memout`]), and an object constructor returns null, on which the
//! `z3` crate panics; [`is_solver_memout_panic`] recognizes that panic so the search can end
//! `unknown: memory budget` instead of crashing.

use std::collections::BTreeMap;
use std::sync::{Mutex, Once};

/// What one z3 context holds before it solves anything (two 8.5 MB hash tables and the
/// rest, measured 16.5 MB by z3's own count), rounded up: a search's share of the cap
/// before its context exists.
pub const CONTEXT_MB: u64 = 20;

/// Less than any context with its solver counts (16.5 MB measured): what a reading of z3's
/// count taken inside a search's context is sure to include of that search.
const CONTEXT_FLOOR_KB: u64 = 15 * 1024;

/// The most one ended thread can leave in z3's count (z3 4.8.12 `memory_manager.cpp`: a
/// thread's own balance stays within ±100,000 bytes, `SYNCH_THRESHOLD`, and is lost when the
/// thread ends), in KB, rounded up.
const DRIFT_PER_THREAD_KB: u64 = 98;

/// Room for what the books cannot see: the balances of living threads (up to 98 KB each)
/// and the reading's rounding (10 KB).
const SLACK_KB: u64 = 1024;

/// What a search with budget `budget_mb` may add to z3's count beyond its context (KB): three
/// quarters of the budget; the rest is left for the allocator's overhead and our own
/// structures, which the resident-memory samples police.
fn growth_kb(budget_mb: u64) -> u64 {
    (budget_mb.saturating_mul(3) / 4).saturating_mul(1024)
}

/// The books of z3's cap: what z3 counts that belongs to no running search (the base), and
/// each running search's share. The cap is their sum; none while no search runs.
///
/// The base is read, not assumed: z3's count drifts upward in a long process (each query
/// thread that ends leaves up to 98 KB, see [`DRIFT_PER_THREAD_KB`]; 66 KB measured per
/// trivial query), so a cap of shares alone ends trivial checks `unknown` after a few
/// thousand queries. Each search reads z3's count once its context exists
/// ([`SolverMemoryCap::rebase`]); that reading minus the context is an upper bound of the
/// base (other searches' memory is in it too). Alone, the search takes it as the base; with
/// others running, the base is the smaller of that bound and the last base plus the drift of
/// the threads ended since (an upper bound too). Never below the truth, so no search is cut
/// short by another's leftovers; exact whenever a search starts alone.
struct CapBooks {
    /// z3's count outside running searches, KB (`None`: not read yet; no cap until it is).
    base_kb: Option<u64>,
    /// `solve::query_threads_ended()` when the base was read.
    ended_at_base: u64,
    /// Running searches: id → (share in KB, has it read z3's count).
    shares: BTreeMap<u64, (u64, bool)>,
    next_id: u64,
    /// The cap z3 holds now (MB; 0 = none).
    cap_mb: u64,
}

impl CapBooks {
    const fn new() -> CapBooks {
        CapBooks {
            base_kb: None,
            ended_at_base: 0,
            shares: BTreeMap::new(),
            next_id: 0,
            cap_mb: 0,
        }
    }

    /// The base now: the last one read plus what the threads ended since may have left.
    fn base_now_kb(&self, ended_now: u64) -> Option<u64> {
        let ended = ended_now.saturating_sub(self.ended_at_base);
        self.base_kb
            .map(|base| base.saturating_add(ended.saturating_mul(DRIFT_PER_THREAD_KB)))
    }

    /// The cap to hold (MB, rounded up; 0 = none): none while no running search has read
    /// z3's count. (So a search that starts alone sets z3's parameter twice, not three times:
    /// each set costs ~0.25 M instructions, and creating a context is bounded work.)
    fn cap_mb(&self, ended_now: u64) -> u64 {
        let Some(base) = self.base_now_kb(ended_now) else {
            return 0;
        };
        if !self.shares.values().any(|(_, read)| *read) {
            return 0;
        }
        let shares = self
            .shares
            .values()
            .fold(0u64, |a, (b, _)| a.saturating_add(*b));
        base.saturating_add(shares)
            .saturating_add(SLACK_KB)
            .div_ceil(1024)
    }

    fn enter(&mut self, share_kb: u64) -> u64 {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        self.shares.insert(id, (share_kb, false));
        id
    }

    /// Search `id` read z3's count (`reading_kb`) inside its context, `ended_now` threads
    /// having ended; its share is now `share_kb` (its context is in the reading).
    fn rebase(&mut self, id: u64, reading_kb: u64, share_kb: u64, ended_now: u64) {
        let bound = reading_kb.saturating_sub(CONTEXT_FLOOR_KB);
        let alone = self.shares.keys().all(|other| *other == id);
        let base = match self.base_now_kb(ended_now) {
            Some(carried) if !alone => carried.min(bound),
            _ => bound,
        };
        self.base_kb = Some(base);
        self.ended_at_base = ended_now;
        self.shares.insert(id, (share_kb, true));
    }

    fn leave(&mut self, id: u64) {
        self.shares.remove(&id);
    }
}

static BOOKS: Mutex<CapBooks> = Mutex::new(CapBooks::new());

/// Runs `change` on the books and gives z3 the cap they then say, under the books' lock, so
/// the cap z3 holds is the last one computed. A poisoned lock is taken as it is: the books
/// are changed by whole statements that cannot panic.
fn with_books(change: impl FnOnce(&mut CapBooks, u64)) {
    let mut books = BOOKS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let ended_now = super::query_threads_ended();
    change(&mut books, ended_now);
    let cap_mb = books.cap_mb(ended_now);
    if cap_mb != books.cap_mb {
        // Each set costs ~0.25 M instructions (z3 checks every module's parameters).
        z3::set_global_param("memory_max_size", &cap_mb.to_string());
        books.cap_mb = cap_mb;
    }
}

/// z3's count outside the running searches as last read (KB; `None` before the first read or
/// with the cap off), for diagnostics and tests.
pub fn base_kb() -> Option<u64> {
    BOOKS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .base_kb
}

/// One running search's share of z3's cap, from [`SolverMemoryCap::enter`] until dropped
/// (after the search's context is gone, so its memory is no longer counted by z3).
pub struct SolverMemoryCap {
    id: Option<u64>,
    budget_mb: u64,
}

impl SolverMemoryCap {
    /// Adds a share for a search with this budget and sets the new cap.
    pub fn enter(budget_mb: u64) -> SolverMemoryCap {
        if !solver_cap_enabled() {
            return SolverMemoryCap {
                id: None,
                budget_mb,
            };
        }
        install_panic_filter();
        let mut id = None;
        // Before its context exists: a whole context and the growth.
        let share_kb = (CONTEXT_MB * 1024).saturating_add(growth_kb(budget_mb));
        with_books(|books, _| id = Some(books.enter(share_kb)));
        SolverMemoryCap { id, budget_mb }
    }

    /// Called inside the search's context once it exists, with z3's count then
    /// ([`super::Z3Backend::allocated_kb`]): re-reads the base (see [`CapBooks`]), so
    /// the search may grow by its budget's share from where z3's count really is.
    pub fn rebase(&self, reading_kb: Option<u64>) {
        let (Some(id), Some(reading_kb)) = (self.id, reading_kb) else {
            return;
        };
        // The base leaves the context floor out of the reading: the share holds it, so a
        // search alone may reach its reading plus its growth (and the slack).
        let share_kb = CONTEXT_FLOOR_KB.saturating_add(growth_kb(self.budget_mb));
        with_books(|books, ended_now| books.rebase(id, reading_kb, share_kb, ended_now));
    }
}

/// On unless `KEYAKI_SOLVER_MEMORY_CAP=off`. (Sessions 6–7 had it off by default: z3's count
/// drifted upward over a long process and the cap, a sum of shares, ended trivial checks
/// `unknown`; the books now read the count, see [`CapBooks`].)
fn solver_cap_enabled() -> bool {
    static ENABLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ENABLED.get_or_init(|| {
        !std::env::var("KEYAKI_SOLVER_MEMORY_CAP").is_ok_and(|v| v.eq_ignore_ascii_case("off"))
    })
}

impl Drop for SolverMemoryCap {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            with_books(|books, _| books.leave(id));
        }
    }
}

/// Did a solver call that answered unknown with this reason hit z3's allocation cap? z3 4.8.12
/// gives no reason of its own then ("unknown"; a tactic solver passes on its exception's
/// text); our logics are decidable and a timeout or an interrupt says "timeout"/"canceled",
/// so while a cap is in force such an answer is the cap's. So is a `sat` whose model z3 could
/// not build ([`super::SolveError::NoModel`]): seen when the cap is reached while the model is
/// built or read (sessions 8 and 9, `tests/memory_growth.rs`).
pub fn solver_memout(reason: &str) -> bool {
    let capped = BOOKS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .cap_mb
        > 0;
    capped
        && (reason == "unknown"
            || reason.contains("memory")
            || reason.contains("memout")
            || reason == super::SolveError::NoModel.to_string())
}

/// The message of the panic the `z3` crate raises when z3 returns a null object: what its
/// constructors do once z3's allocation cap is reached.
const NULL_OBJECT_PANIC: &str = "called `Option::unwrap()` on a `None` value";

/// Is this panic payload the `z3` crate's null-object panic (see `NULL_OBJECT_PANIC`)?
pub fn is_solver_memout_panic(payload: &(dyn std::any::Any + Send)) -> bool {
    let text = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
    text == Some(NULL_OBJECT_PANIC)
}

/// Keeps the null-object panic raised inside the `z3` crate off stderr (it becomes `unknown:
/// memory budget`, see the module doc); every other panic goes to the hook that was set.
fn install_panic_filter() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_z3 = info.location().is_some_and(|l| {
                let file = l.file().replace('\\', "/");
                file.contains("/z3-") && file.contains("/src/")
            });
            if in_z3 && is_solver_memout_panic(info.payload()) {
                return;
            }
            previous(info);
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_z3_crate_null_object_panic_is_the_solver_memory_cap() {
        let caught = std::panic::catch_unwind(|| {
            let none: Option<u8> = std::hint::black_box(None);
            none.unwrap()
        });
        let Err(payload) = caught else {
            panic!("unwrap of None returned")
        };
        assert!(is_solver_memout_panic(payload.as_ref()));
        let owned: Box<dyn std::any::Any + Send> = Box::new(NULL_OBJECT_PANIC.to_string());
        assert!(is_solver_memout_panic(owned.as_ref()));
        let other: Box<dyn std::any::Any + Send> = Box::new("index out of bounds");
        assert!(!is_solver_memout_panic(other.as_ref()));
    }

    #[test]
    fn an_unknown_without_a_timeout_is_the_cap_while_a_cap_is_in_force() {
        // The books only (z3's own limit untouched), so the reading of z3's answers is what is
        // tested; restored before any assertion can fail.
        let held = {
            let mut books = BOOKS.lock().unwrap();
            let held = books.cap_mb;
            books.cap_mb = 4096;
            held
        };
        let seen = [
            solver_memout("unknown"),
            solver_memout("out of memory"),
            solver_memout("canceled"),
            solver_memout("timeout"),
            solver_memout(&super::super::SolveError::NoModel.to_string()),
        ];
        BOOKS.lock().unwrap().cap_mb = held;
        assert_eq!(seen, [true, true, false, false, true]);
    }

    const MB: u64 = 1024;

    #[test]
    fn a_search_alone_may_grow_by_its_share_from_the_count_it_reads_whatever_the_drift() {
        let mut books = CapBooks::new();
        // 3,000 query threads have ended and left 200 MB of drift in z3's count: a search
        // that starts now reads 216.5 MB (its 16.5 MB context and the drift).
        let id = books.enter(CONTEXT_MB * MB + growth_kb(512));
        assert_eq!(books.cap_mb(3_000), 0, "no base read yet: no cap");
        books.rebase(
            id,
            216 * MB + MB / 2,
            CONTEXT_FLOOR_KB + growth_kb(512),
            3_000,
        );
        // Its cap: the reading, the 384 MB growth and the 1 MB slack (216.5 + 384 + 1).
        assert_eq!(books.cap_mb(3_000), 602);
        books.leave(id);
        assert_eq!(books.cap_mb(3_000), 0, "no search running: no cap");
        // The next search, before it reads: the base carried with each ended thread's drift.
        let next = books.enter(CONTEXT_MB * MB + growth_kb(512));
        assert_eq!(
            books.cap_mb(3_010),
            0,
            "no running search has read z3's count: no cap"
        );
        let carried = books.base_now_kb(3_010).unwrap();
        assert_eq!(
            carried,
            216 * MB + MB / 2 - CONTEXT_FLOOR_KB + 10 * DRIFT_PER_THREAD_KB
        );
        // Alone, it takes what it reads even when that is below the carried base.
        books.rebase(next, 200 * MB, CONTEXT_FLOOR_KB + growth_kb(512), 3_010);
        assert_eq!(books.base_kb, Some(200 * MB - CONTEXT_FLOOR_KB));
    }

    #[test]
    fn with_others_running_the_base_is_never_raised_by_their_memory() {
        let mut books = CapBooks::new();
        let first = books.enter(CONTEXT_MB * MB + growth_kb(512));
        books.rebase(first, 40 * MB, CONTEXT_FLOOR_KB + growth_kb(512), 100);
        let base = books.base_kb.unwrap();
        // The first search has grown by 300 MB when a second one starts and reads it all.
        let second = books.enter(CONTEXT_MB * MB + growth_kb(512));
        // Until it reads, the cap holds both shares (a whole context for the second).
        assert_eq!(
            books.cap_mb(102),
            (base
                + 2 * DRIFT_PER_THREAD_KB
                + CONTEXT_FLOOR_KB
                + CONTEXT_MB * MB
                + 2 * growth_kb(512)
                + SLACK_KB)
                .div_ceil(MB)
        );
        let share = CONTEXT_FLOOR_KB + growth_kb(512);
        books.rebase(second, 40 * MB + 300 * MB + 17 * MB, share, 102);
        // The base is the carried one (two threads ended since), not the reading.
        assert_eq!(books.base_kb, Some(base + 2 * DRIFT_PER_THREAD_KB));
        // A reading below the carried base (z3 counted less than thought) lowers it.
        books.rebase(second, 20 * MB, share, 102);
        assert_eq!(books.base_kb, Some(20 * MB - CONTEXT_FLOOR_KB));
    }
}
