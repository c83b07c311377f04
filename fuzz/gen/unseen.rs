//! Constructs the other families keep in separate statements, forced into the same one:
//! - a typed condition (`Bool`, `Null`, `Date*`, `IpAddress`, `Numeric*`, often `IfExists`)
//!   beside an ignore-case condition whose value is a template, in every conditioned statement;
//! - `IfExists` on multivalued keys whose values are templates (`ForAnyValue:…IfExists` and
//!   `ForAllValues:…IfExists` on `aws:TagKeys` and `custom:labels`) and typed set operators
//!   with `IfExists` (`custom:ips`, `custom:sizes`, `custom:dates`);
//! - templates with two variables in one string (`arn:aws:s3:::@-%`, `b/@/%`, `x-@-%`), and
//!   templates reading a multi-valued key (`${custom:labels}`, with and without a default);
//! - resource policies whose `NotPrincipal` is as common as `Principal`, with `Allow` as well as
//!   `Deny`, beside template ARNs and `aws:PrincipalArn` conditions built from templates.
//!
//! The tests (`tests/differential_unseen.rs`) run `check` and `diff` (both directions) on the
//! pairs under the open and the catalog universes. Requests come from `cross::request` (the
//! policies' own patterns filled with the caller's values, callers of the principal kinds
//! written, typed values on both sides of every bound, the action's catalog resource).
#![allow(dead_code)]

use super::cross::{self, add_condition, one_or_list};
use super::gen::Choices;
use super::mixed::{self, choose};
use serde_json::{json, Map, Value};

/// The variables `lemma_shapes::request` gives values to (key-name case and defaults vary).
const VARIABLES: &[&str] = &[
    "${aws:username}",
    "${AWS:UserName}",
    "${aws:PrincipalTag/team}",
    "${aws:PrincipalTag/team, 'none'}",
    "${aws:principaltag/DEPT}",
    "${aws:PrincipalTag/dept, 'eng'}",
    "${aws:PrincipalAccount}",
    // Multi-valued keys read by templates: with two values `${k}` reads its default (or does
    // not resolve) while conditions still see the values (session 12's refuted passes).
    "${custom:labels}",
    "${custom:labels, 'none'}",
];

/// Resource shapes: `@` and `%` are two variables (chosen independently, so sometimes equal).
const RESOURCES: &[&str] = &[
    "arn:aws:s3:::b/@/*",
    "arn:aws:s3:::b/@/%",
    "arn:aws:s3:::b/@%",
    "arn:aws:s3:::@-%",
    "arn:aws:s3:::@/*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::*",
    "arn:aws:iam::@:user/%",
    "arn:aws:iam::*:user/@",
    "arn:aws:sqs:us-east-1:@:%",
    "arn:aws:kms:*:@:key/*",
    "*",
];

/// Ignore-case conditions with template values: `(operator, key, shape)`.
const IGNORE_CASE: &[(&str, &str, &str)] = &[
    ("StringEqualsIgnoreCase", "aws:ResourceTag/owner", "@"),
    ("StringEqualsIgnoreCase", "aws:ResourceTag/owner", "@-%"),
    ("StringNotEqualsIgnoreCase", "aws:ResourceTag/owner", "@"),
    ("StringEqualsIgnoreCase", "s3:prefix", "@/%"),
    ("StringNotEqualsIgnoreCase", "s3:prefix", "home/@"),
    ("StringEqualsIgnoreCase", "aws:username", "@"),
    ("StringNotEqualsIgnoreCase", "aws:PrincipalTag/team", "%"),
    ("StringEqualsIgnoreCase", "aws:SourceVpce", "vpce-@"),
];

/// Set operators whose values are templates (`IfExists` added at random).
const SET_TEMPLATES: &[(&str, &str, &str)] = &[
    ("ForAnyValue:StringEqualsIgnoreCase", "aws:TagKeys", "@"),
    ("ForAllValues:StringEqualsIgnoreCase", "aws:TagKeys", "@"),
    ("ForAllValues:StringLike", "aws:TagKeys", "@*"),
    ("ForAnyValue:StringNotEquals", "aws:TagKeys", "@"),
    ("ForAllValues:StringLike", "custom:labels", "@-%"),
    ("ForAnyValue:StringNotLike", "custom:labels", "*@"),
    ("ForAnyValue:StringEquals", "custom:labels", "@"),
];

