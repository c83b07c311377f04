//! Condition entries: one `Operator: { Key: Values }` pair against the effective context.

use super::context::EffectiveContext;
use super::resolve_template;
use super::undocumented::{is_undocumented, Outcome};
use crate::model::{
    Comparison, Condition, ConditionValue, Decimal, OperatorKind, SetQualifier, StringMatch,
    Version,
};
use crate::pattern::{chars_to_string, fold_case, Glob};
use std::net::IpAddr;

/// Does one condition entry hold? An entry whose outcome AWS leaves undocumented does not
/// (see [`condition_outcome`]).
pub fn condition_holds(cond: &Condition, ctx: &EffectiveContext, version: Version) -> bool {
    condition_outcome(cond, ctx, version) == Outcome::Yes
}

/// One condition entry against the effective context. Implements the key-absent rules,
/// `IfExists`, the set qualifiers and negation exactly as `encodings/eval-conditions.md`
/// tabulates them, in three-valued logic: a value AWS does not document
/// ([`super::undocumented`]) makes the entry `Undocumented` only where the readings differ.
pub fn condition_outcome(cond: &Condition, ctx: &EffectiveContext, version: Version) -> Outcome {
    let request_values = ctx.values(&cond.key_lower);
    let operator = &cond.operator;
    if operator.kind == OperatorKind::Null {
        let absent = request_values.is_none();
        return Outcome::from_bool(
            cond.values
                .iter()
                .any(|v| matches!(v, ConditionValue::Null(want_absent) if *want_absent == absent)),
        );
    }
    let Some(request_values) = request_values else {
        // Absent (or empty): negated single operators and ForAllValues hold vacuously; the
        // others hold only with IfExists.
        return Outcome::from_bool(match operator.set {
            SetQualifier::Single => operator.negated || operator.if_exists,
            SetQualifier::ForAllValues => true,
            SetQualifier::ForAnyValue => operator.if_exists,
        });
    };
    // Values that "resolve to a null data set, such as an empty string" (IAM condition
    // operators): ForAllValues holds and ForAnyValue does not. See encodings/eval-conditions.md.
    if operator.set != SetQualifier::Single && request_values.iter().all(|v| v.is_empty()) {
        return Outcome::from_bool(operator.set == SetQualifier::ForAllValues);
    }
    let matchers: Vec<ValueMatcher> = cond
        .values
        .iter()
        .map(|w| ValueMatcher::new(operator.kind, w, ctx, version))
        .collect();
    let matches_some_policy_value =
        |v: &String| Outcome::any(matchers.iter().map(|m| m.outcome(v)));
    let values = request_values.iter();
    match (operator.set, operator.negated) {
        (SetQualifier::Single | SetQualifier::ForAnyValue, false) => {
            Outcome::any(values.map(matches_some_policy_value))
        }
        (SetQualifier::Single, true) => !Outcome::any(values.map(matches_some_policy_value)),
        (SetQualifier::ForAnyValue, true) => {
            Outcome::any(values.map(|v| !matches_some_policy_value(v)))
        }
        (SetQualifier::ForAllValues, false) => Outcome::all(values.map(matches_some_policy_value)),
        (SetQualifier::ForAllValues, true) => {
            Outcome::all(values.map(|v| !matches_some_policy_value(v)))
        }
    }
}

/// Does one request value match one policy value under the operator family (negation aside)?
pub fn value_matches(
    kind: OperatorKind,
    request_value: &str,
    policy_value: &ConditionValue,
    ctx: &EffectiveContext,
    version: Version,
) -> bool {
    ValueMatcher::new(kind, policy_value, ctx, version).outcome(request_value) == Outcome::Yes
}

/// A policy value resolved and compiled once per condition evaluation.
enum ValueMatcher {
    Exact(String),
    /// Lowercased policy text.
    IgnoreCase(String),
    Pattern(Glob),
    Number(Comparison, Decimal),
    Date(Comparison, i64),
    Bool(bool),
    Cidr(ipnet::IpNet),
    /// An unresolvable variable, or a value of the wrong type for the operator.
    Nothing,
    /// A policy variable where AWS documents none (`super::undocumented`).
    Undocumented,
}

