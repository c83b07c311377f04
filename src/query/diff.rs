//! `diff`: both directions of `check`, and the Zelkova relation between two versions.

use crate::explain::{check_no_new_access, CheckOptions, Counterexample, Verdict};
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

pub fn diff(old: &PolicyFile, new: &PolicyFile, options: &CheckOptions) -> Diff {
    let widened = check_no_new_access(&new.policy, &old.policy, options);
    let narrowed = check_no_new_access(&old.policy, &new.policy, options);
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
