//! The search loop: solver models, concretized and replayed, refined until proof or answer.

use super::concretize::{concretize, kind_of, Concrete};
use super::memory::MemoryBudget;
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
    // An assertion that folded to false (say, a proposal left with no Allow statement after
    // pruning): unsatisfiable without asking the solver.
    if query.assertions.contains(&Term::ff()) {
        return Search::Holds;
    }
    // Each query gets its own z3 context and a solver for the smallest logic that fits: a
    // fresh context makes the answer independent of what the thread solved before
    // (deterministic output, shards equal to one run), and a logic-specific solver skips the
    // general solver's set-up (measured: p50 ~1 ms instead of ~17 ms on the version pairs).
    // The context lives and dies with the query (`in_fresh_context`): one at a time.
    crate::solve::in_fresh_context(|| {
        let mut backend = Z3Backend::for_query(&query, options.timeout);
        search_with(&mut backend, query, options, replay)
    })
}

pub(super) fn search_with<T>(
    backend: &mut dyn Backend,
    mut query: Query,
    options: &CheckOptions,
    replay: &(dyn Fn(&Request) -> Option<T> + Sync),
) -> Search<T, UnknownReason> {
    let deadline = Instant::now() + options.timeout;
    let memory = MemoryBudget::start(options.memory_budget_mb);
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
        if memory.exceeded() {
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
            Outcome::Unknown(reason) => return finish(found, UnknownReason::Solver(reason)),
            Outcome::Sat(assignment) => {
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
                        for lemma in pattern_relation_lemmas(&query, before, Some(deadline)) {
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
                                let atoms: Vec<String> = ids
                                    .iter()
                                    .map(|id| crate::solve::describe_atom(&query.atoms[*id]))
                                    .collect();
                                eprintln!(
                                    "keyaki: refinement {refinements}: {}",
                                    atoms.join(" | ")
                                );
                            }
                        }
                        for lemma in lemmas {
                            backend.assert(&query, &lemma);
                        }
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
