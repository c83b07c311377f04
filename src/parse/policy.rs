//! Located JSON tree → [`Policy`]: element names, types and values checked the way IAM checks them.

use super::json::{parse_json, Json, JsonKind, Span};
use super::{did_you_mean, JsonPath, ParseError, MAX_STATEMENTS, MAX_VALUES_PER_CONDITION_KEY};
use crate::model::{
    parse_date_millis, ActionClause, ActionPattern, Comparison, Condition, ConditionValue, Decimal,
    Effect, Location, Operator, OperatorKind, Policy, PrincipalClause, PrincipalEntry,
    PrincipalSet, ResourceClause, ResourcePattern, SetQualifier, Statement, StringMatch, Version,
};
use crate::pattern::{Glob, Template};
use crate::request::is_account_id;

/// The policy and statement element names (shared with `validate`).
pub(crate) const TOP_LEVEL_ELEMENTS: [&str; 3] = ["Version", "Id", "Statement"];
pub(crate) const STATEMENT_ELEMENTS: [&str; 9] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];
const PRINCIPAL_TYPES: [&str; 4] = ["AWS", "Service", "Federated", "CanonicalUser"];

/// Every base operator name with its family and whether it is a negated form.
const BASE_OPERATORS: [(&str, OperatorKind, bool); 27] = [
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

/// Parses a policy document from bytes.
pub fn parse_policy(bytes: &[u8], file: &str) -> Result<Policy, ParseError> {
    let json = parse_json(bytes, file)?;
    policy_from_json(&json, file)
}

/// Converts an already-parsed JSON value (e.g. the `policy` member of a batch line) into a policy.
/// Paths in errors are relative to `json`; lines and columns are those of the original text.
pub fn policy_from_json(json: &Json, file: &str) -> Result<Policy, ParseError> {
    let root = JsonPath::root();
    let members = json.as_object().ok_or_else(|| {
        located(
            file,
            &root,
            json.span,
            format!("a policy must be a JSON object, found {}", json.type_name()),
        )
    })?;
    for (key, key_span, _) in members {
        if !TOP_LEVEL_ELEMENTS.contains(&key.as_str()) {
            return Err(located(
                file,
                &root.key(key),
                *key_span,
                format!(
                    "unknown policy element `{key}` (expected Version, Id, Statement){}",
                    did_you_mean(key, &TOP_LEVEL_ELEMENTS)
                ),
            ));
        }
    }
    let version = match json.get("Version") {
        None => Version::Absent,
        Some(value) => {
            let path = root.key("Version");
            match value.as_str() {
                Some("2012-10-17") => Version::V2012_10_17,
                Some("2008-10-17") => Version::V2008_10_17,
                Some(other) => {
                    return Err(located(
                        file,
                        &path,
                        value.span,
                        format!(
                            "unsupported Version `{other}`: expected `2012-10-17` or `2008-10-17`"
                        ),
                    ))
                }
                None => return Err(wrong_type(file, &path, value, "Version", "a string")),
            }
        }
    };
    let converter = Converter { file, version };
    let id = converter.optional_string(json, &root, "Id")?;
    let statement = json.get("Statement").ok_or_else(|| {
        located(
            file,
            &root,
            json.span,
            "a policy needs a `Statement` element",
        )
    })?;
    let statement_path = root.key("Statement");
    let statements = match &statement.kind {
        // A lone statement object: paths read `Statement.Effect`.
        JsonKind::Object(_) => vec![converter.statement(statement, 0, &statement_path)?],
        JsonKind::Array(items) => {
            if items.len() > MAX_STATEMENTS {
                return Err(located(
                    file,
                    &statement_path,
                    statement.span,
                    format!(
                        "{} statements is more than the limit of {MAX_STATEMENTS} (MAX_STATEMENTS; AWS policies hold far fewer — split the policy, or raise keyaki::parse::MAX_STATEMENTS and rebuild)",
                        items.len()
                    ),
                ));
            }
            items
                .iter()
                .enumerate()
                .map(|(i, item)| converter.statement(item, i, &statement_path.index(i)))
                .collect::<Result<Vec<_>, _>>()?
        }
        _ => {
            return Err(wrong_type(
                file,
                &statement_path,
                statement,
                "Statement",
                "an object or an array of objects",
            ))
        }
    };
    Ok(Policy {
        version,
        id,
        statements,
    })
}

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

fn located(file: &str, path: &JsonPath, span: Span, message: impl Into<String>) -> ParseError {
    ParseError {
        file: file.to_string(),
        path: path.to_string(),
        line: span.line,
        col: span.col,
        message: message.into(),
    }
}

fn wrong_type(
    file: &str,
    path: &JsonPath,
    value: &Json,
    element: &str,
    expected: &str,
) -> ParseError {
    located(
        file,
        path,
        value.span,
        format!(
            "`{element}` must be {expected}, found {}",
            value.type_name()
        ),
    )
}

/// One string of a string-or-array element, with where it sits.
struct Located<'j> {
    text: &'j str,
    span: Span,
    path: JsonPath,
}

