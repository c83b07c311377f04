//! Candidate edits of one proposed statement, each a narrowing of it by construction (see
//! `encodings/remedies.md`): narrow the Resource to the baseline's, narrow the Principal to the
//! baseline's, add a baseline statement's conditions, both of the first and third, or drop the
//! action. The prover decides which of them fix the finding.

use super::EditKind;
use crate::access::conditions_json;
use crate::automata::is_subset;
use crate::model::{
    ActionClause, ActionPattern, PrincipalClause, PrincipalEntry, PrincipalSet, ResourceClause,
    ResourcePattern, Statement,
};
use crate::pattern::Glob;
use serde::Serialize;
use serde_json::Value;

/// One edit of the responsible statement.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub edit: EditKind,
    /// The statement after the edit; None removes it.
    pub statement: Option<Statement>,
    pub change: Change,
}

/// What an edit changes, for the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Change {
    /// Action patterns removed from Action, or the action added to NotAction.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<String>,
    /// The new Resource list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<Vec<String>>,
    /// The new Principal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<Value>,
    /// The conditions added, `{Operator: {Key: [values]}}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Value>,
}

/// Every candidate for `statement` and `action`, most of the original kept first; `allowing`
/// are the baseline's Allow statements that name the action.
pub fn candidates(
    statement: &Statement,
    action: &str,
    allowing: &[&Statement],
    resource_policy: bool,
) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    let mut push = |candidate: Candidate| {
        if !out.iter().any(|c| c.statement == candidate.statement) {
            out.push(candidate);
        }
    };
    if allowing.len() > 1 {
        if let Some(c) = narrow_resource(statement, allowing) {
            push(c);
        }
    }
    for b in allowing {
        if let Some(c) = narrow_resource(statement, std::slice::from_ref(b)) {
            push(c);
        }
    }
    if resource_policy {
        if let Some(c) = narrow_principal(statement, allowing) {
            push(c);
        }
    }
    for b in allowing {
        if let Some(c) = add_conditions(statement, b) {
            push(c);
        }
    }
    for b in allowing {
        let narrowed = narrow_resource(statement, std::slice::from_ref(b));
        let both = narrowed.and_then(|n| {
            let s = n.statement.as_ref()?;
            let c = add_conditions(s, b)?;
            Some(Candidate {
                edit: EditKind::NarrowResourceAndAddCondition,
                statement: c.statement,
                change: Change {
                    resources: n.change.resources,
                    conditions: c.change.conditions,
                    ..Change::default()
                },
            })
        });
        if let Some(c) = both {
            push(c);
        }
    }
    if let Some(c) = drop_action(statement, action) {
        push(c);
    }
    out
}

/// `L(a) ⊆ L(b)` for resource patterns, proved by the glob automata; patterns with policy
/// variables only when written alike.
fn resource_subset(a: &ResourcePattern, b: &ResourcePattern) -> bool {
    if a.text == b.text {
        return true;
    }
    match (a.template.as_plain(), b.template.as_plain()) {
        (Some(a), Some(b)) => is_subset(&Glob::from_chars(&a, true), &Glob::from_chars(&b, true)),
        _ => false,
    }
}

/// The statement's Resource cut down to the baseline statements' resources: each pair of
/// patterns contributes the smaller one when one contains the other (the intersection, where a
/// pattern can express it). Every kept pattern lies inside one of the statement's.
fn narrow_resource(statement: &Statement, baseline: &[&Statement]) -> Option<Candidate> {
    let ResourceClause::Resource(own) = &statement.resource else {
        return None;
    };
    let mut kept: Vec<ResourcePattern> = Vec::new();
    for b in baseline {
        let ResourceClause::Resource(theirs) = &b.resource else {
            // Absent covers everything (nothing to narrow); NotResource cannot be intersected
            // into a Resource list.
            continue;
        };
        for p in own {
            for q in theirs {
                if resource_subset(q, p) {
                    kept.push(q.clone());
                } else if resource_subset(p, q) {
                    kept.push(p.clone());
                }
            }
        }
    }
    // Drop patterns another kept pattern already covers.
    let mut minimal: Vec<ResourcePattern> = Vec::new();
    for (i, p) in kept.iter().enumerate() {
        let covered = kept
            .iter()
            .enumerate()
            .any(|(j, q)| j != i && resource_subset(p, q) && !(resource_subset(q, p) && j > i));
        if !covered && !minimal.contains(p) {
            minimal.push(p.clone());
        }
    }
    let unchanged = own
        .iter()
        .all(|p| minimal.iter().any(|q| resource_subset(p, q)));
    if minimal.is_empty() || unchanged {
        return None;
    }
    let mut edited = statement.clone();
    edited.resource = ResourceClause::Resource(minimal.clone());
    Some(Candidate {
        edit: EditKind::NarrowResource,
        statement: Some(edited),
        change: Change {
            resources: Some(minimal.into_iter().map(|p| p.text).collect()),
            ..Change::default()
        },
    })
}

