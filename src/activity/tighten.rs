//! `--tighten` and `--as-deny`: a narrower policy (or the deny statement that narrows it), with
//! three proofs, each printed:
//! 1. tightened ⊆ original: no request is allowed that the original denies (`check`);
//! 2. every request observed in the window that the original allows is still allowed (replayed
//!    through the evaluator; Access Advisor has no requests, so one request per used action on
//!    the catalog's example resource stands for them);
//! 3. every removed service or action is no longer granted (`check-access-not-granted`).

use super::unused::{Activity, UnusedReport, Window};
use crate::access::{find, Target};
use crate::catalog::catalog;
use crate::eval::{evaluate, Decision, PolicyType};
use crate::explain::{check_no_new_access, CheckOptions, Verdict};
use crate::model::Policy;
use crate::pattern::Glob;
use crate::request::{Principal, Request};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// One proof's outcome: `holds` is `None` when the prover could not decide.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Proof {
    pub name: &'static str,
    pub holds: Option<bool>,
    pub detail: String,
}

#[derive(Debug, Clone)]
pub struct Tightened {
    /// The narrower policy (`--tighten`) or the deny statement (`--as-deny`).
    pub output: Value,
    /// The policy the proofs are about (for `--as-deny`, the original plus the statement).
    pub policy: Value,
    pub proofs: Vec<Proof>,
}

impl Tightened {
    pub fn proved(&self) -> bool {
        self.proofs.iter().all(|p| p.holds == Some(true))
    }
}

