//! A decision that rests on statements AWS leaves undocumented: which decisions are possible,
//! and the reason every entry point reports instead of a silent reading.

use super::condition::condition_outcome;
use super::context::EffectiveContext;
use super::undocumented::{undocumented_value, Outcome, NOT_DOCUMENTED};
use super::{Decision, Evaluation, MatchedStatement};
use crate::model::{Effect, Statement, Version};

/// A statement that applies under some reading of an undocumented value and not under another.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UndeterminedStatement {
    #[serde(flatten)]
    pub statement: MatchedStatement,
    /// The value it depends on and where it was written.
    pub reason: String,
}

impl UndeterminedStatement {
    pub(super) fn new(
        statement: MatchedStatement,
        stmt: &Statement,
        ctx: &EffectiveContext,
        version: Version,
    ) -> UndeterminedStatement {
        // The first condition whose outcome is open names the value; the others are known.
        let reason = stmt
            .conditions
            .iter()
            .filter(|c| condition_outcome(c, ctx, version) == Outcome::Undocumented)
            .find_map(|c| undocumented_value(c, version))
            .map(|v| v.to_string())
            .unwrap_or_else(|| "a condition value AWS does not document".into());
        UndeterminedStatement { statement, reason }
    }
}

impl Evaluation {
    /// The decision from the statements that apply; `undetermined` ones are read as not
    /// applying here and kept for [`Evaluation::possible_decisions`].
    pub(super) fn from_applying(
        mut applying: Vec<MatchedStatement>,
        undetermined: Vec<UndeterminedStatement>,
    ) -> Evaluation {
        // Statements are normally already in index order; a hand-built policy may not be.
        applying.sort_by_key(|m| m.index);
        let denies: Vec<MatchedStatement> = applying
            .iter()
            .filter(|m| m.effect == Effect::Deny)
            .cloned()
            .collect();
        let (decision, statements) = if !denies.is_empty() {
            (Decision::ExplicitDeny, denies)
        } else if !applying.is_empty() {
            (Decision::Allow, applying)
        } else {
            (Decision::ImplicitDeny, Vec::new())
        };
        Evaluation {
            decision,
            statements,
            undetermined,
        }
    }

    /// Every decision some reading of the undetermined statements gives (each read
    /// independently), in the order Allow, ExplicitDeny, ImplicitDeny. One element when the
    /// decision does not depend on them.
    pub fn possible_decisions(&self) -> Vec<Decision> {
        let open = |effect: Effect| {
            self.undetermined
                .iter()
                .any(|u| u.statement.effect == effect)
        };
        let mut possible = vec![self.decision];
        if self.decision != Decision::ExplicitDeny && open(Effect::Deny) {
            possible.push(Decision::ExplicitDeny);
        }
        if self.decision == Decision::ImplicitDeny && open(Effect::Allow) {
            possible.push(Decision::Allow);
        }
        possible.sort();
        possible
    }

    /// Whether the request is allowed: `None` when one reading of an undocumented value
    /// allows it and another does not. Every caller that turns a decision into a claim
    /// (a counterexample, a witness, a finding) reads this, never `decision` alone, which is
    /// only the reading where the undetermined statements do not apply.
    pub fn allowed(&self) -> Option<bool> {
        match self.possible_decisions().as_slice() {
            [Decision::Allow] => Some(true),
            possible if !possible.contains(&Decision::Allow) => Some(false),
            _ => None,
        }
    }

    /// The decision, when no reading of an undocumented value changes it.
    pub fn known_decision(&self) -> Option<Decision> {
        (self.possible_decisions().len() == 1).then_some(self.decision)
    }

    /// Why the decision is unknown, when it depends on statements AWS leaves undocumented.
    pub fn unknown(&self) -> Option<String> {
        let possible = self.possible_decisions();
        if possible.len() < 2 {
            return None;
        }
        let names: Vec<String> = possible.iter().map(|d| format!("{d:?}")).collect();
        let because: Vec<String> = self
            .undetermined
            .iter()
            .map(|u| format!("Statement[{}]: {}", u.statement.index, u.reason))
            .collect();
        Some(format!(
            "unsupported: the decision is {} depending on {}; {NOT_DOCUMENTED}",
            names.join(" or "),
            because.join("; ")
        ))
    }

    /// The evaluation were the undetermined statements at `indices` to apply (and the other
    /// undetermined ones not): one reading, for a caller that combines several evaluations.
    pub fn reading(&self, indices: &[usize]) -> Evaluation {
        // An ExplicitDeny's list holds only its denies: the Allows cannot matter then.
        let mut applying = self.statements.clone();
        applying.extend(
            self.undetermined
                .iter()
                .filter(|u| indices.contains(&u.statement.index))
                .map(|u| u.statement.clone()),
        );
        Evaluation::from_applying(applying, Vec::new())
    }
}

/// The replay every counterexample of "`proposed` grants more than `baseline`" must pass:
/// the proposal allows the request and the baseline does not, each whatever an undocumented
/// value means. Returns the two evaluations to print.
pub fn new_access(proposed: Evaluation, baseline: Evaluation) -> Option<(Evaluation, Evaluation)> {
    (proposed.allowed() == Some(true) && baseline.allowed() == Some(false))
        .then_some((proposed, baseline))
}
