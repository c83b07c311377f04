//! Random small policies and requests, driven by a stream of choices.
//!
//! One generator serves both the libFuzzer targets (choices read from the fuzzer's bytes
//! through `arbitrary`) and the proptest suites in `tests/` (choices read from a proptest byte
//! vector, so proptest shrinks the byte vector and with it the policy). It needs nothing but
//! `keyaki` and `serde_json`, so the tests include it with `#[path]` without new dependencies.
//!
//! Every literal a policy uses is recorded in [`Literals`], so requests can be sampled around
//! the policies' own patterns: the literal itself, a mutation of it (wildcards filled, case
//! changed, a character dropped) or a fresh value.
#![allow(dead_code)]

use keyaki::eval::PolicyType;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A source of bounded choices. Exhausted sources answer 0, so every stream is a valid input.
pub trait Choices {
    /// A number in `0..n` (0 when `n <= 1`).
    fn below(&mut self, n: usize) -> usize;

    fn flip(&mut self) -> bool {
        self.below(2) == 1
    }

    /// True with probability about `1/n`.
    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
}

/// Choices read from a byte slice (one byte per choice; two for choices above 256).
pub struct ByteChoices<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> ByteChoices<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        ByteChoices { data, pos: 0 }
    }

    fn byte(&mut self) -> usize {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        usize::from(b)
    }
}

impl Choices for ByteChoices<'_> {
    fn below(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        let raw = if n <= 256 {
            self.byte()
        } else {
            self.byte() << 8 | self.byte()
        };
        raw % n
    }
}

fn pick<'a, T>(c: &mut dyn Choices, pool: &'a [T]) -> &'a T {
    &pool[c.below(pool.len())]
}

pub const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:getobject",
    "s3:Get*",
    "s3:*",
    "s3:PutObject",
    "s3:List*",
    "s3:Get?bject",
    "s3:*Object",
    "ec2:*",
    "ec2:RunInstances",
    "ec2:Describe*",
    "iam:PassRole",
    "sts:AssumeRole",
    "*",
];

pub const CONCRETE_ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "s3:DeleteObject",
    "ec2:RunInstances",
    "ec2:DescribeInstances",
    "iam:PassRole",
    "sts:AssumeRole",
    "sqs:SendMessage",
];

pub const RESOURCES: &[&str] = &[
    "*",
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::bucket/key",
    "arn:aws:s3:::bucket",
    "arn:aws:s3:::b?cket/*",
    "arn:aws:s3:::*/secret*",
    "arn:aws:s3:::bucket/${aws:username}/*",
    "arn:aws:ec2:*:111122223333:instance/*",
    "arn:aws:ec2:us-east-1:*:*",
    "arn:aws:iam::111122223333:role/*",
    "arn:aws:*:*:*:*",
    // Templates (issue 10): word equations in one variable, defaults, key-name case, the
    // same variable at two offsets.
    "arn:aws:s3:::bucket/a${aws:username}",
    "arn:aws:s3:::bucket/${aws:username}a",
    "arn:aws:s3:::bucket/${aws:PrincipalTag/team, 'none'}/*",
    "arn:aws:s3:::bucket/${AWS:UserName}/*",
    "arn:aws:s3:::bucket/none/*",
    "arn:aws:iam::*:user/${aws:username}",
    "arn:aws:iam::*:user/*/${aws:username}",
];

pub const CONCRETE_RESOURCES: &[&str] = &[
    "arn:aws:s3:::bucket/key",
    "arn:aws:s3:::bucket/alice/notes",
    "arn:aws:s3:::bucket",
    "arn:aws:s3:::other/secret.txt",
    "arn:aws:ec2:us-east-1:111122223333:instance/i-0abc",
    "arn:aws:ec2:eu-west-1:444455556666:volume/vol-1",
    "arn:aws:iam::111122223333:role/admin",
    "arn:aws:s3:::bucket/aalice",
    "arn:aws:s3:::bucket/alicea",
    "arn:aws:s3:::bucket/aa",
    "arn:aws:s3:::bucket/none/x",
    "arn:aws:s3:::bucket/eng/x",
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:iam::111122223333:user/x/alice",
];

