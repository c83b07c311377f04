//! Combinations the base generator (`mod.rs`) never makes: resource-policy principals of every
//! kind beside conditions on the principal- and source-derived keys, set operators with
//! `IfExists`/`Null`/ignore-case/templates on null data sets, typed operators with `IfExists`
//! on multivalued keys (IPv6, epoch and date-only dates), and policy variables with defaults
//! and the special `${*}`, `${?}`, `${$}` in condition values and resources.
//!
//! Requests are sampled from pools aimed at the same edges (derived keys given or left to the
//! evaluator, `[""]` and `[]` sets, IPv4-mapped IPv6, case variants), so a pass is tested
//! where it is thin. Used by `tests/differential_{mixed,access,diff}.rs`.
#![allow(dead_code)]

use super::gen::Choices;
use serde_json::{json, Map, Value};

pub fn choose<'a>(c: &mut dyn Choices, pool: &'a [&'a str]) -> &'a str {
    pool[c.below(pool.len())]
}

/// One principal entry of a resource policy, as `(kind, value)`.
const PRINCIPAL_ENTRIES: &[(&str, &str)] = &[
    ("AWS", "*"),
    ("AWS", "111122223333"),
    ("AWS", "444455556666"),
    ("AWS", "arn:aws:iam::111122223333:root"),
    ("AWS", "arn:aws:iam::444455556666:root"),
    ("AWS", "arn:aws:iam::111122223333:role/admin"),
    ("AWS", "arn:aws:iam::111122223333:role/ops/deployer"),
    ("AWS", "arn:aws:iam::444455556666:user/bob"),
    ("AWS", "arn:aws:sts::111122223333:assumed-role/admin/s1"),
    ("Service", "s3.amazonaws.com"),
    ("Service", "lambda.amazonaws.com"),
    ("Federated", "cognito-identity.amazonaws.com"),
    ("Federated", "arn:aws:iam::111122223333:saml-provider/okta"),
    ("Federated", "accounts.google.com"),
    (
        "Federated",
        "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",
    ),
    (
        "CanonicalUser",
        "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
    ),
];

/// A `Principal` (or `NotPrincipal`) value: `"*"` or one to three entries of mixed kinds.
pub fn principal(c: &mut dyn Choices, allow_star: bool) -> Value {
    if allow_star && c.one_in(5) {
        return json!("*");
    }
    let mut map: Map<String, Value> = Map::new();
    for _ in 0..1 + c.below(3) {
        let (kind, value) = PRINCIPAL_ENTRIES[c.below(PRINCIPAL_ENTRIES.len())];
        if !allow_star && value == "*" {
            continue;
        }
        let entry = map.entry(kind).or_insert_with(|| json!([]));
        if let Value::Array(list) = entry {
            if !list.contains(&json!(value)) {
                list.push(json!(value));
            }
        }
    }
    if map.is_empty() {
        map.insert("AWS".into(), json!("111122223333"));
    }
    // A one-element list is written as a string sometimes.
    for v in map.values_mut() {
        if v.as_array().is_some_and(|l| l.len() == 1) && c.flip() {
            *v = v[0].clone();
        }
    }
    Value::Object(map)
}

/// A condition family: operators, keys (disjoint between families), policy values, request values.
pub struct Family {
    pub operators: &'static [&'static str],
    pub keys: &'static [&'static str],
    pub values: &'static [&'static str],
    pub request_values: &'static [&'static str],
    /// `ForAllValues:`/`ForAnyValue:` may prefix the operator; requests give arrays.
    pub multivalued: bool,
}

