//! The normalized policy model: what every later stage reads.
//!
//! Produced by `parse` from the user's JSON. Invalid states are unrepresentable:
//! a statement has exactly one of Action/NotAction, a condition operator is one
//! enum value with its qualifiers, and every value has already been parsed into
//! the type its operator family compares (numbers, instants, CIDRs), so later
//! stages never meet an unparsable literal.

use crate::pattern::{Glob, Template};
use std::fmt;

/// Where something sits in the user's file: JSON path plus 1-based line:col.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Location {
    /// e.g. `Statement[2].Condition.StringLike`
    pub path: String,
    pub line: u32,
    pub col: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (line {}, column {})", self.path, self.line, self.col)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// `2012-10-17`: policy variables are substituted.
    V2012_10_17,
    /// `2008-10-17`: `${...}` is literal text.
    V2008_10_17,
    /// No `Version` element: like 2008-10-17, `${...}` is literal text.
    Absent,
}

impl Version {
    pub fn supports_variables(self) -> bool {
        matches!(self, Version::V2012_10_17)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub version: Version,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
}

impl Policy {
    /// A policy with any statement carrying Principal/NotPrincipal is a resource (or trust) policy.
    pub fn has_principal_element(&self) -> bool {
        self.statements
            .iter()
            .any(|s| !matches!(s.principal, PrincipalClause::Absent))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Effect {
    Allow,
    Deny,
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// 0-based position in the policy's `Statement` list.
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: PrincipalClause,
    pub action: ActionClause,
    pub resource: ResourceClause,
    /// AND of all conditions (every operator, every key).
    pub conditions: Vec<Condition>,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalClause {
    /// Identity policies, SCPs, RCPs, session policies: the statement applies to the caller.
    Absent,
    Principal(PrincipalSet),
    NotPrincipal(PrincipalSet),
}

/// The values of a Principal/NotPrincipal element.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PrincipalSet {
    /// `"Principal": "*"` or `{"AWS": "*"}`: everyone, including anonymous.
    pub everyone: bool,
    pub entries: Vec<PrincipalEntry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalKind {
    Aws,
    Service,
    Federated,
    CanonicalUser,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Aws => "AWS",
            PrincipalKind::Service => "Service",
            PrincipalKind::Federated => "Federated",
            PrincipalKind::CanonicalUser => "CanonicalUser",
        }
    }
}

/// One principal value as written, classified.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalEntry {
    /// `AWS: "123456789012"` or `AWS: "arn:aws:iam::123456789012:root"`: every principal of the account.
    Account { account: String, text: String },
    /// `AWS: "arn:aws:iam::ID:role/path/Name"`: the role and its assumed-role sessions.
    Role {
        arn: String,
        account: String,
        name: String,
    },
    /// Any other AWS ARN (user, assumed-role session, federated-user ...): matched exactly.
    AwsArn { arn: String },
    /// `Service: "s3.amazonaws.com"`: matched exactly.
    Service(String),
    /// `Federated: "cognito-identity.amazonaws.com"` or a SAML/OIDC provider ARN: matched exactly.
    Federated(String),
    /// `CanonicalUser: "79a59df9..."`: matched exactly.
    CanonicalUser(String),
}

/// Action or NotAction: one enum so a statement cannot have both or neither.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionClause {
    Action(Vec<ActionPattern>),
    NotAction(Vec<ActionPattern>),
}

impl ActionClause {
    pub fn patterns(&self) -> &[ActionPattern] {
        match self {
            ActionClause::Action(p) | ActionClause::NotAction(p) => p,
        }
    }
}

/// An action pattern such as `s3:Get*`; matched case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ActionPattern {
    /// As written in the policy.
    pub text: String,
    /// Lowercased glob (`*`, `?`); the matched action name is lowercased too.
    pub glob: Glob,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceClause {
    /// Trust policies have no Resource: the statement applies to every resource.
    Absent,
    Resource(Vec<ResourcePattern>),
    NotResource(Vec<ResourcePattern>),
}

/// A resource pattern: `*`, an ARN glob (matched per ARN segment), possibly with policy variables.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourcePattern {
    pub text: String,
    pub template: Template,
}

