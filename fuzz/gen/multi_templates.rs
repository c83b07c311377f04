//! Multi-valued keys read by templates, with defaults (the session-12 reviewer's `fuzz3.py`
//! with `MULTI=1` and `fuzz5.py`, which only scripts covered): templates of one to three parts
//! (variables over single- and multi-valued keys, often with a default, and texts such as `*`,
//! `${*}`, `?`, `/`, KELVIN SIGN) in resources (`arn:aws:s3:::b/…`, `arn:aws:iam::…:user/…`)
//! and in string conditions (set operators and `IfExists` among them, `Null` tests, `StringLike`
//! on a multi-valued key); `Deny` with `NotResource` sometimes. Pairs: a policy and a mutation
//! of it (a condition dropped or added, a resource's wildcard changed), or two policies; a
//! padding statement on `custom:m` sometimes (the script's `PAD=1`).
//!
//! Requests (`request`): the caller's name or an explicit `aws:username`, multi-valued keys
//! with two values (equal ones too), the resource resolved from one of the pair's resource
//! templates, and one or two keys set from the pair's condition templates.
#![allow(dead_code)]

use super::gen::Choices;
use super::templated::{self, pick, Context};
use serde_json::{json, Map, Value};

/// The script's two key sets: `fuzz3.py` (four single-valued keys and `custom:m`) and
/// `fuzz5.py` (two single-valued keys, `custom:m` and `aws:TagKeys`, read twice as often).
#[derive(Clone, Copy)]
pub struct Keys {
    single: &'static [&'static str],
    multi: &'static [&'static str],
    /// `fuzz5.py`: defaults half the time, a `StringLike` on a multi-valued key, more pairs.
    wide: bool,
}

const FUZZ3: Keys = Keys {
    single: &[
        "aws:username",
        "aws:PrincipalTag/team",
        "aws:PrincipalTag/dept",
        "s3:prefix",
    ],
    multi: &["custom:m"],
    wide: false,
};

const FUZZ5: Keys = Keys {
    single: &["aws:PrincipalTag/team", "aws:username"],
    multi: &["custom:m", "aws:TagKeys"],
    wide: true,
};

impl Keys {
    fn all(&self) -> Vec<&'static str> {
        self.single.iter().chain(self.multi).copied().collect()
    }

    fn is_multi(&self, key: &str) -> bool {
        self.multi.iter().any(|k| k.eq_ignore_ascii_case(key))
    }
}

const TEXTS: &[&str] = &[
    "a", "a/", "/", "*", "**", "?", "${*}", "\u{212A}", "k", "K", "A", "x", "-", "",
];

const VALUES: &[&str] = &[
    "a", "A", "k", "\u{212A}", "K", "a/", "a/b", "", "*", "d", "none", "x", "a/a", "/a", "ak",
    "a-k",
];

const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringLike",
    "StringNotLike",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringEqualsIfExists",
    "StringLikeIfExists",
    "StringNotEqualsIfExists",
    "ForAnyValue:StringEquals",
    "ForAllValues:StringLike",
    "ForAnyValue:StringEqualsIgnoreCase",
    "StringEqualsIgnoreCaseIfExists",
];

fn variable(c: &mut dyn Choices, keys: Keys) -> String {
    let pool: Vec<&str> = if keys.wide {
        keys.all()
            .into_iter()
            .chain(keys.multi.iter().copied())
            .collect()
    } else {
        keys.all()
    };
    let key = pool[c.below(pool.len())];
    if c.below(10) < if keys.wide { 5 } else { 3 } {
        format!("${{{key}, '{}'}}", pick(c, &["d", "", "a", "none"]))
    } else {
        format!("${{{key}}}")
    }
}

fn template(c: &mut dyn Choices, keys: Keys) -> String {
    let mut t = String::new();
    for _ in 0..1 + c.below(3) {
        if c.flip() {
            t.push_str(&variable(c, keys));
        } else {
            t.push_str(pick(c, TEXTS));
        }
    }
    if !t.replace("${*}", "").contains("${") && c.below(10) < 7 {
        t.push_str(&variable(c, keys));
    }
    t
}

fn put(block: &mut Map<String, Value>, operator: &str, key: &str, value: Value) {
    let entry = block
        .entry(operator.to_string())
        .or_insert_with(|| json!({}));
    if let Some(map) = entry.as_object_mut() {
        map.insert(key.to_string(), value);
    }
}

