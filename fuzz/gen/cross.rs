//! Constructs no other family puts together, in one pair: the catalog resource and action
//! universes, ignore-case templates (`StringEqualsIgnoreCase` with `${aws:username}`), `NotResource`
//! and `NotPrincipal`, multivalued `ForAllValues:`/`ForAnyValue:` with templates, typed
//! conditions (Numeric, Date, IpAddress, Bool) beside the templates, and resource-policy
//! principals of every kind (accounts, roles, sessions, services, federated, canonical users).
//!
//! A pair reads few keys (like `lemma_shapes.rs`), so its statements meet on the same strings;
//! the proposal differs from the baseline by one statement or one condition most of the time.
//! Requests ([`request`]) start from `lemma_shapes::request` (the string keys filled into the
//! policies' own patterns, variables tied and recased) and add a caller of the policies' own
//! principal kinds, typed values on both sides of every bound written, and a resource either
//! instantiated from the policies or filled into the action's catalog format (so the catalog
//! universe's requests are reached). Used by `tests/differential_cross.rs`.
#![allow(dead_code)]

use super::gen::Choices;
use super::lemma_shapes;
use super::mixed::{self, choose};
use serde_json::{json, Map, Value};

const VARIABLES: &[&str] = &[
    "${aws:username}",
    "${AWS:UserName}",
    "${aws:PrincipalTag/team}",
    "${aws:PrincipalTag/team, 'none'}",
    "${aws:PrincipalAccount}",
];

/// Actions with catalog resource types of different services (and one without any).
pub const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:ListBucket",
    "s3:Get*",
    "iam:GetUser",
    "sqs:SendMessage",
    "kms:Decrypt",
    "ec2:DescribeInstances",
    "*",
];

/// Concrete actions of requests (all in the catalog).
pub const REQUEST_ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:ListBucket",
    "s3:GetBucketTagging",
    "iam:GetUser",
    "sqs:SendMessage",
    "kms:Decrypt",
    "ec2:DescribeInstances",
];

/// Resource shapes; `@` is a variable. Bucket, object, IAM user, queue, key, any ARN.
const RESOURCES: &[&str] = &[
    "arn:aws:s3:::b/@/*",
    "arn:aws:s3:::@",
    "arn:aws:s3:::@/*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b",
    "arn:aws:iam::@:user/*",
    "arn:aws:iam::*:user/@",
    "arn:aws:sqs:*:@:q",
    "arn:aws:sqs:us-east-1:111122223333:*",
    "arn:aws:kms:*:*:key/@",
    "arn:aws:*:*:111122223333:*",
    "*",
];

/// String conditions on the keys `lemma_shapes::request` fills: `(operator, key, shape)`.
const STRING_CONDITIONS: &[(&str, &str, &str)] = &[
    ("StringEqualsIgnoreCase", "aws:ResourceTag/owner", "@"),
    ("StringNotEqualsIgnoreCase", "aws:ResourceTag/owner", "@"),
    ("StringEquals", "aws:ResourceTag/owner", "@"),
    ("StringLike", "aws:ResourceTag/owner", "@*"),
    ("StringEqualsIgnoreCase", "aws:ResourceTag/owner", "x-@"),
    ("StringEqualsIgnoreCase", "s3:prefix", "@/\u{212A}"),
    ("StringLike", "s3:prefix", "@/*"),
    ("StringNotLike", "s3:prefix", "*"),
    ("StringEqualsIgnoreCase", "aws:PrincipalTag/team", "ENG"),
    ("StringEqualsIgnoreCase", "aws:username", "@"),
    ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:user/@"),
    ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::@:*"),
    ("ArnNotLike", "aws:SourceArn", "arn:aws:s3:::@"),
    ("ArnLike", "aws:SourceArn", "arn:aws:sqs:*:@:*"),
    ("ForAnyValue:StringEqualsIgnoreCase", "aws:TagKeys", "@"),
    ("ForAllValues:StringEqualsIgnoreCase", "aws:TagKeys", "@"),
    ("ForAllValues:StringLike", "aws:TagKeys", "@*"),
    (
        "ForAnyValue:StringNotEqualsIgnoreCase",
        "custom:labels",
        "@",
    ),
    ("ForAllValues:StringNotLike", "custom:labels", "x*"),
    ("ForAnyValue:StringLike", "custom:labels", "*@"),
];

