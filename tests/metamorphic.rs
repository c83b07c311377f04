//! Metamorphic tests: rewriting a policy without changing its meaning changes no verdict.
//!
//! The rewrites: statement order, Action as string vs array, Statement as object vs array,
//! case changes in action names, splitting one statement into two, adding a Deny that
//! matches nothing. For each random pair (from the generator shared with the fuzz targets),
//! `check` must give the same verdict on the rewritten pair (unknown aside), and the evaluator
//! the same decision on sampled requests. `KEYAKI_DIFF_CASES=N` runs N cases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../fuzz/gen/mod.rs"]
mod gen;
#[path = "../fuzz/gen/oracles.rs"]
mod oracles;

use gen::{ByteChoices, Choices, Literals, Shape};
use keyaki::eval::{evaluate, PolicyType};
use keyaki::explain::{check_no_new_access, Verdict};
use keyaki::model::Policy;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};

fn cases(default: u32) -> u32 {
    std::env::var("KEYAKI_DIFF_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 2_000,
        ..Config::default()
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rewrite {
    ReverseStatements,
    RotateStatements,
    ActionStringVsArray,
    StatementObjectVsArray,
    ActionCase,
    SplitStatement,
    AddDenyMatchingNothing,
}

const REWRITES: [Rewrite; 7] = [
    Rewrite::ReverseStatements,
    Rewrite::RotateStatements,
    Rewrite::ActionStringVsArray,
    Rewrite::StatementObjectVsArray,
    Rewrite::ActionCase,
    Rewrite::SplitStatement,
    Rewrite::AddDenyMatchingNothing,
];

fn statements(policy: &Value) -> Vec<Value> {
    match &policy["Statement"] {
        Value::Array(list) => list.clone(),
        Value::Object(_) => vec![policy["Statement"].clone()],
        _ => Vec::new(),
    }
}

fn with_statements(policy: &Value, list: Vec<Value>) -> Value {
    let mut out = policy.clone();
    out["Statement"] = Value::Array(list);
    out
}

/// Flips every one-element Action/NotAction/Resource array to a string and every string to
/// a one-element array.
fn flip_string_arrays(statement: &mut Value) {
    for element in ["Action", "NotAction", "Resource", "NotResource"] {
        let Some(v) = statement.get_mut(element) else {
            continue;
        };
        *v = match v.take() {
            Value::String(s) => json!([s]),
            Value::Array(items) if items.len() == 1 => items[0].clone(),
            other => other,
        };
    }
}

/// Changes the case of action names (never of resources: those are case-sensitive).
fn change_action_case(c: &mut dyn Choices, statement: &mut Value) {
    for element in ["Action", "NotAction"] {
        let Some(v) = statement.get_mut(element) else {
            continue;
        };
        let recase = |c: &mut dyn Choices, s: &str| -> String {
            match c.below(3) {
                0 => s.to_uppercase(),
                1 => s.to_lowercase(),
                _ => s
                    .chars()
                    .map(|ch| {
                        if c.flip() {
                            ch.to_ascii_uppercase()
                        } else {
                            ch.to_ascii_lowercase()
                        }
                    })
                    .collect(),
            }
        };
        *v = match v.take() {
            Value::String(s) => Value::String(recase(c, &s)),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|i| Value::String(recase(c, i.as_str().unwrap_or_default())))
                    .collect(),
            ),
            other => other,
        };
    }
}

/// Splits a statement whose Action (or Resource) list has several entries into two statements
/// with the same effect, principal and conditions: a union either way. NotAction/NotResource
/// lists are never split (their meaning is an intersection).
fn split(statement: &Value, c: &mut dyn Choices) -> Option<(Value, Value)> {
    for element in ["Action", "Resource"] {
        let Some(Value::Array(items)) = statement.get(element) else {
            continue;
        };
        if items.len() < 2 {
            continue;
        }
        let cut = 1 + c.below(items.len() - 1);
        let (mut first, mut second) = (statement.clone(), statement.clone());
        first[element] = Value::Array(items[..cut].to_vec());
        second[element] = Value::Array(items[cut..].to_vec());
        return Some((first, second));
    }
    None
}

/// A Deny whose conditions contradict each other (the key absent and equal to a value).
fn deny_matching_nothing(ty: PolicyType) -> Value {
    let mut deny = json!({
        "Sid": "NeverApplies",
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {
            "Null": {"keyaki:Never": "true"},
            "StringEquals": {"keyaki:Never": "x"}
        }
    });
    if ty == PolicyType::Resource {
        deny["Principal"] = json!("*");
    }
    deny
}

/// The rewritten policy, or None when the rewrite does not apply to it.
fn rewrite(policy: &Value, how: Rewrite, c: &mut dyn Choices, ty: PolicyType) -> Option<Value> {
    let mut list = statements(policy);
    match how {
        Rewrite::ReverseStatements if list.len() > 1 => {
            list.reverse();
            Some(with_statements(policy, list))
        }
        Rewrite::RotateStatements if list.len() > 1 => {
            let by = 1 + c.below(list.len() - 1);
            list.rotate_left(by);
            Some(with_statements(policy, list))
        }
        Rewrite::ActionStringVsArray => {
            list.iter_mut().for_each(flip_string_arrays);
            Some(with_statements(policy, list))
        }
        Rewrite::StatementObjectVsArray if list.len() == 1 => {
            let mut out = policy.clone();
            out["Statement"] = match &policy["Statement"] {
                Value::Array(_) => list[0].clone(),
                _ => Value::Array(list),
            };
            Some(out)
        }
        Rewrite::ActionCase => {
            list.iter_mut().for_each(|s| change_action_case(c, s));
            Some(with_statements(policy, list))
        }
        Rewrite::SplitStatement => {
            let at = c.below(list.len());
            let (first, second) = split(&list[at], c)?;
            list[at] = first;
            list.insert(at + 1, second);
            Some(with_statements(policy, list))
        }
        Rewrite::AddDenyMatchingNothing => {
            let at = c.below(list.len() + 1);
            list.insert(at, deny_matching_nothing(ty));
            Some(with_statements(policy, list))
        }
        _ => None,
    }
}

