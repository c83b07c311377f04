//! The `Condition` element: operators, keys and typed values.

use super::super::json::{Json, JsonKind, Span};
use super::super::{JsonPath, ParseError, MAX_VALUES_PER_CONDITION_KEY};
use super::*;
use crate::model::{
    parse_date_millis, Condition, ConditionValue, Decimal, Location, Operator, OperatorKind,
};
use crate::pattern::Template;

impl Converter<'_> {
    pub(super) fn conditions(
        &self,
        value: &Json,
        path: &JsonPath,
    ) -> Result<Vec<Condition>, ParseError> {
        let operators = value.as_object().ok_or_else(|| {
            wrong_type(
                self.file,
                path,
                value,
                "Condition",
                "an object of condition operators",
            )
        })?;
        let mut conditions = Vec::new();
        for (operator_text, operator_span, keys) in operators {
            let operator_path = path.key(operator_text);
            let operator = parse_operator(operator_text)
                .map_err(|message| self.error(&operator_path, *operator_span, message))?;
            let keys = keys.as_object().ok_or_else(|| {
                wrong_type(
                    self.file,
                    &operator_path,
                    keys,
                    operator_text,
                    "an object of condition keys",
                )
            })?;
            for (key, key_span, values) in keys {
                let key_path = operator_path.key(key);
                if key.trim().is_empty() {
                    return Err(self.error(
                        &key_path,
                        *key_span,
                        "condition key names must not be empty",
                    ));
                }
                let values = self
                    .condition_texts(values, &key_path)?
                    .into_iter()
                    .map(|(text, span, value_path)| {
                        self.condition_value(&operator, &text)
                            .map_err(|message| self.error(&value_path, span, message))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                conditions.push(Condition {
                    operator: operator.clone(),
                    key: key.clone(),
                    key_lower: key.to_lowercase(),
                    values,
                    location: Location {
                        path: key_path.to_string(),
                        line: key_span.line,
                        col: key_span.col,
                    },
                });
            }
        }
        Ok(conditions)
    }

    /// The values of one condition key as text: a scalar or a non-empty array of scalars.
    fn condition_texts(
        &self,
        value: &Json,
        path: &JsonPath,
    ) -> Result<Vec<(String, Span, JsonPath)>, ParseError> {
        let scalar = |item: &Json, item_path: JsonPath| match item.scalar_text() {
            Some(text) => Ok((text, item.span, item_path)),
            None => Err(self.error(
                &item_path,
                item.span,
                format!(
                    "condition values must be strings, numbers or booleans, found {}",
                    item.type_name()
                ),
            )),
        };
        match &value.kind {
            JsonKind::Array(items) if items.is_empty() => Err(self.error(
                path,
                value.span,
                "condition values must not be an empty array",
            )),
            JsonKind::Array(items) if items.len() > MAX_VALUES_PER_CONDITION_KEY => Err(self.error(
                path,
                value.span,
                format!(
                    "{} values is more than the limit of {MAX_VALUES_PER_CONDITION_KEY} per condition key (MAX_VALUES_PER_CONDITION_KEY; split the condition, or raise keyaki::parse::MAX_VALUES_PER_CONDITION_KEY and rebuild)",
                    items.len()
                ),
            )),
            JsonKind::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| scalar(item, path.index(i)))
                .collect(),
            _ => Ok(vec![scalar(value, path.clone())?]),
        }
    }

    /// One value read for its operator family.
    fn condition_value(&self, operator: &Operator, text: &str) -> Result<ConditionValue, String> {
        let family = match operator.kind {
            OperatorKind::String(_) | OperatorKind::Arn | OperatorKind::Binary => {
                return Template::parse(text, self.version.supports_variables())
                    .map(ConditionValue::Text)
            }
            OperatorKind::Null => {
                return match text.to_ascii_lowercase().as_str() {
                    "true" => Ok(ConditionValue::Null(true)),
                    "false" => Ok(ConditionValue::Null(false)),
                    _ => Err(format!("`Null` takes `true` or `false`, found `{text}`")),
                }
            }
            OperatorKind::Numeric(_) => "Numeric",
            OperatorKind::Date(_) => "Date",
            OperatorKind::Bool => "Bool",
            OperatorKind::Ip => "IP address",
        };
        // AWS documents policy variables only for String and ARN operators; what it does with
        // one here is not documented. The value is kept as written and the prover answers
        // unknown (exit 3) for any question that reads it (`encodings/typed-condition-variables.md`).
        let resolved;
        let text = if self.version.supports_variables() && text.contains("${") {
            let template = Template::parse(text, true)
                .map_err(|message| format!("{family} condition value: {message}"))?;
            if template.has_variables() {
                return Ok(ConditionValue::Text(template));
            }
            // Only escapes such as `${$}`: the text they stand for.
            resolved = template
                .as_plain()
                .map(|chars| crate::pattern::chars_to_string(&chars))
                .unwrap_or_default();
            resolved.as_str()
        } else {
            text
        };
        match operator.kind {
            OperatorKind::Numeric(_) => Decimal::parse(text).map(ConditionValue::Number).ok_or_else(|| {
                format!("`{text}` is not a decimal number (Numeric operators compare plain decimals such as `10` or `-2.5`)")
            }),
            OperatorKind::Date(_) => parse_date_millis(text).map(ConditionValue::Date).ok_or_else(|| {
                format!("`{text}` is not a date (expected ISO 8601 such as `2020-01-01T00:00:00Z`, or epoch seconds)")
            }),
            OperatorKind::Bool => match text.to_ascii_lowercase().as_str() {
                "true" => Ok(ConditionValue::Bool(true)),
                "false" => Ok(ConditionValue::Bool(false)),
                _ => Err(format!("`Bool` takes `true` or `false`, found `{text}`")),
            },
            _ => parse_cidr(text).map(ConditionValue::Cidr).ok_or_else(|| {
                format!("`{text}` is not an IP address or CIDR block (e.g. `203.0.113.0/24`, `2001:db8::/32`)")
            }),
        }
    }
}

/// A CIDR block, or a bare address as a single-host block; host bits are dropped.
fn parse_cidr(text: &str) -> Option<ipnet::IpNet> {
    if let Ok(net) = text.parse::<ipnet::IpNet>() {
        return Some(net.trunc());
    }
    text.parse::<std::net::IpAddr>()
        .ok()
        .map(ipnet::IpNet::from)
}
