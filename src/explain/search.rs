//! The search loop: solver models, concretized and replayed, refined until proof or answer.

use super::concretize::{concretize, kind_of, Concrete};
use super::memory::{
    budget_exceeded, is_solver_memout_panic, solver_memout, watched, MemoryBudget, SolverMemoryCap,
};
use super::{CheckOptions, UnknownReason};
use crate::encode::{pattern_relation_lemmas, Atom, AtomId, Query, StrPattern, StrVar, Term};
use crate::eval::PolicyType;
use crate::pattern::Glob;
use crate::request::Request;
use crate::solve::{Backend, Outcome, Z3Backend};
use std::collections::BTreeSet;
use std::time::Instant;

/// The most refinement rounds before giving up with `unknown`.
pub const MAX_REFINEMENTS: usize = 2_000;

/// How a search ended; `R` is why it ended without an answer (text for callers that
/// only print it, [`UnknownReason`] inside the checker).
pub enum Search<T, R = String> {
    Holds,
    Found(Vec<(Request, T)>),
    Unknown(R),
}

/// Runs the refinement loop for any property; `replay` confirms a request concretely.
pub fn search<T: Send + Sync>(
    query: Query,
    options: &CheckOptions,
    replay: &(dyn Fn(&Request) -> Option<T> + Sync),
) -> Search<T> {
    match search_typed(query, options, replay) {
        Search::Holds => Search::Holds,
        Search::Found(found) => Search::Found(found),
        Search::Unknown(reason) => Search::Unknown(reason.to_string()),
    }
}

