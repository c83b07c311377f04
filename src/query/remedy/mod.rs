//! What to change: for a request the proposal allows and the baseline does not, the baseline
//! rule it breaks and the smallest edit of the responsible statement that is *proved* to fix
//! it. Candidates are tried in order (`encodings/remedies.md`); each is written as JSON, read
//! back by the parser, and checked by the prover; only a proof makes it a remedy.

mod breaks;
mod candidates;
mod document;

pub use breaks::{BaselineRule, Breaks, StatementSummary};
pub use candidates::Change;
pub use document::statement_json;

use crate::eval::{evaluate, Evaluation, PolicyType};
use crate::explain::{check_no_new_access, CheckOptions, Verdict};
use crate::model::{
    ActionClause, ActionPattern, Effect, Policy, PrincipalClause, PrincipalSet, ResourceClause,
    Statement,
};
use crate::pattern::Glob;
use crate::request::Request;
use serde::Serialize;
use serde_json::Value;
use std::time::Instant;

/// At most this many candidate edits are proved per finding.
pub const MAX_CANDIDATES: usize = 6;

/// The kinds of edit, in the order they are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EditKind {
    NarrowResource,
    NarrowPrincipal,
    AddCondition,
    NarrowResourceAndAddCondition,
    /// Remove the matching pattern(s) from Action.
    DropAction,
    /// Add the action to NotAction.
    ExcludeAction,
    /// The statement's Action has nothing left: remove the statement.
    RemoveStatement,
}

impl EditKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EditKind::NarrowResource => "narrow-resource",
            EditKind::NarrowPrincipal => "narrow-principal",
            EditKind::AddCondition => "add-condition",
            EditKind::NarrowResourceAndAddCondition => "narrow-resource-and-add-condition",
            EditKind::DropAction => "drop-action",
            EditKind::ExcludeAction => "exclude-action",
            EditKind::RemoveStatement => "remove-statement",
        }
    }
}

/// What the proof of a remedy covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// The edited policy passes the whole check: it allows nothing the baseline does not.
    Policy,
    /// The edited policy allows no request for the finding's action that the baseline does
    /// not; other findings (other actions) remain.
    Action,
}

/// A proved edit of one statement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Remedy {
    pub edit: EditKind,
    /// The index of the statement edited.
    pub statement: usize,
    pub sid: Option<String>,
    pub change: Change,
    /// The statement after the edit, as policy JSON (null: the statement is removed). This is
    /// the text the prover checked.
    pub statement_after: Option<Value>,
    /// Always true: an edit is only offered with a proof.
    pub proved: bool,
    pub scope: Scope,
}

/// A candidate that was proved not to fix the finding, or could not be decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tried {
    pub edit: EditKind,
    /// `fails` (a request it still allows was found), `unknown` (the prover could not decide),
    /// or `unprintable` (its JSON does not parse back to the same statement: never proved).
    pub outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The rule one finding breaks and its remedy (None: no single-statement edit proved).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Advice {
    pub breaks: Breaks,
    pub remedy: Option<Remedy>,
    /// Candidates proved not to fix it (or undecided), in the order tried.
    pub tried: Vec<Tried>,
}

impl Advice {
    /// Is this the advice for a request for `action` first allowed by `statement`, which the
    /// baseline decided as `baseline` (the same Deny statements, or no explicit deny)?
    pub fn is_for(&self, action: &str, statement: usize, baseline: &Evaluation) -> bool {
        self.has_remedy_for(action, statement)
            && match &self.breaks.baseline {
                BaselineRule::DeniedBy { statements } => {
                    baseline.known_decision() == Some(crate::eval::Decision::ExplicitDeny)
                        && statements
                            .iter()
                            .map(|s| s.index)
                            .eq(baseline.statements.iter().map(|m| m.index))
                }
                // Surely no explicit deny (an undocumented value may decide one).
                _ => baseline
                    .known_decision()
                    .is_some_and(|d| d != crate::eval::Decision::ExplicitDeny),
            }
    }

    /// The remedy depends only on the action and the responsible statement.
    fn has_remedy_for(&self, action: &str, statement: usize) -> bool {
        self.breaks.granted_by.index == statement && self.breaks.action.eq_ignore_ascii_case(action)
    }
}

/// Computes advice for the findings of one check of `proposed` against `baseline`. Findings
/// for the same action and statement share one advice; all proofs share one time budget of
/// `options.timeout`.
pub struct Advisor<'p> {
    proposed: &'p Policy,
    baseline: &'p Policy,
    options: CheckOptions,
    deadline: Instant,
    given: Vec<Advice>,
    /// Requests the proposal allows and the baseline does not (the report's counterexamples):
    /// concrete witnesses that settle some proofs without the prover.
    known: Vec<Request>,
}

