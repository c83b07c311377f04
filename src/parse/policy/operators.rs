//! Condition operator names: `ForAnyValue:StringNotLikeIfExists` → [`Operator`].

use super::super::did_you_mean;
use crate::model::{Comparison, Operator, OperatorKind, SetQualifier, StringMatch};

/// Every base operator name with its family and whether it is a negated form.
pub(super) const BASE_OPERATORS: [(&str, OperatorKind, bool); 27] = [
    (
        "StringEquals",
        OperatorKind::String(StringMatch::Equals),
        false,
    ),
    (
        "StringNotEquals",
        OperatorKind::String(StringMatch::Equals),
        true,
    ),
    (
        "StringEqualsIgnoreCase",
        OperatorKind::String(StringMatch::EqualsIgnoreCase),
        false,
    ),
    (
        "StringNotEqualsIgnoreCase",
        OperatorKind::String(StringMatch::EqualsIgnoreCase),
        true,
    ),
    ("StringLike", OperatorKind::String(StringMatch::Like), false),
    (
        "StringNotLike",
        OperatorKind::String(StringMatch::Like),
        true,
    ),
    (
        "NumericEquals",
        OperatorKind::Numeric(Comparison::Eq),
        false,
    ),
    (
        "NumericNotEquals",
        OperatorKind::Numeric(Comparison::Eq),
        true,
    ),
    (
        "NumericLessThan",
        OperatorKind::Numeric(Comparison::Lt),
        false,
    ),
    (
        "NumericLessThanEquals",
        OperatorKind::Numeric(Comparison::Le),
        false,
    ),
    (
        "NumericGreaterThan",
        OperatorKind::Numeric(Comparison::Gt),
        false,
    ),
    (
        "NumericGreaterThanEquals",
        OperatorKind::Numeric(Comparison::Ge),
        false,
    ),
    ("DateEquals", OperatorKind::Date(Comparison::Eq), false),
    ("DateNotEquals", OperatorKind::Date(Comparison::Eq), true),
    ("DateLessThan", OperatorKind::Date(Comparison::Lt), false),
    (
        "DateLessThanEquals",
        OperatorKind::Date(Comparison::Le),
        false,
    ),
    ("DateGreaterThan", OperatorKind::Date(Comparison::Gt), false),
    (
        "DateGreaterThanEquals",
        OperatorKind::Date(Comparison::Ge),
        false,
    ),
    ("Bool", OperatorKind::Bool, false),
    ("BinaryEquals", OperatorKind::Binary, false),
    ("IpAddress", OperatorKind::Ip, false),
    ("NotIpAddress", OperatorKind::Ip, true),
    ("ArnEquals", OperatorKind::Arn, false),
    ("ArnLike", OperatorKind::Arn, false),
    ("ArnNotEquals", OperatorKind::Arn, true),
    ("ArnNotLike", OperatorKind::Arn, true),
    ("Null", OperatorKind::Null, false),
];

const FOR_ALL_VALUES: &str = "ForAllValues:";
const FOR_ANY_VALUE: &str = "ForAnyValue:";
const IF_EXISTS: &str = "IfExists";

/// Parses a condition operator name such as `ForAnyValue:StringNotLikeIfExists`.
/// Errors are messages (with a suggestion) to be located by the caller.
pub fn parse_operator(text: &str) -> Result<Operator, String> {
    let (set, rest) = if let Some(rest) = text.strip_prefix(FOR_ALL_VALUES) {
        (SetQualifier::ForAllValues, rest)
    } else if let Some(rest) = text.strip_prefix(FOR_ANY_VALUE) {
        (SetQualifier::ForAnyValue, rest)
    } else {
        (SetQualifier::Single, text)
    };
    let (if_exists, base) = match rest.strip_suffix(IF_EXISTS) {
        Some(base) => (true, base),
        None => (false, rest),
    };
    let Some((_, kind, negated)) = BASE_OPERATORS.iter().find(|(name, _, _)| *name == base) else {
        return Err(unknown_operator(text));
    };
    if *kind == OperatorKind::Null && if_exists {
        return Err(format!(
            "`{text}` is not an operator: `Null` already tests whether the key exists, so it takes no IfExists"
        ));
    }
    if *kind == OperatorKind::Null && set != SetQualifier::Single {
        return Err(format!(
            "`{text}` is not an operator: `Null` takes no ForAllValues:/ForAnyValue: qualifier"
        ));
    }
    Ok(Operator {
        text: text.to_string(),
        kind: *kind,
        negated: *negated,
        if_exists,
        set,
    })
}

fn unknown_operator(text: &str) -> String {
    // Every valid spelling is a candidate, so a typo in the qualifier or the suffix is caught too.
    let mut candidates = Vec::new();
    for (base, kind, _) in BASE_OPERATORS {
        let qualifiers: &[&str] = if kind == OperatorKind::Null {
            &[""]
        } else {
            &["", FOR_ALL_VALUES, FOR_ANY_VALUE]
        };
        for qualifier in qualifiers {
            candidates.push(format!("{qualifier}{base}"));
            if kind != OperatorKind::Null {
                candidates.push(format!("{qualifier}{base}{IF_EXISTS}"));
            }
        }
    }
    let candidates: Vec<&str> = candidates.iter().map(String::as_str).collect();
    format!(
        "unknown condition operator `{text}` (operator names are case-sensitive){}",
        did_you_mean(text, &candidates)
    )
}
