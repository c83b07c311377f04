//! The memory budget of one check: growth of the process's resident memory since the check
//! started. Sampled once per search round (where learned lemmas and the solver's state grow)
//! and, while the search runs, every few milliseconds by a watchdog thread ([`watched`]): one
//! solver call or one concretizer step that grows past the budget is interrupted there and
//! then, so a check ends `unknown` near its budget whatever the timeout.
//!
//! Process-wide on purpose: z3's allocations are not attributed to a context. Under parallel
//! checks another check's growth counts too, which can only end a check early (`unknown`),
//! never let one pass.
//!
//! The watchdog is a thread: on a loaded machine it may wake tens of milliseconds late, and
//! z3 grows by hundreds of MB per second. So z3 also gets a hard cap of its own
//! ([`SolverMemoryCap`], z3's global `memory_max_size`), checked by z3 at every allocation
//! whatever the scheduler does: the sum, over the searches running in the process, of one
//! context ([`CONTEXT_MB`]) and three quarters of the search's budget (the rest is left for
//! the allocator's overhead and our own structures, which the RSS samples police). Past the
//! cap z3 fails its allocation: a solver call answers unknown ([`solver_memout`]), and an
//! object constructor returns null, on which the `z3` crate panics; [`is_solver_memout_panic`]
//! recognizes that panic so the search can end `unknown: memory budget` instead of crashing.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex, Once};
use std::time::Duration;

/// The default budget per check.
pub const DEFAULT_MEMORY_BUDGET_MB: u64 = 512;

/// Resident memory in bytes (Linux `/proc/self/statm`; `None` where it cannot be read).
pub fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // 4 KiB pages on every Linux target this crate builds for (x86_64, aarch64 defaults).
    Some(pages * 4096)
}

/// Tracks one check's growth against its budget.
pub struct MemoryBudget {
    start: Option<u64>,
    limit_mb: u64,
}

impl MemoryBudget {
    pub fn start(limit_mb: u64) -> MemoryBudget {
        MemoryBudget {
            start: resident_bytes(),
            limit_mb,
        }
    }

    pub fn limit_mb(&self) -> u64 {
        self.limit_mb
    }

    /// Has the check grown past its budget?
    pub fn exceeded(&self) -> bool {
        let (Some(start), Some(now)) = (self.start, resident_bytes()) else {
            return false;
        };
        now.saturating_sub(start) > self.limit_mb.saturating_mul(1024 * 1024)
    }
}

/// What one z3 context holds before it solves anything (two 8.5 MB hash tables and the
/// rest, measured 16.8 MB by z3's own count), rounded up.
pub const CONTEXT_MB: u64 = 20;

/// The MB of z3's cap one running search with budget `budget_mb` adds.
fn cap_share_mb(budget_mb: u64) -> u64 {
    CONTEXT_MB.saturating_add(budget_mb.saturating_mul(3) / 4)
}

/// The sum of the cap shares of the searches running now (0: none, z3 unlimited).
static CAP_MB: Mutex<u64> = Mutex::new(0);

/// Sets z3's process-wide allocation limit (MB; 0 = none). Under the lock of [`CAP_MB`], so
/// the value z3 holds is the last sum computed.
fn set_solver_cap(mb: u64) {
    z3::set_global_param("memory_max_size", &mb.to_string());
}

/// One running search's share of z3's cap, from [`SolverMemoryCap::enter`] until dropped
/// (after the search's context is gone, so its memory is no longer counted by z3).
pub struct SolverMemoryCap {
    share_mb: u64,
}

impl SolverMemoryCap {
    /// Adds a share for a search with this budget and sets the new sum as z3's cap.
    pub fn enter(budget_mb: u64) -> SolverMemoryCap {
        if !solver_cap_enabled() {
            return SolverMemoryCap { share_mb: 0 };
        }
        install_panic_filter();
        let share_mb = cap_share_mb(budget_mb);
        if let Ok(mut cap) = CAP_MB.lock() {
            *cap = cap.saturating_add(share_mb);
            set_solver_cap(*cap);
        }
        SolverMemoryCap { share_mb }
    }
}

/// Off unless `KEYAKI_SOLVER_MEMORY_CAP=on`. z3 4.8.12 counts its allocations in one global
/// total fed by per-thread counters that are synchronized only past a threshold, and every
/// query runs on a short-lived thread of its own (`solve::in_fresh_context`): the total drifts
/// upward over a long process. Measured (session 6, lead): after two differential access
/// families (1,500 cases each) in one test process, a trivial check hit the cap at once and
/// ended `unknown: memory budget`; the same run with the cap off decides it. The RSS watchdog
/// (`watched`, `MemoryBudget`) bounds memory without it, later (`encodings/performance.md`).
fn solver_cap_enabled() -> bool {
    static ENABLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ENABLED.get_or_init(|| {
        std::env::var("KEYAKI_SOLVER_MEMORY_CAP").is_ok_and(|v| v.eq_ignore_ascii_case("on"))
    })
}

impl Drop for SolverMemoryCap {
    fn drop(&mut self) {
        if self.share_mb == 0 {
            return;
        }
        if let Ok(mut cap) = CAP_MB.lock() {
            *cap = cap.saturating_sub(self.share_mb);
            set_solver_cap(*cap);
        }
    }
}

