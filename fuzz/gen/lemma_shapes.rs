//! Pairs aimed at session 7's template reasoning (`encode/lemmas/{readings,beyond,symbolic}.rs`,
//! `explain/{tied,fresh,fewer_templates}.rs`): ignore-case templates compared on folded
//! strings, templates with a value in an ARN's first five segments (resources, `ArnLike` on
//! ARN keys, ARN-shaped Like patterns on plain keys), keys tied by `x = ${k}`, and templates
//! whose lengths settle a pair (`${k}` beside `?${k}`, `${k}/*`). They meet each other and
//! `NotResource`, `IfExists`, set operators and `Deny NotAction`; the values written and the
//! values requested hold `:`, `/`, `*`, `?` and case pairs outside ASCII (`K` U+212A, `ſ`
//! U+017F, `İ` U+0130).
//!
//! One case reads few keys (two or three variables, one or two condition keys), so the
//! statements of a pair keep meeting on the same strings; the proposal and the baseline
//! differ by one shape, operator or statement most of the time, which is where an inclusion
//! or disjointness lemma decides the answer.
//!
//! The oracle ([`request`]) searches small concrete requests: each variable's value from a
//! pool (the policies' own text pieces among them, and the other variables' values, recased),
//! every string key filled into one of the patterns either policy writes for it. Used by
//! `tests/differential_lemmas.rs`.
#![allow(dead_code)]

use super::gen::Choices;
use super::mixed::choose;
use serde_json::{json, Map, Value};

/// Variables as written (key-name case, defaults with a colon and a case pair).
const VARIABLES: &[(&str, &str)] = &[
    ("user", "${aws:username}"),
    ("user", "${AWS:UserName}"),
    ("team", "${aws:PrincipalTag/team}"),
    ("team", "${aws:principaltag/TEAM}"),
    ("team", "${aws:PrincipalTag/team, 'none'}"),
    ("team", "${aws:PrincipalTag/team, 'a:b'}"),
    ("team", "${aws:PrincipalTag/team, '\u{212A}'}"),
    ("account", "${aws:PrincipalAccount}"),
    ("dept", "${aws:PrincipalTag/dept}"),
];

/// Shapes of string values on plain keys; `@` is a variable, `%` a second one.
const PLAIN_SHAPES: &[&str] = &[
    "@",
    "@",
    "@*",
    "*@",
    "x-@",
    "@-\u{212A}",
    "@/*",
    "?@",
    "@?",
    "a:b:c:d:@:f",
    "a:@:*",
    "*:@",
    "@:*",
    "@:%",
    "@*%",
    "%/@",
    "${*}@",
    "\u{17F}@",
    "home/@",
    "*",
    "a:b:c:d:*:f",
    "*:x:*",
    "\u{212A}*",
    "?",
    "x:y",
];

/// Shapes of ARN values (resources, `ArnLike` on ARN keys): values in the first five
/// segments, the last one, several.
const ARN_SHAPES: &[&str] = &[
    "arn:aws:s3:::b/@",
    "arn:aws:s3:::@",
    "arn:aws:s3:::@/*",
    "arn:aws:s3:::b/@/*",
    "arn:aws:s3:::b/@:*",
    "arn:aws:s3:::*@*",
    "arn:aws:iam::@:user/*",
    "arn:aws:iam::@:user/@",
    "arn:aws:iam::@*:user/*",
    "arn:aws:iam::*:user/@",
    "arn:aws:iam::%:user/@",
    "arn:aws:sqs:@:*:q",
    "arn:aws:sqs:us-east-1:@:*",
    "arn:@:iam::*:*",
    "arn:aws:s3:::b/*",
    "arn:aws:iam::*:user/*",
    "arn:aws:*:*:*:*",
    "*",
];

const PLAIN_KEYS: &[&str] = &[
    "aws:ResourceTag/owner",
    "s3:prefix",
    "aws:SourceVpce",
    "aws:PrincipalTag/team",
    "aws:username",
];
const ARN_KEYS: &[&str] = &["aws:SourceArn", "aws:PrincipalArn"];
const SET_KEYS: &[&str] = &["aws:TagKeys", "custom:labels"];

