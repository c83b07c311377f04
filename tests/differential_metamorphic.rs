//! Rewrites that must not change what a policy allows, on random policies from both
//! generators: condition-key names and policy-variable names recased (key names are
//! case-insensitive), action names recased, an Allow statement's Action or Resource list split
//! into one statement per entry, statements reordered and duplicated, one-element lists
//! written as strings and back.
//!
//! For a policy P and its rewrite T(P): the evaluator decides every sampled request the same
//! way, and `check` never finds new access in either direction (a counterexample there would
//! replay, so it would be an evaluator bug; a pass is expected, `unknown` is counted).
//! `KEYAKI_DIFF_CASES=N` runs it with N cases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../fuzz/gen/mod.rs"]
mod gen;
#[path = "../fuzz/gen/mixed.rs"]
mod mixed;
#[path = "../fuzz/gen/oracles.rs"]
mod oracles;
#[path = "../fuzz/gen/run.rs"]
mod run;

use gen::{ByteChoices, Choices, Literals, Shape};
use keyaki::eval::{evaluate, PolicyType};
use keyaki::explain::{check_no_new_access, Verdict};
use run::{run_cases, Tally};
use serde_json::{json, Map, Value};

fn recase(c: &mut dyn Choices, text: &str) -> String {
    match c.below(3) {
        0 => text.to_uppercase(),
        1 => text.to_lowercase(),
        _ => text
            .chars()
            .map(|ch| {
                if c.flip() {
                    ch.to_uppercase().next().unwrap_or(ch)
                } else {
                    ch.to_lowercase().next().unwrap_or(ch)
                }
            })
            .collect(),
    }
}

/// `${key}` and `${key, 'default'}`: the key part recased, the default kept.
fn recase_variables(c: &mut dyn Choices, text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start + 2]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            rest = after;
            break;
        };
        let inner = &after[..end];
        let (key, default) = match inner.find(',') {
            Some(i) => (&inner[..i], &inner[i..]),
            None => (inner, ""),
        };
        out.push_str(&recase(c, key));
        out.push_str(default);
        out.push('}');
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Variables are read only under Version 2012-10-17; elsewhere `${...}` is literal text.
fn recase_if(c: &mut dyn Choices, text: &str, variables: bool) -> String {
    if variables {
        recase_variables(c, text)
    } else {
        text.to_string()
    }
}

fn map_strings(v: &Value, f: &mut dyn FnMut(&str) -> String) -> Value {
    match v {
        Value::String(s) => Value::String(f(s)),
        Value::Array(items) => Value::Array(items.iter().map(|i| map_strings(i, f)).collect()),
        other => other.clone(),
    }
}

fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items.clone(),
        Value::Null => vec![],
        one => vec![one.clone()],
    }
}

/// One statement rewritten; an Allow may come back as several.
fn rewrite_statement(c: &mut dyn Choices, s: &Value, variables: bool) -> Vec<Value> {
    let mut s = s.clone();
    for key in ["Action", "NotAction"] {
        if let Some(v) = s.get(key).cloned() {
            s[key] = map_strings(&v, &mut |a| recase(c, a));
        }
    }
    for key in ["Resource", "NotResource"] {
        if let Some(v) = s.get(key).cloned() {
            s[key] = map_strings(&v, &mut |r| recase_if(c, r, variables));
        }
    }
    if let Some(Value::Object(block)) = s.get("Condition").cloned() {
        let mut out = Map::new();
        for (operator, keys) in block {
            let mut inner = Map::new();
            if let Value::Object(keys) = keys {
                for (key, values) in keys {
                    let values = map_strings(&values, &mut |v| recase_if(c, v, variables));
                    inner.insert(recase(c, &key), values);
                }
            }
            out.insert(operator, Value::Object(inner));
        }
        s["Condition"] = Value::Object(out);
    }
    // Lists and strings are the same element.
    for key in ["Action", "NotAction", "Resource", "NotResource"] {
        if let Some(v) = s.get(key).cloned() {
            let list = as_list(&v);
            s[key] = if list.len() == 1 && c.flip() {
                list[0].clone()
            } else {
                json!(list)
            };
        }
    }
    // An Allow's Action (or Resource) list is a union: one statement per entry.
    if s["Effect"] == "Allow" && c.flip() {
        for key in ["Action", "Resource"] {
            if let Some(v) = s.get(key) {
                let list = as_list(v);
                if list.len() > 1 {
                    return list
                        .into_iter()
                        .map(|one| {
                            let mut t = s.clone();
                            t[key] = one;
                            t
                        })
                        .collect();
                }
            }
        }
    }
    vec![s]
}

fn rewrite(c: &mut dyn Choices, policy: &Value) -> Value {
    let mut statements: Vec<Value> = Vec::new();
    let variables = policy["Version"] == "2012-10-17";
    for s in as_list(&policy["Statement"]) {
        statements.extend(rewrite_statement(c, &s, variables));
    }
    if !statements.is_empty() && c.one_in(3) {
        let i = c.below(statements.len());
        statements.push(statements[i].clone());
    }
    // Reorder: a rotation and a swap.
    if statements.len() > 1 {
        let k = c.below(statements.len());
        statements.rotate_left(k);
    }
    let mut out = policy.clone();
    out["Statement"] = json!(statements);
    out
}

#[test]
fn rewrites_keep_decisions_and_checks_pass_both_ways() {
    let tally = Tally::new("metamorphic");
    run_cases(40, &tally, &|data| {
        let mut c = ByteChoices::new(data);
        let mut s = run::Seeded::from_bytes(data);
        let (json, ty) = if c.flip() {
            let ty = if c.flip() {
                PolicyType::Resource
            } else {
                PolicyType::Identity
            };
            (mixed::policy(&mut c, ty == PolicyType::Resource, 2), ty)
        } else {
            let ty = gen::policy_type(&mut c);
            let mut lits = Literals::default();
            (gen::policy(&mut c, ty, Shape::default(), &mut lits), ty)
        };
        let rewritten = rewrite(&mut c, &json);
        let p = oracles::parse_generated_policy(&json);
        let t = oracles::parse_generated_policy(&rewritten);
        let pair = || format!("{ty:?}\npolicy:    {json}\nrewritten: {rewritten}");
        for _ in 0..64 {
            let r = oracles::parse_generated_request(&mixed::request(&mut s, None));
            let (a, b) = (evaluate(&p, &r, ty).decision, evaluate(&t, &r, ty).decision);
            assert_eq!(
                a,
                b,
                "the evaluator decides a rewrite differently: {}\n{}",
                serde_json::to_string(&r).unwrap(),
                pair()
            );
        }
        for (x, y, what) in [(&t, &p, "rewrite vs policy"), (&p, &t, "policy vs rewrite")] {
            // Unpruned too: pruning alone may prove a recased copy equal.
            let options = keyaki::CheckOptions {
                prune: c.flip(),
                ..oracles::options(ty)
            };
            let verdict = check_no_new_access(x, y, &options);
            match &verdict {
                Verdict::Holds => tally.count("pass"),
                Verdict::Unknown(reason) => {
                    let reason = reason.to_string();
                    assert!(
                        !reason.contains("internal error"),
                        "{what}: {reason}\n{}",
                        pair()
                    );
                    tally.count("unknown");
                    tally.example("unknown", format!("{what}: {reason}\n{}", pair()));
                }
                Verdict::Violated(list) => panic!(
                    "{what}: check found new access in an equivalent rewrite: {}\n{}",
                    serde_json::to_string(&list[0].request).unwrap(),
                    pair()
                ),
            }
        }
    });
    tally.require(40, &["pass"]);
}
