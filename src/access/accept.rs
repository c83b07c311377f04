//! Accepted findings (`--accept FILE`): reviewed access that should not fail CI, like Access
//! Analyzer's archive rules. An accepted entry names any of `kind`, `principal`, `actions`,
//! `resources`, `conditions`; a finding matches when every named field agrees: `kind`,
//! `principal` and `conditions` are equal, and each of the finding's action (resource)
//! patterns lies inside one of the entry's patterns. A previous run's JSON output (or its
//! `findings` array) is a valid accept file.

use super::{Finding, FindingKind};
use crate::automata::is_subset;
use crate::pattern::Glob;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AcceptError {
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
}

/// One accepted region.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Accepted {
    pub kind: Option<FindingKind>,
    pub principal: Option<Value>,
    pub actions: Option<Vec<String>>,
    pub resources: Option<Vec<String>>,
    pub conditions: Option<Value>,
}

/// Reads accepted entries from JSON: an array, or an object with a `findings` or `accept` array.
pub fn parse_accepted(value: &Value, file: &str) -> Result<Vec<Accepted>, AcceptError> {
    let invalid = |message: String| AcceptError::Invalid {
        file: file.to_string(),
        message,
    };
    let items = match value {
        Value::Array(items) => items,
        Value::Object(map) => match map.get("findings").or_else(|| map.get("accept")) {
            Some(Value::Array(items)) => items,
            _ => {
                return Err(invalid(
                    "expected an array of findings, or an object with a \"findings\" array".into(),
                ))
            }
        },
        _ => return Err(invalid("expected an array of findings".into())),
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Value::Object(map) = item else {
            return Err(invalid(format!("finding [{i}] must be an object")));
        };
        let mut accepted = Accepted::default();
        for (field, v) in map {
            match field.as_str() {
                "kind" => {
                    let kind = match v.as_str() {
                        Some("public") => FindingKind::Public,
                        Some("cross-account") => FindingKind::CrossAccount,
                        Some("granted") => FindingKind::Granted,
                        Some("new-access") => FindingKind::NewAccess,
                        _ => return Err(invalid(format!("finding [{i}]: unknown kind {v}"))),
                    };
                    accepted.kind = Some(kind);
                }
                "principal" => accepted.principal = Some(v.clone()),
                "conditions" => accepted.conditions = Some(v.clone()),
                "actions" | "resources" => {
                    let list = strings(v).ok_or_else(|| {
                        invalid(format!(
                            "finding [{i}]: \"{field}\" must be an array of strings"
                        ))
                    })?;
                    if field == "actions" {
                        accepted.actions = Some(list);
                    } else {
                        accepted.resources = Some(list);
                    }
                }
                // Fields of a previous run's output that do not define the region.
                "request" | "statement" | "accepted" => {}
                other => return Err(invalid(format!("finding [{i}]: unknown field \"{other}\""))),
            }
        }
        out.push(accepted);
    }
    Ok(out)
}

fn strings(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => None,
    }
}

impl Accepted {
    pub fn covers(&self, finding: &Finding) -> bool {
        self.kind.is_none_or(|k| k == finding.kind)
            && self
                .principal
                .as_ref()
                .is_none_or(|p| *p == finding.principal)
            && self
                .conditions
                .as_ref()
                .is_none_or(|c| *c == finding.conditions)
            && self.actions.as_ref().is_none_or(|a| {
                patterns_cover(a, &finding.actions, |s| Glob::wildcard(&s.to_lowercase()))
            })
            && self
                .resources
                .as_ref()
                .is_none_or(|r| patterns_cover(r, &finding.resources, Glob::arn))
    }
}

/// Every finding pattern lies inside some accepted pattern; `NOT x` patterns only match themselves.
fn patterns_cover(accepted: &[String], found: &[String], compile: impl Fn(&str) -> Glob) -> bool {
    found.iter().all(|f| {
        if f.starts_with("NOT ") {
            return accepted.contains(f);
        }
        let found_glob = compile(f);
        accepted
            .iter()
            .filter(|a| !a.starts_with("NOT "))
            .any(|a| is_subset(&found_glob, &compile(a)))
    })
}

/// Marks the findings some accepted entry covers.
pub fn apply(findings: &mut [Finding], accepted: &[Accepted]) {
    for finding in findings {
        if accepted.iter().any(|a| a.covers(finding)) {
            finding.accepted = true;
        }
    }
}