/// Typed conditions on the keys `cross::request` fills: `(operator, key, value)`.
const TYPED: &[(&str, &str, &str)] = &[
    ("Bool", "aws:SecureTransport", "true"),
    ("Bool", "aws:MultiFactorAuthPresent", "false"),
    ("DateLessThan", "aws:CurrentTime", "2026-01-01T00:00:00Z"),
    ("DateGreaterThanEquals", "aws:CurrentTime", "2025-06-01"),
    ("DateLessThan", "aws:EpochTime", "1767225600"),
    ("IpAddress", "aws:SourceIp", "10.0.0.0/8"),
    ("NotIpAddress", "aws:SourceIp", "10.1.0.0/16"),
    ("NumericLessThan", "s3:max-keys", "10"),
    ("NumericLessThanEquals", "aws:MultiFactorAuthAge", "3600"),
    ("ForAnyValue:IpAddress", "custom:ips", "192.0.2.0/24"),
    ("ForAllValues:NumericLessThan", "custom:sizes", "3"),
    ("ForAnyValue:NumericGreaterThan", "custom:sizes", "1"),
    (
        "ForAllValues:DateLessThan",
        "custom:dates",
        "2026-01-01T00:00:00Z",
    ),
];

/// Keys a `Null` test is put on: templates' own keys and multivalued keys.
const NULL_KEYS: &[&str] = &[
    "aws:PrincipalTag/team",
    "aws:PrincipalTag/dept",
    "aws:TagKeys",
    "custom:labels",
    "aws:SourceIp",
    "aws:ResourceTag/owner",
];

pub const ACTIONS: &[&str] = cross::ACTIONS;

/// `shape` with `@` and `%` replaced by variables.
fn fill(c: &mut dyn Choices, shape: &str) -> String {
    let first = choose(c, VARIABLES);
    let second = choose(c, VARIABLES);
    shape.replace('@', first).replace('%', second)
}

fn filled(c: &mut dyn Choices, pool: &[&str], max: usize) -> Value {
    let mut list: Vec<String> = Vec::new();
    for _ in 0..1 + c.below(max) {
        let shape = choose(c, pool);
        let v = fill(c, shape);
        if !list.contains(&v) {
            list.push(v);
        }
    }
    one_or_list(c, list)
}

fn if_exists(c: &mut dyn Choices, operator: &str, odds: usize) -> String {
    if c.one_in(odds) {
        format!("{operator}IfExists")
    } else {
        operator.to_string()
    }
}

type Condition = (String, String, Value);

fn typed(c: &mut dyn Choices) -> Condition {
    if c.one_in(4) {
        let absent = if c.flip() { "true" } else { "false" };
        return ("Null".into(), choose(c, NULL_KEYS).into(), json!(absent));
    }
    let (op, key, value) = TYPED[c.below(TYPED.len())];
    (if_exists(c, op, 2), key.into(), json!(value))
}

fn ignore_case(c: &mut dyn Choices) -> Condition {
    let (op, key, shape) = IGNORE_CASE[c.below(IGNORE_CASE.len())];
    let mut values = vec![fill(c, shape)];
    if c.one_in(3) {
        let (_, _, other) = IGNORE_CASE[c.below(IGNORE_CASE.len())];
        let other = fill(c, other);
        if !values.contains(&other) {
            values.push(other);
        }
    }
    (if_exists(c, op, 3), key.into(), one_or_list(c, values))
}

fn set_template(c: &mut dyn Choices) -> Condition {
    let (op, key, shape) = SET_TEMPLATES[c.below(SET_TEMPLATES.len())];
    let value = json!([fill(c, shape)]);
    (if_exists(c, op, 2), key.into(), value)
}

/// A principal-ARN condition built from a template (read beside `NotPrincipal`).
fn principal_arn(c: &mut dyn Choices) -> Condition {
    let shapes = [
        "arn:aws:iam::@:*",
        "arn:aws:iam::*:user/@",
        "arn:aws:sts::@:assumed-role/*",
    ];
    let op = choose(c, &["ArnLike", "ArnNotLike", "ArnLikeIfExists"]);
    let shape = choose(c, &shapes);
    (op.into(), "aws:PrincipalArn".into(), json!(fill(c, shape)))
}