pub const FAMILIES: &[Family] = &[
    // Principal-derived keys, with variables naming other keys.
    Family {
        operators: &[
            "StringEquals",
            "StringNotEquals",
            "StringLike",
            "StringNotLike",
            "ArnLike",
            "ArnNotLike",
            "ArnEquals",
            "StringEqualsIgnoreCase",
        ],
        keys: &[
            "aws:PrincipalArn",
            "aws:PrincipalAccount",
            "aws:PrincipalOrgID",
            "aws:userid",
        ],
        values: &[
            "arn:aws:iam::111122223333:role/*",
            "arn:aws:iam::*:user/alice",
            "arn:aws:sts::111122223333:assumed-role/admin/*",
            "arn:aws:iam::${aws:PrincipalAccount}:*",
            "111122223333",
            "4444*",
            "${aws:ResourceAccount}",
            "o-abc123",
            "o-*",
            "AROA*:*",
            "*:${aws:username}",
        ],
        request_values: &[
            "arn:aws:iam::111122223333:role/admin",
            "arn:aws:iam::444455556666:user/alice",
            "111122223333",
            "444455556666",
            "o-abc123",
            "o-other",
            "AROAEXAMPLE:s1",
            "AIDAEXAMPLE:alice",
            "",
        ],
        multivalued: false,
    },
    // Source keys (set by AWS when a service calls).
    Family {
        operators: &[
            "ArnLike",
            "ArnNotLike",
            "StringEquals",
            "StringNotEquals",
            "StringLike",
        ],
        keys: &["aws:SourceArn", "aws:SourceAccount"],
        values: &[
            "arn:aws:s3:::bucket",
            "arn:aws:sns:*:111122223333:*",
            "arn:aws:*:*:${aws:ResourceAccount}:*",
            "111122223333",
            "${aws:PrincipalAccount}",
        ],
        request_values: &[
            "arn:aws:s3:::bucket",
            "arn:aws:sns:us-east-1:111122223333:t",
            "arn:aws:sns:us-east-1:444455556666:t",
            "111122223333",
            "444455556666",
        ],
        multivalued: false,
    },
    // Set operators on null data sets, ignore-case and templates inside.
    Family {
        operators: &[
            "StringEquals",
            "StringNotEquals",
            "StringLike",
            "StringNotLike",
            "StringEqualsIgnoreCase",
            "StringNotEqualsIgnoreCase",
        ],
        keys: &["aws:TagKeys", "custom:labels"],
        values: &[
            "env",
            "team",
            "cost*",
            "",
            "${aws:PrincipalTag/team}",
            "${aws:PrincipalTag/x, 'y'}",
            "${*}",
            "${?}",
            "${$}",
            "Env",
        ],
        request_values: &[
            "env",
            "team",
            "ENV",
            "costcenter",
            "",
            "*",
            "?",
            "$",
            "y",
            "eng",
        ],
        multivalued: true,
    },
    // Numbers on a single-valued and a multivalued key.
    Family {
        operators: &[
            "NumericEquals",
            "NumericNotEquals",
            "NumericLessThan",
            "NumericGreaterThanEquals",
        ],
        keys: &["s3:max-keys", "custom:count"],
        values: &["10", "-1.5", "0", "100.0", "007"],
        request_values: &[
            "10", "10.0", "9", "11", "-1.5", "-2", "0", "abc", "100", "010",
        ],
        multivalued: true,
    },
    // Dates: ISO, date-only, epoch, fractions, offsets.
    Family {
        operators: &[
            "DateEquals",
            "DateNotEquals",
            "DateLessThan",
            "DateGreaterThanEquals",
        ],
        keys: &["aws:CurrentTime", "aws:TokenIssueTime"],
        values: &[
            "2020-01-01T00:00:00Z",
            "2024-06-30",
            "1700000000",
            "2020-01-01T01:00:00+01:00",
            "2020-01-01T00:00:00.500Z",
        ],
        request_values: &[
            "2020-01-01T00:00:00Z",
            "2019-12-31",
            "1577836800",
            "1577836799",
            "2024-06-30T00:00:00Z",
            "2020-01-01T00:00:00.250Z",
            "1700000000",
            "soon",
        ],
        multivalued: false,
    },
    // IPv4, IPv6, IPv4-mapped IPv6, /0 and single hosts.
    Family {
        operators: &["IpAddress", "NotIpAddress"],
        keys: &["aws:SourceIp", "aws:VpcSourceIp"],
        values: &[
            "203.0.113.0/24",
            "2001:db8::/32",
            "::/0",
            "0.0.0.0/0",
            "10.0.0.0/8",
            "203.0.113.7",
            "2001:db8::1/128",
        ],
        request_values: &[
            "203.0.113.7",
            "203.0.113.255",
            "2001:db8::1",
            "2001:DB8:0:0::1",
            "::ffff:203.0.113.7",
            "10.1.2.3",
            "::1",
            "192.0.2.1",
            "not-an-ip",
        ],
        multivalued: false,
    },
    Family {
        operators: &["Bool"],
        keys: &["aws:SecureTransport", "aws:ViaAWSService"],
        values: &["true", "false", "TRUE"],
        request_values: &["true", "false", "True", "1", ""],
        multivalued: false,
    },
    // The OIDC subject (a pinning key when the policy trusts that issuer).
    Family {
        operators: &[
            "StringEquals",
            "StringLike",
            "StringNotEquals",
            "StringNotLike",
        ],
        keys: &["token.actions.githubusercontent.com:sub"],
        values: &["repo:org/app:ref:refs/heads/main", "repo:org/*", "*"],
        request_values: &[
            "repo:org/app:ref:refs/heads/main",
            "repo:org/other:pull",
            "repo:x/y",
        ],
        multivalued: false,
    },
    // Typed operators under set qualifiers on keys the catalog does not know (multivalued).
    Family {
        operators: &["IpAddress", "NotIpAddress"],
        keys: &["custom:ips"],
        values: &["10.0.0.0/8", "2001:db8::/32", "203.0.113.7"],
        request_values: &[
            "10.1.2.3",
            "2001:db8::1",
            "::ffff:10.0.0.1",
            "203.0.113.7",
            "x",
            "",
        ],
        multivalued: true,
    },
    Family {
        operators: &["DateLessThan", "DateGreaterThanEquals", "DateEquals"],
        keys: &["custom:dates"],
        values: &["2020-01-01", "1700000000", "2020-01-01T00:00:00Z"],
        request_values: &[
            "2019-12-31",
            "2020-01-01T00:00:00Z",
            "1577836800",
            "1700000000",
            "x",
            "",
        ],
        multivalued: true,
    },
    // Variables with defaults and the special ones in string values.
    Family {
        operators: &[
            "StringEquals",
            "StringNotEquals",
            "StringLike",
            "StringNotLike",
            "StringEqualsIgnoreCase",
        ],
        keys: &["aws:ResourceTag/owner", "s3:prefix"],
        values: &[
            "${aws:username}",
            "${aws:PrincipalTag/team, 'none'}",
            "${aws:PrincipalTag/team,'none'}/*",
            "${aws:userid}",
            "home/${aws:username}/*",
            "p-${*}-${?}-${$}",
            "${aws:username}*",
            "${aws:PrincipalTag/dept, 'a*b'}",
            "alice",
        ],
        request_values: &[
            "alice",
            "ALICE",
            "none",
            "none/x",
            "eng",
            "eng/x",
            "p-*-?-$",
            "p-x-y-z",
            "home/alice/x",
            "a*b",
            "axb",
            "AIDAEXAMPLE:alice",
            "",
        ],
        multivalued: false,
    },
];