/// Typed conditions: `(operator, key, values)`; requests take values on both sides.
const TYPED_CONDITIONS: &[(&str, &str, &str)] = &[
    ("NumericLessThan", "s3:max-keys", "10"),
    ("NumericGreaterThanEquals", "s3:max-keys", "5"),
    ("NumericLessThanEquals", "aws:MultiFactorAuthAge", "3600"),
    ("NumericNotEquals", "aws:MultiFactorAuthAge", "0"),
    ("DateLessThan", "aws:CurrentTime", "2026-01-01T00:00:00Z"),
    ("DateGreaterThanEquals", "aws:CurrentTime", "2025-06-01"),
    ("DateLessThan", "aws:EpochTime", "1767225600"),
    ("IpAddress", "aws:SourceIp", "10.0.0.0/8"),
    ("NotIpAddress", "aws:SourceIp", "10.1.0.0/16"),
    ("IpAddress", "aws:SourceIp", "2001:db8::/32"),
    ("Bool", "aws:SecureTransport", "true"),
    ("Bool", "aws:MultiFactorAuthPresent", "false"),
    ("ForAnyValue:NumericLessThan", "custom:sizes", "3"),
    ("ForAllValues:NumericGreaterThan", "custom:sizes", "1"),
    ("ForAnyValue:IpAddress", "custom:ips", "192.0.2.0/24"),
    (
        "ForAllValues:DateLessThan",
        "custom:dates",
        "2026-01-01T00:00:00Z",
    ),
];

/// Values requests give the typed keys: each bound, one below and one above.
const TYPED_VALUES: &[(&str, &[&str])] = &[
    ("s3:max-keys", &["4", "5", "9", "10", "11"]),
    ("aws:MultiFactorAuthAge", &["0", "3599", "3600", "3601"]),
    (
        "aws:CurrentTime",
        &[
            "2025-05-31T23:59:59Z",
            "2025-06-01T00:00:00Z",
            "2025-12-31T23:59:59Z",
            "2026-01-01T00:00:00Z",
        ],
    ),
    ("aws:EpochTime", &["1767225599", "1767225600", "1767225601"]),
    (
        "aws:SourceIp",
        &[
            "10.1.2.3",
            "10.2.0.1",
            "192.0.2.7",
            "2001:db8::1",
            "::ffff:10.1.0.1",
        ],
    ),
    ("aws:SecureTransport", &["true", "false", "TRUE"]),
    ("aws:MultiFactorAuthPresent", &["true", "false"]),
];

const SET_TYPED_VALUES: &[(&str, &[&str])] = &[
    ("custom:sizes", &["0", "1", "2", "3", "4"]),
    ("custom:ips", &["192.0.2.1", "198.51.100.1"]),
    (
        "custom:dates",
        &["2025-12-31T00:00:00Z", "2026-01-01T00:00:00Z", "2027-01-01"],
    ),
];

fn with_variable(c: &mut dyn Choices, shape: &str) -> String {
    shape.replace('@', choose(c, VARIABLES))
}

pub fn one_or_list(c: &mut dyn Choices, list: Vec<String>) -> Value {
    if list.len() == 1 && c.flip() {
        json!(list[0])
    } else {
        json!(list)
    }
}

fn shapes(c: &mut dyn Choices, pool: &[&str], max: usize) -> Value {
    let mut list: Vec<String> = Vec::new();
    for _ in 0..1 + c.below(max) {
        let shape = choose(c, pool);
        let v = with_variable(c, shape);
        if !list.contains(&v) {
            list.push(v);
        }
    }
    one_or_list(c, list)
}

/// One condition: a string one with a template (most often) or a typed one, `IfExists` or a
/// `Null` test sometimes.
pub fn condition(c: &mut dyn Choices) -> (String, String, Value) {
    let (operator, key, value) = if c.below(5) < 3 {
        let (op, key, shape) = STRING_CONDITIONS[c.below(STRING_CONDITIONS.len())];
        let mut values = vec![with_variable(c, shape)];
        if c.one_in(3) {
            let (_, _, other) = STRING_CONDITIONS[c.below(STRING_CONDITIONS.len())];
            let other = with_variable(c, other);
            if !values.contains(&other) {
                values.push(other);
            }
        }
        (op.to_string(), key, one_or_list(c, values))
    } else {
        let (op, key, value) = TYPED_CONDITIONS[c.below(TYPED_CONDITIONS.len())];
        (op.to_string(), key, json!(value))
    };
    if c.one_in(9) {
        let absent = if c.flip() { "true" } else { "false" };
        return ("Null".into(), key.into(), json!(absent));
    }
    let operator = if c.one_in(4) {
        format!("{operator}IfExists")
    } else {
        operator
    };
    (operator, key.into(), value)
}

