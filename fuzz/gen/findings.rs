//! What the shrunk-findings tests share: a pair's check under chosen universes (the families'
//! 30 s timeout), every counterexample replayed through the evaluator, and the verdicts a
//! finding must reach. Used by `tests/differential_findings_*.rs` (session 9 on).
#![allow(dead_code, clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use super::oracles;
use keyaki::eval::PolicyType;
use keyaki::explain::{check_no_new_access, CheckOptions, Verdict};
use keyaki::{ActionUniverse, ResourceUniverse};
use serde_json::{json, Value};
use std::time::Duration;

pub fn policy(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// 30 s: a pair that needs more is unknown for these tests (the families' timeout).
pub fn options(
    ty: PolicyType,
    actions: ActionUniverse,
    resources: ResourceUniverse,
) -> CheckOptions {
    CheckOptions {
        timeout: Duration::from_secs(30),
        action_universe: actions,
        resource_universe: resources,
        ..oracles::options(ty)
    }
}

pub fn open_identity() -> CheckOptions {
    options(
        PolicyType::Identity,
        ActionUniverse::Open,
        ResourceUniverse::Open,
    )
}

/// The check of `proposed` against `baseline` (statement lists); counterexamples replay.
pub fn check(proposed: Value, baseline: Value, options: &CheckOptions) -> Verdict {
    let p = oracles::parse_generated_policy(&policy(proposed));
    let b = oracles::parse_generated_policy(&policy(baseline));
    let verdict = check_no_new_access(&p, &b, options);
    oracles::assert_replays(&verdict, &p, &b, options.policy_type);
    verdict
}

pub fn assert_fails(proposed: Value, baseline: Value, options: &CheckOptions) {
    let verdict = check(proposed, baseline, options);
    assert!(matches!(verdict, Verdict::Violated(_)), "{verdict:?}");
}

pub fn assert_decided(proposed: Value, baseline: Value, options: &CheckOptions) {
    let verdict = check(proposed, baseline, options);
    assert!(!matches!(verdict, Verdict::Unknown(_)), "{verdict:?}");
}

/// One s3:GetObject statement on `*` per condition block.
pub fn allow_get_object(conditions: &[Value]) -> Value {
    Value::Array(
        conditions
            .iter()
            .map(|c| json!({"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":c}))
            .collect(),
    )
}