impl ValueMatcher {
    fn new(
        kind: OperatorKind,
        value: &ConditionValue,
        ctx: &EffectiveContext,
        version: Version,
    ) -> ValueMatcher {
        if is_undocumented(kind, value, version) {
            return ValueMatcher::Undocumented;
        }
        match (kind, value) {
            (OperatorKind::String(string_match), ConditionValue::Text(template)) => {
                let Some(chars) = resolve_template(template, ctx, version) else {
                    return ValueMatcher::Nothing;
                };
                match string_match {
                    StringMatch::Equals => ValueMatcher::Exact(chars_to_string(&chars)),
                    StringMatch::EqualsIgnoreCase => {
                        ValueMatcher::IgnoreCase(fold_case(&chars_to_string(&chars)))
                    }
                    StringMatch::Like => ValueMatcher::Pattern(Glob::from_chars(&chars, false)),
                }
            }
            (OperatorKind::Binary, ConditionValue::Text(template)) => {
                resolve_template(template, ctx, version).map_or(ValueMatcher::Nothing, |chars| {
                    ValueMatcher::Exact(chars_to_string(&chars))
                })
            }
            (OperatorKind::Arn, ConditionValue::Text(template)) => {
                resolve_template(template, ctx, version).map_or(ValueMatcher::Nothing, |chars| {
                    ValueMatcher::Pattern(Glob::from_chars(&chars, true))
                })
            }
            (OperatorKind::Numeric(c), ConditionValue::Number(n)) => ValueMatcher::Number(c, *n),
            (OperatorKind::Date(c), ConditionValue::Date(ms)) => ValueMatcher::Date(c, *ms),
            (OperatorKind::Bool, ConditionValue::Bool(b)) => ValueMatcher::Bool(*b),
            (OperatorKind::Ip, ConditionValue::Cidr(net)) => ValueMatcher::Cidr(*net),
            _ => ValueMatcher::Nothing,
        }
    }

    fn outcome(&self, request_value: &str) -> Outcome {
        match self {
            ValueMatcher::Undocumented => Outcome::Undocumented,
            known => Outcome::from_bool(known.matches(request_value)),
        }
    }

    fn matches(&self, request_value: &str) -> bool {
        match self {
            ValueMatcher::Exact(text) => request_value == text,
            ValueMatcher::IgnoreCase(folded) => fold_case(request_value) == *folded,
            ValueMatcher::Pattern(glob) => glob.matches(request_value),
            ValueMatcher::Number(c, policy) => {
                Decimal::parse(request_value).is_some_and(|v| c.compare(&v, policy))
            }
            ValueMatcher::Date(c, policy) => crate::model::parse_date_millis(request_value)
                .is_some_and(|v| c.compare(&v, policy)),
            ValueMatcher::Bool(want) => {
                fold_case(request_value) == if *want { "true" } else { "false" }
            }
            // ipnet's containment is false across address families. Surrounding blanks are
            // ignored, as Decimal::parse and parse_date_millis ignore them.
            ValueMatcher::Cidr(net) => request_value
                .trim()
                .parse::<IpAddr>()
                .is_ok_and(|ip| net.contains(&ip)),
            ValueMatcher::Nothing | ValueMatcher::Undocumented => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Operator;
    use crate::pattern::{Template, TemplatePart};

    fn ctx() -> EffectiveContext {
        EffectiveContext::from_pairs([
            ("aws:username", vec!["alice".to_string()]),
            ("aws:TagKeys", vec!["a".to_string(), "b".to_string()]),
        ])
    }

    #[test]
    fn a_value_of_the_wrong_type_matches_nothing() {
        // The parser never builds these; a hand-built model must still not match by accident.
        let text = ConditionValue::Text(Template::text("5"));
        let v = Version::V2012_10_17;
        assert!(!value_matches(
            OperatorKind::Numeric(Comparison::Eq),
            "5",
            &text,
            &ctx(),
            v
        ));
        assert!(!value_matches(
            OperatorKind::Bool,
            "true",
            &ConditionValue::Number(Decimal {
                mantissa: 1,
                scale: 0
            }),
            &ctx(),
            v
        ));
        assert!(value_matches(
            OperatorKind::Numeric(Comparison::Eq),
            "5.0",
            &ConditionValue::Number(Decimal {
                mantissa: 5,
                scale: 0
            }),
            &ctx(),
            v
        ));
    }

    #[test]
    fn variables_substitute_single_values_only() {
        let v = Version::V2012_10_17;
        let var = |key: &str| {
            ConditionValue::Text(Template {
                parts: vec![TemplatePart::Var {
                    key: key.to_string(),
                    key_lower: key.to_lowercase(),
                    default: None,
                }],
            })
        };
        let (user, tags) = (var("aws:username"), var("aws:TagKeys"));
        let equals = OperatorKind::String(StringMatch::Equals);
        assert!(value_matches(equals, "alice", &user, &ctx(), v));
        assert!(!value_matches(equals, "a", &tags, &ctx(), v));
        assert!(!value_matches(equals, "${aws:TagKeys}", &tags, &ctx(), v));
        // Null ignores qualifiers and IfExists: it only asks whether the key is there.
        let null = Condition {
            operator: Operator {
                text: "Null".into(),
                kind: OperatorKind::Null,
                negated: false,
                if_exists: true,
                set: SetQualifier::ForAllValues,
            },
            key: "aws:TagKeys".into(),
            key_lower: "aws:tagkeys".into(),
            values: vec![ConditionValue::Null(true)],
            location: Default::default(),
        };
        assert!(!condition_holds(&null, &ctx(), v));
    }
}