pub fn add_condition(s: &mut Map<String, Value>, (operator, key, values): (String, String, Value)) {
    let block = s.entry("Condition").or_insert_with(|| json!({}));
    let entry = &mut block[&operator];
    if entry.is_null() {
        *entry = json!({});
    }
    entry[&key] = values;
}

/// A statement; in a resource policy a Principal of mixed kinds, or a NotPrincipal (Deny
/// mostly, Allow rarely: AWS accepts it and grants everyone else).
pub fn statement(c: &mut dyn Choices, resource_policy: bool) -> Value {
    let deny = c.one_in(3);
    let mut s = Map::new();
    s.insert("Effect".into(), json!(if deny { "Deny" } else { "Allow" }));
    if resource_policy {
        if c.one_in(if deny { 3 } else { 12 }) {
            s.insert("NotPrincipal".into(), mixed::principal(c, false));
        } else {
            s.insert("Principal".into(), mixed::principal(c, true));
        }
    }
    let not_action = c.one_in(if deny { 3 } else { 10 });
    s.insert(
        if not_action { "NotAction" } else { "Action" }.into(),
        shapes(c, ACTIONS, 2),
    );
    if !(resource_policy && c.one_in(8)) {
        let not = c.one_in(if deny { 2 } else { 5 });
        s.insert(
            if not { "NotResource" } else { "Resource" }.into(),
            shapes(c, RESOURCES, 2),
        );
    }
    for _ in 0..c.below(4) {
        add_condition(&mut s, condition(c));
    }
    Value::Object(s)
}

pub fn policy(c: &mut dyn Choices, resource_policy: bool) -> Value {
    let n = 1 + c.below(3);
    let statements: Vec<Value> = (0..n).map(|_| statement(c, resource_policy)).collect();
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// One statement changed a little: a condition added, dropped or replaced by its
/// ignore-case/negated twin, the Resource swapped for a NotResource, the principal changed.
fn perturb(c: &mut dyn Choices, s: &mut Map<String, Value>, resource_policy: bool) {
    match c.below(5) {
        0 => add_condition(s, condition(c)),
        1 => {
            let Some(Value::Object(block)) = s.get_mut("Condition") else {
                add_condition(s, condition(c));
                return;
            };
            let operators: Vec<String> = block.keys().cloned().collect();
            block.remove(&operators[c.below(operators.len())]);
            if block.is_empty() {
                s.remove("Condition");
            }
        }
        2 => {
            let Some(Value::Object(block)) = s.get_mut("Condition") else {
                add_condition(s, condition(c));
                return;
            };
            let operators: Vec<String> = block.keys().cloned().collect();
            let op = &operators[c.below(operators.len())];
            let renamed = twin(op);
            if renamed != *op && !block.contains_key(&renamed) {
                if let Some(v) = block.remove(op) {
                    block.insert(renamed, v);
                }
            }
        }
        3 => {
            let (from, to) = if s.contains_key("Resource") {
                ("Resource", "NotResource")
            } else {
                ("NotResource", "Resource")
            };
            let value = s.remove(from).unwrap_or_else(|| json!("*"));
            let value = if c.flip() {
                value
            } else {
                shapes(c, RESOURCES, 1)
            };
            s.insert(to.into(), value);
        }
        _ if resource_policy => {
            s.remove("Principal");
            s.remove("NotPrincipal");
            s.insert("Principal".into(), mixed::principal(c, true));
        }
        _ => add_condition(s, condition(c)),
    }
}

/// The ignore-case twin of a string operator, the negation of an IP, Numeric or ARN one
/// (set qualifier and `IfExists` kept; the base name matched exactly).
fn twin(operator: &str) -> String {
    const SWAPS: &[(&str, &str)] = &[
        ("StringEqualsIgnoreCase", "StringEquals"),
        ("StringNotEqualsIgnoreCase", "StringNotEquals"),
        ("NotIpAddress", "IpAddress"),
        ("NumericLessThan", "NumericGreaterThanEquals"),
        ("NumericLessThanEquals", "NumericGreaterThan"),
        ("ArnNotLike", "ArnLike"),
        ("StringNotLike", "StringLike"),
    ];
    let (set, rest) = match operator.split_once(':') {
        Some((set, rest)) => (format!("{set}:"), rest),
        None => (String::new(), operator),
    };
    let (base, if_exists) = match rest.strip_suffix("IfExists") {
        Some(base) => (base, "IfExists"),
        None => (rest, ""),
    };
    let swapped = SWAPS.iter().find_map(|&(a, b)| match base {
        x if x == a => Some(b),
        x if x == b => Some(a),
        _ => None,
    });
    swapped.map_or(operator.to_string(), |t| format!("{set}{t}{if_exists}"))
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
            if c.flip() {
                return (baseline, proposed);
            }
        }
        _ => {
            let i = c.below(list.len());
            if let Value::Object(s) = &mut list[i] {
                perturb(c, s, resource_policy);
            }
            if c.flip() {
                return (baseline, proposed);
            }
        }
    }
    (proposed, baseline)
}

