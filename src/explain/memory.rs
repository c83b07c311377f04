//! The memory budget of one check: growth of the process's resident memory since the check
//! started, sampled once per search round (where learned lemmas and the solver's state grow).
//!
//! Process-wide on purpose: z3's allocations are not attributed to a context. Under parallel
//! checks another check's growth counts too, which can only end a check early (`unknown`),
//! never let one pass.

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
}
