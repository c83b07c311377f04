//! Shapes the combined family (`combined.rs`) makes only rarely, made the rule: Deny
//! guard-rails whose `NotResource` holds templates, with ignore-case conditions whose values
//! are templates with text around them; set operators (`ForAllValues:`/`ForAnyValue:`, every
//! comparison, `IfExists`) whose values are templates, on `aws:TagKeys` and a custom
//! multivalued key; templates in an ARN's account segment beside the same key elsewhere;
//! ARN-shaped Like patterns in plain string keys with the template before the fifth colon.
//! Statements of the combined generator are mixed in, so both meet.
//!
//! Requests come from `combined::request`/`combined::aimed_request` (the caller's own values
//! substituted into the policies' shapes). Used by `tests/differential_guardrails.rs`.
#![allow(dead_code)]

use super::combined;
use super::gen::Choices;
use super::mixed::{self, choose};
use serde_json::{json, Map, Value};

/// Resources of a guard-rail's `NotResource`: templates at every offset, the account segment
/// included; `@` is replaced by a variable.
const GUARDED: &[&str] = &[
    "arn:aws:s3:::b/@/*",
    "arn:aws:s3:::b/home/@",
    "arn:aws:s3:::b/@*",
    "arn:aws:s3:::@",
    "arn:aws:s3:::@/*",
    "arn:aws:iam::@:user/*",
    "arn:aws:iam::*:user/@",
    "arn:aws:s3:::b/none/*",
];

/// Ignore-case comparisons; the value shapes put text around the variable.
const IGNORE_CASE: &[(&str, &str, &str)] = &[
    ("StringEqualsIgnoreCase", "aws:ResourceTag/owner", "@"),
    ("StringNotEqualsIgnoreCase", "aws:ResourceTag/owner", "@"),
    ("StringEqualsIgnoreCase", "aws:ResourceTag/owner", "team-@"),
    ("StringNotEqualsIgnoreCase", "s3:prefix", "home/@"),
    ("StringEqualsIgnoreCase", "s3:prefix", "@/"),
    ("StringNotEqualsIgnoreCase", "aws:username", "@"),
    ("StringEqualsIgnoreCase", "aws:PrincipalTag/team", "@"),
    (
        "StringNotEqualsIgnoreCase",
        "aws:ResourceTag/env",
        "\u{212A}",
    ),
];

/// Like comparisons whose patterns are ARN-shaped text in plain string keys, the template
/// before the fifth colon: a value holding colons moves the segments (a wrong pass on
/// session-7 main split such patterns at their first five colons).
const COLON_SHAPED: &[(&str, &str, &str)] = &[
    ("StringLike", "aws:SourceVpce", "a:b:c:d:@:f"),
    ("StringNotLike", "aws:SourceVpce", "a:b:c:d:x:y:f"),
    ("StringLike", "aws:SourceVpce", "a:b:c:d:*:f"),
    ("StringLike", "aws:ResourceTag/owner", "@:*"),
    ("StringNotLike", "aws:ResourceTag/owner", "*:x:*"),
    ("StringEqualsIgnoreCase", "aws:ResourceTag/owner", "a:@:f"),
];

/// Set operators over multivalued keys; the values are template shapes.
const SET_OPERATORS: &[&str] = &[
    "ForAnyValue:StringEquals",
    "ForAnyValue:StringLike",
    "ForAnyValue:StringEqualsIgnoreCase",
    "ForAnyValue:StringNotEquals",
    "ForAnyValue:StringNotLike",
    "ForAnyValue:StringNotEqualsIgnoreCase",
    "ForAllValues:StringEquals",
    "ForAllValues:StringLike",
    "ForAllValues:StringEqualsIgnoreCase",
    "ForAllValues:StringNotEquals",
    "ForAllValues:StringNotLike",
    "ForAllValues:StringNotEqualsIgnoreCase",
];
const SET_KEYS: &[&str] = &["aws:TagKeys", "aws:TagKeys", "custom:labels"];
const SET_VALUES: &[&str] = &["@", "@*", "x-@", "@-*", "Env", "cost*", ""];

fn values(c: &mut dyn Choices, shapes: &[&str], max: usize) -> Value {
    let mut list: Vec<String> = Vec::new();
    for _ in 0..1 + c.below(max) {
        let shape = choose(c, shapes);
        let v = combined::with_variable(c, shape);
        if !list.contains(&v) {
            list.push(v);
        }
    }
    if list.len() == 1 && c.flip() {
        json!(list[0])
    } else {
        json!(list)
    }
}

fn if_exists(c: &mut dyn Choices, operator: &str) -> String {
    if c.flip() {
        format!("{operator}IfExists")
    } else {
        operator.to_string()
    }
}

/// An ignore-case condition `(operator, key, values)` with template values.
pub fn ignore_case_condition(c: &mut dyn Choices) -> (String, String, Value) {
    let (op, key, shape) = IGNORE_CASE[c.below(IGNORE_CASE.len())];
    let operator = if_exists(c, op);
    (operator, key.into(), values(c, &[shape], 2))
}