/// Did a solver call that answered unknown with this reason hit z3's allocation cap? z3 4.8.12
/// gives no reason of its own then ("unknown"; a tactic solver passes on its exception's
/// text); our logics are decidable and a timeout or an interrupt says "timeout"/"canceled",
/// so while a cap is in force such an answer is the cap's.
pub fn solver_memout(reason: &str) -> bool {
    let capped = CAP_MB.lock().map(|cap| *cap > 0).unwrap_or(false);
    capped && (reason == "unknown" || reason.contains("memory") || reason.contains("memout"))
}

/// The message of the panic the `z3` crate raises when z3 returns a null object: what its
/// constructors do once z3's allocation cap is reached.
const NULL_OBJECT_PANIC: &str = "called `Option::unwrap()` on a `None` value";

/// Is this panic payload the `z3` crate's null-object panic (see [`NULL_OBJECT_PANIC`])?
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

/// How often the watchdog samples resident memory: a read of `/proc/self/statm` costs a few
/// microseconds, so this is well under 1% of a core, and growth between samples is what one
/// process can allocate in that time.
const WATCH_PERIOD: Duration = Duration::from_millis(4);

thread_local! {
    /// The flag of the watched work running on this thread (innermost), for [`budget_exceeded`].
    static CURRENT: std::cell::RefCell<Option<Arc<AtomicBool>>> =
        const { std::cell::RefCell::new(None) };
}

/// Has the work [`watched`] on this thread grown past its budget? Cheap (an atomic load):
/// long loops poll it and stop with `unknown`. `false` outside watched work.
pub fn budget_exceeded() -> bool {
    CURRENT.with(|c| {
        c.borrow()
            .as_ref()
            .is_some_and(|flag| flag.load(Ordering::Relaxed))
    })
}

/// Runs `work` on this thread while a watchdog thread samples resident memory; once it has
/// grown past `limit_mb` since the start, the watchdog raises the flag [`budget_exceeded`]
/// reads and calls `interrupt` (the solver's cancel, safe from another thread), and again
/// every period while it stays over. When no thread can be started, `work` runs unwatched
/// (the per-round sample still applies).
pub fn watched<R>(limit_mb: u64, interrupt: &(dyn Fn() + Sync), work: impl FnOnce() -> R) -> R {
    let budget = MemoryBudget::start(limit_mb);
    let flag = Arc::new(AtomicBool::new(false));
    let (stop, stopped) = mpsc::channel::<()>();
    std::thread::scope(|scope| {
        let watcher_flag = flag.clone();
        let watcher = std::thread::Builder::new()
            .name("keyaki-memory".into())
            .spawn_scoped(scope, move || {
                // Wakes every period, and at once when `stop` is dropped.
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(WATCH_PERIOD)
                {
                    if budget.exceeded() {
                        watcher_flag.store(true, Ordering::Relaxed);
                        interrupt();
                    }
                }
            });
        let previous = watcher
            .is_ok()
            .then(|| CURRENT.with(|c| c.replace(Some(flag.clone()))));
        let result = work();
        if let Some(previous) = previous {
            CURRENT.with(|c| *c.borrow_mut() = previous);
        }
        drop(stop);
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_past_the_budget_is_seen() {
        if resident_bytes().is_none() {
            println!("SKIPPED: /proc/self/statm not readable");
            return;
        }
        // Other tests of this process allocate and free concurrently, so the growth seen is the
        // block's give or take theirs: a block far past the budget keeps the test deterministic.
        let budget = MemoryBudget::start(1);
        let mut block = vec![1u8; 256 * 1024 * 1024];
        block[4096] = 2;
        std::hint::black_box(&block);
        assert!(budget.exceeded());
        assert!(!MemoryBudget::start(DEFAULT_MEMORY_BUDGET_MB).exceeded());
    }

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
        // The cap is off by default (`solver_cap_enabled`); hold a share in the books only
        // (z3's own limit untouched), so the reading of z3's answers is what is tested.
        *CAP_MB.lock().unwrap() += 4096;
        let seen = [
            solver_memout("unknown"),
            solver_memout("out of memory"),
            solver_memout("canceled"),
            solver_memout("timeout"),
        ];
        *CAP_MB.lock().unwrap() -= 4096;
        assert_eq!(seen, [true, true, false, false]);
    }

    #[test]
    fn the_watchdog_raises_the_flag_and_interrupts_inside_the_work() {
        if resident_bytes().is_none() {
            println!("SKIPPED: /proc/self/statm not readable");
            return;
        }
        let interrupted = AtomicBool::new(false);
        let interrupt = || interrupted.store(true, Ordering::Relaxed);
        // The work grows far past a 1 MB budget and then waits (never returns on its own
        // sooner than a minute) until the flag says stop: only the watchdog can end it.
        let seen = watched(1, &interrupt, || {
            let mut block = vec![1u8; 256 * 1024 * 1024];
            block[4096] = 2;
            std::hint::black_box(&block);
            let start = std::time::Instant::now();
            while !budget_exceeded() && start.elapsed() < Duration::from_secs(60) {
                std::thread::sleep(Duration::from_millis(1));
            }
            budget_exceeded()
        });
        assert!(seen);
        assert!(interrupted.load(Ordering::Relaxed));
        // Outside watched work there is no budget to exceed.
        assert!(!budget_exceeded());
    }
}
