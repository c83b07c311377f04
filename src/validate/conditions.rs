//! Condition blocks: operators, key names (catalog), key and value types, set qualifiers,
//! empty lists, wildcards and variables in values, and the tag keys services do not support.

use super::finding::Finding;
use super::tree::{with_value, Collector};
use super::values;
use crate::catalog::{self, catalog, KeyType};
use crate::model::{OperatorKind, SetQualifier, StringMatch};
use crate::parse::{parse_operator, Json};

/// Global keys Access Analyzer accepts that the catalog's global-key list lacks.
const EXTRA_GLOBAL_KEYS: [&str; 1] = ["aws:principalorgmasteraccountid"];

/// Key prefixes that are not service prefixes: identity-provider claims.
fn is_provider_prefix(prefix: &str) -> bool {
    prefix.contains('.') || matches!(prefix, "saml" | "oidc")
}

pub fn check(c: &mut Collector, root: &Json) {
    for s in super::tree::statements(root) {
        let Some(condition) = s.get("Condition") else {
            continue;
        };
        let Some(blocks) = condition.as_object() else {
            continue;
        };
        let cpath = with_value(&s.path, "Condition");
        for (operator_text, span, block) in blocks {
            let opath = with_value(&cpath, operator_text);
            let operator = match parse_operator(operator_text) {
                Ok(op) => op,
                Err(message) => {
                    let location = c.at_key(&cpath, operator_text, *span);
                    let code = if operator_text.starts_with("Null")
                        && operator_text.ends_with("IfExists")
                    {
                        "NULL_WITH_IF_EXISTS"
                    } else if operator_text.ends_with(":Null") && operator_text.starts_with("For") {
                        "NULL_WITH_QUALIFIER"
                    } else {
                        "INVALID_CONDITION_OPERATOR"
                    };
                    c.report(code, format!("{message}."), location);
                    continue;
                }
            };
            let Some(members) = block.as_object() else {
                let location = c.at(opath, block);
                c.report("DATA_TYPE_MISMATCH", format!("The condition operator {operator_text} must map to an object of keys, found {}.", block.type_name()), location);
                continue;
            };
            let mut seen: Vec<(&str, String)> = Vec::new();
            for (key, kspan, value) in members {
                let lower = key.to_lowercase();
                let key_location = c.at_key(&opath, key, *kspan);
                if let Some((first, _)) = seen.iter().find(|(_, l)| *l == lower) {
                    if *first != key.as_str() {
                        c.report("DUPLICATE_KEYS_WITH_DIFFERENT_CASE", format!("The condition keys {first} and {key} differ only in case: condition keys are case-insensitive, merge them."), key_location.clone());
                    }
                }
                seen.push((key, lower.clone()));
                let key_type = key_name(c, key, &lower, key_location.clone());
                let ctx = values::KeyContext {
                    statement: &s,
                    operator: &operator,
                    key,
                    lower: &lower,
                    key_type,
                    value,
                    path: with_value(&opath, key),
                    key_location,
                };
                values::check(c, &ctx);
                type_checks(c, &ctx);
            }
        }
        super::keys::tag_support(c, &s);
    }
}

/// Checks a key name against the catalog; returns its type when known.
fn key_name(
    c: &mut Collector,
    key: &str,
    lower: &str,
    location: super::Location,
) -> Option<KeyType> {
    let Some((prefix, name)) = key.split_once(':') else {
        c.report(
            "INVALID_CONDITION_KEY_FORMAT",
            format!("The condition key {key} is not valid: write it as prefix:name."),
            location,
        );
        return None;
    };
    if prefix.is_empty() || name.is_empty() {
        c.report(
            "INVALID_CONDITION_KEY_FORMAT",
            format!("The condition key {key} is not valid: write it as prefix:name."),
            location,
        );
        return None;
    }
    let prefix_lower = prefix.to_lowercase();
    for tag in ["tag/", "tag:"] {
        if lower.ends_with(tag)
            && (lower.contains("resourcetag")
                || lower.contains("requesttag")
                || lower.contains("principaltag"))
        {
            c.report(
                "MISSING_TAG_KEY_IN_CONDITION",
                format!("The condition key {key} needs a tag key after the slash."),
                location,
            );
            return None;
        }
    }
    if lower == "aws:arn" {
        c.report(
            "DEPRECATED_GLOBAL_CONDITION_KEY",
            "The condition key aws:ARN is deprecated: use aws:PrincipalArn (or aws:SourceArn)."
                .to_string(),
            location,
        );
        return None;
    }
    let cat = catalog();
    if let Some(info) = cat.condition_key(key) {
        return Some(info.key_type);
    }
    if is_provider_prefix(&prefix_lower) {
        return None;
    }
    if prefix_lower == "aws" && !EXTRA_GLOBAL_KEYS.contains(&lower) {
        c.push(
            Finding::access_analyzer(
                "INVALID_GLOBAL_CONDITION_KEY",
                format!(
                    "The global condition key {key} does not exist. Use a valid condition key."
                ),
                vec![location],
            )
            .from_catalog(),
        );
    } else if EXTRA_GLOBAL_KEYS.contains(&lower) {
        return None;
    } else if cat.service(&prefix_lower).is_none() {
        if super::actions::RETIRED_SERVICES.contains(&prefix_lower.as_str()) {
            return None;
        }
        c.push(
            Finding::access_analyzer(
                "INVALID_SERVICE",
                format!("The service {prefix} does not exist. Use a valid service name."),
                vec![location],
            )
            .from_catalog(),
        );
    } else {
        c.push(Finding::access_analyzer("INVALID_SERVICE_CONDITION_KEY", format!("The condition key {key} does not exist in the service {prefix_lower}. Use a valid condition key."), vec![location]).from_catalog());
    }
    None
}