/// A Like (or ignore-case) condition on ARN-shaped text in a plain string key.
pub fn colon_condition(c: &mut dyn Choices) -> (String, String, Value) {
    let (op, key, shape) = COLON_SHAPED[c.below(COLON_SHAPED.len())];
    let operator = if_exists(c, op);
    (operator, key.into(), values(c, &[shape], 2))
}

/// A set-operator condition whose values are templates (or plain, for contrast).
pub fn set_condition(c: &mut dyn Choices) -> (String, String, Value) {
    let operator = choose(c, SET_OPERATORS);
    let operator = if_exists(c, operator);
    let key = choose(c, SET_KEYS);
    (operator, key.into(), values(c, SET_VALUES, 2))
}

fn add_condition(s: &mut Map<String, Value>, (operator, key, values): (String, String, Value)) {
    let block = s.entry("Condition").or_insert_with(|| json!({}));
    let entry = &mut block[&operator];
    if entry.is_null() {
        *entry = json!({});
    }
    if entry.get(&key).is_none() {
        entry[&key] = values;
    }
}

fn principal(c: &mut dyn Choices, s: &mut Map<String, Value>, deny: bool) {
    if deny && c.one_in(3) {
        s.insert("NotPrincipal".into(), mixed::principal(c, false));
    } else {
        s.insert("Principal".into(), mixed::principal(c, true));
    }
}

/// `Deny` (`Action` or `NotAction`) on everything but templated resources, guarded by
/// ignore-case (and sometimes set) conditions.
pub fn guard_rail(c: &mut dyn Choices, resource_policy: bool) -> Value {
    let mut s = Map::new();
    s.insert("Effect".into(), json!("Deny"));
    if resource_policy {
        principal(c, &mut s, true);
    }
    let actions = values(c, combined::ACTIONS, 2);
    s.insert(
        if c.flip() { "NotAction" } else { "Action" }.into(),
        actions,
    );
    s.insert("NotResource".into(), values(c, GUARDED, 2));
    for _ in 0..1 + c.below(2) {
        add_condition(&mut s, ignore_case_condition(c));
    }
    if c.one_in(3) {
        add_condition(&mut s, set_condition(c));
    }
    if c.one_in(4) {
        add_condition(&mut s, colon_condition(c));
    }
    Value::Object(s)
}

/// An Allow (or Deny) whose conditions are set operators over templates, with templated
/// resources.
pub fn set_statement(c: &mut dyn Choices, resource_policy: bool) -> Value {
    let deny = c.one_in(4);
    let mut s = Map::new();
    s.insert("Effect".into(), json!(if deny { "Deny" } else { "Allow" }));
    if resource_policy {
        principal(c, &mut s, deny);
    }
    s.insert("Action".into(), values(c, combined::ACTIONS, 2));
    s.insert(
        if c.one_in(4) {
            "NotResource"
        } else {
            "Resource"
        }
        .into(),
        values(c, combined::RESOURCES, 2),
    );
    for _ in 0..1 + c.below(2) {
        add_condition(&mut s, set_condition(c));
    }
    if c.one_in(3) {
        add_condition(&mut s, ignore_case_condition(c));
    }
    if c.one_in(4) {
        add_condition(&mut s, colon_condition(c));
    }
    Value::Object(s)
}

pub fn statement(c: &mut dyn Choices, resource_policy: bool) -> Value {
    match c.below(3) {
        0 => guard_rail(c, resource_policy),
        1 => set_statement(c, resource_policy),
        _ => combined::statement(c, resource_policy),
    }
}

pub fn policy(c: &mut dyn Choices, resource_policy: bool) -> Value {
    let n = 1 + c.below(3);
    let statements: Vec<Value> = (0..n).map(|_| statement(c, resource_policy)).collect();
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// `(proposed, baseline)`: independent, or the proposal the baseline with a guard-rail added
/// or dropped, a condition added or one statement replaced (passes common and thin).
pub fn pair(c: &mut dyn Choices, resource_policy: bool) -> (Value, Value) {
    let baseline = policy(c, resource_policy);
    let mut proposed = baseline.clone();
    let Some(list) = proposed["Statement"].as_array_mut() else {
        return (proposed, baseline);
    };
    match c.below(5) {
        0 => return (policy(c, resource_policy), baseline),
        1 => list.push(guard_rail(c, resource_policy)),
        2 if list.len() > 1 => {
            // The baseline is the wider one when a Deny is dropped: swap so both directions occur.
            let i = c.below(list.len());
            list.remove(i);
            if c.flip() {
                return (baseline, proposed);
            }
        }
        3 => {
            let i = c.below(list.len());
            if let Value::Object(s) = &mut list[i] {
                let condition = match c.below(3) {
                    0 => set_condition(c),
                    1 => colon_condition(c),
                    _ => ignore_case_condition(c),
                };
                add_condition(s, condition);
            }
        }
        _ => {
            let i = c.below(list.len());
            list[i] = statement(c, resource_policy);
        }
    }
    (proposed, baseline)
}
