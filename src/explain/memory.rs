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
//! z3 grows by hundreds of MB per second. So z3 also holds a hard cap of its own
//! ([`SolverMemoryCap`], `solve::memory_cap`), which it checks whatever the scheduler does.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};

pub use crate::solve::memory_cap::{is_solver_memout_panic, solver_memout, SolverMemoryCap};
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
