//! The rule a finding breaks: what the baseline says about the finding's action, and the
//! proposed statement that grants it. Only facts read off the two policies and the replayed
//! decisions; nothing is inferred.

use super::document::principal_json;
use crate::access::conditions_json;
use crate::eval::{action_matches, Decision, Evaluation, PolicyType};
use crate::model::{ActionClause, Effect, Policy, PrincipalClause, ResourceClause, Statement};
use serde::Serialize;
use serde_json::{json, Value};

/// What the baseline (or spec baseline) says about the action, and who grants it instead.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breaks {
    /// The action of the request, as the request names it.
    pub action: String,
    /// The baseline's rule for that action.
    pub baseline: BaselineRule,
    /// The proposed statement responsible (the first that allowed the request).
    pub granted_by: StatementSummary,
    /// Other proposed statements that allowed the same request (indices).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_granted_by: Vec<usize>,
}

/// The baseline's rule for one action.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "rule", rename_all = "kebab-case")]
pub enum BaselineRule {
    /// No Allow statement of the baseline names the action.
    NeverAllows,
    /// Baseline Deny statements deny the request.
    DeniedBy { statements: Vec<StatementSummary> },
    /// The Allow statements of the baseline that name the action: it allows the action only
    /// through these (their principals, resources and conditions).
    AllowsOnly { statements: Vec<StatementSummary> },
}

/// One statement as far as a finding needs it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatementSummary {
    pub index: usize,
    pub sid: Option<String>,
    /// `"*"`, `{"AWS": ...}`, `{"NotPrincipal": ...}`; absent for identity policies.
    #[serde(skip_serializing_if = "Value::is_null")]
    pub principal: Value,
    /// The statement's action patterns that match the action (`NOT x` for NotAction: the
    /// action is not excluded).
    pub actions: Vec<String>,
    /// Resource patterns as written; `NOT x` for NotResource; `*` when there is none.
    pub resources: Vec<String>,
    /// `{Operator: {Key: [values]}}`, `{}` when none.
    pub conditions: Value,
}

impl StatementSummary {
    pub fn of(statement: &Statement, action: &str, policy_type: PolicyType) -> StatementSummary {
        let principal = match (&statement.principal, policy_type) {
            (_, PolicyType::Identity) | (PrincipalClause::Absent, _) => Value::Null,
            (PrincipalClause::Principal(set), _) => principal_json(set),
            (PrincipalClause::NotPrincipal(set), _) => json!({"NotPrincipal": principal_json(set)}),
        };
        let lower = action.to_lowercase();
        let actions = match &statement.action {
            ActionClause::Action(p) => p
                .iter()
                .filter(|a| a.glob.matches(&lower))
                .map(|a| a.text.clone())
                .collect(),
            ActionClause::NotAction(p) => p.iter().map(|a| format!("NOT {}", a.text)).collect(),
        };
        let resources = match &statement.resource {
            ResourceClause::Absent => vec!["*".to_string()],
            ResourceClause::Resource(p) => p.iter().map(|r| r.text.clone()).collect(),
            ResourceClause::NotResource(p) => p.iter().map(|r| format!("NOT {}", r.text)).collect(),
        };
        StatementSummary {
            index: statement.index,
            sid: statement.sid.clone(),
            principal,
            actions,
            resources,
            conditions: conditions_json(statement),
        }
    }
}

/// The rule `request`'s action breaks, from the replayed decisions of both policies.
pub fn breaks(
    proposed: &Policy,
    baseline: &Policy,
    action: &str,
    proposed_eval: &Evaluation,
    baseline_eval: &Evaluation,
    policy_type: PolicyType,
) -> Option<Breaks> {
    let mut allowing = proposed_eval.statements.iter().map(|m| m.index);
    let first = allowing.next()?;
    let statement = proposed.statements.iter().find(|s| s.index == first)?;
    let summary = |s: &Statement| StatementSummary::of(s, action, policy_type);
    // Denied by statements only when no undocumented value can lift the deny.
    let rule = if baseline_eval.known_decision() == Some(Decision::ExplicitDeny) {
        BaselineRule::DeniedBy {
            statements: baseline_eval
                .statements
                .iter()
                .filter_map(|m| baseline.statements.iter().find(|s| s.index == m.index))
                .map(summary)
                .collect(),
        }
    } else {
        let statements: Vec<StatementSummary> =
            allowing_statements(baseline, action).map(summary).collect();
        if statements.is_empty() {
            BaselineRule::NeverAllows
        } else {
            BaselineRule::AllowsOnly { statements }
        }
    };
    Some(Breaks {
        action: action.to_string(),
        baseline: rule,
        granted_by: summary(statement),
        also_granted_by: allowing.collect(),
    })
}

/// The baseline's Allow statements whose Action/NotAction admits `action`.
pub fn allowing_statements<'p>(
    baseline: &'p Policy,
    action: &'p str,
) -> impl Iterator<Item = &'p Statement> + 'p {
    baseline
        .statements
        .iter()
        .filter(move |s| s.effect == Effect::Allow && action_matches(&s.action, action))
}
