//! Chained and self-reading templates over catalog single-valued keys (the session-12
//! reviewer's `fuzz6.py`, which only a script covered): the proposal holds two conditions on
//! one owner key `o` whose values are templates over two other keys `a` and `t` (`${a}`,
//! `${a, 'd'}`, `${a}*`, `*${a}`, `${a}k`, `${a}${t}`, `${a}` + KELVIN SIGN), sometimes a
//! third condition on a key reading itself; the baseline relates two of the three keys the
//! same way, sometimes beside a statement with a literal condition. Operators: `StringEquals`,
//! `…IgnoreCase`, `StringLike`, the negated ones, `…IfExists` and `ArnEquals`.
//!
//! Requests (`request`): one base value (recased, wrapped in `k`/`*`) given to most keys, and
//! one or two keys set from the pair's own templates resolved on the others (values
//! substituted, wildcards filled, case changed with KELVIN SIGN among the variants).
#![allow(dead_code)]

use super::gen::Choices;
use super::templated::{self, pick, Context};
use serde_json::{json, Map, Value};

pub const KEYS: &[&str] = &[
    "s3:prefix",
    "aws:username",
    "aws:PrincipalTag/team",
    "aws:PrincipalTag/dept",
];

const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringEqualsIgnoreCase",
    "StringLike",
    "StringNotEquals",
    "StringNotEqualsIgnoreCase",
    "StringEqualsIfExists",
    "ArnEquals",
    "StringNotLike",
];

/// The owner's first operator: one that grants on a match.
const OWNER_OPERATORS: &[&str] = &[
    "StringEquals",
    "StringEqualsIgnoreCase",
    "StringLike",
    "StringEqualsIfExists",
];

/// `@` is the first key, `%` the second.
const WRAPS: &[&str] = &[
    "${@}",
    "${@, 'd'}",
    "${@}*",
    "*${@}",
    "${@}k",
    "${@}${%}",
    "${@}\u{212A}",
];

const VALUES: &[&str] = &[
    "k",
    "K",
    "\u{212A}",
    "ak",
    "aK",
    "a\u{212A}",
    "d",
    "D",
    "",
    "a*",
    "a/b",
    "kk",
    "k*",
];

fn template(c: &mut dyn Choices, key: &str, other: &str) -> String {
    pick(c, WRAPS).replace('@', key).replace('%', other)
}

/// Three distinct keys.
fn three_keys(c: &mut dyn Choices) -> [&'static str; 3] {
    let mut pool: Vec<&str> = KEYS.to_vec();
    let o = pool.remove(c.below(pool.len()));
    let a = pool.remove(c.below(pool.len()));
    let t = pool.remove(c.below(pool.len()));
    [o, a, t]
}

fn put(block: &mut Map<String, Value>, operator: &str, key: &str, value: Value) {
    let entry = block
        .entry(operator.to_string())
        .or_insert_with(|| json!({}));
    if let Some(map) = entry.as_object_mut() {
        map.entry(key.to_string()).or_insert(value);
    }
}

fn allow(condition: Map<String, Value>) -> Value {
    json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
           "Condition": condition})
}

/// `(proposed, baseline)` as the reviewer's script builds them.
pub fn pair(c: &mut dyn Choices) -> (Value, Value) {
    let [o, a, t] = three_keys(c);
    let mut pc = Map::new();
    let first = pick(c, OWNER_OPERATORS);
    put(&mut pc, first, o, json!(template(c, a, t)));
    // A second operator on the owner, another than the first (the script skipped the seed).
    let mut second = pick(c, OPERATORS);
    if second == first {
        second = OPERATORS
            [(OPERATORS.iter().position(|x| *x == first).unwrap_or(0) + 1) % OPERATORS.len()];
    }
    put(&mut pc, second, o, json!(template(c, t, a)));
    if c.below(10) < 3 {
        let k = pick(c, KEYS);
        put(&mut pc, pick(c, OPERATORS), k, json!(template(c, k, k)));
    }
    let mut bc = Map::new();
    let keys = [o, a, t];
    let x = c.below(3);
    let y = (x + 1 + c.below(2)) % 3;
    put(
        &mut bc,
        pick(c, OPERATORS),
        keys[x],
        json!(template(c, keys[y], keys[x])),
    );
    let mut baseline = vec![allow(bc)];
    if c.below(10) < 3 {
        let mut extra = Map::new();
        put(
            &mut extra,
            pick(c, OPERATORS),
            pick(c, KEYS),
            json!(pick(c, VALUES)),
        );
        baseline.push(allow(extra));
    }
    let proposed = json!({"Version": "2012-10-17", "Statement": [allow(pc)]});
    let baseline = json!({"Version": "2012-10-17", "Statement": baseline});
    (proposed, baseline)
}

/// A request for the pair (see the module comment).
pub fn request(c: &mut dyn Choices, policies: &[&Value]) -> Value {
    let base = pick(c, VALUES);
    let mut ctx = Context::new();
    for key in KEYS {
        match c.below(10) {
            0 => continue,
            1..=6 => {
                let mut v = if c.flip() {
                    templated::recase(c, base)
                } else {
                    base.to_string()
                };
                if c.below(10) < 3 {
                    let tail = ["", "*", "k", "\u{212A}"][c.below(4)];
                    v = format!("{}{v}{tail}", pick(c, &["", "*", "k"]));
                }
                ctx.insert((*key).into(), vec![v]);
            }
            _ => {
                ctx.insert((*key).into(), vec![pick(c, VALUES).into()]);
            }
        }
    }
    for _ in 0..1 + c.below(2) {
        if let Some((key, value)) = templated::aimed_value(c, policies, KEYS, &ctx) {
            ctx.insert(key, vec![value]);
        }
    }
    let mut context = Map::new();
    for (key, values) in &ctx {
        context.insert(key.clone(), json!(values[0]));
    }
    // `aws:username` is the caller's unless the request says it is absent.
    context
        .entry("aws:username".to_string())
        .or_insert_with(|| json!([]));
    json!({
        "principal": {"AWS": "arn:aws:iam::111122223333:user/u"},
        "action": "s3:GetObject",
        "resource": "arn:aws:s3:::b/o",
        "context": context,
    })
}
