//! What the access families judge a finding or a sampled request by: whether AWS could send
//! it, whether it is for a question's target, and the outcome counts. Shared by
//! `tests/differential_access.rs` and `tests/differential_guardrails.rs`.
#![allow(dead_code, clippy::unwrap_used)]

use super::run::Tally;
use keyaki::pattern::Glob;
use keyaki::request::callers::caller_inconsistency;
use keyaki::request::{Principal, Request};
use keyaki::{CheckResult, FindingsReport};
use serde_json::Value;

/// What AWS sends: the replay's rules, and the keys naming the caller's account agree with the
/// caller's own account (the truth the prover's account lemmas state for named accounts only).
pub fn sendable(r: &Request) -> bool {
    caller_inconsistency(r).is_none()
        && own_account(&r.principal).is_none_or(|account| {
            let own = std::collections::BTreeSet::from([account]);
            keyaki::access::callers::account_inconsistency(r, &own).is_none()
        })
}

pub fn own_account(principal: &Principal) -> Option<String> {
    let Principal::Aws(id) = principal else {
        return None;
    };
    if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
        return Some(id.clone());
    }
    keyaki::arn::Arn::parse(id)
        .map(|arn| arn.account.to_string())
        .filter(|a| !a.is_empty())
}

/// The request is for one of the listed actions (and, when resources are listed, one of them).
pub fn granted_target(actions: &[String], resources: &[String], r: &Request) -> bool {
    let action = r.action.to_lowercase();
    actions
        .iter()
        .any(|a| Glob::wildcard(&a.to_lowercase()).matches(&action))
        && (resources.is_empty()
            || r.resource
                .as_deref()
                .is_some_and(|res| resources.iter().any(|p| Glob::arn(p).matches(res))))
}

pub fn label(report: &FindingsReport) -> &'static str {
    match report.result {
        CheckResult::Pass => "pass",
        CheckResult::Fail => "fail",
        _ => "unknown",
    }
}

/// Counts the outcome; keeps an unknown's reason and policy as an example.
pub fn count(tally: &Tally, report: &FindingsReport, policy: &Value) {
    count_asked(tally, report, "", policy);
}

/// `count`, the example naming the question too (policy type, actions, zone...).
pub fn count_asked(tally: &Tally, report: &FindingsReport, question: &str, policy: &Value) {
    let outcome = label(report);
    tally.count(outcome);
    if outcome == "unknown" {
        let reason = report.reason.as_deref().unwrap_or("");
        tally.example("unknown", format!("{question} {reason}\n    {policy}"));
    }
}

pub fn show(r: &Request) -> String {
    serde_json::to_string(r).unwrap()
}

/// An unknown is fine (counted); an internal error or a failed replay is a bug.
pub fn assert_no_internal_error(report: &FindingsReport, policy: &Value) {
    if let Some(reason) = &report.reason {
        assert!(
            !reason.contains("internal error") && !reason.contains("did not replay"),
            "internal error: {reason}\npolicy: {policy}"
        );
    }
}
