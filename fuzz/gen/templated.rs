//! Requests built from a pair's own templates (the session-12 reviewer's oracle, ported from
//! `/tmp/review/fuzz3.py` and `fuzz6.py`): the conditions and resources the policies write are
//! read back, their variables substituted with the request's values (a key with two values
//! reads its default, or does not resolve), wildcards filled, and the result written into the
//! request, often with its case changed (KELVIN SIGN included), so a request meets the
//! proposal's conditions far more often than random values would.
#![allow(dead_code)]

use super::gen::Choices;
use serde_json::Value;
use std::collections::BTreeMap;

pub const KELVIN: char = '\u{212A}';

/// A request's context while it is built: key (as the family writes it) -> values. Keys are
/// looked up without regard to case, as the evaluator does.
pub type Context = BTreeMap<String, Vec<String>>;

pub fn pick<'a>(c: &mut dyn Choices, pool: &[&'a str]) -> &'a str {
    pool[c.below(pool.len())]
}

/// Every string condition the policies write: `(operator, key, value)`, one per value.
pub fn conditions(policies: &[&Value]) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for s in statements(policies) {
        let Some(block) = s.get("Condition").and_then(Value::as_object) else {
            continue;
        };
        for (operator, keys) in block {
            let Some(keys) = keys.as_object() else {
                continue;
            };
            for (key, values) in keys {
                for v in strings(values) {
                    out.push((operator.clone(), key.clone(), v));
                }
            }
        }
    }
    out
}

/// Every `Resource` and `NotResource` pattern the policies write.
pub fn resources(policies: &[&Value]) -> Vec<String> {
    let mut out = Vec::new();
    for s in statements(policies) {
        for field in ["Resource", "NotResource"] {
            if let Some(v) = s.get(field) {
                out.extend(strings(v));
            }
        }
    }
    out
}

fn statements<'a>(policies: &[&'a Value]) -> Vec<&'a Value> {
    let mut out = Vec::new();
    for p in policies {
        match &p["Statement"] {
            Value::Array(list) => out.extend(list.iter()),
            s @ Value::Object(_) => out.push(s),
            _ => {}
        }
    }
    out
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(list) => list
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

fn lookup<'a>(ctx: &'a Context, key: &str) -> Option<&'a Vec<String>> {
    ctx.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key.trim()))
        .map(|(_, v)| v)
}

/// `template` with its variables replaced by `ctx`'s values (`${*}`, `${?}`, `${$}` by their
/// characters) and, when `fill` is set, its `*` and `?` by texts from `FILLERS`; `None` when a
/// variable has no single value and no default (the statement would not apply).
pub fn resolve(c: &mut dyn Choices, template: &str, ctx: &Context, fill: bool) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        push_text(c, &rest[..start], fill, &mut out);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            push_text(c, &rest[start..], fill, &mut out);
            return Some(out);
        };
        let inner = &after[..end];
        match inner {
            "*" | "?" | "$" => out.push_str(inner),
            _ => {
                let (key, default) = match inner.split_once(',') {
                    Some((k, d)) => (k, Some(d.trim().trim_matches('\''))),
                    None => (inner, None),
                };
                match (lookup(ctx, key).map(Vec::as_slice), default) {
                    (Some([one]), _) => out.push_str(one),
                    (_, Some(d)) => out.push_str(d),
                    _ => return None,
                }
            }
        }
        rest = &after[end + 1..];
    }
    push_text(c, rest, fill, &mut out);
    Some(out)
}

/// Texts a wildcard is filled with: empty, plain, with a separator, the KELVIN SIGN.
const FILLERS: &[&str] = &["", "a", "x", "a/b", "k", "\u{212A}"];

fn push_text(c: &mut dyn Choices, text: &str, fill: bool, out: &mut String) {
    for ch in text.chars() {
        match ch {
            '*' if fill => out.push_str(pick(c, FILLERS)),
            '?' if fill => out.push_str(pick(c, &["a", "x", "k"])),
            _ => out.push(ch),
        }
    }
}

/// `s` with each letter's case chosen at random; `k`, `K` and KELVIN SIGN stand for each other.
pub fn recase(c: &mut dyn Choices, s: &str) -> String {
    s.chars()
        .map(|ch| {
            if matches!(ch, 'k' | 'K' | KELVIN) {
                ['k', 'K', KELVIN][c.below(3)]
            } else if ch.is_ascii_alphabetic() && c.flip() {
                if ch.is_ascii_lowercase() {
                    ch.to_ascii_uppercase()
                } else {
                    ch.to_ascii_lowercase()
                }
            } else {
                ch
            }
        })
        .collect()
}

/// A condition of the policies on one of `keys`, resolved on `ctx` (wildcards filled for
/// `Like` operators), case changed often for ignore-case operators and sometimes for the
/// others: `(key, value)`.
pub fn aimed_value(
    c: &mut dyn Choices,
    policies: &[&Value],
    keys: &[&str],
    ctx: &Context,
) -> Option<(String, String)> {
    let list: Vec<(String, String, String)> = conditions(policies)
        .into_iter()
        .filter(|(_, k, _)| keys.iter().any(|x| x.eq_ignore_ascii_case(k)))
        .collect();
    if list.is_empty() {
        return None;
    }
    let (operator, key, template) = &list[c.below(list.len())];
    let value = resolve(c, template, ctx, operator.contains("Like"))?;
    let odds = if operator.contains("IgnoreCase") {
        2
    } else {
        5
    };
    let value = if c.one_in(odds) {
        recase(c, &value)
    } else {
        value
    };
    // The family's spelling of the key, so the request holds it once.
    let key = keys
        .iter()
        .find(|x| x.eq_ignore_ascii_case(key))
        .map_or(key.clone(), |x| x.to_string());
    Some((key, value))
}