/// One `Operator: { Key: Values }` entry of a Condition block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub operator: Operator,
    /// As written (for display).
    pub key: String,
    /// Lowercased: condition key names are case-insensitive.
    pub key_lower: String,
    /// OR'ed (for negated operators: none may match).
    pub values: Vec<ConditionValue>,
    pub location: Location,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SetQualifier {
    /// No prefix: the key is compared value by value (any request value matching any policy value).
    Single,
    /// `ForAllValues:`: every request value must match some policy value; true on an absent or empty key.
    ForAllValues,
    /// `ForAnyValue:`: some request value must match some policy value; false on an absent or empty key.
    ForAnyValue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StringMatch {
    Equals,
    EqualsIgnoreCase,
    Like,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Comparison {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

/// The one comparison table, read by the evaluator, the encoder and both solver back ends:
/// the operator-name part, the SMT-LIB symbol, and which orderings of
/// (request value, policy value) satisfy it, as [less, equal, greater].
const COMPARISONS: [(Comparison, &str, &str, [bool; 3]); 5] = [
    (Comparison::Eq, "Equals", "=", [false, true, false]),
    (Comparison::Lt, "LessThan", "<", [true, false, false]),
    (Comparison::Le, "LessThanEquals", "<=", [true, true, false]),
    (Comparison::Gt, "GreaterThan", ">", [false, false, true]),
    (
        Comparison::Ge,
        "GreaterThanEquals",
        ">=",
        [false, true, true],
    ),
];

impl Comparison {
    fn row(self) -> &'static (Comparison, &'static str, &'static str, [bool; 3]) {
        let row = COMPARISONS.iter().find(|row| row.0 == self);
        // Every variant has a row (checked by a unit test); Eq's row is a placeholder only.
        row.unwrap_or(&COMPARISONS[0])
    }

    /// The operator-name part (`NumericLessThan` reads `LessThan`).
    pub fn name(self) -> &'static str {
        self.row().1
    }

    /// The SMT-LIB symbol.
    pub fn smt_symbol(self) -> &'static str {
        self.row().2
    }

    /// Does `request OP policy` hold when the request value compares to the policy value so?
    pub fn holds(self, ordering: std::cmp::Ordering) -> bool {
        let [less, equal, greater] = self.row().3;
        match ordering {
            std::cmp::Ordering::Less => less,
            std::cmp::Ordering::Equal => equal,
            std::cmp::Ordering::Greater => greater,
        }
    }

    /// `request OP policy`, e.g. NumericLessThan holds when the request value is less.
    pub fn compare<T: Ord>(self, request: &T, policy: &T) -> bool {
        self.holds(request.cmp(policy))
    }
}

/// The operator family with its comparison. Negation (`...Not...`) is kept apart in [`Operator::negated`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OperatorKind {
    String(StringMatch),
    Numeric(Comparison),
    Date(Comparison),
    Bool,
    Binary,
    Ip,
    /// ArnEquals and ArnLike behave the same: per-segment wildcard match.
    Arn,
    Null,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Operator {
    /// As written, e.g. `ForAnyValue:StringNotLikeIfExists`.
    pub text: String,
    pub kind: OperatorKind,
    /// StringNotEquals, StringNotLike, NumericNotEquals, DateNotEquals, NotIpAddress, ArnNotEquals, ArnNotLike.
    pub negated: bool,
    pub if_exists: bool,
    pub set: SetQualifier,
}

/// A condition value, already parsed for its operator family.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConditionValue {
    /// String, Arn and Binary operators. May hold policy variables (2012-10-17 only).
    Text(Template),
    /// Numeric operators: an exact decimal.
    Number(Decimal),
    /// Date operators: milliseconds since the Unix epoch (UTC).
    Date(i64),
    /// Bool operator.
    Bool(bool),
    /// IpAddress / NotIpAddress.
    Cidr(ipnet::IpNet),
    /// Null operator: `true` means "the key is absent".
    Null(bool),
}

/// An exact decimal `mantissa * 10^-scale`, so `1.5` and `1.50` compare equal and nothing is rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decimal {
    pub mantissa: i128,
    pub scale: u32,
}