fn condition(c: &mut dyn Choices, keys: Keys) -> Map<String, Value> {
    let all = keys.all();
    let mut block = Map::new();
    for _ in 0..c.below(3) {
        let operator = pick(c, OPERATORS);
        let key = pick(c, &all);
        let value = if c.below(10) < 8 {
            template(c, keys)
        } else {
            let i = c.below(VALUES.len() + 2);
            VALUES
                .get(i)
                .copied()
                .unwrap_or(["*", "a*"][i % 2])
                .to_string()
        };
        put(&mut block, operator, key, json!(value));
    }
    if keys.wide && c.below(10) < 3 {
        let key = pick(c, keys.multi);
        put(
            &mut block,
            "StringLike",
            key,
            json!(pick(c, &["*", "?*", "a*"])),
        );
    }
    if c.below(20) < 3 {
        let absent = if c.flip() { "true" } else { "false" };
        put(&mut block, "Null", pick(c, &all), json!(absent));
    }
    block
}

/// `s3` (`s3:GetObject` on `arn:aws:s3:::b/…`) or `iam` (`iam:GetUser` on a user ARN).
fn statement(c: &mut dyn Choices, keys: Keys, s3: bool) -> Value {
    let deny = c.below(20) < 3;
    let mut s = Map::new();
    s.insert("Effect".into(), json!(if deny { "Deny" } else { "Allow" }));
    let resource = if s3 {
        s.insert("Action".into(), json!("s3:GetObject"));
        if c.below(10) < 8 {
            format!("arn:aws:s3:::b/{}", template(c, keys))
        } else {
            pick(c, &["*", "arn:aws:s3:::b/*"]).to_string()
        }
    } else {
        s.insert("Action".into(), json!("iam:GetUser"));
        let user = if c.flip() {
            "*".to_string()
        } else {
            template(c, keys)
        };
        format!("arn:aws:iam::{}:user/{user}", template(c, keys))
    };
    let field = if deny && c.below(10) < 4 {
        "NotResource"
    } else {
        "Resource"
    };
    s.insert(field.into(), json!(resource));
    let block = condition(c, keys);
    if !block.is_empty() {
        s.insert("Condition".into(), Value::Object(block));
    }
    Value::Object(s)
}

fn policy(c: &mut dyn Choices, keys: Keys, s3: bool) -> Value {
    let list: Vec<Value> = (0..1 + c.below(2))
        .map(|_| statement(c, keys, s3))
        .collect();
    json!({"Version": "2012-10-17", "Statement": list})
}

/// The script's mutation: an operator dropped, conditions added, or a resource's first `*`
/// (or `**`) replaced by `*`, `**`, `?*` or nothing.
fn mutate(c: &mut dyn Choices, keys: Keys, policy: &Value) -> Value {
    let mut p = policy.clone();
    let Some(list) = p["Statement"].as_array_mut() else {
        return p;
    };
    let i = c.below(list.len());
    let Some(s) = list[i].as_object_mut() else {
        return p;
    };
    match c.below(20) {
        0..=6 if s.contains_key("Condition") => {
            if let Some(block) = s.get_mut("Condition").and_then(Value::as_object_mut) {
                let operators: Vec<String> = block.keys().cloned().collect();
                block.remove(&operators[c.below(operators.len())]);
                if block.is_empty() {
                    s.remove("Condition");
                }
            }
        }
        0..=13 => {
            let added = condition(c, keys);
            let block = s.entry("Condition").or_insert_with(|| json!({}));
            if let Some(block) = block.as_object_mut() {
                block.extend(added);
                if block.is_empty() {
                    s.remove("Condition");
                }
            }
        }
        _ => {
            let field = if s.contains_key("Resource") {
                "Resource"
            } else {
                "NotResource"
            };
            if let Some(v) = s.get(field).and_then(Value::as_str) {
                let v = replace_first_star(v, pick(c, &["*", "**", "?*", ""]));
                // A resource the parser refuses (empty) is not a pair; the script's `error`.
                if !v.is_empty() {
                    s.insert(field.into(), json!(v));
                }
            }
        }
    }
    p
}

/// `text` with its first `*` or `**` (not the one of `${*}`) replaced by `by`.
fn replace_first_star(text: &str, by: &str) -> String {
    let escaped = text.replace("${*}", "\u{0}");
    let star = if escaped.contains("**") { "**" } else { "*" };
    escaped.replacen(star, by, 1).replace('\u{0}', "${*}")
}