/// Principal entries the policies write, as request callers (`Kind:value`).
fn written_callers(policies: &[&Value]) -> Vec<String> {
    let mut out = Vec::new();
    for p in policies {
        let list = match &p["Statement"] {
            Value::Array(l) => l.clone(),
            one => vec![one.clone()],
        };
        for s in list {
            for field in ["Principal", "NotPrincipal"] {
                let Value::Object(kinds) = &s[field] else {
                    continue;
                };
                for (kind, values) in kinds {
                    let values = match values {
                        Value::Array(l) => l.clone(),
                        one => vec![one.clone()],
                    };
                    for v in values.iter().filter_map(Value::as_str) {
                        if v != "*" {
                            out.push(format!("{kind}:{v}"));
                        }
                    }
                }
            }
        }
    }
    out
}

/// A request the proposal may allow and the baseline not (see the module comment).
pub fn request(c: &mut dyn Choices, policies: &[&Value]) -> Value {
    let mut r = lemma_shapes::request(c, policies);
    r["action"] = json!(choose(c, REQUEST_ACTIONS));
    if c.below(3) == 0 {
        let mut callers = written_callers(policies);
        callers.extend(mixed::CALLERS.iter().map(|s| s.to_string()));
        let caller = &callers[c.below(callers.len())];
        r["principal"] = mixed::caller_json(caller);
    }
    // Resource: kept (instantiated from the policies), the action's catalog example, or that
    // example with its last segment replaced by a value the request already holds.
    let action = r["action"]
        .as_str()
        .unwrap_or("s3:GetObject")
        .to_lowercase();
    let example = keyaki::catalog::catalog().example_resource(&action);
    match (c.below(3), example) {
        (0, Some(e)) => r["resource"] = json!(e),
        (1, Some(e)) => {
            let owner = r["context"]["aws:username"]
                .as_str()
                .unwrap_or("x")
                .to_string();
            let cut = e.rfind(['/', ':']).map_or(e.len(), |i| i + 1);
            r["resource"] = json!(format!("{}{owner}", &e[..cut]));
        }
        _ => {}
    }
    let Some(context) = r["context"].as_object_mut() else {
        return r;
    };
    for (key, pool) in TYPED_VALUES {
        if !c.one_in(4) {
            context.insert((*key).into(), json!(choose(c, pool)));
        }
    }
    for (key, pool) in SET_TYPED_VALUES {
        if !c.one_in(4) {
            let list: Vec<&str> = (0..c.below(3)).map(|_| choose(c, pool)).collect();
            context.insert((*key).into(), json!(list));
        }
    }
    // A multi-valued key a template reads: with two or more values `${k}` reads its default
    // (or does not resolve) while conditions still see every value (session 12's refuted
    // passes were only found with such requests).
    let reads_labels = policies
        .iter()
        .any(|p| p.to_string().contains("${custom:labels"));
    if reads_labels && !c.one_in(3) {
        const LABELS: &[&str] = &["none", "x", "y", "eng", "example"];
        let list: Vec<&str> = (0..c.below(4)).map(|_| choose(c, LABELS)).collect();
        context.insert("custom:labels".into(), json!(list));
    }
    r
}
