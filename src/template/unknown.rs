//! Values known only at deploy time (`Fn::ImportValue`, a `GetAtt` the template cannot
//! compute, a generated name, a parameter with no value, Terraform's `after_unknown`).
//!
//! Each becomes a policy variable `${keyaki:...}`: the prover already treats a policy variable
//! as a symbolic value of the request, so a pass holds for every value and a counterexample
//! shows the value it needs in its context. Only places where the prover reads variables
//! (Resource, NotResource, String and Arn condition values, Version 2012-10-17) can hold one;
//! anywhere else the policy is `unknown` with the value named (see
//! `encodings/template-unknown-values.md`).

use crate::parse::{Json, JsonKind};

/// The reserved prefix of the variables that stand for unknown values. No AWS request carries
/// a `keyaki:` key, and templates that write one themselves are refused.
pub const PREFIX: &str = "keyaki:";

/// One value known only at deploy time.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct UnknownValue {
    /// The policy variable's key: `keyaki:ImportValue/SharedBucketArn`.
    pub variable: String,
    /// What the value is: `Fn::ImportValue SharedBucketArn`, `GetAtt MyKey.Arn`.
    pub source: String,
    /// True for identifiers AWS generates or validates (ARNs, names, ids), which cannot hold
    /// the wildcard characters `*` and `?`; false for free text (exports, parameters).
    pub identifier: bool,
}

