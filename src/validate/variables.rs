//! Policy variables: `${...}` syntax, the elements that may hold them, and the Version they need.

use super::finding::PathElement;
use super::tree::{with_index, with_value, Collector, StatementView};
use crate::parse::{Json, JsonKind};

/// Policy-variable syntax, where variables may appear, and the Version they need.
pub fn check(c: &mut Collector, root: &Json, statements: &[StatementView]) {
    let v2012 = root.get("Version").and_then(Json::as_str) == Some("2012-10-17");
    for s in statements {
        for (key, _, value) in s.json.as_object().unwrap_or_default() {
            let allowed = matches!(key.as_str(), "Resource" | "NotResource" | "Condition");
            let path = with_value(&s.path, key);
            let mut strings = Vec::new();
            collect_strings(value, path, &mut strings);
            for (text, json, path) in strings {
                if !text.contains("${") {
                    continue;
                }
                let location = c.at(path, json);
                if let Some((code, message)) = variable_syntax(text) {
                    c.report(code, message, location);
                    continue;
                }
                if !has_real_variable(text) {
                    continue;
                }
                if !allowed {
                    c.report("VARIABLE_UNSUPPORTED_IN_ELEMENT", format!("Policy variables are not supported in the {key} element: use them in Resource or Condition."), location);
                } else if !v2012 {
                    c.report("VARIABLE_UNSUPPORTED_IN_VERSION", "Policy variables need \"Version\": \"2012-10-17\"; with an older or missing Version they are literal text.".to_string(), location);
                }
            }
        }
    }
}

fn collect_strings<'j>(
    value: &'j Json,
    path: Vec<PathElement>,
    out: &mut Vec<(&'j str, &'j Json, Vec<PathElement>)>,
) {
    match &value.kind {
        JsonKind::String(s) => out.push((s, value, path)),
        JsonKind::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_strings(item, with_index(&path, i), out);
            }
        }
        JsonKind::Object(members) => {
            for (k, _, v) in members {
                collect_strings(v, with_value(&path, k), out);
            }
        }
        _ => {}
    }
}

/// `${*}`, `${?}` and `${$}` are escapes, not variables.
fn has_real_variable(text: &str) -> bool {
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let body = after.split('}').next().unwrap_or_default();
        if !matches!(body, "*" | "?" | "$") {
            return true;
        }
        rest = after;
    }
    false
}

/// The first syntax error among the `${...}` of a string.
fn variable_syntax(text: &str) -> Option<(&'static str, String)> {
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Some((
                "MISSING_BRACE_IN_VARIABLE",
                format!("The policy variable in {text} is missing its closing brace."),
            ));
        };
        let body = &after[..end];
        if body.is_empty() {
            return Some((
                "EMPTY_VARIABLE",
                format!("The policy variable ${{}} in {text} is empty."),
            ));
        }
        let (name, default) = match body.split_once(',') {
            Some((n, d)) => (n, Some(d.trim_start())),
            None => (body, None),
        };
        if name.chars().any(char::is_whitespace)
            || (default.is_none() && body.chars().any(char::is_whitespace))
        {
            return Some((
                "UNSUPPORTED_SPACE_IN_VARIABLE",
                format!("Remove the spaces from the policy variable ${{{body}}}."),
            ));
        }
        if let Some(d) = default {
            if !(d.len() >= 2 && d.starts_with('\'') && d.ends_with('\'')) {
                return Some((
                    "MISSING_QUOTE_IN_VARIABLE",
                    format!("Enclose the default value of ${{{body}}} in single quotes."),
                ));
            }
        }
        rest = &after[end + 1..];
    }
    None
}
