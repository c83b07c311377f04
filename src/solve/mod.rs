//! Solving: a backend trait with a z3 implementation and an SMT-LIB writer.
//!
//! "unsat iff the property holds": the assertions of a [`Query`] describe a request that
//! violates the property. `Unsat` is the only answer that can become a "pass".

pub mod memory_cap;
mod smtlib;
mod z3_backend;

pub use smtlib::to_smtlib;
pub use z3_backend::Z3Backend;

use crate::encode::{Atom, AtomId, Query, Term, ValueView};
use std::collections::BTreeMap;
use std::time::Duration;

/// A satisfying assignment, read back from the solver.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assignment {
    pub atoms: Vec<bool>,
    /// (key, slot, view) → integer value (numbers scaled, dates in ms).
    pub ints: BTreeMap<(String, usize, ValueView), i128>,
    /// (key, slot) → IP address bits (IPv4 in the low 32 bits).
    pub ips: BTreeMap<(String, usize), u128>,
}

impl Assignment {
    pub fn atom(&self, id: AtomId) -> bool {
        self.atoms.get(id).copied().unwrap_or(false)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sat(Assignment),
    Unsat,
    Unknown(String),
}

/// Error of the solve stage.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SolveError {
    #[error("the solver gave no model for a satisfiable query")]
    NoModel,
}

/// A decision procedure for queries. Clauses are added incrementally (refinement lemmas).
pub trait Backend {
    /// Adds a formula that must hold.
    fn assert(&mut self, query: &Query, term: &Term);
    fn check(&mut self, query: &Query) -> Outcome;
    /// Checks with extra facts that hold for this check only (`Unsat` then says nothing
    /// about the query without them).
    fn check_assuming(&mut self, query: &Query, assumptions: &[Term]) -> Outcome;
    /// The time the next check may take.
    fn set_time_limit(&mut self, limit: Duration);
}

/// Stack of a query's thread: as much as the main thread has.
const QUERY_STACK_BYTES: usize = 8 << 20;

/// How many threads [`in_fresh_context`] has started and seen end. Each thread that used z3
/// leaves up to ~100 KB in z3's global allocation count when it ends (z3 4.8.12 folds a
/// thread's own balance into the total only past 100,000 bytes): the memory cap's books
/// ([`memory_cap`]) count this drift by these ends.
static QUERY_THREADS_ENDED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The number of query threads ended so far (see `QUERY_THREADS_ENDED`).
pub fn query_threads_ended() -> u64 {
    QUERY_THREADS_ENDED.load(std::sync::atomic::Ordering::Relaxed)
}

/// Runs `task` with a z3 context of its own, on a thread of its own.
///
/// z3's objects live in the thread's default context. A context costs ~4.8 M instructions
/// and ~17 MB resident (each of its two `ast_manager`s starts with an 8.5 MB hash table,
/// written in full). On a short-lived thread the context is created for this task and
/// dropped when the thread ends (`join` waits for the thread's destructors), so a process
/// holds one context at a time however many queries it runs (`check` with advice, both
/// directions of `diff`, every query of a scan worker), and each query starts fresh: its
/// answer does not depend on what ran before. The caller's own default context is never
/// created. When the OS cannot start a thread, the task runs on the caller's thread.
pub fn in_fresh_context<R, F>(task: F) -> R
where
    F: FnOnce() -> R + Send,
    R: Send,
{
    // The query used to run on the caller's stack (8 MiB on the main thread); a spawned
    // thread gets 2 MiB by default, too little for z3 and our own recursion on deep terms.
    // Untouched stack pages cost nothing.
    let slot = std::sync::Mutex::new(Some(task));
    let take = || slot.lock().ok().and_then(|mut task| task.take());
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .stack_size(QUERY_STACK_BYTES)
            .spawn_scoped(scope, || take().map(|task| task()));
        let joined = spawned.map(|thread| thread.join());
        if joined.is_ok() {
            QUERY_THREADS_ENDED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        let ran = match joined {
            Ok(Ok(result)) => result,
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            // No thread to be had (a resource limit): run here, on the caller's context.
            Err(_) => None,
        };
        match (ran, take()) {
            (Some(result), _) => result,
            (None, Some(task)) => task(),
            (None, None) => std::panic::resume_unwind(Box::new("the query's task was lost")),
        }
    })
}

/// A one-line description of an atom (SMT-LIB comments, debugging).
pub fn describe_atom(atom: &Atom) -> String {
    use crate::encode::StrPattern;
    match atom {
        Atom::PrincipalKind(k) => format!("principal is {k:?}"),
        Atom::Present { key, slot } => format!("{key}[{slot}] present"),
        Atom::Parses { key, slot, view } => format!("{key}[{slot}] parses as {view:?}"),
        Atom::IsIpv6 { key, slot } => format!("{key}[{slot}] is IPv6"),
        Atom::Str { var, pattern } => match pattern {
            StrPattern::Glob(g) => format!("{var} ~ {g}"),
            StrPattern::IgnoreCase(s) => format!("lower({var}) = {s}"),
            StrPattern::Template(t, mode) => format!("{var} ~ {} ({mode:?})", t.display_text()),
        },
        Atom::Cmp {
            key,
            slot,
            view,
            cmp,
            value,
        } => format!("{key}[{slot}] {view:?} {cmp:?} {value}"),
        Atom::IpIn { key, slot, net } => format!("{key}[{slot}] in {net}"),
        Atom::Prefix { var, prefix } => format!("{var} starts with {prefix}"),
        Atom::Aux { family, index } => format!("{family}[{index}]"),
        Atom::HasResource => "the request has a resource".to_string(),
    }
}