impl<'p> Advisor<'p> {
    pub fn new(proposed: &'p Policy, baseline: &'p Policy, options: &CheckOptions) -> Advisor<'p> {
        Advisor {
            proposed,
            baseline,
            options: CheckOptions {
                counterexamples: 1,
                ..options.clone()
            },
            deadline: Instant::now() + options.timeout,
            given: Vec::new(),
            known: Vec::new(),
        }
    }

    /// Records a request the proposal allows and the baseline does not (every counterexample
    /// of the report, before advice is asked for). An edit that still allows one of the same
    /// action fails without a proof; one of another action shows that the whole check cannot
    /// pass. Both are replays, not guesses.
    pub fn know(&mut self, request: &Request) {
        let baseline = evaluate(self.baseline, request, self.options.policy_type);
        // A witness only when the baseline surely refuses it (whatever an undocumented value means).
        if baseline.allowed() == Some(false) {
            self.known.push(request.clone());
        }
    }

    /// Advice for a request with its replayed decisions (None when nothing in the proposal
    /// allowed it).
    pub fn advise(
        &mut self,
        request: &Request,
        proposed_eval: &Evaluation,
        baseline_eval: &Evaluation,
    ) -> Option<Advice> {
        let first = proposed_eval.statements.first()?.index;
        let action = &request.action;
        if let Some(known) = self
            .given
            .iter()
            .find(|a| a.is_for(action, first, baseline_eval))
        {
            return Some(known.clone());
        }
        let breaks = breaks::breaks(
            self.proposed,
            self.baseline,
            &request.action,
            proposed_eval,
            baseline_eval,
            self.options.policy_type,
        )?;
        let earlier = self.given.iter().find(|a| a.has_remedy_for(action, first));
        let (remedy, tried) = match earlier {
            Some(a) => (a.remedy.clone(), a.tried.clone()),
            None => self.remedy(first, action),
        };
        let advice = Advice {
            breaks,
            remedy,
            tried,
        };
        self.given.push(advice.clone());
        Some(advice)
    }

    /// [`Advisor::advise`] for a request alone: both policies are evaluated on it.
    pub fn advise_request(&mut self, request: &Request) -> Option<Advice> {
        let p = evaluate(self.proposed, request, self.options.policy_type);
        let b = evaluate(self.baseline, request, self.options.policy_type);
        self.advise(request, &p, &b)
    }

    /// Every advice given so far.
    pub fn into_advice(self) -> Vec<Advice> {
        self.given
    }

    fn remedy(&mut self, index: usize, action: &str) -> (Option<Remedy>, Vec<Tried>) {
        let mut tried = Vec::new();
        let Some(statement) = self.proposed.statements.iter().find(|s| s.index == index) else {
            return (None, tried);
        };
        let allowing: Vec<&Statement> =
            breaks::allowing_statements(self.baseline, action).collect();
        let resource_policy = self.options.policy_type == PolicyType::Resource;
        let all = candidates::candidates(statement, action, &allowing, resource_policy);
        for candidate in all.into_iter().take(MAX_CANDIDATES) {
            // What is proved is the statement as printed, read back by the parser.
            let (after, read) = match &candidate.statement {
                None => (None, None),
                Some(s) => match document::round_trip(s, self.proposed.version) {
                    Some((json, read)) => (Some(json), Some(read)),
                    None => {
                        tried.push(Tried {
                            edit: candidate.edit,
                            outcome: "unprintable",
                            reason: Some("the edited statement does not read back the same".into()),
                        });
                        continue;
                    }
                },
            };
            let edited = self.with_statement(index, read);
            match self.prove(&edited, action) {
                Ok(scope) => {
                    let remedy = Remedy {
                        edit: candidate.edit,
                        statement: index,
                        sid: statement.sid.clone(),
                        change: candidate.change,
                        statement_after: after,
                        proved: true,
                        scope,
                    };
                    return (Some(remedy), tried);
                }
                Err((outcome, reason)) => tried.push(Tried {
                    edit: candidate.edit,
                    outcome,
                    reason,
                }),
            }
        }
        (None, tried)
    }

    /// The proposal with statement `index` replaced (or removed).
    fn with_statement(&self, index: usize, statement: Option<Statement>) -> Policy {
        let mut edited = self.proposed.clone();
        edited.statements = self
            .proposed
            .statements
            .iter()
            .filter_map(|s| {
                if s.index == index {
                    statement.clone()
                } else {
                    Some(s.clone())
                }
            })
            .collect();
        edited
    }

    /// Proves that `edited` allows no request for `action` beyond the baseline; then asks
    /// whether it passes the whole check. Err: `fails` or `unknown` with the reason.
    fn prove(
        &mut self,
        edited: &Policy,
        action: &str,
    ) -> Result<Scope, (&'static str, Option<String>)> {
        let still_allowed = |same_action: bool| {
            self.known.iter().any(|r| {
                r.action.eq_ignore_ascii_case(action) == same_action
                    && evaluate(edited, r, self.options.policy_type).allowed() == Some(true)
            })
        };
        if still_allowed(true) {
            return Err(("fails", None));
        }
        let scoped = only_action(edited, action, self.options.policy_type);
        let verdict = match &scoped {
            // Only requests for the action are asked about: the baseline's slice decides them.
            Some(scoped) => self.verdict(scoped, &slice(self.baseline, action)),
            None => self.verdict(edited, self.baseline),
        };
        match verdict {
            Verdict::Holds if scoped.is_none() => return Ok(Scope::Policy),
            Verdict::Holds => {}
            Verdict::Violated(found) => {
                // Every candidate narrows the original, so what the edit still allows the
                // original allows too: a witness that can settle the next candidates.
                for c in found {
                    self.know(&c.request);
                }
                return Err(("fails", None));
            }
            Verdict::Unknown(reason) => return Err(("unknown", Some(reason.to_string()))),
        }
        if still_allowed(false) {
            return Ok(Scope::Action);
        }
        match self.verdict(edited, self.baseline) {
            Verdict::Holds => Ok(Scope::Policy),
            _ => Ok(Scope::Action),
        }
    }

    fn verdict(&self, policy: &Policy, baseline: &Policy) -> Verdict {
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Verdict::Unknown(crate::explain::UnknownReason::EncodingTimeout {
                limit_ms: self.options.timeout.as_millis(),
            });
        }
        let options = CheckOptions {
            timeout: remaining,
            ..self.options.clone()
        };
        check_no_new_access(policy, baseline, &options)
    }
}