impl UnknownValue {
    pub fn new(kind: &str, detail: &str, source: String, identifier: bool) -> UnknownValue {
        let detail: String = detail
            .chars()
            .map(|c| {
                if c.is_whitespace() || matches!(c, ',' | '{' | '}' | '$' | '\'') {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        UnknownValue {
            variable: format!("{PREFIX}{kind}/{detail}"),
            source,
            identifier,
        }
    }

    /// The text that stands for the value inside a policy string.
    pub fn marker(&self) -> String {
        format!("${{{}}}", self.variable)
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "variable": self.variable,
            "source": self.source,
            "identifier": self.identifier,
        })
    }
}

/// True when a string written in the template itself uses the reserved prefix.
pub fn spoofs_marker(text: &str) -> bool {
    text.to_ascii_lowercase().contains(&format!("${{{PREFIX}"))
}

/// Why the prover cannot treat this policy's unknowns as variables, if it cannot.
pub fn unsupported_placement(document: &Json, unknowns: &[UnknownValue]) -> Option<String> {
    if unknowns.is_empty() {
        return None;
    }
    let mut uses: Vec<(String, String, bool)> = Vec::new();
    collect(document, &mut Vec::new(), &mut uses);
    let name = |marker_key: &str| -> String {
        unknowns
            .iter()
            .find(|u| u.variable.eq_ignore_ascii_case(marker_key))
            .map_or_else(|| marker_key.to_string(), |u| u.source.clone())
    };
    let version = document.get("Version").and_then(Json::as_str);
    if let Some((key, path, _)) = uses.first() {
        if version != Some("2012-10-17") {
            return Some(format!(
                "{} is known only at deploy time and is used at {path}, but only a policy with Version 2012-10-17 reads it as a variable (give its value, e.g. with --parameters)",
                name(key)
            ));
        }
    }
    if let Some((key, path, _)) = uses.iter().find(|(_, _, supported)| !supported) {
        return Some(format!(
            "{} is known only at deploy time and is used at {path}, where the prover has no variables (only Resource, NotResource and String/Arn condition values); give its value to check this policy",
            name(key)
        ));
    }
    // Free text may hold wildcards; one use of it is still checked for every value (the part
    // of a request it matches is itself a value), two uses are not.
    for unknown in unknowns.iter().filter(|u| !u.identifier) {
        let count = uses
            .iter()
            .filter(|(k, _, _)| k.eq_ignore_ascii_case(&unknown.variable))
            .count();
        if count > 1 {
            return Some(format!(
                "{} is known only at deploy time, may hold wildcards and is used {count} times in this policy; give its value to check it",
                unknown.source
            ));
        }
    }
    None
}

/// (variable key, path, whether the place takes variables) for every marker in the document.
fn collect(json: &Json, path: &mut Vec<String>, out: &mut Vec<(String, String, bool)>) {
    match &json.kind {
        JsonKind::String(text) => {
            for key in marker_keys(text) {
                out.push((key, render(path), supported(path)));
            }
        }
        JsonKind::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(format!("[{i}]"));
                collect(item, path, out);
                path.pop();
            }
        }
        JsonKind::Object(members) => {
            for (key, _, value) in members {
                for marker in marker_keys(key) {
                    out.push((marker, render(path), false));
                }
                path.push(key.clone());
                collect(value, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn render(path: &[String]) -> String {
    let mut text = String::new();
    for segment in path {
        if !text.is_empty() && !segment.starts_with('[') {
            text.push('.');
        }
        text.push_str(segment);
    }
    text
}

/// `Statement[i].Resource[j]`, `Statement.NotResource`, `Statement[i].Condition.StringLike.key[j]`.
fn supported(path: &[String]) -> bool {
    let rest: Vec<&str> = path
        .iter()
        .map(String::as_str)
        .filter(|s| !s.starts_with('['))
        .collect();
    match rest.as_slice() {
        ["Statement", "Resource" | "NotResource"] => true,
        ["Statement", "Condition", operator, _key] => {
            let base = operator
                .strip_prefix("ForAllValues:")
                .or_else(|| operator.strip_prefix("ForAnyValue:"))
                .unwrap_or(operator);
            let base = base.strip_suffix("IfExists").unwrap_or(base);
            base.starts_with("String") || base.starts_with("Arn")
        }
        _ => false,
    }
}

/// Every marker key in a document (strings and keys).
pub fn collect_markers(json: &Json, out: &mut Vec<String>) {
    match &json.kind {
        JsonKind::String(text) => out.extend(marker_keys(text)),
        JsonKind::Array(items) => items.iter().for_each(|i| collect_markers(i, out)),
        JsonKind::Object(members) => {
            for (key, _, value) in members {
                out.extend(marker_keys(key));
                collect_markers(value, out);
            }
        }
        _ => {}
    }
}

/// The keys of the `${keyaki:...}` markers in a string.
pub fn marker_keys(text: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut rest = text;
    let open = format!("${{{PREFIX}");
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                keys.push(after[..end].to_string());
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    keys
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::parse::parse_json;

    fn reason(policy: &str, identifier: bool) -> Option<String> {
        let json = parse_json(policy.as_bytes(), "p.json").unwrap();
        let unknown = UnknownValue::new("ImportValue", "X", "Fn::ImportValue X".into(), identifier);
        unsupported_placement(&json, &[unknown])
    }

    #[test]
    fn variables_only_where_the_prover_reads_them() {
        let ok = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":["${keyaki:ImportValue/X}/*"],"Condition":{"StringEqualsIfExists":{"aws:SourceArn":"${keyaki:ImportValue/X}"}}}]}"#;
        assert_eq!(reason(ok, true), None);
        let twice = reason(ok, false).unwrap();
        assert!(twice.contains("2 times"), "{twice}");
        let principal = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Principal":{"AWS":"${keyaki:ImportValue/X}"}}]}"#;
        let why = reason(principal, true).unwrap();
        assert!(
            why.contains("Fn::ImportValue X") && why.contains("Statement[0].Principal.AWS"),
            "{why}"
        );
        let numeric = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":"${keyaki:ImportValue/X}"}}}]}"#;
        assert!(reason(numeric, true).is_some());
        let old = r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"${keyaki:ImportValue/X}"}]}"#;
        assert!(reason(old, true).unwrap().contains("Version 2012-10-17"));
    }

    #[test]
    fn markers_are_found_and_names_sanitized() {
        let u = UnknownValue::new("tf", "module.a.b[\"p, 1\"].arn", "x".into(), true);
        assert_eq!(u.variable, "keyaki:tf/module.a.b[\"p__1\"].arn");
        assert_eq!(
            marker_keys(&format!("a{}b{}", u.marker(), "${aws:username}")),
            vec![u.variable]
        );
        assert!(spoofs_marker("x${KEYAKI:y}"));
    }
}
