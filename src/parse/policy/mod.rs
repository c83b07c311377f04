//! Located JSON tree → [`Policy`]: element names, types and values checked the way IAM checks them.

use super::json::{parse_json, Json, JsonKind, Span};
use super::{did_you_mean, JsonPath, ParseError, MAX_STATEMENTS};
use crate::model::{
    ActionClause, ActionPattern, Effect, Location, Policy, PrincipalClause, ResourceClause,
    ResourcePattern, Statement, Version,
};
use crate::pattern::{Glob, Template};

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
}

mod conditions;
mod operators;
mod principals;

pub use operators::parse_operator;

#[cfg(test)]
mod tests;
