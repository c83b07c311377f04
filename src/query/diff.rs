//! `diff`: both directions of `check`, and the Zelkova relation between two versions.

use crate::explain::{CheckOptions, Counterexample, Verdict};
use crate::model::Policy;
use crate::report::{Exit, PolicyFile};

/// When `diff` exits 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailOn {
    /// NEW allows a request OLD does not.
    #[default]
    Widened,
    /// Any change in either direction.
    Any,
    /// Never (report only); unknown still exits 3.
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relation {
    Equivalent,
    /// NEW allows everything OLD allows and more.
    MorePermissive,
    LessPermissive,
    Incomparable,
    Unknown,
}

#[derive(Debug, Clone)]
pub struct Diff {
    pub relation: Relation,
    pub reason: Option<String>,
    /// Requests NEW allows and OLD does not.
    pub widened: Vec<Counterexample>,
    /// Requests OLD allows and NEW does not (`proposed` = OLD's decision).
    pub narrowed: Vec<Counterexample>,
}

/// Both directions of `check`. Each direction that the probe answers as the search would
/// (see [`super::without_solver`]) creates no z3 context: on the version pairs most
/// directions end there or in pruning, and a process that never starts z3 ends several
/// times sooner.
pub fn diff(old: &PolicyFile, new: &PolicyFile, options: &CheckOptions) -> Diff {
    let widened = one_direction(&new.policy, &old.policy, options);
    let narrowed = one_direction(&old.policy, &new.policy, options);
    let mut reasons = Vec::new();
    let mut split = |v: Verdict, direction: &str| match v {
        Verdict::Holds => (Some(false), vec![]),
        Verdict::Violated(c) => (Some(true), c),
        Verdict::Unknown(r) => {
            reasons.push(format!("{direction}: {r}"));
            (None, vec![])
        }
    };
    let (w, widened) = split(widened, "widening");
    let (n, narrowed) = split(narrowed, "narrowing");
    let relation = match (w, n) {
        (Some(false), Some(false)) => Relation::Equivalent,
        (Some(true), Some(false)) => Relation::MorePermissive,
        (Some(false), Some(true)) => Relation::LessPermissive,
        (Some(true), Some(true)) => Relation::Incomparable,
        _ => Relation::Unknown,
    };
    Diff {
        relation,
        reason: (!reasons.is_empty()).then(|| reasons.join("; ")),
        widened,
        narrowed,
    }
}

/// Does `proposed` allow any request `baseline` does not: the same decision `check` and
/// `scan` make (probe first, then the search, then the probe for one on unknown; never a pass
/// without a proof).
fn one_direction(proposed: &Policy, baseline: &Policy, options: &CheckOptions) -> Verdict {
    crate::scan::check_deterministic(proposed, baseline, options)
}

impl Diff {
    pub fn exit(&self, fail_on: FailOn) -> Exit {
        let widened = !self.widened.is_empty();
        let changed = widened || !self.narrowed.is_empty();
        if widened && fail_on != FailOn::Never {
            return Exit::Violated;
        }
        if self.relation == Relation::Unknown {
            return Exit::Unknown;
        }
        match fail_on {
            FailOn::Any if changed => Exit::Violated,
            _ => Exit::Ok,
        }
    }
}