/// A statement: a typed condition and an ignore-case template condition together most of the
/// time, a set-template one often; in a resource policy `NotPrincipal` half the time.
pub fn statement(c: &mut dyn Choices, resource_policy: bool) -> Value {
    let deny = c.one_in(3);
    let mut s = Map::new();
    s.insert("Effect".into(), json!(if deny { "Deny" } else { "Allow" }));
    if resource_policy {
        if c.flip() {
            s.insert("NotPrincipal".into(), mixed::principal(c, false));
        } else {
            s.insert("Principal".into(), mixed::principal(c, true));
        }
    }
    let not_action = c.one_in(if deny { 3 } else { 10 });
    s.insert(
        if not_action { "NotAction" } else { "Action" }.into(),
        filled(c, ACTIONS, 2),
    );
    let not_resource = c.one_in(if deny { 2 } else { 5 });
    s.insert(
        if not_resource {
            "NotResource"
        } else {
            "Resource"
        }
        .into(),
        filled(c, RESOURCES, 2),
    );
    if !c.one_in(5) {
        add_condition(&mut s, typed(c));
        add_condition(&mut s, ignore_case(c));
    }
    if c.flip() {
        add_condition(&mut s, set_template(c));
    }
    if resource_policy && c.one_in(3) {
        add_condition(&mut s, principal_arn(c));
    }
    Value::Object(s)
}

pub fn policy(c: &mut dyn Choices, resource_policy: bool) -> Value {
    let n = 1 + c.below(3);
    let statements: Vec<Value> = (0..n).map(|_| statement(c, resource_policy)).collect();
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// `IfExists` added or removed on one operator of a block.
fn toggle_if_exists(c: &mut dyn Choices, block: &mut Map<String, Value>) {
    let operators: Vec<String> = block.keys().cloned().collect();
    let op = &operators[c.below(operators.len())];
    let renamed = match op.strip_suffix("IfExists") {
        Some(base) => base.to_string(),
        None if op != "Null" => format!("{op}IfExists"),
        None => return,
    };
    if !block.contains_key(&renamed) {
        if let Some(v) = block.remove(op) {
            block.insert(renamed, v);
        }
    }
}

/// One statement changed a little: a condition added or dropped, `IfExists` toggled,
/// `Principal` and `NotPrincipal` swapped, a resource's variables chosen again.
fn perturb(c: &mut dyn Choices, s: &mut Map<String, Value>, resource_policy: bool) {
    match c.below(6) {
        0 => add_condition(
            s,
            match c.below(3) {
                0 => typed(c),
                1 => ignore_case(c),
                _ => set_template(c),
            },
        ),
        1 | 2 => {
            let Some(Value::Object(block)) = s.get_mut("Condition") else {
                add_condition(s, set_template(c));
                return;
            };
            if c.flip() {
                toggle_if_exists(c, block);
            } else {
                let operators: Vec<String> = block.keys().cloned().collect();
                block.remove(&operators[c.below(operators.len())]);
            }
            if block.is_empty() {
                s.remove("Condition");
            }
        }
        3 if resource_policy => {
            let (from, to) = if s.contains_key("Principal") {
                ("Principal", "NotPrincipal")
            } else {
                ("NotPrincipal", "Principal")
            };
            let mut value = s.remove(from).unwrap_or_else(|| json!("*"));
            if to == "NotPrincipal" && value == json!("*") {
                value = mixed::principal(c, false);
            }
            s.insert(to.into(), value);
        }
        4 => {
            let field = if s.contains_key("Resource") {
                "Resource"
            } else {
                "NotResource"
            };
            s.insert(field.into(), filled(c, RESOURCES, 2));
        }
        _ => add_condition(s, typed(c)),
    }
}

/// `(proposed, baseline)`: one statement perturbed, a statement added or dropped, or two
/// independent policies.
pub fn pair(c: &mut dyn Choices, resource_policy: bool) -> (Value, Value) {
    let baseline = policy(c, resource_policy);
    let mut proposed = baseline.clone();
    let Some(list) = proposed["Statement"].as_array_mut() else {
        return (proposed, baseline);
    };
    match c.below(6) {
        0 => return (policy(c, resource_policy), baseline),
        1 => list.push(statement(c, resource_policy)),
        2 if list.len() > 1 => {
            list.remove(c.below(list.len()));
        }
        _ => {
            let i = c.below(list.len());
            if let Value::Object(s) = &mut list[i] {
                perturb(c, s, resource_policy);
            }
        }
    }
    if c.flip() {
        (baseline, proposed)
    } else {
        (proposed, baseline)
    }
}

/// A request aimed at the pair (`cross::request`), its principal one of the policies' own or
/// a caller of another kind.
pub fn request(c: &mut dyn Choices, policies: &[&Value]) -> Value {
    cross::request(c, policies)
}