/// Principal elements for resource policies.
fn principal_value(c: &mut dyn Choices) -> Value {
    match c.below(9) {
        0 => json!("*"),
        1 => json!({"AWS": "*"}),
        2 => json!({"AWS": "111122223333"}),
        3 => json!({"AWS": "arn:aws:iam::111122223333:root"}),
        4 => json!({"AWS": "arn:aws:iam::111122223333:role/admin"}),
        5 => json!({"AWS": "arn:aws:iam::444455556666:user/bob"}),
        6 => json!({"Service": "s3.amazonaws.com"}),
        7 => json!({"Federated": "cognito-identity.amazonaws.com"}),
        _ => json!({"AWS": ["111122223333", "arn:aws:iam::444455556666:role/ops"]}),
    }
}

/// Request principals: users, roles, sessions, a service, anonymous.
pub const PRINCIPALS: &[&str] = &[
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:iam::111122223333:user/bob",
    "arn:aws:iam::444455556666:user/bob",
    "arn:aws:sts::111122223333:assumed-role/admin/s1",
    "arn:aws:iam::111122223333:role/admin",
    "arn:aws:sts::444455556666:assumed-role/ops/x",
    "arn:aws:iam::111122223333:root",
];

/// A condition family: its operators, the keys it is used on (disjoint between families, so
/// no key is read as two types), and the literals it compares with.
struct Family {
    operators: &'static [&'static str],
    keys: &'static [&'static str],
    values: &'static [&'static str],
    /// Request values: literals plus near misses and values of the wrong type.
    request_values: &'static [&'static str],
    set_qualifiers: bool,
}

