//! What AWS leaves undocumented in a concrete decision: a policy variable in a Numeric, Date,
//! Bool, IP address or Binary condition value (`encodings/typed-condition-variables.md`).
//!
//! The evaluator does not pick a reading for such a value: it computes with three outcomes
//! (Kleene logic), so an element is [`Outcome::Undocumented`] only when its result would differ
//! between readings, and a decision is reported as unknown only when it depends on one.

use crate::model::{Condition, ConditionValue, OperatorKind, Version};

/// Why an undocumented value makes an answer unknown: the end of every such reason.
pub const NOT_DOCUMENTED: &str = "AWS documents policy variables only for String and ARN operators and not what it does with one here (see encodings/typed-condition-variables.md)";

/// The result of one element, condition or statement for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Yes,
    No,
    /// Depends on a value AWS does not document.
    Undocumented,
}

impl Outcome {
    pub fn from_bool(b: bool) -> Outcome {
        if b {
            Outcome::Yes
        } else {
            Outcome::No
        }
    }

    /// Kleene conjunction: No wins over Undocumented.
    pub fn and(self, other: Outcome) -> Outcome {
        match (self, other) {
            (Outcome::No, _) | (_, Outcome::No) => Outcome::No,
            (Outcome::Yes, Outcome::Yes) => Outcome::Yes,
            _ => Outcome::Undocumented,
        }
    }

    /// Kleene disjunction, short-circuiting on the first Yes.
    pub fn any(outcomes: impl IntoIterator<Item = Outcome>) -> Outcome {
        let mut result = Outcome::No;
        for outcome in outcomes {
            match outcome {
                Outcome::Yes => return Outcome::Yes,
                Outcome::Undocumented => result = Outcome::Undocumented,
                Outcome::No => {}
            }
        }
        result
    }

    /// Kleene conjunction over many, short-circuiting on the first No.
    pub fn all(outcomes: impl IntoIterator<Item = Outcome>) -> Outcome {
        !Outcome::any(outcomes.into_iter().map(|o| !o))
    }
}

impl std::ops::Not for Outcome {
    type Output = Outcome;

    fn not(self) -> Outcome {
        match self {
            Outcome::Yes => Outcome::No,
            Outcome::No => Outcome::Yes,
            Outcome::Undocumented => Outcome::Undocumented,
        }
    }
}

/// A condition value whose meaning AWS does not document, with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndocumentedValue {
    pub family: &'static str,
    pub value: String,
    pub path: String,
    pub line: u32,
    pub col: u32,
}

impl std::fmt::Display for UndocumentedValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "policy variable in a {} condition value `{}` at {} (line {}, column {})",
            self.family, self.value, self.path, self.line, self.col
        )
    }
}

/// The operator families that take no policy variables, by the name the messages use.
pub fn typed_family(kind: OperatorKind) -> Option<&'static str> {
    match kind {
        OperatorKind::Numeric(_) => Some("Numeric"),
        OperatorKind::Date(_) => Some("Date"),
        OperatorKind::Bool => Some("Bool"),
        OperatorKind::Ip => Some("IP address"),
        OperatorKind::Binary => Some("Binary"),
        _ => None,
    }
}

/// Is this one value of a condition with this operator undocumented? Versions without
/// variables read `${...}` as text, so only a variable-supporting version has such values.
pub fn is_undocumented(kind: OperatorKind, value: &ConditionValue, version: Version) -> bool {
    version.supports_variables()
        && typed_family(kind).is_some()
        && matches!(value, ConditionValue::Text(t) if t.has_variables())
}

/// The first undocumented value of a condition entry, if any.
pub fn undocumented_value(cond: &Condition, version: Version) -> Option<UndocumentedValue> {
    let family = typed_family(cond.operator.kind)?;
    cond.values
        .iter()
        .find(|v| is_undocumented(cond.operator.kind, v, version))
        .map(|value| UndocumentedValue {
            family,
            value: match value {
                ConditionValue::Text(t) => t.display_text(),
                _ => String::new(),
            },
            path: cond.location.path.clone(),
            line: cond.location.line,
            col: cond.location.col,
        })
}

#[cfg(test)]
mod tests {
    use super::Outcome::{self, No, Undocumented, Yes};

    #[test]
    fn kleene_connectives_decide_only_what_every_reading_agrees_on() {
        assert_eq!(Outcome::any([No, Undocumented, Yes]), Yes);
        assert_eq!(Outcome::any([No, Undocumented]), Undocumented);
        assert_eq!(Outcome::any([]), No);
        assert_eq!(Outcome::all([Yes, Undocumented, No]), No);
        assert_eq!(Outcome::all([Yes, Undocumented]), Undocumented);
        assert_eq!(Outcome::all([]), Yes);
        assert_eq!(Undocumented.and(No), No);
        assert_eq!(Yes.and(Undocumented), Undocumented);
        assert_eq!(!Undocumented, Undocumented);
    }
}
