//! Document structure: elements, Version, Effect, required elements, empty values, Sids,
//! the SCP/RCP/trust-policy grammars, size quotas, policy variables and duplicate statements.

use super::tree::{with_index, with_value, Collector, StatementView};
use super::PolicyKind;
use crate::parse::{Json, JsonKind};

use crate::parse::policy::{STATEMENT_ELEMENTS, TOP_LEVEL_ELEMENTS as TOP_LEVEL};

/// Identity-policy size quota Access Analyzer checks (characters, whitespace excluded).
pub const IDENTITY_POLICY_QUOTA: usize = 10_240;
pub const SCP_QUOTA: usize = 5_120;
pub const ROLE_TRUST_POLICY_QUOTA: usize = 2_048;

pub fn check(c: &mut Collector, root: &Json) {
    let Some(members) = root.as_object() else {
        let location = c.at(Vec::new(), root);
        c.report(
            "DATA_TYPE_MISMATCH",
            format!(
                "A policy must be a JSON object, found {}.",
                root.type_name()
            ),
            location,
        );
        return;
    };
    for (key, span, _) in members {
        if !TOP_LEVEL.contains(&key.as_str()) {
            let location = c.at_key(&[], key, *span);
            c.report(
                "INVALID_POLICY_ELEMENT",
                format!("The policy element {key} is not valid. Use Version, Id or Statement."),
                location,
            );
        }
    }
    version(c, root);
    match root.get("Statement") {
        None => {
            let location = c.at(Vec::new(), root);
            c.report(
                "MISSING_STATEMENT",
                "Add a Statement element to the policy.".to_string(),
                location,
            );
        }
        Some(s) if !matches!(s.kind, JsonKind::Object(_) | JsonKind::Array(_)) => {
            let location = c.at(with_value(&[], "Statement"), s);
            c.report(
                "DATA_TYPE_MISMATCH",
                format!(
                    "Statement must be an object or an array of objects, found {}.",
                    s.type_name()
                ),
                location,
            );
        }
        Some(s) => {
            for (i, item) in s.as_array().unwrap_or_default().iter().enumerate() {
                if !matches!(item.kind, JsonKind::Object(_)) {
                    let location = c.at(with_index(&with_value(&[], "Statement"), i), item);
                    c.report(
                        "DATA_TYPE_MISMATCH",
                        format!("A statement must be an object, found {}.", item.type_name()),
                        location,
                    );
                }
            }
        }
    }
    let statements = super::tree::statements(root);
    for s in &statements {
        statement(c, s);
    }
    sids(c, &statements);
    size(c, root);
    super::variables::check(c, root, &statements);
    duplicate_statements(c, &statements);
}

fn version(c: &mut Collector, root: &Json) {
    match root.get("Version") {
        None => {
            let location = c.at(Vec::new(), root);
            c.report(
                "MISSING_VERSION",
                "We recommend that you specify the Version element to help you with debugging permission issues (use 2012-10-17).".to_string(),
                location,
            );
        }
        Some(v) => {
            match v.as_str() {
                Some("2012-10-17" | "2008-10-17") => {}
                Some(other) => {
                    let location = c.at(with_value(&[], "Version"), v);
                    c.report(
                    "INVALID_VERSION",
                    format!("The policy version {other} is not valid. Use 2012-10-17 or 2008-10-17."),
                    location,
                );
                }
                None => {
                    let location = c.at(with_value(&[], "Version"), v);
                    c.report(
                        "DATA_TYPE_MISMATCH",
                        format!("Version must be a string, found {}.", v.type_name()),
                        location,
                    );
                }
            }
        }
    }
}