const FAMILIES: &[Family] = &[
    Family {
        operators: &[
            "StringEquals",
            "StringNotEquals",
            "StringLike",
            "StringNotLike",
            "StringEqualsIgnoreCase",
            "StringNotEqualsIgnoreCase",
        ],
        keys: &[
            "aws:username",
            "s3:prefix",
            "aws:PrincipalTag/team",
            "aws:RequestedRegion",
            "aws:PrincipalArn",
            "aws:PrincipalAccount",
        ],
        values: &[
            "alice",
            "Alice",
            "bob",
            "home/*",
            "home/${aws:username}/*",
            "us-east-1",
            "us-*",
            "eng",
            "e?g",
            "arn:aws:iam::111122223333:user/*",
            "111122223333",
            "",
        ],
        request_values: &[
            "alice",
            "ALICE",
            "bob",
            "home/",
            "home/alice/x",
            "us-east-1",
            "eu-west-1",
            "eng",
            "ops",
            "arn:aws:iam::111122223333:user/alice",
            "111122223333",
            "",
        ],
        set_qualifiers: false,
    },
    Family {
        operators: &[
            "StringEquals",
            "StringLike",
            "StringNotEquals",
            "StringNotLike",
        ],
        keys: &["aws:TagKeys"],
        values: &["env", "team", "cost*", "Env"],
        request_values: &["env", "team", "costcenter", "Env", "owner", ""],
        set_qualifiers: true,
    },
    // A key the catalog does not know: requests may give it several values (see
    // encodings/multivalued-keys.md), with or without a set qualifier in the policy.
    Family {
        operators: &[
            "StringEquals",
            "StringNotEquals",
            "StringLike",
            "StringNotLike",
        ],
        keys: &["custom:team"],
        values: &["eng", "ops", "e*", ""],
        request_values: &["eng", "ops", "eng-x", "Eng", ""],
        set_qualifiers: true,
    },
    Family {
        operators: &[
            "NumericEquals",
            "NumericNotEquals",
            "NumericLessThan",
            "NumericLessThanEquals",
            "NumericGreaterThan",
            "NumericGreaterThanEquals",
        ],
        keys: &["s3:max-keys"],
        values: &["10", "100", "2.5", "-1", "0"],
        request_values: &[
            "10", "10.0", "9", "100", "2.5", "2.49", "-1", "0", "abc", "1e3",
        ],
        set_qualifiers: false,
    },
    Family {
        operators: &[
            "DateEquals",
            "DateNotEquals",
            "DateLessThan",
            "DateGreaterThan",
            "DateGreaterThanEquals",
        ],
        keys: &["aws:CurrentTime"],
        values: &["2020-01-01T00:00:00Z", "2024-06-30", "1700000000"],
        request_values: &[
            "2020-01-01T00:00:00Z",
            "2019-12-31T23:59:59Z",
            "2024-06-30T00:00:00Z",
            "2030-01-01",
            "1700000000",
            "1700000001",
            "yesterday",
        ],
        set_qualifiers: false,
    },
    Family {
        operators: &["IpAddress", "NotIpAddress"],
        keys: &["aws:SourceIp"],
        values: &[
            "203.0.113.0/24",
            "203.0.113.7/32",
            "10.0.0.0/8",
            "2001:db8::/32",
            "0.0.0.0/0",
        ],
        request_values: &[
            "203.0.113.7",
            "203.0.113.200",
            "10.1.2.3",
            "192.0.2.1",
            "2001:db8::1",
            "::1",
            "not-an-ip",
        ],
        set_qualifiers: false,
    },
    Family {
        operators: &["Bool"],
        keys: &["aws:SecureTransport", "aws:MultiFactorAuthPresent"],
        values: &["true", "false"],
        request_values: &["true", "false", "TRUE", "yes"],
        set_qualifiers: false,
    },
    // Ignore-case heavy (issue 10): case classes, the KELVIN SIGN, templates read ignoring case.
    Family {
        operators: &[
            "StringEqualsIgnoreCase",
            "StringNotEqualsIgnoreCase",
            "StringEquals",
            "StringLike",
            "StringNotLike",
        ],
        keys: &["aws:ResourceTag/env", "aws:PrincipalTag/project"],
        values: &[
            "prod",
            "Prod",
            "PROD",
            "p*",
            "P?OD",
            "k",
            "\u{212A}",
            "${aws:username}",
            "${aws:username}-*",
            "a${aws:username}",
            "${aws:username}a",
            "${aws:PrincipalTag/team, 'eng'}",
        ],
        request_values: &[
            "prod", "PROD", "pRoD", "prod2", "\u{212A}", "k", "K", "alice", "ALICE", "alice-x",
            "aalice", "alicea", "aa", "eng", "Eng", "",
        ],
        set_qualifiers: false,
    },
    Family {
        operators: &["ArnLike", "ArnNotLike", "ArnEquals", "ArnNotEquals"],
        keys: &["aws:SourceArn"],
        values: &[
            "arn:aws:s3:::bucket",
            "arn:aws:s3:::*",
            "arn:aws:sns:*:111122223333:*",
        ],
        request_values: &[
            "arn:aws:s3:::bucket",
            "arn:aws:s3:::other",
            "arn:aws:sns:us-east-1:111122223333:topic",
            "arn:aws:sns:us-east-1:444455556666:topic",
            "not-an-arn",
        ],
        set_qualifiers: false,
    },
];

/// What the generated policies mention, for sampling requests around them.
#[derive(Debug, Clone, Default)]
pub struct Literals {
    pub actions: BTreeSet<String>,
    pub resources: BTreeSet<String>,
    /// Condition values per key as written.
    pub values: BTreeMap<String, BTreeSet<String>>,
}

/// Generation knobs.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub max_statements: usize,
    pub max_conditions: usize,
}

impl Default for Shape {
    fn default() -> Self {
        Shape {
            max_statements: 3,
            max_conditions: 2,
        }
    }
}