impl Decimal {
    /// Parses `-12`, `3.25`, `+7`, `1e3` is rejected (AWS numeric values are plain decimals).
    pub fn parse(text: &str) -> Option<Decimal> {
        let t = text.trim();
        let (neg, digits) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        if digits.is_empty() {
            return None;
        }
        let (int_part, frac_part) = match digits.split_once('.') {
            Some((i, f)) => (i, f),
            None => (digits, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return None;
        }
        if !int_part.chars().all(|c| c.is_ascii_digit())
            || !frac_part.chars().all(|c| c.is_ascii_digit())
        {
            return None;
        }
        // Drop trailing zeros of the fraction so equal values have one representation.
        let frac_trimmed = frac_part.trim_end_matches('0');
        if int_part.len() + frac_trimmed.len() > 36 {
            return None;
        }
        let mut mantissa: i128 = 0;
        for c in int_part.chars().chain(frac_trimmed.chars()) {
            mantissa = mantissa
                .checked_mul(10)?
                .checked_add(i128::from(c.to_digit(10)?))?;
        }
        if neg {
            mantissa = -mantissa;
        }
        Some(Decimal {
            mantissa,
            scale: frac_trimmed.len() as u32,
        })
    }

    /// The value scaled to `10^-scale` units, or None on overflow / when `scale` is smaller than ours.
    pub fn scaled_to(&self, scale: u32) -> Option<i128> {
        if scale < self.scale {
            return None;
        }
        let factor = 10i128.checked_pow(scale - self.scale)?;
        self.mantissa.checked_mul(factor)
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let scale = self.scale.max(other.scale);
        match (self.scaled_to(scale), other.scaled_to(scale)) {
            (Some(a), Some(b)) => a.cmp(&b),
            // Out of i128 range only for absurd literals; fall back to a float comparison.
            _ => {
                let a = self.mantissa as f64 / 10f64.powi(self.scale as i32);
                let b = other.mantissa as f64 / 10f64.powi(other.scale as i32);
                a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal)
            }
        }
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.scale == 0 {
            return write!(f, "{}", self.mantissa);
        }
        let neg = self.mantissa < 0;
        let digits = self.mantissa.unsigned_abs().to_string();
        let scale = self.scale as usize;
        let padded = if digits.len() <= scale {
            format!("{}{}", "0".repeat(scale + 1 - digits.len()), digits)
        } else {
            digits
        };
        let (i, fr) = padded.split_at(padded.len() - scale);
        write!(f, "{}{}.{}", if neg { "-" } else { "" }, i, fr)
    }
}

/// Parses an AWS date value into epoch milliseconds (UTC): ISO 8601 (`2020-01-01`,
/// `2020-01-01T00:00:00Z`, fractional seconds, `+02:00` offsets, no offset meaning UTC) or
/// integer epoch seconds. Policy values and request values are read by this one function.
pub fn parse_date_millis(text: &str) -> Option<i64> {
    let t = text.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())
        || (t.starts_with('-') && t.len() > 1 && t[1..].bytes().all(|b| b.is_ascii_digit()))
    {
        return t.parse::<i64>().ok()?.checked_mul(1000);
    }
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(t) {
        return Some(dt.timestamp_millis());
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(naive) = chrono::NaiveDateTime::parse_from_str(t, format) {
            return Some(naive.and_utc().timestamp_millis());
        }
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M:%S%z",
        "%Y-%m-%dT%H:%M%#z",
    ] {
        if let Ok(dt) = chrono::DateTime::parse_from_str(t, format) {
            return Some(dt.timestamp_millis());
        }
    }
    if let Ok(date) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_compare_exactly() {
        let a = Decimal::parse("1.5").unwrap();
        let b = Decimal::parse("1.50").unwrap();
        assert_eq!(a, b);
        assert!(Decimal::parse("-2").unwrap() < Decimal::parse("1.1").unwrap());
        assert!(Decimal::parse("abc").is_none());
        assert!(Decimal::parse("1e3").is_none());
        assert!(Decimal::parse(".").is_none());
        assert_eq!(Decimal::parse("-0.05").unwrap().to_string(), "-0.05");
        assert_eq!(Decimal::parse("12").unwrap().to_string(), "12");
    }

    #[test]
    fn dates_are_instants() {
        let iso = parse_date_millis("2020-01-01T00:00:00Z").unwrap();
        assert_eq!(parse_date_millis("2020-01-01"), Some(iso));
        assert_eq!(parse_date_millis("1577836800"), Some(iso));
        assert_eq!(parse_date_millis("2020-01-01T02:00:00+02:00"), Some(iso));
        assert_eq!(parse_date_millis("2020-01-01T00:00:00.5Z"), Some(iso + 500));
        assert_eq!(parse_date_millis("2020-01-01T00:00:00"), Some(iso));
        assert!(parse_date_millis("yesterday").is_none());
    }
}

#[cfg(test)]
mod comparison_table_tests {
    use super::{Comparison, COMPARISONS};
    use std::cmp::Ordering;

    #[test]
    fn every_comparison_has_its_own_row() {
        for c in [
            Comparison::Eq,
            Comparison::Lt,
            Comparison::Le,
            Comparison::Gt,
            Comparison::Ge,
        ] {
            assert_eq!(COMPARISONS.iter().filter(|row| row.0 == c).count(), 1);
            assert_eq!(c.row().0, c);
        }
    }

    #[test]
    fn meanings_match_the_operator_names() {
        assert!(Comparison::Le.compare(&1, &1) && Comparison::Le.compare(&0, &1));
        assert!(!Comparison::Lt.compare(&1, &1) && Comparison::Ge.compare(&2, &1));
        assert!(Comparison::Eq.holds(Ordering::Equal) && !Comparison::Gt.holds(Ordering::Less));
        assert_eq!(Comparison::Ge.smt_symbol(), ">=");
        assert_eq!(Comparison::Lt.name(), "LessThan");
    }
}