fn account_of(entry: &PrincipalEntry) -> Option<&str> {
    match entry {
        PrincipalEntry::Account { account, .. } | PrincipalEntry::Role { account, .. } => {
            Some(account)
        }
        PrincipalEntry::AwsArn { arn } => arn.split(':').nth(4).filter(|a| !a.is_empty()),
        _ => None,
    }
}

/// Does the baseline statement's Principal name `entry` (or its account)?
fn names_principal(b: &Statement, entry: &PrincipalEntry) -> bool {
    match &b.principal {
        PrincipalClause::Principal(set) => {
            set.everyone
                || set.entries.iter().any(|theirs| {
                    theirs == entry
                        || matches!(theirs, PrincipalEntry::Account { account, .. }
                            if account_of(entry) == Some(account.as_str()))
                })
        }
        // NotPrincipal / none: not a list of principals to narrow to.
        _ => false,
    }
}

/// The statement's Principal cut down to the principals the baseline statements name: a
/// subset of its entries, or (for `"*"`) the baseline's own entries.
fn narrow_principal(statement: &Statement, baseline: &[&Statement]) -> Option<Candidate> {
    let PrincipalClause::Principal(set) = &statement.principal else {
        return None;
    };
    let entries: Vec<PrincipalEntry> = if set.everyone {
        let mut union: Vec<PrincipalEntry> = Vec::new();
        for b in baseline {
            match &b.principal {
                PrincipalClause::Principal(theirs) if !theirs.everyone => {
                    for e in &theirs.entries {
                        if !union.contains(e) {
                            union.push(e.clone());
                        }
                    }
                }
                _ => return None,
            }
        }
        union
    } else {
        set.entries
            .iter()
            .filter(|e| baseline.iter().any(|b| names_principal(b, e)))
            .cloned()
            .collect()
    };
    if entries.is_empty() || (!set.everyone && entries.len() == set.entries.len()) {
        return None;
    }
    let narrowed = PrincipalSet {
        everyone: false,
        entries,
    };
    let mut edited = statement.clone();
    edited.principal = PrincipalClause::Principal(narrowed.clone());
    Some(Candidate {
        edit: EditKind::NarrowPrincipal,
        statement: Some(edited),
        change: Change {
            principal: Some(super::document::principal_json(&narrowed)),
            ..Change::default()
        },
    })
}

/// The statement with the baseline statement's conditions added (AND). Not offered when an
/// operator and key it already has would be overwritten with other values (the JSON has one
/// entry per operator and key).
fn add_conditions(statement: &Statement, b: &Statement) -> Option<Candidate> {
    let mut edited = statement.clone();
    let mut added = Vec::new();
    for theirs in &b.conditions {
        let same_slot = |c: &&crate::model::Condition| {
            c.operator.text.eq_ignore_ascii_case(&theirs.operator.text)
                && c.key_lower == theirs.key_lower
        };
        match statement.conditions.iter().find(same_slot) {
            Some(own) if own.values == theirs.values => {}
            Some(_) => return None,
            None => {
                edited.conditions.push(theirs.clone());
                added.push(theirs.clone());
            }
        }
    }
    if added.is_empty() {
        return None;
    }
    let shown = Statement {
        conditions: added,
        ..statement.clone()
    };
    Some(Candidate {
        edit: EditKind::AddCondition,
        statement: Some(edited),
        change: Change {
            conditions: Some(conditions_json(&shown)),
            ..Change::default()
        },
    })
}

/// Action: remove every pattern that matches the action (the statement goes when none is
/// left). NotAction: add the action to it.
fn drop_action(statement: &Statement, action: &str) -> Option<Candidate> {
    let lower = action.to_lowercase();
    let mut edited = statement.clone();
    match &statement.action {
        ActionClause::Action(patterns) => {
            let (dropped, kept): (Vec<&ActionPattern>, Vec<&ActionPattern>) =
                patterns.iter().partition(|p| p.glob.matches(&lower));
            if dropped.is_empty() {
                return None;
            }
            let change = Change {
                actions: dropped.iter().map(|p| p.text.clone()).collect(),
                ..Change::default()
            };
            if kept.is_empty() {
                return Some(Candidate {
                    edit: EditKind::RemoveStatement,
                    statement: None,
                    change,
                });
            }
            edited.action = ActionClause::Action(kept.into_iter().cloned().collect());
            Some(Candidate {
                edit: EditKind::DropAction,
                statement: Some(edited),
                change,
            })
        }
        ActionClause::NotAction(patterns) => {
            if action.contains(['*', '?']) {
                return None;
            }
            let mut patterns = patterns.clone();
            patterns.push(ActionPattern {
                text: action.to_string(),
                glob: Glob::wildcard(&lower),
            });
            edited.action = ActionClause::NotAction(patterns);
            Some(Candidate {
                edit: EditKind::ExcludeAction,
                statement: Some(edited),
                change: Change {
                    actions: vec![action.to_string()],
                    ..Change::default()
                },
            })
        }
    }
}