pub fn policy_type(c: &mut dyn Choices) -> PolicyType {
    if c.one_in(4) {
        PolicyType::Resource
    } else {
        PolicyType::Identity
    }
}

/// A policy document as JSON (always valid for the parser, by construction).
pub fn policy(c: &mut dyn Choices, ty: PolicyType, shape: Shape, lits: &mut Literals) -> Value {
    let count = 1 + c.below(shape.max_statements.max(1));
    let statements: Vec<Value> = (0..count).map(|_| statement(c, ty, shape, lits)).collect();
    json!({"Version": "2012-10-17", "Statement": statements})
}

pub fn statement(c: &mut dyn Choices, ty: PolicyType, shape: Shape, lits: &mut Literals) -> Value {
    let deny = c.one_in(3);
    let mut s = serde_json::Map::new();
    s.insert("Effect".into(), json!(if deny { "Deny" } else { "Allow" }));
    if ty == PolicyType::Resource {
        // NotPrincipal only with Deny: the one form AWS recommends.
        let key = if deny && c.one_in(4) {
            "NotPrincipal"
        } else {
            "Principal"
        };
        let mut p = principal_value(c);
        if key == "NotPrincipal" && p == json!("*") {
            p = json!({"AWS": "111122223333"});
        }
        s.insert(key.into(), p);
    }
    let actions = list(c, ACTIONS, 3, &mut lits.actions);
    s.insert(
        if c.one_in(5) { "NotAction" } else { "Action" }.into(),
        actions,
    );
    let resources = list(c, RESOURCES, 2, &mut lits.resources);
    s.insert(
        if c.one_in(6) {
            "NotResource"
        } else {
            "Resource"
        }
        .into(),
        resources,
    );
    let conditions = c.below(shape.max_conditions + 1);
    let mut block = serde_json::Map::new();
    for _ in 0..conditions {
        let (operator, key, values) = condition(c, lits);
        let entry = block
            .entry(operator)
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
        if let Value::Object(keys) = entry {
            // A repeated operator/key pair would be a duplicate JSON key: keep the first.
            keys.entry(key).or_insert(values);
        }
    }
    if !block.is_empty() {
        s.insert("Condition".into(), Value::Object(block));
    }
    Value::Object(s)
}

/// One to `max` distinct pool entries, written as a string or an array.
fn list(c: &mut dyn Choices, pool: &[&str], max: usize, seen: &mut BTreeSet<String>) -> Value {
    let n = 1 + c.below(max);
    let mut items: Vec<String> = Vec::new();
    for _ in 0..n {
        let item = pick(c, pool).to_string();
        if !items.contains(&item) {
            items.push(item);
        }
    }
    seen.extend(items.iter().cloned());
    if items.len() == 1 && c.flip() {
        json!(items[0])
    } else {
        json!(items)
    }
}

fn condition(c: &mut dyn Choices, lits: &mut Literals) -> (String, String, Value) {
    // Null is on any key of any family.
    let family = pick(c, FAMILIES);
    let key = pick(c, family.keys).to_string();
    if c.one_in(8) {
        let v = if c.flip() { "true" } else { "false" };
        return ("Null".into(), key, json!(v));
    }
    let mut operator = pick(c, family.operators).to_string();
    if family.set_qualifiers {
        operator = match c.below(3) {
            0 => format!("ForAllValues:{operator}"),
            1 => format!("ForAnyValue:{operator}"),
            _ => operator,
        };
    }
    if c.one_in(4) {
        operator.push_str("IfExists");
    }
    let n = 1 + c.below(2);
    let mut values: Vec<String> = Vec::new();
    for _ in 0..n {
        let v = pick(c, family.values).to_string();
        if !values.contains(&v) {
            values.push(v);
        }
    }
    lits.values
        .entry(key.clone())
        .or_default()
        .extend(values.iter().cloned());
    let value = if values.len() == 1 && c.flip() {
        json!(values[0])
    } else {
        json!(values)
    };
    (operator, key, value)
}

