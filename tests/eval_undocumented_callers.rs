//! Every caller that turns an evaluation into a claim reads the three-valued answer
//! (`Evaluation::allowed`, `known_decision`, `new_access`): a decision that depends on a policy
//! variable in a typed condition value (encodings/typed-condition-variables.md) is unknown to
//! it, never Allow and never Deny. One test per caller that can meet such a policy without the
//! prover refusing it first: validate's concrete refutations and the plan rules.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{keyaki, policy};
use keyaki::eval::{evaluate, new_access, Decision, PolicyType};
use keyaki::parse::parse_json;
use keyaki::request::{Principal, Request};
use keyaki::validate::{validate_json, validate_json_prover_only, ValidateOptions};
use serde_json::{json, Value};

/// A condition whose outcome depends on what AWS does with a variable in a Numeric value
/// (the key is present on every request: the evaluator derives it from the caller).
fn undocumented() -> Value {
    json!({"NumericEquals": {"aws:PrincipalAccount": "${aws:PrincipalAccount}"}})
}

fn doc(statements: Vec<Value>) -> String {
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

fn get_object() -> Request {
    Request::new(
        Principal::Aws("arn:aws:iam::111122223333:user/alice".into()),
        "s3:GetObject",
        Some("arn:aws:s3:::b/k"),
    )
}

#[test]
fn allowed_is_decided_only_when_every_reading_agrees() {
    let allow = json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"});
    let deny = json!({"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"});
    let open_allow = json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                            "Condition": undocumented()});
    let open_deny = json!({"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*",
                           "Condition": undocumented()});
    let cases = [
        // (statements, allowed, known decision)
        (vec![allow.clone()], Some(true), Some(Decision::Allow)),
        (vec![open_allow.clone()], None, None),
        (vec![allow.clone(), open_deny.clone()], None, None),
        // Either reading denies: not allowed, although which deny is open.
        (
            vec![open_allow.clone(), deny.clone()],
            Some(false),
            Some(Decision::ExplicitDeny),
        ),
        (vec![open_deny.clone()], Some(false), None),
        (
            vec![deny, open_allow],
            Some(false),
            Some(Decision::ExplicitDeny),
        ),
    ];
    for (statements, allowed, known) in cases {
        let text = doc(statements);
        let e = evaluate(&policy(&text), &get_object(), PolicyType::Identity);
        assert_eq!(e.allowed(), allowed, "{text}");
        assert_eq!(e.known_decision(), known, "{text}");
        // `decision` alone is the reading where open statements do not apply: it would have
        // said Allow or ImplicitDeny for the unknown ones.
        assert_eq!(e.unknown().is_some(), known.is_none(), "{text}");
    }
}

#[test]
fn new_access_needs_a_decided_allow_and_a_decided_refusal() {
    let allow = doc(vec![
        json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}),
    ]);
    let open = doc(vec![
        json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
               "Condition": undocumented()}),
    ]);
    let nothing = doc(vec![
        json!({"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}),
    ]);
    let eval = |text: &str| evaluate(&policy(text), &get_object(), PolicyType::Identity);
    assert!(new_access(eval(&allow), eval(&nothing)).is_some());
    // The proposal's allow is one reading among two: no counterexample.
    assert!(new_access(eval(&open), eval(&nothing)).is_none());
    // The baseline's refusal is one reading among two: no counterexample either.
    assert!(new_access(eval(&allow), eval(&open)).is_none());
}

/// Validate answers "not overridden" and "not redundant" from a concrete request when one
/// shows it. A request whose decision depends on the undocumented value shows nothing, so the
/// question goes to the prover, which says it cannot decide: the same findings as asking the
/// prover directly (before, the refutation read the open Deny as not applying and the policy
/// got no finding at all).
#[test]
fn validate_refutations_do_not_read_an_unknown_as_an_answer() {
    let cases = [
        (
            "a Deny overrides statement 0",
            vec![
                json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}),
                json!({"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*",
                       "Condition": undocumented()}),
            ],
        ),
        (
            "statement 0 is redundant",
            vec![
                json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}),
                json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": undocumented()}),
            ],
        ),
    ];
    for (question, statements) in cases {
        let text = doc(statements);
        let json = parse_json(text.as_bytes(), "p.json").unwrap();
        let options = ValidateOptions::default();
        let codes = |report: keyaki::validate::PolicyReport| -> Vec<String> {
            report
                .findings
                .iter()
                .map(|f| format!("{}: {}", f.issue_code, f.finding_details))
                .collect()
        };
        let fast = codes(validate_json(&json, Some(&text), "p.json", &options));
        let slow = codes(validate_json_prover_only(
            &json,
            Some(&text),
            "p.json",
            &options,
        ));
        assert_eq!(fast, slow, "{text}");
        assert!(
            fast.iter().any(|f| f.starts_with("could-not-decide")
                && f.contains(question)
                && f.contains("policy variable in a Numeric condition value")),
            "{text}: {fast:#?}"
        );
    }
}

/// The plan rule counts the users a bucket policy grants to. A grant that depends on the
/// undocumented value is neither counted nor left out: the bucket is unknown (exit 3), not
/// "grants to 0 users" (exit 1, as before).
#[test]
fn the_plan_rule_does_not_count_an_undecided_grant() {
    let root = env!("CARGO_MANIFEST_DIR");
    let text = std::fs::read_to_string(format!(
        "{root}/specs/plans/one-user-per-bucket-pass.tfplan.json"
    ))
    .unwrap();
    let mut plan: Value = serde_json::from_str(&text).unwrap();
    let mut edited = 0;
    add_condition(&mut plan, "aws_s3_bucket_policy.a", &mut edited);
    assert!(edited > 0, "the fixture has bucket policy a");
    let path = common::scratch_file(
        "undocumented-callers",
        "plan.tfplan.json",
        &plan.to_string(),
    );
    let run = keyaki(&[
        "rules",
        path.to_str().unwrap(),
        "--spec",
        "specs/one-user-per-bucket.rules.json",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let a = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["bucket"] == "team-a-data")
        .unwrap();
    assert_eq!(a["result"], "unknown", "{a}");
    assert!(
        a["reasons"][0]
            .as_str()
            .unwrap()
            .contains("the decision is Allow or ImplicitDeny"),
        "{a}"
    );
}

/// Adds the undocumented condition to every statement of the policy at `address` (planned
/// values and the change alike).
fn add_condition(value: &mut Value, address: &str, edited: &mut usize) {
    match value {
        Value::Object(map) => {
            if map.get("address").and_then(Value::as_str) == Some(address) {
                if let Some(values) = map.get_mut("values") {
                    edit_policy(values, edited);
                }
                if let Some(after) = map.get_mut("change").and_then(|c| c.get_mut("after")) {
                    edit_policy(after, edited);
                }
            }
            for child in map.values_mut() {
                add_condition(child, address, edited);
            }
        }
        Value::Array(items) => {
            for child in items {
                add_condition(child, address, edited);
            }
        }
        _ => {}
    }
}

fn edit_policy(holder: &mut Value, edited: &mut usize) {
    let Some(text) = holder.get("policy").and_then(Value::as_str) else {
        return;
    };
    let mut document: Value = serde_json::from_str(text).unwrap();
    for statement in document["Statement"].as_array_mut().unwrap() {
        statement["Condition"] = undocumented();
    }
    holder["policy"] = Value::String(document.to_string());
    *edited += 1;
}