/// One condition `(operator, key, values)`.
pub fn condition(c: &mut dyn Choices) -> (String, String, Value) {
    let family = &FAMILIES[c.below(FAMILIES.len())];
    let key = choose(c, family.keys).to_string();
    if c.one_in(7) {
        return (
            "Null".into(),
            key,
            json!(if c.flip() { "true" } else { "false" }),
        );
    }
    let mut operator = choose(c, family.operators).to_string();
    if family.multivalued {
        match c.below(3) {
            0 => operator = format!("ForAllValues:{operator}"),
            1 => operator = format!("ForAnyValue:{operator}"),
            _ => {}
        }
    }
    if c.one_in(3) {
        operator.push_str("IfExists");
    }
    let mut values: Vec<&str> = Vec::new();
    for _ in 0..1 + c.below(2) {
        let v = choose(c, family.values);
        if !values.contains(&v) {
            values.push(v);
        }
    }
    let value = if values.len() == 1 && c.flip() {
        json!(values[0])
    } else {
        json!(values)
    };
    (operator, key, value)
}

pub fn conditions(c: &mut dyn Choices, max: usize) -> Option<Value> {
    let mut block = Map::new();
    for _ in 0..c.below(max + 1) {
        let (operator, key, values) = condition(c);
        let entry = block.entry(operator).or_insert_with(|| json!({}));
        if let Value::Object(keys) = entry {
            keys.entry(key).or_insert(values);
        }
    }
    (!block.is_empty()).then_some(Value::Object(block))
}