fn family_name(kind: OperatorKind) -> &'static str {
    match kind {
        OperatorKind::String(_) => "string",
        OperatorKind::Numeric(_) => "Numeric",
        OperatorKind::Date(_) => "Date",
        OperatorKind::Bool => "Boolean",
        OperatorKind::Binary => "Binary",
        OperatorKind::Ip => "IpAddress",
        OperatorKind::Arn => "ARN",
        OperatorKind::Null => "Null",
    }
}

fn type_name(t: KeyType) -> &'static str {
    match t.element() {
        KeyType::String => "String",
        KeyType::Arn => "ARN",
        KeyType::Numeric => "Numeric",
        KeyType::Date => "Date",
        KeyType::Bool => "Boolean",
        KeyType::IpAddress => "IpAddress",
        KeyType::Binary => "Binary",
        _ => "String",
    }
}

/// Operator family against the key's type, set qualifiers against multi-valuedness.
fn type_checks(c: &mut Collector, k: &values::KeyContext) {
    let Some(key_type) = k.key_type else { return };
    let kind = k.operator.kind;
    if kind == OperatorKind::Null {
        return;
    }
    let base = base_operator(&k.operator.text);
    // ARN operators on String keys are accepted (an ARN is a string; Access Analyzer agrees).
    let applies = catalog::operator(&base).is_none_or(|o| o.applies_to(key_type))
        || (kind == OperatorKind::Arn && key_type.element() == KeyType::String);
    let location = k.key_location.clone();
    if !applies {
        c.push(
            Finding::access_analyzer(
                "TYPE_MISMATCH",
                format!(
                    "Use the operator type {} instead of operator {} for the condition key {}.",
                    type_name(key_type),
                    family_name(kind),
                    k.key
                ),
                vec![location.clone()],
            )
            .from_catalog(),
        );
    } else if key_type.element() == KeyType::Arn && kind == OperatorKind::String(StringMatch::Like)
    {
        c.push(Finding::access_analyzer("STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS", format!("Use the operator type ARN instead of operator string for the condition key {}.", k.key), vec![location.clone()]).from_catalog());
    }
    let multivalued = key_type.is_multivalued();
    match k.operator.set {
        SetQualifier::Single if multivalued => {
            c.push(Finding::access_analyzer("MISSING_QUALIFIER", format!("The request context key {} has multiple values. Use the ForAllValues or ForAnyValue condition key qualifiers in your policy.", k.key), vec![location]).from_catalog());
        }
        // Only global keys: their single-valuedness is documented; service keys' types in the
        // catalog mark fewer keys multi-valued than Access Analyzer does.
        SetQualifier::ForAllValues
            if !multivalued && k.statement.is_allow() && k.lower.starts_with("aws:") =>
        {
            c.push(Finding::access_analyzer("FORALLVALUES_WITH_SINGLE_VALUED_KEY", format!("Using ForAllValues qualifier with the single-valued condition key {} can be overly permissive: it is also true when the key is absent. We recommend that you remove ForAllValues:.", k.key), vec![location]).from_catalog());
        }
        _ => {}
    }
}

/// `ForAnyValue:StringLikeIfExists` → `StringLike`.
pub fn base_operator(text: &str) -> String {
    let rest = text
        .strip_prefix("ForAllValues:")
        .or_else(|| text.strip_prefix("ForAnyValue:"))
        .unwrap_or(text);
    rest.strip_suffix("IfExists").unwrap_or(rest).to_string()
}