fn statements(document: &Value) -> Vec<Value> {
    match document.get("Statement") {
        Some(Value::Array(list)) => list.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => Vec::new(),
    }
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// The original with each Allow statement's Action narrowed: removed services dropped, removed
/// actions replaced by the kept ones; NotAction statements kept, with a Deny for what they
/// would still grant. Every step only narrows an Allow, so the result is never wider.
pub fn narrow(document: &Value, report: &UnusedReport) -> Value {
    let removed_services: BTreeSet<&str> =
        report.services.iter().map(|(s, _)| s.as_str()).collect();
    let removed_actions: BTreeSet<String> = report
        .actions
        .iter()
        .map(|(a, _)| a.to_lowercase())
        .collect();
    let mut out = Vec::new();
    let mut not_action = false;
    for statement in statements(document) {
        let allow = statement.get("Effect").and_then(Value::as_str) == Some("Allow");
        if !allow || statement.get("Action").is_none() {
            not_action |= allow && statement.get("NotAction").is_some();
            out.push(statement);
            continue;
        }
        let mut kept: Vec<String> = Vec::new();
        for pattern in strings(statement.get("Action")) {
            let lower = pattern.to_lowercase();
            let matched = catalog().actions_matching(&Glob::wildcard(&lower));
            if matched.is_empty() {
                // No catalog action (an unknown service): nothing the activity can speak for.
                kept.push(pattern);
                continue;
            }
            let literal_service = lower
                .split(':')
                .next()
                .is_some_and(|s| !s.contains(['*', '?']));
            let mut by_service: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            for a in &matched {
                by_service
                    .entry(a.service.as_str())
                    .or_default()
                    .push(a.full_name.as_str());
            }
            for (service, actions) in by_service {
                if removed_services.contains(service) {
                    continue;
                }
                let any_removed = actions
                    .iter()
                    .any(|a| removed_actions.contains(&a.to_lowercase()));
                if any_removed {
                    kept.extend(
                        actions
                            .iter()
                            .filter(|a| !removed_actions.contains(&a.to_lowercase()))
                            .map(|a| a.to_string()),
                    );
                } else if literal_service {
                    kept.push(pattern.clone());
                } else if lower.ends_with(":*") || lower == "*" {
                    kept.push(format!("{service}:*"));
                } else {
                    kept.extend(actions.iter().map(|a| a.to_string()));
                }
            }
        }
        kept.dedup();
        if kept.is_empty() {
            continue;
        }
        let mut narrowed = statement.clone();
        narrowed["Action"] = json!(kept);
        out.push(narrowed);
    }
    if not_action && !report.removed().is_empty() {
        out.push(deny_statement(report));
    }
    let mut tightened = document.clone();
    tightened["Statement"] = Value::Array(out);
    tightened
}

/// The statement the Config-rule workflow adds: deny every unused service and action.
pub fn deny_statement(report: &UnusedReport) -> Value {
    json!({"Sid": "DenyUnusedAccess", "Effect": "Deny", "Action": report.removed(), "Resource": "*"})
}

/// Builds the output and runs the three proofs.
pub fn tighten(
    document: &Value,
    original: &Policy,
    report: &UnusedReport,
    activity: &Activity,
    as_deny: bool,
    options: &CheckOptions,
) -> crate::Result<Tightened> {
    let (output, candidate) = if as_deny {
        let statement = deny_statement(report);
        let mut with = document.clone();
        let mut list = statements(document);
        list.push(statement.clone());
        with["Statement"] = Value::Array(list);
        (statement, with)
    } else {
        let narrowed = narrow(document, report);
        (narrowed.clone(), narrowed)
    };
    let proofs = prove(&candidate, original, report, activity, options)?;
    Ok(Tightened {
        output,
        policy: candidate,
        proofs,
    })
}

/// The three proofs for a candidate narrower policy (any candidate: a wrong one fails them).
pub fn prove(
    candidate: &Value,
    original: &Policy,
    report: &UnusedReport,
    activity: &Activity,
    options: &CheckOptions,
) -> crate::Result<Vec<Proof>> {
    let tightened = crate::policy_from_value(candidate, "tightened policy")?;
    let options = CheckOptions {
        policy_type: PolicyType::Identity,
        ..options.clone()
    };
    Ok(vec![
        subset_proof(&tightened, original, &options),
        replay_proof(&tightened, original, activity, report.window, report),
        removed_proof(&tightened, report, &options),
    ])
}

fn subset_proof(tightened: &Policy, original: &Policy, options: &CheckOptions) -> Proof {
    let name = "tightened allows nothing the original denies";
    match check_no_new_access(tightened, original, options) {
        Verdict::Holds => Proof {
            name,
            holds: Some(true),
            detail: "proved (unsat)".into(),
        },
        Verdict::Violated(list) => Proof {
            name,
            holds: Some(false),
            detail: format!(
                "counterexample: {}",
                serde_json::to_string(&list.first().map(|c| &c.request)).unwrap_or_default()
            ),
        },
        Verdict::Unknown(reason) => Proof {
            name,
            holds: None,
            detail: reason.to_string(),
        },
    }
}

fn replay_proof(
    tightened: &Policy,
    original: &Policy,
    activity: &Activity,
    window: Option<Window>,
    report: &UnusedReport,
) -> Proof {
    let name = "every observed request the original allows is still allowed";
    let representative;
    let requests: Vec<&Request> = if activity.source == "cloudtrail" {
        activity
            .requests
            .iter()
            .filter(|(_, t)| window.is_none_or(|w| w.contains(*t)))
            .map(|(r, _)| r)
            .collect()
    } else {
        representative = representatives(activity, window, report);
        representative.iter().collect()
    };
    let (mut checked, mut broken, mut undetermined) = (0usize, Vec::new(), None);
    for request in requests {
        // A decision that depends on a value AWS leaves undocumented proves nothing either way.
        let before = evaluate(original, request, PolicyType::Identity);
        if let Some(reason) = before.unknown() {
            undetermined.get_or_insert(reason);
            continue;
        }
        if before.decision != Decision::Allow {
            continue;
        }
        let after = evaluate(tightened, request, PolicyType::Identity);
        if let Some(reason) = after.unknown() {
            undetermined.get_or_insert(reason);
            continue;
        }
        checked += 1;
        if after.decision != Decision::Allow {
            broken.push(format!(
                "{} {}",
                request.action,
                request.resource.as_deref().unwrap_or("")
            ));
        }
    }
    let kind = if activity.source == "cloudtrail" {
        "observed requests"
    } else {
        "representative requests of used actions (Access Advisor has no requests)"
    };
    if let (true, Some(reason)) = (broken.is_empty(), undetermined) {
        Proof {
            name,
            holds: None,
            detail: reason,
        }
    } else if broken.is_empty() {
        Proof {
            name,
            holds: Some(true),
            detail: format!("{checked} {kind} replayed: all still allowed"),
        }
    } else {
        Proof {
            name,
            holds: Some(false),
            detail: format!(
                "{} of {checked} {kind} now denied, e.g. {}",
                broken.len(),
                broken[0]
            ),
        }
    }
}

/// One request per used action of each used service, on the catalog's example resource.
fn representatives(
    activity: &Activity,
    window: Option<Window>,
    report: &UnusedReport,
) -> Vec<Request> {
    let principal = Principal::Aws("arn:aws:iam::111122223333:user/observed".into());
    let used_action = |lower: &str| {
        window.is_none_or(|w| w.contains(activity.actions.get(lower).copied().flatten()))
    };
    let mut out = Vec::new();
    for service in &report.used {
        for action in catalog().service_actions(service) {
            let tracked = activity.actions.contains_key(&action.lower_name);
            if tracked && !used_action(&action.lower_name) {
                continue;
            }
            let resource = catalog().example_resource(&action.lower_name);
            out.push(Request::new(
                principal.clone(),
                &action.full_name,
                resource.as_deref(),
            ));
        }
    }
    out
}

fn removed_proof(tightened: &Policy, report: &UnusedReport, options: &CheckOptions) -> Proof {
    let name = "every removed service and action is no longer granted";
    let removed = report.removed();
    if removed.is_empty() {
        return Proof {
            name,
            holds: Some(true),
            detail: "nothing removed".into(),
        };
    }
    let target = Target::Granted {
        actions: removed.clone(),
        resources: vec![],
    };
    let found = find(tightened, &target, options, PolicyType::Identity);
    match (found.findings.first(), found.unknown) {
        (Some(f), _) => Proof {
            name,
            holds: Some(false),
            detail: format!("still granted: {}", f.request.action),
        },
        (None, Some(reason)) => Proof {
            name,
            holds: None,
            detail: reason,
        },
        (None, None) => Proof {
            name,
            holds: Some(true),
            detail: format!("proved for {} items (unsat)", removed.len()),
        },
    }
}
