//! From solver models to concrete requests, replayed through the concrete evaluator.
//!
//! The loop: ask the solver for a model; build a concrete request from it (witness strings
//! from glob automata, numbers, dates and IPs printed as AWS reads them); when a string
//! variable's pattern constraints turn out to be unsatisfiable together, learn a lemma
//! that rules the combination out and ask again (refinement). Every request is replayed
//! through [`crate::eval`] before it is returned: a request whose replay does not show the
//! claimed decisions is never printed.

// decide (#10): two keys read at one fixed place of one string are equal.
mod aligned;
mod concretize;
mod context;
// decide (#10): what a key chosen first in a cycle of policy variables asks of the others.
mod cycle;
mod deadline;
mod equations;
// decide (#10): models with as few true template atoms as the query allows.
mod fewer_templates;
mod folded;
// decide (#10): keys a true template on a literal pins to finitely many values.
mod finite;
// decide (#10): values holding a character no pattern reads, for keys false templates read.
mod fresh;
mod holes;
// oracle (#10): the lemmas a search learns, recorded for the test oracle.
#[doc(hidden)]
pub mod learned;
mod memory;
// segments (#10): two keys read at one offset of one string.
mod offsets;
// realism (#10): counterexamples AWS could receive, polished where they are finalized.
mod polish;
// speed (#10): solver-free counterexamples, called by `scan::check_deterministic`.
mod probe;
mod search;
// catalog (#10): a key's value in an ARN's first five segments, read exactly.
mod segment_hole;
mod strings;
// decide (#10): templates of keys tied by an equality, related by inclusion.
mod tied;
// segments (#10): templates carried across an equality between keys.
mod transfer;
mod universe;
mod unknown;

pub use crate::request::universe::ResourceUniverse;
pub use concretize::format_date;
pub use memory::DEFAULT_MEMORY_BUDGET_MB;
pub use polish::{polish_counterexamples, polished, MAX_POLISH_REPLAYS};
pub use probe::{probe_counterexamples, MAX_PROBES};
pub use search::{search, search_typed, Search, MAX_REFINEMENTS};
pub use unknown::UnknownReason;

use crate::eval::{evaluate, Decision, Evaluation, PolicyType};
use crate::model::Policy;
use crate::request::Request;
use std::time::{Duration, Instant};

/// Which action names the symbolic request may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionUniverse {
    /// Any string: `sqs:*` is wider than a list of every SQS action the catalog knows today
    /// (AWS adds actions; a wildcard grants them too).
    #[default]
    Open,
    /// Only actions in the bundled service catalog.
    Catalog,
}

#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub policy_type: PolicyType,
    pub counterexamples: usize,
    pub timeout: Duration,
    pub action_universe: ActionUniverse,
    /// Which resources the symbolic request may name (`encodings/resource-universe.md`).
    pub resource_universe: ResourceUniverse,
    /// Drop the proposal's pieces the baseline provably allows before encoding (on by
    /// default; off only to compare, see `encodings/pruning.md`).
    pub prune: bool,
    /// Growth of resident memory past which a check ends `unknown` (MB).
    pub memory_budget_mb: u64,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            policy_type: PolicyType::Identity,
            counterexamples: 3,
            timeout: Duration::from_secs(10),
            action_universe: ActionUniverse::Open,
            resource_universe: ResourceUniverse::Open,
            prune: true,
            memory_budget_mb: DEFAULT_MEMORY_BUDGET_MB,
        }
    }
}

/// A request the proposal allows and the baseline does not, with both replayed decisions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Counterexample {
    pub request: Request,
    pub proposed: Evaluation,
    pub baseline: Evaluation,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Unsat: proved.
    Holds,
    Violated(Vec<Counterexample>),
    /// Neither: exit 3 with this reason (its text is what reports print).
    Unknown(UnknownReason),
}

/// Does `proposed` allow any request `baseline` does not? Proof or replayed counterexamples.
pub fn check_no_new_access(
    proposed: &Policy,
    baseline: &Policy,
    options: &CheckOptions,
) -> Verdict {
    // --timeout covers encoding too: lemma generation stops at the deadline (fewer lemmas
    // stay sound) and the search gets what is left.
    let start = Instant::now();
    let encoded = crate::encode::verify_no_new_access_until(
        proposed,
        baseline,
        options.policy_type,
        options.prune,
        Some(start + options.timeout),
    );
    let query = match encoded {
        Ok(q) => q,
        Err(e) => return Verdict::Unknown(UnknownReason::from(e)),
    };
    let remaining = options.timeout.saturating_sub(start.elapsed());
    if remaining.is_zero() {
        let limit_ms = options.timeout.as_millis();
        return Verdict::Unknown(UnknownReason::EncodingTimeout { limit_ms });
    }
    let options = &CheckOptions {
        timeout: remaining,
        ..options.clone()
    };
    let replay = |request: &Request| {
        let p = evaluate(proposed, request, options.policy_type);
        let b = evaluate(baseline, request, options.policy_type);
        (p.decision == Decision::Allow && b.decision != Decision::Allow).then_some((p, b))
    };
    match search_typed(query, options, &replay) {
        Search::Holds => Verdict::Holds,
        Search::Unknown(r) => Verdict::Unknown(r),
        Search::Found(list) => Verdict::Violated(polish_counterexamples(
            list.into_iter()
                .map(|(request, (proposed, baseline))| Counterexample {
                    request,
                    proposed,
                    baseline,
                })
                .collect(),
            proposed,
            baseline,
            options,
        )),
    }
}
