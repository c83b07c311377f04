//! The table of condition operators, from `encodings/condition-operators.json`.

use super::{shape, CatalogError, KeyType};
use crate::model::{Comparison, OperatorKind, StringMatch};
use serde_json::Value;
use std::sync::OnceLock;

const OPERATORS_JSON: &str = include_str!("../../encodings/condition-operators.json");

fn array<'a>(value: Option<&'a Value>, path: &str) -> Result<&'a Vec<Value>, CatalogError> {
    value
        .and_then(Value::as_array)
        .ok_or_else(|| shape(path, "expected an array"))
}

fn string<'a>(value: Option<&'a Value>, path: &str) -> Result<&'a str, CatalogError> {
    value
        .and_then(Value::as_str)
        .ok_or_else(|| shape(path, "expected a string"))
}

fn key_type_of(value: Option<&Value>, path: &str) -> Result<KeyType, CatalogError> {
    let text = string(value, path)?;
    KeyType::parse(text).ok_or_else(|| shape(path, format!("unknown key type `{text}`")))
}

/// One base condition operator (no `ForAllValues:`/`ForAnyValue:` prefix, no `IfExists`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorInfo {
    /// `StringNotLike`.
    pub name: String,
    /// The family and comparison, as the policy model represents them.
    pub kind: OperatorKind,
    /// The `...Not...` forms: true when no policy value matches.
    pub negated: bool,
    /// The scalar key types the operator is meant for.
    pub key_types: Vec<KeyType>,
    /// `*` and `?` in policy values are wildcards.
    pub wildcards: bool,
    /// The `IfExists` suffix is allowed (every operator but `Null`).
    pub if_exists_allowed: bool,
}

impl OperatorInfo {
    /// Is the operator meant for keys of this type (an `ArrayOf…` type counts as its element type)?
    pub fn applies_to(&self, key_type: KeyType) -> bool {
        self.key_types.contains(&key_type.element())
    }
}

/// The 27 base condition operators from `encodings/condition-operators.json`, parsed on
/// first use (empty only if the embedded table were malformed; the tests prevent that).
pub fn operators() -> &'static [OperatorInfo] {
    static OPERATORS: OnceLock<Vec<OperatorInfo>> = OnceLock::new();
    OPERATORS.get_or_init(|| parse_operators(OPERATORS_JSON).unwrap_or_default())
}

/// A base operator by exact name (`StringLike`).
pub fn operator(name: &str) -> Option<&'static OperatorInfo> {
    operators().iter().find(|o| o.name == name)
}

/// Parses an operator table in the format of `encodings/condition-operators.json`.
pub fn parse_operators(json: &str) -> Result<Vec<OperatorInfo>, CatalogError> {
    let root: Value = serde_json::from_str(json)?;
    let mut out = Vec::new();
    for (i, raw) in array(root.get("operators"), "operators")?
        .iter()
        .enumerate()
    {
        let path = format!("operators[{i}]");
        let name = string(raw.get("name"), &format!("{path}.name"))?;
        let family = string(raw.get("family"), &format!("{path}.family"))?;
        let comparison = raw.get("comparison").and_then(Value::as_str);
        let kind = operator_kind(family, comparison).ok_or_else(|| {
            shape(
                &path,
                format!("unknown family/comparison `{family}`/{comparison:?}"),
            )
        })?;
        let mut key_types = Vec::new();
        for (j, t) in array(raw.get("key_types"), &format!("{path}.key_types"))?
            .iter()
            .enumerate()
        {
            key_types.push(key_type_of(Some(t), &format!("{path}.key_types[{j}]"))?);
        }
        let flag = |field: &str| -> Result<bool, CatalogError> {
            raw.get(field)
                .and_then(Value::as_bool)
                .ok_or_else(|| shape(format!("{path}.{field}"), "expected true or false"))
        };
        out.push(OperatorInfo {
            name: name.to_string(),
            kind,
            negated: flag("negated")?,
            key_types,
            wildcards: flag("wildcards")?,
            if_exists_allowed: flag("if_exists")?,
        });
    }
    Ok(out)
}

fn operator_kind(family: &str, comparison: Option<&str>) -> Option<OperatorKind> {
    let ordering = |c: Option<&str>| -> Option<Comparison> {
        Some(match c? {
            "Eq" => Comparison::Eq,
            "Lt" => Comparison::Lt,
            "Le" => Comparison::Le,
            "Gt" => Comparison::Gt,
            "Ge" => Comparison::Ge,
            _ => return None,
        })
    };
    Some(match family {
        "String" => OperatorKind::String(match comparison? {
            "Equals" => StringMatch::Equals,
            "EqualsIgnoreCase" => StringMatch::EqualsIgnoreCase,
            "Like" => StringMatch::Like,
            _ => return None,
        }),
        "Numeric" => OperatorKind::Numeric(ordering(comparison)?),
        "Date" => OperatorKind::Date(ordering(comparison)?),
        "Bool" => OperatorKind::Bool,
        "Binary" => OperatorKind::Binary,
        "IpAddress" => OperatorKind::Ip,
        "Arn" => OperatorKind::Arn,
        "Null" => OperatorKind::Null,
        _ => return None,
    })
}