/// [`search`] with the typed reason.
pub fn search_typed<T: Send + Sync>(
    query: Query,
    options: &CheckOptions,
    replay: &(dyn Fn(&Request) -> Option<T> + Sync),
) -> Search<T, UnknownReason> {
    // Hole characters as text would be read as holes by the automata: no answer on them.
    if let Err(e) = crate::encode::check_query_patterns(&query) {
        return Search::Unknown(UnknownReason::Unsupported(e));
    }
    // An assertion that folded to false (say, a proposal left with no Allow statement after
    // pruning): unsatisfiable without asking the solver.
    if query.assertions.contains(&Term::ff()) {
        return Search::Holds;
    }
    // Each query gets its own z3 context and a solver for the smallest logic that fits: a
    // fresh context makes the answer independent of what the thread solved before
    // (deterministic output, shards equal to one run), and a logic-specific solver skips the
    // general solver's set-up (measured: p50 ~1 ms instead of ~17 ms on the version pairs).
    // The context lives and dies with the query (`in_fresh_context`): one at a time. The
    // memory budget is watched during the whole search, solver calls included: past it the
    // watchdog cancels the running z3 call (its handle is safe to use from another thread)
    // and the loop ends `unknown` with the budget's reason.
    //
    // z3 also holds a hard allocation cap for the searches running (`SolverMemoryCap`, see
    // `memory.rs`), rebased on z3's own count once the context exists and released once the
    // context is gone. A z3 object constructor that hits it
    // returns null and the `z3` crate panics on the query's thread: that panic is the budget
    // too, never a crash. Any other panic is a bug and goes on unwinding.
    let limit_mb = options.memory_budget_mb;
    let cap = SolverMemoryCap::enter(limit_mb);
    // Test oracle only (`learned.rs`): the caller's recorder goes with the search's thread.
    let recorder = super::learned::current();
    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::solve::in_fresh_context(|| {
            let _recording = super::learned::Installed::on_this_thread(recorder);
            let context = z3::Context::thread_local();
            let handle = context.handle();
            let interrupt = || handle.interrupt();
            watched(limit_mb, &interrupt, || {
                let mut backend = Z3Backend::for_query(&query, options.timeout);
                // The cap counts from where z3's count is now, drift and all.
                cap.rebase(backend.allocated_kb());
                search_with(&mut backend, query, options, replay)
            })
        })
    }));
    drop(cap);
    match ran {
        Ok(search) => search,
        Err(payload) if is_solver_memout_panic(payload.as_ref()) => {
            Search::Unknown(UnknownReason::Memory { limit_mb })
        }
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

pub(super) fn search_with<T>(
    backend: &mut dyn Backend,
    mut query: Query,
    options: &CheckOptions,
    replay: &(dyn Fn(&Request) -> Option<T> + Sync),
) -> Search<T, UnknownReason> {
    let deadline = Instant::now() + options.timeout;
    let _deadline = super::deadline::set(deadline);
    let memory = MemoryBudget::start(options.memory_budget_mb);
    super::learned::begin(&query);
    for lemma in query.lemmas.clone() {
        backend.assert(&query, &lemma);
    }
    for assertion in query.assertions.clone() {
        backend.assert(&query, &assertion);
    }
    let mut found: Vec<(Request, T)> = Vec::new();
    let mut refinements = 0usize;
    let trace = std::env::var_os("KEYAKI_TRACE").is_some();
    let mut prefer_resource = true;
    let templates: Vec<AtomId> = query
        .atoms
        .iter()
        .enumerate()
        .filter(|(_, a)| {
            matches!(
                a,
                Atom::Str {
                    pattern: StrPattern::Template(..),
                    ..
                }
            )
        })
        .map(|(id, _)| id)
        .collect();
    let mut prefer_plain = !templates.is_empty();
    loop {
        if budget_exceeded() || memory.exceeded() {
            return finish(
                found,
                UnknownReason::Memory {
                    limit_mb: memory.limit_mb(),
                },
            );
        }
        let now = Instant::now();
        if now >= deadline {
            return finish(found, UnknownReason::Timeout);
        }
        // Each check gets only what is left, so a query never overruns --timeout by much.
        backend.set_time_limit(deadline - now);
        // Preferences, dropped one at a time when they leave nothing: first requests whose
        // template patterns are all unmatched (no policy variable to solve: most violations
        // have such a witness, and it needs no refinement), then requests with a resource
        // (they read better). Only an unconditional check may answer Unsat.
        let has_resource = query.atom_id(&Atom::HasResource).map(Term::Atom);
        let outcome = loop {
            let mut assumptions: Vec<Term> = Vec::new();
            if prefer_plain {
                assumptions.extend(templates.iter().map(|id| Term::not(Term::Atom(*id))));
            }
            if prefer_resource {
                assumptions.extend(has_resource.clone());
            }
            if assumptions.is_empty() {
                break backend.check(&query);
            }
            match backend.check_assuming(&query, &assumptions) {
                Outcome::Unsat if prefer_plain => prefer_plain = false,
                Outcome::Unsat => prefer_resource = false,
                other => break other,
            }
        };
        match outcome {
            Outcome::Unsat => {
                return if found.is_empty() {
                    Search::Holds
                } else {
                    Search::Found(found)
                };
            }
            // The watchdog cancelled the call, or z3 reached its allocation cap: the budget,
            // not the solver, is the reason.
            Outcome::Unknown(reason) if budget_exceeded() || solver_memout(&reason) => {
                let limit_mb = memory.limit_mb();
                return finish(found, UnknownReason::Memory { limit_mb });
            }
            Outcome::Unknown(reason) => return finish(found, UnknownReason::Solver(reason)),
            Outcome::Sat(assignment) => {
                // decide (#10): as few true templates as the query allows.
                let base: Vec<Term> = has_resource
                    .iter()
                    .filter(|_| prefer_resource)
                    .cloned()
                    .collect();
                let assignment = super::fewer_templates::with_fewer_templates(
                    backend, &query, &templates, &base, assignment, deadline,
                );
                refinements += 1;
                if refinements > MAX_REFINEMENTS {
                    return finish(found, UnknownReason::Refinements(MAX_REFINEMENTS));
                }
                match concretize(&mut query, &assignment, options) {
                    Concrete::Request(request) => {
                        // The evaluator's universe refuses what the symbolic one excludes.
                        let admitted =
                            crate::request::universe::admits(options.resource_universe, &request);
                        let Some(replayed) = admitted.ok().and_then(|()| replay(&request)) else {
                            return finish(
                                found,
                                UnknownReason::ReplayFailed(
                                    serde_json::to_string(&request).unwrap_or_default(),
                                ),
                            );
                        };
                        let action = request.action.to_lowercase();
                        found.push((request, replayed));
                        if found.len() >= options.counterexamples {
                            return Search::Found(found);
                        }
                        // The next counterexample uses another action.
                        let before = query.atoms.len();
                        let this_action = query
                            .str_atom(StrVar::Action, StrPattern::Glob(Glob::literal(&action)));
                        let relations = pattern_relation_lemmas(&query, before, Some(deadline));
                        super::learned::record(&query, &relations);
                        for lemma in relations {
                            backend.assert(&query, &lemma);
                        }
                        // Resource policies: the same action from another kind of principal
                        // (anonymous, a service) is a different finding.
                        let mut block = vec![this_action];
                        if query.policy_type == Some(PolicyType::Resource) {
                            block.push(query.kind(kind_of(&found[found.len() - 1].0.principal)));
                        }
                        backend.assert(&query, &Term::not(Term::and(block)));
                    }
                    Concrete::Learn(lemmas) => {
                        if trace {
                            for lemma in &lemmas {
                                let mut ids = BTreeSet::new();
                                lemma.atoms(&mut ids);
                                // Each atom as the model has it (the lemma rules that out):
                                // `¬` false, `?` made after the model.
                                let atoms: Vec<String> = ids
                                    .iter()
                                    .map(|id| {
                                        let truth = match assignment.atoms.get(*id) {
                                            Some(true) => "",
                                            Some(false) => "¬",
                                            None => "?",
                                        };
                                        let atom = crate::solve::describe_atom(&query.atoms[*id]);
                                        format!("{truth}{atom}")
                                    })
                                    .collect();
                                eprintln!(
                                    "keyaki: refinement {refinements}: {}",
                                    atoms.join(" | ")
                                );
                            }
                        }
                        super::learned::record(&query, &lemmas);
                        for lemma in lemmas {
                            backend.assert(&query, &lemma);
                        }
                    }
                    Concrete::GiveUp(_) if super::deadline::passed() => {
                        return finish(found, UnknownReason::Timeout)
                    }
                    Concrete::GiveUp(reason) => {
                        return finish(found, UnknownReason::Incomplete(reason))
                    }
                }
            }
        }
    }
}

/// Never a pass without a proof: with counterexamples in hand the property is violated
/// whatever stopped the search; with none, the answer is unknown.
pub(super) fn finish<T>(
    found: Vec<(Request, T)>,
    reason: UnknownReason,
) -> Search<T, UnknownReason> {
    if found.is_empty() {
        Search::Unknown(reason)
    } else {
        Search::Found(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solve::Outcome;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    /// A solver whose every call grows far past any small budget and returns only when
    /// cancelled (as z3 returns `unknown` after an interrupt), or after two minutes.
    struct Growing<'a> {
        cancelled: &'a AtomicBool,
        calls: usize,
    }

    impl Backend for Growing<'_> {
        fn assert(&mut self, _: &Query, _: &Term) {}
        fn check(&mut self, query: &Query) -> Outcome {
            self.check_assuming(query, &[])
        }
        fn check_assuming(&mut self, _: &Query, _: &[Term]) -> Outcome {
            self.calls += 1;
            let mut block = vec![1u8; 256 * 1024 * 1024];
            block[4096] = 2;
            std::hint::black_box(&block);
            let start = Instant::now();
            while !self.cancelled.load(Ordering::Relaxed)
                && start.elapsed() < Duration::from_secs(120)
            {
                std::thread::sleep(Duration::from_millis(1));
            }
            Outcome::Unknown("canceled".into())
        }
        fn set_time_limit(&mut self, _: Duration) {}
    }

    #[test]
    fn a_solver_call_past_the_budget_is_cancelled_and_ends_unknown_with_the_budget() {
        if super::super::memory::resident_bytes().is_none() {
            println!("SKIPPED: /proc/self/statm not readable");
            return;
        }
        let cancelled = AtomicBool::new(false);
        let interrupt = || cancelled.store(true, Ordering::Relaxed);
        let options = CheckOptions {
            timeout: Duration::from_secs(3600),
            memory_budget_mb: 1,
            ..CheckOptions::default()
        };
        let mut backend = Growing {
            cancelled: &cancelled,
            calls: 0,
        };
        let replay = |_: &Request| -> Option<()> { None };
        let outcome = watched(options.memory_budget_mb, &interrupt, || {
            search_with(&mut backend, Query::default(), &options, &replay)
        });
        match outcome {
            Search::Unknown(reason) => {
                assert_eq!(reason, UnknownReason::Memory { limit_mb: 1 })
            }
            Search::Holds => panic!("pass without a proof"),
            Search::Found(_) => panic!("a counterexample from nothing"),
        }
        assert!(cancelled.load(Ordering::Relaxed));
        // One call, cancelled: the loop did not go on to another round.
        assert_eq!(backend.calls, 1);
    }
}