pub const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:Get*",
    "s3:*",
    "s3:ListBucket",
    "sts:AssumeRole",
    "sqs:SendMessage",
    "kms:Decrypt",
    "*",
];

pub const RESOURCES: &[&str] = &[
    "*",
    "arn:aws:s3:::bucket",
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::bucket/${aws:PrincipalTag/team, 'none'}/*",
    "arn:aws:s3:::bucket/${aws:username}/*",
    "arn:aws:s3:::bucket/${*}${?}${$}",
    "arn:aws:sqs:us-east-1:111122223333:q",
    "arn:aws:*:*:111122223333:*",
];

/// A statement; with `resource_policy`, a Principal (or, for Deny, sometimes a NotPrincipal).
pub fn statement(c: &mut dyn Choices, resource_policy: bool, max_conditions: usize) -> Value {
    let deny = c.one_in(3);
    let mut s = Map::new();
    s.insert("Effect".into(), json!(if deny { "Deny" } else { "Allow" }));
    if resource_policy {
        if deny && c.one_in(3) {
            s.insert("NotPrincipal".into(), principal(c, false));
        } else {
            s.insert("Principal".into(), principal(c, true));
        }
    }
    let actions = pick_list(c, ACTIONS, 2);
    let action_key = if c.one_in(6) { "NotAction" } else { "Action" };
    s.insert(action_key.into(), actions);
    // Trust policies often have no Resource.
    if !(resource_policy && c.one_in(5)) {
        let key = if c.one_in(6) {
            "NotResource"
        } else {
            "Resource"
        };
        s.insert(key.into(), pick_list(c, RESOURCES, 2));
    }
    if let Some(block) = conditions(c, max_conditions) {
        s.insert("Condition".into(), block);
    }
    Value::Object(s)
}

pub fn policy(c: &mut dyn Choices, resource_policy: bool, max_conditions: usize) -> Value {
    let n = 1 + c.below(3);
    let statements: Vec<Value> = (0..n)
        .map(|_| statement(c, resource_policy, max_conditions))
        .collect();
    // Version 2008-10-17 (or none) reads `${...}` literally: the same text, another meaning.
    match c.below(10) {
        0 => json!({"Version": "2008-10-17", "Statement": statements}),
        1 => json!({"Statement": statements}),
        _ => json!({"Version": "2012-10-17", "Statement": statements}),
    }
}

fn pick_list(c: &mut dyn Choices, pool: &[&str], max: usize) -> Value {
    let mut items: Vec<&str> = Vec::new();
    for _ in 0..1 + c.below(max) {
        let v = choose(c, pool);
        if !items.contains(&v) {
            items.push(v);
        }
    }
    if items.len() == 1 && c.flip() {
        json!(items[0])
    } else {
        json!(items)
    }
}

/// Request callers: every kind, accounts inside and outside the usual zone.
pub const CALLERS: &[&str] = &[
    "anonymous",
    "AWS:arn:aws:iam::111122223333:user/alice",
    "AWS:arn:aws:iam::111122223333:role/admin",
    "AWS:arn:aws:iam::111122223333:root",
    "AWS:arn:aws:sts::111122223333:assumed-role/admin/s1",
    "AWS:arn:aws:sts::111122223333:assumed-role/deployer/s2",
    "AWS:arn:aws:iam::444455556666:user/bob",
    "AWS:arn:aws:iam::444455556666:user/alice",
    "AWS:arn:aws:iam::999988887777:user/example",
    "AWS:111122223333",
    "Service:s3.amazonaws.com",
    "Service:lambda.amazonaws.com",
    "Federated:cognito-identity.amazonaws.com",
    "Federated:arn:aws:iam::111122223333:saml-provider/okta",
    "Federated:accounts.google.com",
    "Federated:arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",
    "CanonicalUser:79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
];

pub fn caller_json(caller: &str) -> Value {
    match caller.split_once(':') {
        Some((kind, value)) => json!({ kind: value }),
        None => json!("anonymous"),
    }
}

pub const REQUEST_ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:ListBucket",
    "s3:PutObject",
    "sts:AssumeRole",
    "sqs:SendMessage",
    "kms:Decrypt",
];

pub const REQUEST_RESOURCES: &[&str] = &[
    "arn:aws:s3:::bucket",
    "arn:aws:s3:::bucket/key",
    "arn:aws:s3:::bucket/none/x",
    "arn:aws:s3:::bucket/eng/x",
    "arn:aws:s3:::bucket/alice/x",
    "arn:aws:s3:::bucket/*?$",
    "arn:aws:s3:::bucket/x?$",
    "arn:aws:sqs:us-east-1:111122223333:q",
    "arn:aws:kms:us-east-1:111122223333:key/k",
    "arn:aws:kms:us-east-1:444455556666:key/k",
];

/// A request around the pools: any caller, derived keys given explicitly sometimes (a
/// consistent value or not), every family's keys present, absent, empty or multivalued.
pub fn request(c: &mut dyn Choices, caller: Option<&str>) -> Value {
    let caller = caller.unwrap_or_else(|| choose(c, CALLERS));
    let mut r = Map::new();
    r.insert("principal".into(), caller_json(caller));
    r.insert("action".into(), json!(choose(c, REQUEST_ACTIONS)));
    if !c.one_in(10) {
        r.insert("resource".into(), json!(choose(c, REQUEST_RESOURCES)));
    }
    let mut context = Map::new();
    for family in FAMILIES {
        for key in family.keys {
            if c.below(5) < 2 {
                continue;
            }
            // The request parser refuses several values for a key the catalog types
            // single-valued: arrays of two only for set keys and keys it does not know.
            let multi = key.starts_with("custom:") || *key == "aws:TagKeys";
            let value = if multi || c.one_in(10) {
                let n = c.below(if multi { 3 } else { 2 });
                let values: Vec<&str> = (0..n).map(|_| choose(c, family.request_values)).collect();
                json!(values)
            } else {
                json!(choose(c, family.request_values))
            };
            context.insert((*key).to_string(), value);
        }
    }
    for (key, pool) in [
        (
            "aws:PrincipalTag/team",
            &["eng", "none", "", "*", "a*b"][..],
        ),
        ("aws:PrincipalTag/dept", &["x", "a*b"][..]),
        ("aws:ResourceAccount", &["111122223333", "444455556666"][..]),
        ("aws:username", &["alice", "bob"][..]),
    ] {
        if c.one_in(2) {
            context.insert(key.into(), json!(choose(c, pool)));
        }
    }
    if !context.is_empty() {
        r.insert("context".into(), Value::Object(context));
    }
    Value::Object(r)
}

/// A pair `(proposed, baseline)`: independent, or the proposal derived from the baseline (a
/// Deny added, a condition added to one statement, one statement replaced), so that passes
/// are common and thin.
pub fn pair(c: &mut dyn Choices, resource_policy: bool, max_conditions: usize) -> (Value, Value) {
    let baseline = policy(c, resource_policy, max_conditions);
    let mut proposed = baseline.clone();
    let Some(list) = proposed["Statement"].as_array_mut() else {
        return (proposed, baseline);
    };
    match c.below(4) {
        0 => return (policy(c, resource_policy, max_conditions), baseline),
        1 => {
            let mut deny = statement(c, resource_policy, max_conditions);
            deny["Effect"] = json!("Deny");
            if deny.get("NotPrincipal").is_some() {
                // NotPrincipal on Deny only; keep it.
            }
            list.push(deny);
        }
        2 => {
            let i = c.below(list.len());
            let (operator, key, values) = condition(c);
            let s = &mut list[i];
            if s.get("Condition").is_none() {
                s["Condition"] = json!({});
            }
            let block = &mut s["Condition"];
            if block.get(&operator).is_none() {
                block[&operator] = json!({});
            }
            block[&operator][&key] = values;
        }
        _ => {
            let i = c.below(list.len());
            list[i] = statement(c, resource_policy, max_conditions);
        }
    }
    (proposed, baseline)
}