/// A small mutation of a literal: wildcards filled or dropped, case changed, a character
/// removed or appended — the values just inside and just outside a pattern.
pub fn mutate(c: &mut dyn Choices, text: &str) -> String {
    let fill = ["", "x", "alice", "a/b", "Key", ":"];
    match c.below(7) {
        0 => text.to_string(),
        1 | 2 => {
            let mut out = String::new();
            for ch in text.chars() {
                match ch {
                    '*' => out.push_str(pick::<&str>(c, &fill)),
                    '?' => out.push(*pick(c, &['a', 'x', '/', ':'])),
                    other => out.push(other),
                }
            }
            out.replace(
                "${aws:username}",
                pick::<&str>(c, &["alice", "bob", "${aws:username}"]),
            )
        }
        3 => text.to_uppercase(),
        4 => {
            let chars: Vec<char> = text.chars().collect();
            if chars.is_empty() {
                "x".into()
            } else {
                let cut = c.below(chars.len());
                chars
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != cut)
                    .map(|(_, ch)| *ch)
                    .collect()
            }
        }
        5 => format!("{text}{}", pick::<&str>(c, &["x", "/", "*", "0"])),
        _ => text.replace('*', "").replace('?', "q"),
    }
}

fn sample(c: &mut dyn Choices, literals: &BTreeSet<String>, fresh: &[&str]) -> String {
    let lits: Vec<&String> = literals.iter().collect();
    if !lits.is_empty() && c.below(3) != 0 {
        let base = pick(c, &lits).to_string();
        mutate(c, &base)
    } else {
        pick(c, fresh).to_string()
    }
}

/// A request as JSON (the shape `parse_request` reads), sampled around the literals.
pub fn request(c: &mut dyn Choices, lits: &Literals) -> Value {
    let mut r = serde_json::Map::new();
    let principal = match c.below(10) {
        0 => json!("anonymous"),
        1 => json!({"Service": "s3.amazonaws.com"}),
        2 => json!({"Service": "ec2.amazonaws.com"}),
        3 => json!({"Federated": "cognito-identity.amazonaws.com"}),
        _ => json!({"AWS": pick(c, PRINCIPALS)}),
    };
    r.insert("principal".into(), principal);
    // Requests name `service:action` (the request parser insists); a mutation that broke the
    // shape falls back to a concrete action.
    let mut action = sample(c, &lits.actions, CONCRETE_ACTIONS);
    if !action
        .split_once(':')
        .is_some_and(|(s, n)| !s.is_empty() && !n.is_empty())
    {
        action = pick(c, CONCRETE_ACTIONS).to_string();
    }
    r.insert("action".into(), json!(action));
    if !c.one_in(8) {
        r.insert(
            "resource".into(),
            json!(sample(c, &lits.resources, CONCRETE_RESOURCES)),
        );
    }
    let mut context = serde_json::Map::new();
    for family in FAMILIES {
        for key in family.keys {
            // Mostly absent keys unless the policies use them.
            let used = lits.values.contains_key(*key);
            if !(used && c.below(4) != 0 || c.one_in(6)) {
                continue;
            }
            let empty = BTreeSet::new();
            let own = lits.values.get(*key).unwrap_or(&empty);
            let multivalued = family.set_qualifiers;
            let count = if multivalued { c.below(4) } else { 1 };
            let values: Vec<String> = (0..count)
                .map(|_| sample(c, own, family.request_values))
                .collect();
            let value = if multivalued || c.one_in(8) {
                json!(values)
            } else {
                json!(values.first().cloned().unwrap_or_default())
            };
            context.insert((*key).to_string(), value);
        }
    }
    if !context.is_empty() {
        r.insert("context".into(), Value::Object(context));
    }
    Value::Object(r)
}

/// Every action the pools mention, for tests that want the whole set.
pub fn all_actions() -> impl Iterator<Item = &'static str> {
    ACTIONS.iter().chain(CONCRETE_ACTIONS).copied()
}