/// `policy` restricted to requests for `action`: its statements that can apply to such a
/// request (the others never do), and a Deny of every other action. None when the action name
/// has wildcard characters (it cannot be excluded exactly).
fn only_action(policy: &Policy, action: &str, policy_type: PolicyType) -> Option<Policy> {
    if action.contains(['*', '?']) {
        return None;
    }
    let mut scoped = slice(policy, action);
    let index = policy
        .statements
        .iter()
        .map(|s| s.index + 1)
        .max()
        .unwrap_or(0);
    scoped.statements.push(Statement {
        index,
        sid: None,
        effect: Effect::Deny,
        principal: match policy_type {
            PolicyType::Resource => PrincipalClause::Principal(PrincipalSet {
                everyone: true,
                entries: Vec::new(),
            }),
            PolicyType::Identity => PrincipalClause::Absent,
        },
        action: ActionClause::NotAction(vec![ActionPattern {
            text: action.to_string(),
            glob: Glob::wildcard(&action.to_lowercase()),
        }]),
        resource: ResourceClause::Absent,
        conditions: Vec::new(),
        location: Default::default(),
    });
    Some(scoped)
}

/// Adds advice to the `new-access` findings of a findings report (`check --spec`: the spec's
/// baseline is the rule).
pub fn advise_findings(
    report: &mut crate::report::findings::FindingsReport,
    proposed: &Policy,
    baseline: &Policy,
    options: &CheckOptions,
) {
    use crate::access::FindingKind;
    if !report
        .findings
        .iter()
        .any(|f| f.kind == FindingKind::NewAccess)
    {
        return;
    }
    let mut advisor = Advisor::new(proposed, baseline, options);
    for f in &report.findings {
        if f.kind == FindingKind::NewAccess {
            advisor.know(&f.request);
        }
    }
    report.advice = report
        .findings
        .iter()
        .map(|f| match f.kind {
            FindingKind::NewAccess => advisor.advise_request(&f.request),
            _ => None,
        })
        .collect();
}

/// The statements of `policy` whose Action/NotAction admits `action`: for requests for that
/// action the policy decides exactly as the slice does.
fn slice(policy: &Policy, action: &str) -> Policy {
    Policy {
        statements: policy
            .statements
            .iter()
            .filter(|s| crate::eval::action_matches(&s.action, action))
            .cloned()
            .collect(),
        ..policy.clone()
    }
}

#[cfg(test)]
mod tests;