const STRING_OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringLike",
    "StringNotLike",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringEqualsIgnoreCase",
    "StringLike",
];
const ARN_OPERATORS: &[&str] = &["ArnLike", "ArnNotLike", "ArnEquals", "StringLike"];

pub const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:*",
    "iam:GetUser",
    "sqs:SendMessage",
    "*",
];

/// Concrete actions requests name.
pub const REQUEST_ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "iam:GetUser",
    "sqs:SendMessage",
];

/// What one case reads: its variables and condition keys.
pub struct Focus {
    variables: Vec<&'static str>,
    keys: Vec<&'static str>,
}

impl Focus {
    pub fn choose(c: &mut dyn Choices) -> Focus {
        let mut variables = Vec::new();
        for _ in 0..2 + c.below(2) {
            let v = VARIABLES[c.below(VARIABLES.len())].1;
            if !variables.contains(&v) {
                variables.push(v);
            }
        }
        let mut keys = Vec::new();
        for _ in 0..1 + c.below(2) {
            let pool = match c.below(6) {
                0 => ARN_KEYS,
                1 => SET_KEYS,
                _ => PLAIN_KEYS,
            };
            let k = choose(c, pool);
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        Focus { variables, keys }
    }

    fn fill(&self, c: &mut dyn Choices, shape: &str) -> String {
        let first = self.variables[c.below(self.variables.len())];
        let second = self.variables[c.below(self.variables.len())];
        shape.replace('@', first).replace('%', second)
    }
}

fn one_or_list(c: &mut dyn Choices, list: Vec<String>) -> Value {
    if list.len() == 1 && c.flip() {
        json!(list[0])
    } else {
        json!(list)
    }
}

fn values(c: &mut dyn Choices, focus: &Focus, shapes: &[&str]) -> Value {
    let mut list: Vec<String> = Vec::new();
    for _ in 0..1 + c.below(2) {
        let shape = choose(c, shapes);
        let v = focus.fill(c, shape);
        if !list.contains(&v) {
            list.push(v);
        }
    }
    one_or_list(c, list)
}

/// One condition `(operator, key, values)` on one of the focus keys.
pub fn condition(c: &mut dyn Choices, focus: &Focus) -> (String, String, Value) {
    let key = focus.keys[c.below(focus.keys.len())];
    let (operator, shapes) = if ARN_KEYS.contains(&key) {
        (choose(c, ARN_OPERATORS).to_string(), ARN_SHAPES)
    } else if SET_KEYS.contains(&key) {
        let set = if c.flip() {
            "ForAnyValue:"
        } else {
            "ForAllValues:"
        };
        (
            format!("{set}{}", choose(c, STRING_OPERATORS)),
            PLAIN_SHAPES,
        )
    } else {
        (choose(c, STRING_OPERATORS).to_string(), PLAIN_SHAPES)
    };
    let operator = if c.one_in(3) {
        format!("{operator}IfExists")
    } else {
        operator
    };
    (operator, key.to_string(), values(c, focus, shapes))
}

fn add_condition(s: &mut Map<String, Value>, (operator, key, values): (String, String, Value)) {
    let block = s.entry("Condition").or_insert_with(|| json!({}));
    let entry = &mut block[&operator];
    if entry.is_null() {
        *entry = json!({});
    }
    entry[&key] = values;
}

pub fn statement(c: &mut dyn Choices, focus: &Focus, resource_policy: bool) -> Value {
    let deny = c.one_in(3);
    let mut s = Map::new();
    s.insert("Effect".into(), json!(if deny { "Deny" } else { "Allow" }));
    if resource_policy {
        s.insert("Principal".into(), json!({"AWS": "*"}));
    }
    let actions = values(c, focus, ACTIONS);
    let not_action = deny && c.flip();
    s.insert(
        if not_action { "NotAction" } else { "Action" }.into(),
        actions,
    );
    if !c.one_in(6) {
        let not = c.one_in(if deny { 2 } else { 5 });
        s.insert(
            if not { "NotResource" } else { "Resource" }.into(),
            values(c, focus, ARN_SHAPES),
        );
    }
    for _ in 0..c.below(3) {
        add_condition(&mut s, condition(c, focus));
    }
    Value::Object(s)
}

pub fn policy(c: &mut dyn Choices, focus: &Focus, resource_policy: bool) -> Value {
    let n = 1 + c.below(2);
    let statements: Vec<Value> = (0..n)
        .map(|_| statement(c, focus, resource_policy))
        .collect();
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// A shape of `shapes` near `shape` (another of the pool, or the same with a wildcard added).
fn nearby(c: &mut dyn Choices, focus: &Focus, text: &str, shapes: &[&str]) -> String {
    match c.below(3) {
        0 => format!("{text}*"),
        1 => format!("*{text}"),
        _ => {
            let shape = choose(c, shapes);
            focus.fill(c, shape)
        }
    }
}

/// A string operator's twin: ignore-case and case-sensitive, Like and Equals, negated and not
/// (set qualifier and `IfExists` kept); ARN operators stay.
fn twin(c: &mut dyn Choices, operator: &str) -> String {
    let (set, rest) = match operator.split_once(':') {
        Some((set, rest)) => (format!("{set}:"), rest),
        None => (String::new(), operator),
    };
    let (base, if_exists) = match rest.strip_suffix("IfExists") {
        Some(base) => (base, "IfExists"),
        None => (rest, ""),
    };
    const SWAPS: &[(&str, &str)] = &[
        ("StringEquals", "StringEqualsIgnoreCase"),
        ("StringNotEquals", "StringNotEqualsIgnoreCase"),
        ("StringEquals", "StringLike"),
        ("StringNotEquals", "StringNotLike"),
        ("StringLike", "StringEqualsIgnoreCase"),
        ("StringLike", "StringNotLike"),
        ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"),
    ];
    let choices: Vec<&str> = SWAPS
        .iter()
        .filter_map(|&(a, b)| match base {
            x if x == a => Some(b),
            x if x == b => Some(a),
            _ => None,
        })
        .collect();
    if choices.is_empty() {
        return operator.to_string();
    }
    format!("{set}{}{if_exists}", choices[c.below(choices.len())])
}

/// One statement's condition or resource changed a little: an operator toggled between its
/// ignore-case/Like/negated twins, one value replaced by a nearby shape, a condition added
/// or dropped.
fn perturb(c: &mut dyn Choices, focus: &Focus, s: &mut Map<String, Value>) {
    match c.below(4) {
        0 => add_condition(s, condition(c, focus)),
        1 => {
            let Some(Value::Object(block)) = s.get_mut("Condition") else {
                add_condition(s, condition(c, focus));
                return;
            };
            let operators: Vec<String> = block.keys().cloned().collect();
            let op = operators[c.below(operators.len())].clone();
            let renamed = twin(c, &op);
            if renamed != op && !block.contains_key(&renamed) {
                if let Some(v) = block.remove(&op) {
                    block.insert(renamed, v);
                }
            }
        }
        2 => {
            let field = if s.contains_key("Resource") {
                "Resource"
            } else {
                "NotResource"
            };
            let old = s.get(field).cloned().unwrap_or(json!("*"));
            let first = match &old {
                Value::Array(l) => l.first().and_then(Value::as_str).unwrap_or("*").to_string(),
                v => v.as_str().unwrap_or("*").to_string(),
            };
            s.insert(field.into(), json!(nearby(c, focus, &first, ARN_SHAPES)));
        }
        _ => {
            if let Some(Value::Object(block)) = s.get_mut("Condition") {
                let operators: Vec<String> = block.keys().cloned().collect();
                block.remove(&operators[c.below(operators.len())]);
                if block.is_empty() {
                    s.remove("Condition");
                }
            } else {
                add_condition(s, condition(c, focus));
            }
        }
    }
}

/// `(proposed, baseline)`: one statement perturbed, a statement added or dropped, or two
/// independent policies on the same focus.
pub fn pair(c: &mut dyn Choices, resource_policy: bool) -> (Value, Value) {
    let focus = Focus::choose(c);
    let baseline = policy(c, &focus, resource_policy);
    let mut proposed = baseline.clone();
    let Some(list) = proposed["Statement"].as_array_mut() else {
        return (proposed, baseline);
    };
    match c.below(6) {
        0 => return (policy(c, &focus, resource_policy), baseline),
        1 => list.push(statement(c, &focus, resource_policy)),
        2 if list.len() > 1 => {
            list.remove(c.below(list.len()));
            if c.flip() {
                return (baseline, proposed);
            }
        }
        _ => {
            let i = c.below(list.len());
            if let Value::Object(s) = &mut list[i] {
                perturb(c, &focus, s);
            }
            if c.flip() {
                return (baseline, proposed);
            }
        }
    }
    (proposed, baseline)
}

/// Values a variable or a wildcard takes: separators, case pairs outside ASCII, the
/// policies' own pieces.
const POOL: &[&str] = &[
    "x",
    "a",
    "A",
    "k",
    "K",
    "\u{212A}",
    "s",
    "S",
    "\u{17F}",
    "i",
    "\u{130}",
    "x:y",
    "a:b",
    "b/c",
    "x/",
    "none",
    "NONE",
    "",
    "*",
    "?",
    "x-a",
    "a:b:c:d:x:y:f",
    "111122223333",
    "\u{FDD0}",
    ":",
    "/",
];

/// The text pieces of a policy (between variables and wildcards), for the request pool.
fn pieces(policy: &Value, out: &mut Vec<String>) {
    match policy {
        Value::String(s) => {
            let mut rest = s.as_str();
            while let Some(start) = rest.find("${") {
                push_pieces(&rest[..start], out);
                rest = rest[start..]
                    .find('}')
                    .map_or("", |e| &rest[start + e + 1..]);
            }
            push_pieces(rest, out);
        }
        Value::Array(l) => l.iter().for_each(|v| pieces(v, out)),
        Value::Object(m) => m.values().for_each(|v| pieces(v, out)),
        _ => {}
    }
}

fn push_pieces(text: &str, out: &mut Vec<String>) {
    for p in text.split(['*', '?']) {
        if !p.is_empty() && p.len() < 24 && !out.iter().any(|o| o == p) {
            out.push(p.to_string());
        }
    }
}

fn recase(c: &mut dyn Choices, text: &str) -> String {
    match c.below(6) {
        0 => text.to_uppercase(),
        1 => text.replace(['k', 'K'], "\u{212A}"),
        2 => text.replace(['s', 'S'], "\u{17F}"),
        _ => text.to_string(),
    }
}

/// Patterns a key meets in either policy (condition values; `"resource"` for resources).
fn patterns(policies: &[&Value], key: &str) -> Vec<String> {
    let mut out = Vec::new();
    for p in policies {
        let list = match &p["Statement"] {
            Value::Array(l) => l.clone(),
            one => vec![one.clone()],
        };
        for s in list {
            if key == "resource" {
                for field in ["Resource", "NotResource"] {
                    collect_strings(&s[field], &mut out);
                }
                continue;
            }
            if let Value::Object(block) = &s["Condition"] {
                for keys in block.values() {
                    if let Value::Object(keys) = keys {
                        for (k, v) in keys {
                            if k.eq_ignore_ascii_case(key) {
                                collect_strings(v, &mut out);
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

fn collect_strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(l) => l.iter().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}

/// The caller's variable values (None: absent).
struct Values {
    user: String,
    account: String,
    team: Option<String>,
    dept: Option<String>,
}

impl Values {
    fn lookup(&self, key_lower: &str) -> Option<String> {
        match key_lower {
            "aws:username" => Some(self.user.clone()),
            "aws:principalaccount" => Some(self.account.clone()),
            "aws:principaltag/team" => self.team.clone(),
            "aws:principaltag/dept" => self.dept.clone(),
            _ => None,
        }
    }

    /// A pattern with its variables replaced (defaults when absent) and its wildcards filled.
    fn instantiate(&self, c: &mut dyn Choices, pattern: &str, pool: &[String]) -> String {
        let mut out = String::new();
        let mut rest = pattern;
        loop {
            let next = rest.find(['$', '*', '?']);
            let Some(i) = next else {
                out.push_str(rest);
                return out;
            };
            out.push_str(&rest[..i]);
            let ch = rest[i..].chars().next().unwrap_or('$');
            rest = &rest[i + ch.len_utf8()..];
            match ch {
                '*' => {
                    if !c.one_in(3) {
                        out.push_str(&pool[c.below(pool.len())]);
                    }
                }
                '?' => out.push(pool[c.below(pool.len())].chars().next().unwrap_or('q')),
                _ if rest.starts_with('{') => {
                    let Some(end) = rest.find('}') else {
                        out.push('$');
                        continue;
                    };
                    let inner = &rest[1..end];
                    rest = &rest[end + 1..];
                    let (key, default) = match inner.split_once(',') {
                        Some((k, d)) => (k.trim(), Some(d.trim().trim_matches('\''))),
                        None => (inner.trim(), None),
                    };
                    let value = match key {
                        "*" | "?" | "$" => Some(key.to_string()),
                        k => self.lookup(&k.to_ascii_lowercase()),
                    };
                    out.push_str(&value.or(default.map(String::from)).unwrap_or_default());
                }
                other => out.push(other),
            }
        }
    }
}

/// A request the proposal may allow and the baseline not: variables from the pool (tied to
/// each other often), every key the policies read filled into one of their patterns.
pub fn request(c: &mut dyn Choices, policies: &[&Value]) -> Value {
    let mut pool: Vec<String> = POOL.iter().map(|s| s.to_string()).collect();
    for p in policies {
        pieces(p, &mut pool);
    }
    let pick = |c: &mut dyn Choices, pool: &[String]| {
        let i = c.below(pool.len());
        recase(c, &pool[i])
    };
    let user = pick(c, &pool);
    let mut values = Values {
        user: user.clone(),
        account: if c.flip() {
            choose(c, &["111122223333", "444455556666"]).to_string()
        } else {
            pick(c, &pool)
        },
        team: None,
        dept: None,
    };
    // Ties: a tag equal to the user name or the account, recased.
    let tie = |c: &mut dyn Choices, v: &Values, pool: &[String]| match c.below(5) {
        0 => None,
        1 => Some(recase(c, &v.user)),
        2 => Some(recase(c, &v.account)),
        _ => {
            let i = c.below(pool.len());
            Some(recase(c, &pool[i]))
        }
    };
    values.team = tie(c, &values, &pool);
    values.dept = tie(c, &values, &pool);
    let mut fill_pool = pool.clone();
    fill_pool.extend([values.user.clone(), values.account.clone()]);
    fill_pool.extend(values.team.clone());
    let mut context = Map::new();
    let mut keys: Vec<&str> = PLAIN_KEYS.to_vec();
    keys.extend(ARN_KEYS);
    for key in keys {
        let written = patterns(policies, key);
        if written.is_empty() || c.one_in(6) {
            continue;
        }
        let p = &written[c.below(written.len())];
        let text = values.instantiate(c, p, &fill_pool);
        context.insert(key.into(), json!(recase(c, &text)));
    }
    for key in SET_KEYS {
        let written = patterns(policies, key);
        if written.is_empty() || c.one_in(5) {
            continue;
        }
        let list: Vec<String> = (0..c.below(3))
            .map(|_| {
                let p = &written[c.below(written.len())];
                let text = values.instantiate(c, p, &fill_pool);
                recase(c, &text)
            })
            .collect();
        context.insert((*key).into(), json!(list));
    }
    if let Some(team) = &values.team {
        context.insert("aws:PrincipalTag/team".into(), json!(team));
    }
    if let Some(dept) = &values.dept {
        context.insert("aws:PrincipalTag/dept".into(), json!(dept));
    }
    context.insert("aws:username".into(), json!(values.user));
    context.insert("aws:PrincipalAccount".into(), json!(values.account));
    let principal = format!("arn:aws:iam::{}:user/{}", "111122223333", "u");
    let resources = patterns(policies, "resource");
    let mut r = json!({
        "principal": {"AWS": principal},
        "action": choose(c, REQUEST_ACTIONS),
        "context": Value::Object(context),
    });
    if !resources.is_empty() && !c.one_in(8) {
        let p = &resources[c.below(resources.len())];
        r["resource"] = json!(values.instantiate(c, p, &fill_pool));
    } else if !c.one_in(3) {
        r["resource"] = json!(format!(
            "arn:aws:s3:::b/{}",
            fill_pool[c.below(fill_pool.len())]
        ));
    }
    r
}
