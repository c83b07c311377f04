//! A check's answer without the solver, when the answer the search would give is already
//! known: the probe's replayed counterexamples, when they are as many as the search could
//! have shown.
//!
//! A z3 context costs a process about as much as three `keyaki --version` runs (~4.8 M
//! instructions, ~17 MB written; `benches/startup.sh --z3-floor`), so a `diff` or a `check`
//! that never creates one starts and ends several times faster. Two cases need none:
//!
//! - pruning leaves the proposal no Allow: the encoder folds the query to `false` and the
//!   search answers "holds" before any context exists (`explain::search_typed`);
//! - the counterexample direction: the search shows up to `N = options.counterexamples`
//!   requests with distinct actions. Every counterexample matches a proposal Allow piece that
//!   pruning kept (a covered piece's requests are allowed by the baseline, see
//!   `encodings/pruning.md`), so its action is one of those pieces' actions. When the kept
//!   pieces name only literal actions, `L` of them, the search shows exactly `min(N, L)`
//!   (it stops at `N`, and after the last distinct action it can only prove no other is
//!   left); with a wildcard or a `NotAction` it shows `N`. The probe is asked for that many;
//!   when it finds them (each replayed through the evaluator), the answer is the search's
//!   answer with perhaps other requests, and the solver is never asked.
//!
//! Nothing here can make a check pass: a pass always comes from the encoder and the search.
//! See `encodings/without-solver.md`; `tests/without_solver.rs` compares every answer with
//! the search's on the version pairs, the corpus pairs and random pairs.

use crate::encode::prune;
use crate::explain::{polish_counterexamples, probe_counterexamples, CheckOptions, Counterexample};
use crate::model::{ActionClause, Effect, Policy};
use std::collections::BTreeSet;

/// The counterexamples the search would show, found by the probe, or `None` when the probe
/// does not find that many (the caller then runs the search: `None` says nothing).
pub fn counterexamples_without_solver(
    proposed: &Policy,
    baseline: &Policy,
    options: &CheckOptions,
) -> Option<Vec<Counterexample>> {
    // Without pruning (only to compare) every Allow counts; the argument holds the same.
    let kept;
    let pieces = if options.prune {
        kept = prune::without_covered(proposed, baseline, options.policy_type).0;
        &kept
    } else {
        proposed
    };
    let wanted = match literal_actions(pieces) {
        Some(actions) => actions.len().min(options.counterexamples.max(1)),
        None => options.counterexamples.max(1),
    };
    if wanted == 0 {
        return None;
    }
    let found = probe_counterexamples(
        proposed,
        baseline,
        &CheckOptions {
            counterexamples: wanted,
            ..options.clone()
        },
    )?;
    (found.len() == wanted).then(|| polish_counterexamples(found, proposed, baseline, options))
}

/// The actions (lower case) a request allowed by `policy` can have, when every Allow names
/// only literal actions; `None` when one has a wildcard or a `NotAction`.
pub fn literal_actions(policy: &Policy) -> Option<BTreeSet<String>> {
    let mut actions = BTreeSet::new();
    for statement in policy
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
    {
        let ActionClause::Action(list) = &statement.action else {
            return None;
        };
        for pattern in list {
            actions.insert(pattern.glob.as_literal()?.to_lowercase());
        }
    }
    Some(actions)
}