fn statement(c: &mut Collector, s: &StatementView) {
    for (key, span, value) in s.json.as_object().unwrap_or_default() {
        if !STATEMENT_ELEMENTS.contains(&key.as_str()) {
            let location = c.at_key(&s.path, key, *span);
            c.report(
                "INVALID_POLICY_ELEMENT",
                format!("The policy element {key} is not valid in a statement."),
                location,
            );
            continue;
        }
        type_of_element(c, s, key, value);
    }
    match s.get("Effect") {
        None => {
            let location = c.at(s.path.clone(), s.json);
            c.report(
                "MISSING_EFFECT",
                "Add an Effect element (Allow or Deny) to the statement.".to_string(),
                location,
            );
        }
        Some(e) => {
            if let Some(text) = e.as_str() {
                if text != "Allow" && text != "Deny" {
                    let location = c.at(with_value(&s.path, "Effect"), e);
                    c.report(
                        "INVALID_EFFECT",
                        format!("The effect {text} is not valid. Use Allow or Deny."),
                        location,
                    );
                }
            }
        }
    }
    for (a, b) in [
        ("Action", "NotAction"),
        ("Resource", "NotResource"),
        ("Principal", "NotPrincipal"),
    ] {
        if let (Some(_), Some(second)) = (s.get(a), s.get(b)) {
            let location = c.at(with_value(&s.path, b), second);
            c.report(
                "UNSUPPORTED_ELEMENT_COMBINATION",
                format!("The policy elements {a} and {b} can not be used in the same statement."),
                location,
            );
        }
    }
    if s.get("Action").is_none() && s.get("NotAction").is_none() {
        let location = c.at(s.path.clone(), s.json);
        c.report(
            "MISSING_ACTION",
            "Add an Action or NotAction element to the statement.".to_string(),
            location,
        );
    }
    let trust = c.options.is_trust_policy();
    let has_resource = s.get("Resource").is_some() || s.get("NotResource").is_some();
    if !has_resource && !trust {
        let location = c.at(s.path.clone(), s.json);
        c.report(
            "MISSING_RESOURCE",
            "Add a Resource or NotResource element to the statement.".to_string(),
            location,
        );
    }
    let has_principal = s.get("Principal").is_some() || s.get("NotPrincipal").is_some();
    match c.kind {
        PolicyKind::Resource if !has_principal => {
            let location = c.at(s.path.clone(), s.json);
            c.report(
                "MISSING_PRINCIPAL",
                "Add a Principal or NotPrincipal element to the statement of the resource policy."
                    .to_string(),
                location,
            );
        }
        PolicyKind::Identity if has_principal => {
            let (name, value) = principal_element(s);
            let location = c.at(with_value(&s.path, name), value);
            c.report(
                "UNSUPPORTED_PRINCIPAL",
                format!("The {name} element is not supported in identity policies."),
                location,
            );
        }
        PolicyKind::ServiceControlPolicy => scp_statement(c, s),
        _ => {}
    }
    if trust {
        trust_statement(c, s);
    }
    empties(c, s);
}

fn principal_element<'j>(s: &StatementView<'j>) -> (&'static str, &'j Json) {
    match (s.get("Principal"), s.get("NotPrincipal")) {
        (Some(p), _) => ("Principal", p),
        (None, Some(p)) => ("NotPrincipal", p),
        (None, None) => ("Principal", s.json),
    }
}

fn type_of_element(c: &mut Collector, s: &StatementView, key: &str, value: &Json) {
    let ok = match key {
        "Sid" | "Effect" => matches!(value.kind, JsonKind::String(_)),
        "Action" | "NotAction" | "Resource" | "NotResource" => match &value.kind {
            JsonKind::String(_) => true,
            JsonKind::Array(items) => items.iter().all(|i| matches!(i.kind, JsonKind::String(_))),
            _ => false,
        },
        "Condition" => matches!(value.kind, JsonKind::Object(_)),
        _ => true,
    };
    if !ok {
        let location = c.at(with_value(&s.path, key), value);
        c.report(
            "DATA_TYPE_MISMATCH",
            format!(
                "The value of {key} has the wrong type ({}).",
                value.type_name()
            ),
            location,
        );
    }
}

fn empties(c: &mut Collector, s: &StatementView) {
    let checks: [(&str, &str, bool); 5] = [
        ("Action", "EMPTY_ARRAY_ACTION", true),
        ("NotAction", "EMPTY_ARRAY_ACTION", true),
        ("Resource", "EMPTY_ARRAY_RESOURCE", true),
        ("NotResource", "EMPTY_ARRAY_RESOURCE", true),
        ("Principal", "EMPTY_ARRAY_PRINCIPAL", true),
    ];
    for (element, code, _) in checks {
        if let Some(v) = s.get(element) {
            if v.as_array().is_some_and(<[Json]>::is_empty) {
                let location = c.at(with_value(&s.path, element), v);
                c.report(
                    code,
                    format!("The {element} element is an empty array: remove it or add values."),
                    location,
                );
            }
        }
    }
    for element in ["Principal", "NotPrincipal"] {
        if let Some(v) = s.get(element) {
            if v.as_object().is_some_and(<[_]>::is_empty) {
                let location = c.at(with_value(&s.path, element), v);
                c.report(
                    "EMPTY_OBJECT_PRINCIPAL",
                    format!("The {element} element is an empty object."),
                    location,
                );
            }
        }
    }
    if let Some(v) = s.get("Condition") {
        if v.as_object().is_some_and(<[_]>::is_empty) {
            let location = c.at(with_value(&s.path, "Condition"), v);
            c.report(
                "EMPTY_OBJECT_CONDITION",
                "The Condition element is an empty object: remove it or add conditions."
                    .to_string(),
                location,
            );
        }
    }
    if let Some(v) = s.get("Sid") {
        if v.as_str() == Some("") {
            let location = c.at(with_value(&s.path, "Sid"), v);
            c.report(
                "EMPTY_SID_VALUE",
                "The Sid is empty: remove it or give it a value.".to_string(),
                location,
            );
        }
    }
}

