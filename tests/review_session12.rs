//! Session 12's soundness review: two refuted passes, both where the symbolic universe and the
//! evaluator disagreed on how many values a key holds (`encodings/multivalued-keys.md`).
//! Every pass here is one the old prover claimed and a concrete request refuted; every fail's
//! counterexample replays (`findings::check`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../fuzz/gen/findings.rs"]
mod findings;
#[path = "../fuzz/gen/mod.rs"]
mod gen;
#[path = "../fuzz/gen/oracles.rs"]
mod oracles;

use findings::{assert_fails, open_identity, policy};
use keyaki::eval::{evaluate, Decision, PolicyType};
use keyaki::explain::Verdict;
use serde_json::json;

fn decision(statements: serde_json::Value, request: serde_json::Value) -> Decision {
    let p = oracles::parse_generated_policy(&policy(statements));
    let r = keyaki::parse::parse_request(request.to_string().as_bytes(), "request.json")
        .expect("the request parses");
    evaluate(&p, &r, PolicyType::Identity).decision
}

/// A custom key read by a template with a default, one condition on it: the prover gave it one
/// slot, so "present" meant "single" and the pair was "proved". With two values `${k, 'none'}`
/// reads `none`: `custom:team = ["x", "y"]` on `b/none/o` is allowed by the proposal only.
#[test]
fn a_multivalued_key_read_by_a_template_may_hold_two_values() {
    let proposed = json!([{"Effect":"Allow","Action":"s3:GetObject",
        "Resource":"arn:aws:s3:::b/${custom:team, 'none'}/*",
        "Condition":{"StringLike":{"custom:team":"*"}}}]);
    let baseline = json!([{"Effect":"Allow","Action":"s3:GetObject",
        "Resource":"arn:aws:s3:::b/${custom:team}/*"}]);
    let request = json!({"principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},
        "action":"s3:GetObject","resource":"arn:aws:s3:::b/none/o",
        "context":{"custom:team":["x","y"]}});
    assert_eq!(decision(proposed.clone(), request.clone()), Decision::Allow);
    assert_eq!(decision(baseline.clone(), request), Decision::ImplicitDeny);
    assert_fails(proposed, baseline, &open_identity());
}

/// The same root through the self-reference lemma: `StringNotEquals custom:k "${custom:k}"`
/// holds when the key has two values (the variable does not resolve), so the proposal grants
/// something; it was "proved" to grant nothing, then (one slot more) a cycle give-up because two
/// slots given one value were collapsed to a single value.
#[test]
fn a_key_unequal_to_itself_holds_with_two_values() {
    let proposed = json!([{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
        "Condition":{"StringNotEquals":{"custom:k":"${custom:k}"},"Null":{"custom:k":"false"}}}]);
    let baseline = json!([{"Effect":"Allow","Action":"s3:GetObject",
        "Resource":"arn:aws:s3:::nothing"}]);
    let verdict = findings::check(proposed, baseline, &open_identity());
    let Verdict::Violated(examples) = verdict else {
        panic!("expected a counterexample, got {verdict:?}");
    };
    let values = examples[0].request.context_values("custom:k").unwrap();
    assert!(values.len() >= 2, "{values:?}");
}

/// A key the catalog types single-valued given one value twice is that value: the evaluator
/// resolves `${aws:RequestedRegion}` as the prover's one slot does, so the pass stands.
#[test]
fn a_single_valued_key_given_twice_is_one_value() {
    let proposed = json!([{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
        "Condition":{"StringNotEquals":{"aws:RequestedRegion":"${aws:RequestedRegion}"},
            "Null":{"aws:RequestedRegion":"false"}}}]);
    let request = json!({"principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},
        "action":"s3:GetObject","resource":"arn:aws:s3:::b/o",
        "context":{"aws:RequestedRegion":["us-east-1","us-east-1"]}});
    assert_eq!(decision(proposed.clone(), request), Decision::ImplicitDeny);
    let baseline = json!([{"Effect":"Allow","Action":"s3:GetObject",
        "Resource":"arn:aws:s3:::nothing"}]);
    assert_eq!(
        findings::check(proposed, baseline, &open_identity()),
        Verdict::Holds
    );
}

/// A multivalued key keeps equal entries as they are: `["x", "x"]` is two values, so the
/// template does not resolve (the concretizer may print such a request).
#[test]
fn a_multivalued_key_keeps_equal_entries() {
    let statements = json!([{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
        "Condition":{"StringNotEquals":{"custom:k":"${custom:k}"},"Null":{"custom:k":"false"}}}]);
    let request = json!({"principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},
        "action":"s3:GetObject","resource":"arn:aws:s3:::b/o",
        "context":{"custom:k":["x","x"]}});
    assert_eq!(decision(statements, request), Decision::Allow);
}

/// Review campaign (fuzz4, case 40168), a FAIL the prover left unknown (timeout): the prefix
/// equals the team and, ignoring case, `*${username}/` (the `*` literal); the baseline denies
/// `b/*/${username}/`. Counterexample (`keyaki eval`: proposal Allow, baseline ExplicitDeny):
/// user `a`, team = prefix = `*a/`, resource `arn:aws:s3:::b/A*a/a/`.
#[test]
fn prefix_equal_to_team_and_star_user_slash_against_deny_on_user_folder_fails() {
    assert_fails(
        json!([{"Effect":"Allow","Action":"s3:GetObject",
            "Resource":"arn:aws:s3:::b/A${aws:PrincipalTag/team}a/",
            "Condition":{"StringEquals":{"s3:prefix":"${aws:PrincipalTag/team}"},
                "StringEqualsIgnoreCase":{"s3:prefix":"*${aws:username}/"}}}]),
        json!([{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
            {"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*/${aws:username}/"}]),
        &open_identity(),
    );
}

/// Review campaign (fuzz6, case 60002), a FAIL the prover gave up on (cycle): dept equals
/// `${s3:prefix}k` ignoring case and is not `*${team}`; the baseline asks dept unequal to
/// `${team}${dept}` ignoring case, which fails only for an empty team. Counterexample (`keyaki
/// eval`: proposal Allow, baseline ImplicitDeny): team ``, dept `k`, prefix ``.
#[test]
/// Decided on merged session-12 main (the session's merged work together): replayed fail.
fn dept_equal_to_prefix_k_against_dept_unequal_to_team_dept_fails() {
    assert_fails(
        json!([{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
            "Condition":{"StringEqualsIgnoreCase":{"aws:PrincipalTag/dept":"${s3:prefix}k"},
                "StringNotEquals":{"aws:PrincipalTag/dept":"*${aws:PrincipalTag/team}"}}}]),
        json!([{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
            "Condition":{"StringNotEqualsIgnoreCase":{
                "aws:PrincipalTag/dept":"${aws:PrincipalTag/team}${aws:PrincipalTag/dept}"}}}]),
        &open_identity(),
    );
}