struct Converter<'a> {
    file: &'a str,
    version: Version,
}

impl Converter<'_> {
    fn error(&self, path: &JsonPath, span: Span, message: impl Into<String>) -> ParseError {
        located(self.file, path, span, message)
    }

    fn optional_string(
        &self,
        object: &Json,
        path: &JsonPath,
        element: &str,
    ) -> Result<Option<String>, ParseError> {
        match object.get(element) {
            None => Ok(None),
            Some(value) => match value.as_str() {
                Some(text) => Ok(Some(text.to_string())),
                None => Err(wrong_type(
                    self.file,
                    &path.key(element),
                    value,
                    element,
                    "a string",
                )),
            },
        }
    }

    fn statement(
        &self,
        json: &Json,
        index: usize,
        path: &JsonPath,
    ) -> Result<Statement, ParseError> {
        let members = json.as_object().ok_or_else(|| {
            self.error(
                path,
                json.span,
                format!(
                    "a statement must be a JSON object, found {}",
                    json.type_name()
                ),
            )
        })?;
        for (key, key_span, _) in members {
            if !STATEMENT_ELEMENTS.contains(&key.as_str()) {
                return Err(self.error(
                    &path.key(key),
                    *key_span,
                    format!(
                        "unknown statement element `{key}` (element names are case-sensitive){}",
                        did_you_mean(key, &STATEMENT_ELEMENTS)
                    ),
                ));
            }
        }
        let sid = self.optional_string(json, path, "Sid")?;
        let effect = self.effect(json, path)?;

        let action = match (json.member("Action"), json.member("NotAction")) {
            (Some(_), Some((key_span, _))) => {
                return Err(self.error(
                    &path.key("NotAction"),
                    key_span,
                    "a statement cannot have both `Action` and `NotAction`",
                ))
            }
            (Some((_, value)), None) => {
                ActionClause::Action(self.actions(value, &path.key("Action"), "Action")?)
            }
            (None, Some((_, value))) => {
                ActionClause::NotAction(self.actions(value, &path.key("NotAction"), "NotAction")?)
            }
            (None, None) => {
                return Err(self.error(
                    path,
                    json.span,
                    "a statement needs an `Action` or `NotAction` element",
                ))
            }
        };

        let resource = match (json.member("Resource"), json.member("NotResource")) {
            (Some(_), Some((key_span, _))) => {
                return Err(self.error(
                    &path.key("NotResource"),
                    key_span,
                    "a statement cannot have both `Resource` and `NotResource`",
                ))
            }
            (Some((_, value)), None) => ResourceClause::Resource(self.resources(
                value,
                &path.key("Resource"),
                "Resource",
            )?),
            (None, Some((_, value))) => ResourceClause::NotResource(self.resources(
                value,
                &path.key("NotResource"),
                "NotResource",
            )?),
            // Trust policies carry no Resource: the statement covers every resource.
            (None, None) => ResourceClause::Absent,
        };

        let principal = match (json.member("Principal"), json.member("NotPrincipal")) {
            (Some(_), Some((key_span, _))) => {
                return Err(self.error(
                    &path.key("NotPrincipal"),
                    key_span,
                    "a statement cannot have both `Principal` and `NotPrincipal`",
                ))
            }
            (Some((_, value)), None) => PrincipalClause::Principal(self.principals(
                value,
                &path.key("Principal"),
                "Principal",
            )?),
            (None, Some((_, value))) => PrincipalClause::NotPrincipal(self.principals(
                value,
                &path.key("NotPrincipal"),
                "NotPrincipal",
            )?),
            (None, None) => PrincipalClause::Absent,
        };

        let conditions = match json.get("Condition") {
            Some(value) => self.conditions(value, &path.key("Condition"))?,
            None => Vec::new(),
        };

        Ok(Statement {
            index,
            sid,
            effect,
            principal,
            action,
            resource,
            conditions,
            location: Location {
                path: path.to_string(),
                line: json.span.line,
                col: json.span.col,
            },
        })
    }

    fn effect(&self, statement: &Json, path: &JsonPath) -> Result<Effect, ParseError> {
        let value = statement.get("Effect").ok_or_else(|| {
            self.error(
                path,
                statement.span,
                "a statement needs an `Effect` element",
            )
        })?;
        let path = path.key("Effect");
        match value.as_str() {
            Some("Allow") => Ok(Effect::Allow),
            Some("Deny") => Ok(Effect::Deny),
            Some(other) => Err(self.error(
                &path,
                value.span,
                format!("`Effect` must be `Allow` or `Deny` (case-sensitive), found `{other}`"),
            )),
            None => Err(wrong_type(self.file, &path, value, "Effect", "a string")),
        }
    }

    /// A string, or a non-empty array of strings.
    fn string_list<'j>(
        &self,
        value: &'j Json,
        path: &JsonPath,
        element: &str,
    ) -> Result<Vec<Located<'j>>, ParseError> {
        match &value.kind {
            JsonKind::String(text) => Ok(vec![Located {
                text,
                span: value.span,
                path: path.clone(),
            }]),
            JsonKind::Array(items) if items.is_empty() => Err(self.error(
                path,
                value.span,
                format!("`{element}` must not be an empty array"),
            )),
            JsonKind::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| match item.as_str() {
                    Some(text) => Ok(Located {
                        text,
                        span: item.span,
                        path: path.index(i),
                    }),
                    None => Err(self.error(
                        &path.index(i),
                        item.span,
                        format!(
                            "`{element}` values must be strings, found {}",
                            item.type_name()
                        ),
                    )),
                })
                .collect(),
            _ => Err(wrong_type(
                self.file,
                path,
                value,
                element,
                "a string or an array of strings",
            )),
        }
    }

    fn actions(
        &self,
        value: &Json,
        path: &JsonPath,
        element: &str,
    ) -> Result<Vec<ActionPattern>, ParseError> {
        self.string_list(value, path, element)?
            .into_iter()
            .map(|item| {
                let well_formed = item.text == "*"
                    || item
                        .text
                        .split_once(':')
                        .is_some_and(|(service, name)| !service.is_empty() && !name.is_empty());
                if !well_formed {
                    return Err(self.error(
                        &item.path,
                        item.span,
                        format!(
                            "action `{}` must be `service:action` (e.g. `s3:GetObject`, `ec2:Describe*`) or `*`",
                            item.text
                        ),
                    ));
                }
                Ok(ActionPattern {
                    text: item.text.to_string(),
                    // Action names are case-insensitive: match lowercased against lowercased.
                    glob: Glob::wildcard(&item.text.to_lowercase()),
                })
            })
            .collect()
    }

    fn resources(
        &self,
        value: &Json,
        path: &JsonPath,
        element: &str,
    ) -> Result<Vec<ResourcePattern>, ParseError> {
        self.string_list(value, path, element)?
            .into_iter()
            .map(|item| {
                if item.text.is_empty() {
                    return Err(self.error(
                        &item.path,
                        item.span,
                        format!("`{element}` values must not be empty"),
                    ));
                }
                let template = Template::parse(item.text, self.version.supports_variables())
                    .map_err(|message| self.error(&item.path, item.span, message))?;
                Ok(ResourcePattern {
                    text: item.text.to_string(),
                    template,
                })
            })
            .collect()
    }

    fn principals(
        &self,
        value: &Json,
        path: &JsonPath,
        element: &str,
    ) -> Result<PrincipalSet, ParseError> {
        let members = match &value.kind {
            JsonKind::String(text) if text == "*" => {
                return Ok(PrincipalSet {
                    everyone: true,
                    entries: Vec::new(),
                })
            }
            JsonKind::String(text) => {
                return Err(self.error(
                    path,
                    value.span,
                    format!(
                        "`{element}` must be \"*\" or an object such as {{\"AWS\": \"arn:aws:iam::111122223333:root\"}}, found the string `{text}`"
                    ),
                ))
            }
            JsonKind::Object(members) if members.is_empty() => {
                return Err(self.error(path, value.span, format!("`{element}` must not be an empty object")))
            }
            JsonKind::Object(members) => members,
            _ => {
                return Err(wrong_type(
                    self.file,
                    path,
                    value,
                    element,
                    "\"*\" or an object of principal types",
                ))
            }
        };
        let mut set = PrincipalSet::default();
        for (principal_type, key_span, values) in members {
            let type_path = path.key(principal_type);
            if !PRINCIPAL_TYPES.contains(&principal_type.as_str()) {
                return Err(self.error(
                    &type_path,
                    *key_span,
                    format!(
                        "unknown principal type `{principal_type}` (expected AWS, Service, Federated or CanonicalUser){}",
                        did_you_mean(principal_type, &PRINCIPAL_TYPES)
                    ),
                ));
            }
            for item in self.string_list(values, &type_path, principal_type)? {
                let entry = match principal_type.as_str() {
                    "AWS" if item.text == "*" => {
                        set.everyone = true;
                        continue;
                    }
                    "AWS" => aws_principal(item.text)
                        .map_err(|message| self.error(&item.path, item.span, message))?,
                    "Service" => PrincipalEntry::Service(item.text.to_string()),
                    "Federated" => PrincipalEntry::Federated(item.text.to_string()),
                    _ => PrincipalEntry::CanonicalUser(item.text.to_string()),
                };
                set.entries.push(entry);
            }
        }
        Ok(set)
    }

    fn conditions(&self, value: &Json, path: &JsonPath) -> Result<Vec<Condition>, ParseError> {
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
        if text.contains("${") {
            return Err(format!(
                "policy variables are not supported in {family} condition values (`{text}`)"
            ));
        }
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

/// Classifies an `AWS` principal value other than `*`.
fn aws_principal(text: &str) -> Result<PrincipalEntry, String> {
    if is_account_id(text) {
        return Ok(PrincipalEntry::Account {
            account: text.to_string(),
            text: text.to_string(),
        });
    }
    if text.trim() != text {
        return Err(format!(
            "AWS principal `{text}` has leading or trailing whitespace"
        ));
    }
    if text.contains(['*', '?']) {
        return Err(format!(
            "wildcards are not allowed in AWS principals other than a lone \"*\" (`{text}`); use \"*\" with a condition on aws:PrincipalArn"
        ));
    }
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts.as_slice() else {
        return Err(format!(
            "AWS principal `{text}` is neither \"*\", a 12-digit account id nor an ARN"
        ));
    };
    if *arn != "arn" || partition.is_empty() || service.is_empty() || resource.is_empty() {
        return Err(format!(
            "AWS principal `{text}` is neither \"*\", a 12-digit account id nor an ARN"
        ));
    }
    if *service == "iam" && region.is_empty() && is_account_id(account) {
        if *resource == "root" {
            return Ok(PrincipalEntry::Account {
                account: account.to_string(),
                text: text.to_string(),
            });
        }
        if let Some(role_path) = resource.strip_prefix("role/") {
            // The role name is the last path component: `role/path/to/Name`.
            let name = role_path.rsplit('/').next().unwrap_or(role_path);
            if !name.is_empty() {
                return Ok(PrincipalEntry::Role {
                    arn: text.to_string(),
                    account: account.to_string(),
                    name: name.to_string(),
                });
            }
        }
    }
    Ok(PrincipalEntry::AwsArn {
        arn: text.to_string(),
    })
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::pattern::TemplatePart;

    fn parse(text: &str) -> Result<Policy, ParseError> {
        parse_policy(text.as_bytes(), "p.json")
    }

    /// A one-statement 2012-10-17 policy with the given Condition block.
    fn conditions(block: &str) -> Result<Vec<Condition>, ParseError> {
        let text = format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {block}}}]}}"#
        );
        parse(&text).map(|p| p.statements[0].conditions.clone())
    }

    fn one_condition(operator: &str, values: &str) -> Result<Condition, ParseError> {
        let mut all = conditions(&format!(r#"{{"{operator}": {{"k:Key": {values}}}}}"#))?;
        assert_eq!(all.len(), 1);
        Ok(all.remove(0))
    }

    #[test]
    fn statement_elements_are_converted() {
        let policy = parse(
            r#"{
  "Version": "2012-10-17",
  "Id": "p1",
  "Statement": [
    {"Sid": "A", "Effect": "Allow", "Action": ["s3:Get*", "EC2:Describe?"], "Resource": ["arn:aws:s3:::b/*"]},
    {"Effect": "Deny", "NotAction": "iam:*", "NotResource": "arn:aws:iam::*:role/x"}
  ]
}"#,
        )
        .unwrap();
        assert_eq!(policy.version, Version::V2012_10_17);
        assert_eq!(policy.id.as_deref(), Some("p1"));
        let [first, second] = policy.statements.as_slice() else {
            panic!("two statements expected");
        };
        assert_eq!(first.sid.as_deref(), Some("A"));
        assert_eq!(first.effect, Effect::Allow);
        assert_eq!(
            first.location,
            Location {
                path: "Statement[0]".into(),
                line: 5,
                col: 5
            }
        );
        let ActionClause::Action(actions) = &first.action else {
            panic!("Action expected");
        };
        assert_eq!(actions[1].text, "EC2:Describe?");
        assert!(actions[1].glob.matches("ec2:describes"));
        assert!(!actions[1].glob.matches("ec2:describe"));
        assert!(actions[0].glob.matches("s3:getobject"));
        assert!(
            matches!(&first.resource, ResourceClause::Resource(r) if r[0].text == "arn:aws:s3:::b/*")
        );
        assert_eq!(first.principal, PrincipalClause::Absent);
        assert_eq!(second.index, 1);
        assert_eq!(second.effect, Effect::Deny);
        assert!(matches!(&second.action, ActionClause::NotAction(a) if a[0].text == "iam:*"));
        assert!(matches!(&second.resource, ResourceClause::NotResource(r) if r.len() == 1));
    }

    #[test]
    fn statement_object_trust_policy_and_empty_list() {
        let policy = parse(
            r#"{"Statement": {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}}"#,
        )
        .unwrap();
        assert_eq!(policy.version, Version::Absent);
        assert_eq!(policy.statements[0].location.path, "Statement");
        assert_eq!(policy.statements[0].resource, ResourceClause::Absent);
        assert!(policy.has_principal_element());
        let err = parse(r#"{"Statement": {"Effect": 1, "Action": "*"}}"#).unwrap_err();
        assert_eq!(err.path, "Statement.Effect");
        let empty = parse(r#"{"Version": "2012-10-17", "Statement": []}"#).unwrap();
        assert!(empty.statements.is_empty());
    }

    #[test]
    fn principal_forms() {
        let principal = |p: &str| -> Result<PrincipalClause, ParseError> {
            parse(&format!(
                r#"{{"Statement": [{{"Effect": "Allow", "Action": "*", "Principal": {p}}}]}}"#
            ))
            .map(|policy| policy.statements[0].principal.clone())
        };
        assert_eq!(
            principal(r#""*""#).unwrap(),
            PrincipalClause::Principal(PrincipalSet {
                everyone: true,
                entries: vec![]
            })
        );
        let PrincipalClause::Principal(set) = principal(
            r#"{"AWS": ["*", "111122223333", "arn:aws:iam::111122223333:root", "arn:aws-cn:iam::111122223333:role/path/to/Admin", "arn:aws:sts::111122223333:assumed-role/R/s", "arn:aws:iam::111122223333:user/u"],
               "Service": "s3.amazonaws.com", "Federated": ["cognito-identity.amazonaws.com"], "CanonicalUser": "79a5"}"#,
        )
        .unwrap() else {
            panic!("Principal expected");
        };
        assert!(set.everyone);
        assert_eq!(
            set.entries,
            vec![
                PrincipalEntry::Account {
                    account: "111122223333".into(),
                    text: "111122223333".into()
                },
                PrincipalEntry::Account {
                    account: "111122223333".into(),
                    text: "arn:aws:iam::111122223333:root".into()
                },
                PrincipalEntry::Role {
                    arn: "arn:aws-cn:iam::111122223333:role/path/to/Admin".into(),
                    account: "111122223333".into(),
                    name: "Admin".into()
                },
                PrincipalEntry::AwsArn {
                    arn: "arn:aws:sts::111122223333:assumed-role/R/s".into()
                },
                PrincipalEntry::AwsArn {
                    arn: "arn:aws:iam::111122223333:user/u".into()
                },
                PrincipalEntry::Service("s3.amazonaws.com".into()),
                PrincipalEntry::Federated("cognito-identity.amazonaws.com".into()),
                PrincipalEntry::CanonicalUser("79a5".into()),
            ]
        );
        assert!(
            matches!(principal(r#"{"AWS": "*"}"#).unwrap(), PrincipalClause::Principal(s) if s.everyone && s.entries.is_empty())
        );
        let err = principal(r#"{"AWS": "arn:aws:iam::111122223333:role/*"}"#).unwrap_err();
        assert!(err.message.contains("aws:PrincipalArn"), "{err}");
        assert_eq!(err.path, "Statement[0].Principal.AWS");
        let err = principal(r#"{"AWS": ["alice"]}"#).unwrap_err();
        assert_eq!(err.path, "Statement[0].Principal.AWS[0]");
        let err = principal(r#"{"Aws": "*"}"#).unwrap_err();
        assert!(err.message.contains("did you mean `AWS`?"), "{err}");
        assert!(principal(r#""alice""#).is_err());
        assert!(principal(r#"{}"#).is_err());
        let not = parse(r#"{"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*", "NotPrincipal": {"AWS": "111122223333"}}]}"#).unwrap();
        assert!(
            matches!(&not.statements[0].principal, PrincipalClause::NotPrincipal(s) if !s.everyone && s.entries.len() == 1)
        );
    }

    #[test]
    fn operators_parse_with_qualifiers() {
        let op = parse_operator("ForAnyValue:StringNotLikeIfExists").unwrap();
        assert_eq!(op.kind, OperatorKind::String(StringMatch::Like));
        assert!(op.negated && op.if_exists);
        assert_eq!(op.set, SetQualifier::ForAnyValue);
        assert_eq!(op.text, "ForAnyValue:StringNotLikeIfExists");
        let op = parse_operator("ForAllValues:StringEquals").unwrap();
        assert_eq!(
            (op.set, op.negated, op.if_exists),
            (SetQualifier::ForAllValues, false, false)
        );
        let expected_negated = [
            "StringNotEquals",
            "StringNotEqualsIgnoreCase",
            "StringNotLike",
            "NumericNotEquals",
            "DateNotEquals",
            "NotIpAddress",
            "ArnNotEquals",
            "ArnNotLike",
        ];
        for (name, _, negated) in BASE_OPERATORS {
            assert_eq!(negated, expected_negated.contains(&name), "{name}");
            assert_eq!(
                parse_operator(name).unwrap().kind,
                parse_operator(&format!("{name}IfExists")).map_or(OperatorKind::Null, |o| o.kind)
            );
        }
        assert_eq!(
            parse_operator("ArnLike").unwrap().kind,
            parse_operator("ArnEquals").unwrap().kind
        );
        assert_eq!(
            parse_operator("NumericLessThanEquals").unwrap().kind,
            OperatorKind::Numeric(Comparison::Le)
        );
        assert_eq!(
            parse_operator("DateGreaterThan").unwrap().kind,
            OperatorKind::Date(Comparison::Gt)
        );
        assert!(parse_operator("NullIfExists").is_err());
        assert!(parse_operator("ForAnyValue:Null").is_err());
        assert!(parse_operator("stringequals")
            .unwrap_err()
            .contains("did you mean `StringEquals`?"));
        assert!(parse_operator("ForAllValue:StringLike")
            .unwrap_err()
            .contains("did you mean `ForAllValues:StringLike`?"));
        assert!(parse_operator("StringEqualsIfExist")
            .unwrap_err()
            .contains("did you mean `StringEqualsIfExists`?"));
    }

    #[test]
    fn every_operator_family_reads_its_values() {
        let c = one_condition("StringLike", r#"["a*", "${aws:username}"]"#).unwrap();
        assert_eq!(c.key, "k:Key");
        assert_eq!(c.key_lower, "k:key");
        assert_eq!(c.location.path, "Statement[0].Condition.StringLike.k:Key");
        assert_eq!(c.values[0], ConditionValue::Text(Template::text("a*")));
        assert!(matches!(&c.values[1], ConditionValue::Text(t) if t.has_variables()));

        let c = one_condition("NumericLessThan", r#"["1.50", 10, "-3"]"#).unwrap();
        assert_eq!(
            c.values,
            vec![
                ConditionValue::Number(Decimal {
                    mantissa: 15,
                    scale: 1
                }),
                ConditionValue::Number(Decimal {
                    mantissa: 10,
                    scale: 0
                }),
                ConditionValue::Number(Decimal {
                    mantissa: -3,
                    scale: 0
                }),
            ]
        );
        let c = one_condition("DateGreaterThan", r#"["2020-01-01T00:00:00Z", "2020-01-01", 1577836800, "2020-01-01T02:00:00.250+02:00"]"#).unwrap();
        assert_eq!(
            c.values,
            vec![
                ConditionValue::Date(1_577_836_800_000),
                ConditionValue::Date(1_577_836_800_000),
                ConditionValue::Date(1_577_836_800_000),
                ConditionValue::Date(1_577_836_800_250),
            ]
        );
        let c = one_condition("Bool", r#"[true, "FALSE", "True"]"#).unwrap();
        assert_eq!(
            c.values,
            vec![
                ConditionValue::Bool(true),
                ConditionValue::Bool(false),
                ConditionValue::Bool(true)
            ]
        );
        let c = one_condition(
            "IpAddress",
            r#"["203.0.113.7", "203.0.113.9/24", "2001:db8::1", "2001:db8::/32"]"#,
        )
        .unwrap();
        let cidrs: Vec<String> = c
            .values
            .iter()
            .map(|v| match v {
                ConditionValue::Cidr(net) => net.to_string(),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(
            cidrs,
            vec![
                "203.0.113.7/32",
                "203.0.113.0/24",
                "2001:db8::1/128",
                "2001:db8::/32"
            ]
        );
        let c = one_condition("Null", r#""true""#).unwrap();
        assert_eq!(c.values, vec![ConditionValue::Null(true)]);
        let c = one_condition("Null", "false").unwrap();
        assert_eq!(c.values, vec![ConditionValue::Null(false)]);
        let c = one_condition("BinaryEquals", r#""QmluYXJ5""#).unwrap();
        assert_eq!(
            c.values,
            vec![ConditionValue::Text(Template::text("QmluYXJ5"))]
        );
        let c = one_condition("ArnLike", r#""arn:aws:iam::*:role/${aws:username}""#).unwrap();
        assert_eq!(
            (c.operator.kind, c.operator.negated),
            (OperatorKind::Arn, false)
        );
        assert!(matches!(&c.values[0], ConditionValue::Text(t) if t.has_variables()));
        let c = one_condition("StringEqualsIgnoreCaseIfExists", r#""x""#).unwrap();
        assert!(c.operator.if_exists);
        assert_eq!(
            c.operator.kind,
            OperatorKind::String(StringMatch::EqualsIgnoreCase)
        );
    }

    #[test]
    fn bad_condition_values_are_located() {
        for (operator, value, needle) in [
            ("NumericEquals", r#""ten""#, "not a decimal"),
            ("NumericEquals", r#""1e3""#, "not a decimal"),
            ("DateLessThan", r#""yesterday""#, "not a date"),
            ("IpAddress", r#""203.0.113.0/33""#, "not an IP address"),
            ("Bool", r#""yes""#, "`Bool` takes"),
            ("Bool", "1", "`Bool` takes"),
            ("Null", r#""maybe""#, "`Null` takes"),
            (
                "NumericEquals",
                r#""${aws:x}""#,
                "policy variables are not supported in Numeric",
            ),
            (
                "DateEquals",
                r#""${aws:CurrentTime}""#,
                "policy variables are not supported in Date",
            ),
            (
                "IpAddress",
                r#""${aws:SourceIp}""#,
                "policy variables are not supported in IP",
            ),
            ("StringEquals", "[]", "empty array"),
            ("StringEquals", "null", "found null"),
            ("StringEquals", r#"[["a"]]"#, "found an array"),
            ("StringLike", r#""${aws:username""#, "unterminated"),
        ] {
            let err = one_condition(operator, value).unwrap_err();
            assert!(err.message.contains(needle), "{operator} {value}: {err}");
            assert!(
                err.path
                    .starts_with(&format!("Statement[0].Condition.{operator}.k:Key")),
                "{err}"
            );
        }
        let err = one_condition("NumericEquals", r#"["1", "x"]"#).unwrap_err();
        assert_eq!(err.path, "Statement[0].Condition.NumericEquals.k:Key[1]");
        let err = conditions(r#"{"StringEquals": {"": "x"}}"#).unwrap_err();
        assert!(err.message.contains("must not be empty"), "{err}");
        let err = conditions(r#"{"StringEquals": "x"}"#).unwrap_err();
        assert_eq!(err.path, "Statement[0].Condition.StringEquals");
    }

    #[test]
    fn variables_depend_on_the_version() {
        let policy = |version: &str| {
            parse(&format!(
                r#"{{{version}"Statement": [{{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${{aws:username}}/${{*}}", "Condition": {{"StringEquals": {{"s3:prefix": "${{aws:PrincipalTag/team, 'none'}}"}}}}}}]}}"#
            ))
            .unwrap()
        };
        let modern = policy(r#""Version": "2012-10-17", "#);
        let ResourceClause::Resource(resources) = &modern.statements[0].resource else {
            panic!("Resource expected");
        };
        assert_eq!(
            resources[0].template.parts,
            vec![
                TemplatePart::Text("arn:aws:s3:::b/".into()),
                TemplatePart::Var {
                    key: "aws:username".into(),
                    key_lower: "aws:username".into(),
                    default: None
                },
                TemplatePart::Text("/".into()),
                TemplatePart::Escaped('*'),
            ]
        );
        assert_eq!(
            modern.statements[0].conditions[0].values,
            vec![ConditionValue::Text(Template {
                parts: vec![TemplatePart::Var {
                    key: "aws:PrincipalTag/team".into(),
                    key_lower: "aws:principaltag/team".into(),
                    default: Some("none".into())
                }]
            })]
        );
        for old in [policy(r#""Version": "2008-10-17", "#), policy("")] {
            let ResourceClause::Resource(resources) = &old.statements[0].resource else {
                panic!("Resource expected");
            };
            assert_eq!(
                resources[0].template,
                Template::text("arn:aws:s3:::b/${aws:username}/${*}")
            );
            assert!(
                matches!(&old.statements[0].conditions[0].values[0], ConditionValue::Text(t) if !t.has_variables())
            );
        }
    }

    #[test]
    fn embedded_policies_keep_their_lines() {
        let line =
            br#"{"request": {}, "policy": {"Statement": [{"Effect": "Permit", "Action": "*"}]}}"#;
        let json = super::super::parse_json(line, "batch.jsonl:4").unwrap();
        let policy_json = json.get("policy").unwrap();
        let err = policy_from_json(policy_json, "batch.jsonl:4")
            .unwrap_err()
            .within("policy");
        assert_eq!(
            (err.path.as_str(), err.line, err.col),
            ("policy.Statement[0].Effect", 1, 53)
        );
        let ok = br#"{"policy": {"Statement": {"Effect": "Allow", "Action": "*"}}}"#;
        let json = super::super::parse_json(ok, "b").unwrap();
        let policy = policy_from_json(json.get("policy").unwrap(), "b").unwrap();
        assert_eq!(
            (
                policy.statements[0].location.line,
                policy.statements[0].location.col
            ),
            (1, 26)
        );
    }

    #[test]
    fn bom_is_accepted() {
        let policy = parse_policy(
            b"\xEF\xBB\xBF{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}]}",
            "bom.json",
        )
        .unwrap();
        assert_eq!(policy.statements[0].location.col, 41);
    }

    #[test]
    fn structural_errors() {
        let err = parse(r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Resource ": "*"}]}"#).unwrap_err();
        assert!(err.message.contains("did you mean `Resource`?"), "{err}");
        let err = parse(r#"{"Version": "2012-10-18", "Statement": []}"#).unwrap_err();
        assert_eq!(err.path, "Version");
        let err = parse(r#"{"Version": "2012-10-17"}"#).unwrap_err();
        assert!(err.message.contains("`Statement`"), "{err}");
        let err = parse(r#"{"Statement": [{"Effect": "Allow", "Resource": "*"}]}"#).unwrap_err();
        assert_eq!(err.path, "Statement[0]");
        let err = parse(r#"{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "NotResource": "*"}]}"#).unwrap_err();
        assert_eq!(err.path, "Statement[0].NotResource");
        let err = parse(r#"{"Statement": [{"Effect": "Allow", "Action": "*", "Principal": "*", "NotPrincipal": "*"}]}"#).unwrap_err();
        assert_eq!(err.path, "Statement[0].NotPrincipal");
        let err = parse(
            r#"{"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "GetObject"]}]}"#,
        )
        .unwrap_err();
        assert_eq!(err.path, "Statement[0].Action[1]");
        let err = parse(r#"{"Statement": [{"Effect": "Allow", "Action": []}]}"#).unwrap_err();
        assert!(err.message.contains("empty array"), "{err}");
        let err = parse(r#"{"Statement": [{"Effect": "Allow"}]}"#).unwrap_err();
        assert!(err.message.contains("`Action` or `NotAction`"), "{err}");
        let err = parse(r#"{"Statement": [{"Action": "*"}]}"#).unwrap_err();
        assert!(err.message.contains("`Effect`"), "{err}");
        let err = parse(r#"{"Statement": ["x"]}"#).unwrap_err();
        assert_eq!(err.path, "Statement[0]");
        let err = parse(r#"{"Statement": "x"}"#).unwrap_err();
        assert_eq!(err.path, "Statement");
        let err = parse("[]").unwrap_err();
        assert_eq!(err.path, "(root)");
        let many = format!(
            r#"{{"Statement": [{}]}}"#,
            vec![r#"{"Effect": "Allow", "Action": "*"}"#; MAX_STATEMENTS + 1].join(",")
        );
        let err = parse(&many).unwrap_err();
        assert!(err.message.contains("MAX_STATEMENTS"), "{err}");
        let at_limit = format!(
            r#"{{"Statement": [{}]}}"#,
            vec![r#"{"Effect": "Allow", "Action": "*"}"#; MAX_STATEMENTS].join(",")
        );
        assert_eq!(parse(&at_limit).unwrap().statements.len(), MAX_STATEMENTS);
        let values = format!(
            "[{}]",
            vec!["\"a\""; MAX_VALUES_PER_CONDITION_KEY + 1].join(",")
        );
        let err = one_condition("StringEquals", &values).unwrap_err();
        assert!(
            err.message.contains("MAX_VALUES_PER_CONDITION_KEY"),
            "{err}"
        );
    }
}