fn sids(c: &mut Collector, statements: &[StatementView]) {
    let strict = c.kind != PolicyKind::Resource;
    let mut seen: Vec<&str> = Vec::new();
    for s in statements {
        let Some(v) = s.get("Sid") else { continue };
        let Some(sid) = v.as_str() else { continue };
        if sid.is_empty() {
            continue;
        }
        let location = c.at(with_value(&s.path, "Sid"), v);
        if strict && !sid.chars().all(|ch| ch.is_ascii_alphanumeric()) {
            c.report(
                "UNSUPPORTED_SID",
                format!("The Sid {sid} is not supported: use only letters and digits (A-Z, a-z, 0-9) in this policy type."),
                location.clone(),
            );
        }
        if seen.contains(&sid) {
            let code = if strict {
                "UNIQUE_SIDS_REQUIRED"
            } else {
                "UNIQUE_SIDS_RECOMMENDED"
            };
            c.report(
                code,
                format!("The Sid {sid} is used by more than one statement: make each Sid unique."),
                location,
            );
        } else {
            seen.push(sid);
        }
    }
}

fn scp_statement(c: &mut Collector, s: &StatementView) {
    let allow = s.is_allow();
    let rules: [(&str, bool, &str, &str); 5] = [
        (
            "Principal",
            true,
            "SCP_SYNTAX_ERROR_PRINCIPAL",
            "SCPs do not support the Principal element.",
        ),
        (
            "NotPrincipal",
            true,
            "SCP_SYNTAX_ERROR_PRINCIPAL",
            "SCPs do not support the NotPrincipal element.",
        ),
        (
            "NotResource",
            true,
            "SCP_SYNTAX_ERROR_NOTRESOURCE",
            "SCPs do not support the NotResource element.",
        ),
        (
            "Condition",
            allow,
            "SCP_SYNTAX_ERROR_ALLOW_CONDITION",
            "SCPs do not support Condition in Allow statements.",
        ),
        (
            "NotAction",
            allow,
            "SCP_SYNTAX_ERROR_ALLOW_NOTACTION",
            "SCPs do not support NotAction in Allow statements.",
        ),
    ];
    for (element, applies, code, message) in rules {
        if let (true, Some(v)) = (applies, s.get(element)) {
            let location = c.at(with_value(&s.path, element), v);
            c.report(code, message.to_string(), location);
        }
    }
    if allow {
        if let Some(("Resource", items)) = s.resources() {
            for item in items.into_iter().filter(|i| i.text != "*") {
                let location = c.at(item.path.clone(), item.json);
                c.report(
                    "SCP_SYNTAX_ERROR_ALLOW_RESOURCE",
                    format!(
                        "SCP Allow statements support only Resource \"*\", not {}.",
                        item.text
                    ),
                    location,
                );
            }
        }
    }
}

fn trust_statement(c: &mut Collector, s: &StatementView) {
    for element in ["Resource", "NotResource"] {
        if let Some(v) = s.get(element) {
            let location = c.at(with_value(&s.path, element), v);
            c.report(
                "ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE",
                format!("Role trust policies do not support the {element} element."),
                location,
            );
        }
    }
    if let Some(v) = s.get("NotPrincipal") {
        let location = c.at(with_value(&s.path, "NotPrincipal"), v);
        c.report(
            "ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL",
            "Role trust policies do not support NotPrincipal.".to_string(),
            location,
        );
    }
}