fn parse(json: &Value) -> Policy {
    oracles::parse_generated_policy(json)
}

fn class(v: &Verdict) -> Option<bool> {
    match v {
        Verdict::Holds => Some(true),
        Verdict::Violated(_) => Some(false),
        Verdict::Unknown(_) => None,
    }
}

/// The evaluator gives the original and the rewritten policy the same decision on many
/// sampled requests (cheap, so many cases).
#[test]
fn rewrites_keep_every_decision() {
    let result = runner(cases(400)).run(&prop::collection::vec(any::<u8>(), 0..400), |data| {
        let mut c = ByteChoices::new(&data);
        let ty = gen::policy_type(&mut c);
        let mut lits = Literals::default();
        let shape = Shape {
            max_statements: 4,
            max_conditions: 2,
        };
        let original = gen::policy(&mut c, ty, shape, &mut lits);
        let how = REWRITES[c.below(REWRITES.len())];
        let Some(rewritten) = rewrite(&original, how, &mut c, ty) else {
            return Ok(());
        };
        let (a, b) = (parse(&original), parse(&rewritten));
        for _ in 0..16 {
            let request = oracles::parse_generated_request(&gen::request(&mut c, &lits));
            let (x, y) = (evaluate(&a, &request, ty), evaluate(&b, &request, ty));
            prop_assert_eq!(
                x.decision,
                y.decision,
                "{:?} changed the decision for {}\noriginal: {}\nrewritten: {}",
                how,
                serde_json::to_string(&request).unwrap(),
                original,
                rewritten
            );
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// `check` gives the same verdict before and after rewriting either side.
#[test]
fn rewrites_keep_every_verdict() {
    let compared = std::sync::atomic::AtomicU32::new(0);
    let result = runner(cases(30)).run(&prop::collection::vec(any::<u8>(), 0..400), |data| {
        let mut c = ByteChoices::new(&data);
        let ty = gen::policy_type(&mut c);
        let mut lits = Literals::default();
        let proposed = gen::policy(&mut c, ty, Shape::default(), &mut lits);
        let baseline = gen::policy(&mut c, ty, Shape::default(), &mut lits);
        let how = REWRITES[c.below(REWRITES.len())];
        let rewrite_proposed = c.flip();
        let target = if rewrite_proposed { &proposed } else { &baseline };
        let Some(rewritten) = rewrite(target, how, &mut c, ty) else {
            return Ok(());
        };
        let (p2, b2) = if rewrite_proposed {
            (rewritten.clone(), baseline.clone())
        } else {
            (proposed.clone(), rewritten.clone())
        };
        let options = oracles::options(ty);
        let before = check_no_new_access(&parse(&proposed), &parse(&baseline), &options);
        let after = check_no_new_access(&parse(&p2), &parse(&b2), &options);
        oracles::assert_replays(&after, &parse(&p2), &parse(&b2), ty);
        if let (Some(x), Some(y)) = (class(&before), class(&after)) {
            compared.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            prop_assert_eq!(
                x,
                y,
                "{:?} changed the verdict (pass = true)\nproposed: {}\nbaseline: {}\nrewritten {}: {}",
                how,
                proposed,
                baseline,
                if rewrite_proposed { "proposed" } else { "baseline" },
                rewritten
            );
        }
        Ok(())
    });
    println!("verdicts compared: {compared:?}");
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Each rewrite, on a fixed policy, really produces a different document that parses.
#[test]
fn rewrites_apply_and_parse() {
    let policy = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::b/*"},
        {"Effect": "Deny", "Action": "s3:PutObject", "Resource": ["arn:aws:s3:::b/secret"]}
    ]});
    let mut c = ByteChoices::new(&[1, 2, 3, 4, 5, 6, 7, 8]);
    for how in REWRITES {
        if how == Rewrite::StatementObjectVsArray {
            continue;
        }
        let out = rewrite(&policy, how, &mut c, PolicyType::Identity)
            .unwrap_or_else(|| panic!("{how:?} did not apply"));
        assert_ne!(out, policy, "{how:?} changed nothing");
        parse(&out);
    }
    let single = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}});
    let out = rewrite(
        &single,
        Rewrite::StatementObjectVsArray,
        &mut c,
        PolicyType::Identity,
    )
    .unwrap();
    assert!(out["Statement"].is_array());
    // Same meaning; only the recorded locations differ.
    let (a, b) = (parse(&out), parse(&single));
    assert_eq!(a.statements[0].action, b.statements[0].action);
    assert_eq!(a.statements[0].resource, b.statements[0].resource);
    assert_eq!(a.statements[0].effect, b.statements[0].effect);
}