/// `(proposed, baseline)` as the scripts build them.
pub fn pair(c: &mut dyn Choices) -> (Value, Value) {
    let keys = if c.flip() { FUZZ5 } else { FUZZ3 };
    let s3 = c.below(3) < 2;
    let first = policy(c, keys, s3);
    let second = if c.below(10) < 6 {
        mutate(c, keys, &first)
    } else {
        policy(c, keys, s3)
    };
    let (mut proposed, mut baseline) = if c.flip() {
        (second, first)
    } else {
        (first, second)
    };
    if c.one_in(4) {
        let pad = json!({"Effect": "Allow", "Action": "sqs:NeverUsed", "Resource": "*",
            "Condition": {"StringLike": {"custom:m": ["zz1"]},
                          "StringNotLike": {"custom:m": ["zz2"]}}});
        for p in [&mut proposed, &mut baseline] {
            if let Some(list) = p["Statement"].as_array_mut() {
                list.push(pad.clone());
            }
        }
    }
    (proposed, baseline)
}

/// Every key either family reads (a request fills them all; a policy reads some).
const ALL: Keys = Keys {
    single: &[
        "aws:username",
        "aws:PrincipalTag/team",
        "aws:PrincipalTag/dept",
        "s3:prefix",
    ],
    multi: &["custom:m", "aws:TagKeys"],
    wide: true,
};

/// A request for the pair (see the module comment).
pub fn request(c: &mut dyn Choices, policies: &[&Value]) -> Value {
    let user = pick(c, &["alice", "a", "k", "x"]);
    let mut ctx = Context::new();
    let mut explicit_user = false;
    for key in ALL.all() {
        if key == "aws:username" {
            if c.below(20) < 3 {
                explicit_user = true;
                let v = if c.flip() {
                    vec![]
                } else {
                    vec![pick(c, VALUES).to_string()]
                };
                ctx.insert(key.into(), v);
            } else {
                ctx.insert(key.into(), vec![user.into()]);
            }
            continue;
        }
        if c.below(5) == 0 {
            continue;
        }
        let values = if ALL.is_multi(key) && c.below(2) == 0 {
            let v = pick(c, VALUES).to_string();
            let w = if c.below(5) == 0 {
                v.clone()
            } else {
                pick(c, VALUES).to_string()
            };
            vec![v, w]
        } else {
            let i = c.below(VALUES.len() + 1);
            vec![VALUES.get(i).copied().unwrap_or(user).to_string()]
        };
        ctx.insert(key.into(), values);
    }
    for _ in 0..1 + c.below(2) {
        let keys: Vec<&str> = ALL.all();
        if let Some((key, value)) = templated::aimed_value(c, policies, &keys, &ctx) {
            if key == "aws:username" {
                explicit_user = true;
            }
            let values = match (ALL.is_multi(&key), c.below(3)) {
                (true, 0) => vec![value.clone(), value],
                (true, 1) => vec![value, pick(c, VALUES).to_string()],
                _ => vec![value],
            };
            ctx.insert(key, values);
        }
    }
    let resources = templated::resources(policies);
    let mut resource = None;
    if !resources.is_empty() && c.below(20) < 17 {
        let t = &resources[c.below(resources.len())];
        resource = templated::resolve(c, t, &ctx, true).filter(|r| r != "*");
    }
    let iam = policies
        .iter()
        .any(|p| p.to_string().contains("iam:GetUser"));
    let resource = match resource {
        Some(r) if r.starts_with("arn:") => r,
        Some(r) if !iam => format!("arn:aws:s3:::b/{r}"),
        _ if iam => format!("arn:aws:iam::123:user/{}", pick(c, VALUES)),
        _ => format!("arn:aws:s3:::b/{}", pick(c, VALUES)),
    };
    let mut context = Map::new();
    for (key, values) in &ctx {
        if key == "aws:username" && !explicit_user {
            continue;
        }
        let v = if values.len() == 1 {
            json!(values[0])
        } else {
            json!(values)
        };
        context.insert(key.clone(), v);
    }
    json!({
        "principal": {"AWS": format!("arn:aws:iam::111122223333:user/{user}")},
        "action": if iam { "iam:GetUser" } else { "s3:GetObject" },
        "resource": resource,
        "context": context,
    })
}