/// Characters outside whitespace, counting whitespace inside strings (as IAM counts).
fn significant_chars(json: &Json) -> usize {
    match &json.kind {
        JsonKind::Null => 4,
        JsonKind::Bool(b) => {
            if *b {
                4
            } else {
                5
            }
        }
        JsonKind::Number(n) => n.chars().count(),
        JsonKind::String(s) => serde_json::to_string(s)
            .map(|q| q.chars().count())
            .unwrap_or(s.len() + 2),
        JsonKind::Array(items) => {
            2 + items.len().saturating_sub(1) + items.iter().map(significant_chars).sum::<usize>()
        }
        JsonKind::Object(members) => {
            2 + members.len().saturating_sub(1)
                + members
                    .iter()
                    .map(|(k, _, v)| {
                        serde_json::to_string(k)
                            .map(|q| q.chars().count())
                            .unwrap_or(k.len() + 2)
                            + 1
                            + significant_chars(v)
                    })
                    .sum::<usize>()
        }
    }
}

fn size(c: &mut Collector, root: &Json) {
    let count = significant_chars(root);
    let (code, quota, what) = match c.kind {
        PolicyKind::Identity => ("POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA", IDENTITY_POLICY_QUOTA, "the identity policy, excluding whitespace, exceed the 10240 character maximum for inline and managed policies"),
        PolicyKind::ServiceControlPolicy => ("POLICY_SIZE_EXCEEDS_SCP_QUOTA", SCP_QUOTA, "the service control policy exceed the 5120 character maximum for SCPs"),
        PolicyKind::Resource if c.options.is_trust_policy() => ("POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA", ROLE_TRUST_POLICY_QUOTA, "the role trust policy, excluding whitespace, exceed the default 2048 character maximum for trust policies"),
        PolicyKind::Resource => match c.options.resource_type.as_deref().and_then(resource_policy_quota) {
            Some(q) => ("POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA", q, "the resource policy exceed the character maximum for this resource type"),
            None => return,
        },
        PolicyKind::ResourceControlPolicy => return,
    };
    if count > quota {
        let location = c.at(Vec::new(), root);
        c.report(code, format!("The {count} characters in {what} ({quota}). We recommend that you use multiple granular policies."), location);
    }
}

/// Resource-policy size quotas of the resource types whose quota is documented.
fn resource_policy_quota(resource_type: &str) -> Option<usize> {
    Some(match resource_type.to_ascii_lowercase().as_str() {
        "aws::s3::bucket" | "aws::s3::bucketpolicy" => 20 * 1024,
        "aws::kms::key" => 32 * 1024,
        "aws::sqs::queue" | "aws::sqs::queuepolicy" => 8 * 1024,
        "aws::sns::topic" | "aws::sns::topicpolicy" => 30 * 1024,
        "aws::secretsmanager::secret" | "aws::secretsmanager::resourcepolicy" => 20 * 1024,
        "aws::lambda::function" | "aws::lambda::permission" => 20 * 1024,
        "aws::ecr::repository" => 10 * 1024,
        _ => return None,
    })
}

/// Two statements with the same content apart from the Sid (Access Analyzer's REDUNDANT_STATEMENT).
fn duplicate_statements(c: &mut Collector, statements: &[StatementView]) {
    let canonical: Vec<String> = statements
        .iter()
        .map(|s| canonical_statement(s.json))
        .collect();
    for (j, s) in statements.iter().enumerate() {
        if let Some(i) = (0..j).find(|&i| canonical[i] == canonical[j]) {
            let first = &statements[i];
            let locations = vec![
                c.at(first.path.clone(), first.json),
                c.at(s.path.clone(), s.json),
            ];
            c.push(super::Finding::access_analyzer(
                "REDUNDANT_STATEMENT",
                format!(
                    "The statements {} and {} grant the same permissions: remove one of them.",
                    first.index, s.index
                ),
                locations,
            ));
        }
    }
}

fn canonical_statement(json: &Json) -> String {
    let mut members: Vec<String> = json
        .as_object()
        .unwrap_or_default()
        .iter()
        .filter(|(k, _, _)| k != "Sid")
        .map(|(k, _, v)| format!("{k:?}:{}", canonical_value(v)))
        .collect();
    members.sort();
    members.join(",")
}

fn canonical_value(json: &Json) -> String {
    match &json.kind {
        JsonKind::Array(items) => {
            let mut parts: Vec<String> = items.iter().map(canonical_value).collect();
            parts.sort();
            parts.dedup();
            if parts.len() == 1 {
                return parts.remove(0);
            }
            format!("[{}]", parts.join(","))
        }
        JsonKind::Object(_) => format!("{{{}}}", canonical_statement(json)),
        JsonKind::String(s) => format!("{s:?}"),
        JsonKind::Number(n) => n.clone(),
        JsonKind::Bool(b) => b.to_string(),
        JsonKind::Null => "null".to_string(),
    }
}
