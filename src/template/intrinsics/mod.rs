//! CloudFormation intrinsic functions, resolved offline.
//!
//! Values come from parameters (given, else default), pseudo parameters (options with
//! documented defaults) and the template's own resources ([`super::arns`]). A value known only
//! at deploy time becomes a `${keyaki:...}` marker (see [`super::unknown`]); a condition that
//! cannot be decided asks the caller to analyse both branches ([`Failure::NeedsCondition`]).

mod conditions;
mod functions;
mod references;

use super::unknown::{self, UnknownValue};
use super::ResolveOptions;
use crate::parse::{Json, JsonKind, Span};
use std::collections::BTreeMap;

/// Why a value could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// A construct Keyaki does not resolve (exit 2, named).
    Unsupported {
        path: String,
        span: Span,
        message: String,
    },
    /// A value known only at deploy time where no variable can stand for it (exit 3).
    Unknown {
        path: String,
        span: Span,
        message: String,
    },
    /// This condition could not be decided and no branch is assumed yet.
    NeedsCondition(String),
}

pub(crate) struct Resolver<'t> {
    pub options: &'t ResolveOptions,
    resources: BTreeMap<&'t str, &'t Json>,
    parameters: BTreeMap<&'t str, &'t Json>,
    mappings: Option<&'t Json>,
    conditions: BTreeMap<&'t str, &'t Json>,
    /// Decided conditions (None: depends on a value known only at deploy time).
    decided: BTreeMap<String, Option<bool>>,
    evaluating: Vec<String>,
    /// Branches assumed for undecidable conditions in the current variant.
    pub assumptions: BTreeMap<String, bool>,
    /// Every unknown value met so far, by variable key (lowercased: variables compare so).
    pub unknowns: BTreeMap<String, UnknownValue>,
}

fn members(json: Option<&Json>) -> BTreeMap<&str, &Json> {
    json.and_then(Json::as_object)
        .map(|m| m.iter().map(|(k, _, v)| (k.as_str(), v)).collect())
        .unwrap_or_default()
}

fn text(json: &Json) -> Option<String> {
    json.scalar_text()
}

fn string(s: String, span: Span) -> Json {
    Json {
        kind: JsonKind::String(s),
        span,
    }
}

impl<'t> Resolver<'t> {
    pub fn new(template: &'t Json, options: &'t ResolveOptions) -> Resolver<'t> {
        Resolver {
            options,
            resources: members(template.get("Resources")),
            parameters: members(template.get("Parameters")),
            mappings: template.get("Mappings"),
            conditions: members(template.get("Conditions")),
            decided: BTreeMap::new(),
            evaluating: Vec::new(),
            assumptions: BTreeMap::new(),
            unknowns: BTreeMap::new(),
        }
    }

    /// Registers an unknown value and returns its marker.
    pub fn unknown(&mut self, value: UnknownValue) -> String {
        let marker = value.marker();
        self.unknowns
            .entry(value.variable.to_lowercase())
            .or_insert(value);
        marker
    }

    fn unsupported(path: &str, span: Span, message: String) -> Failure {
        Failure::Unsupported {
            path: path.to_string(),
            span,
            message,
        }
    }

    /// Resolves every intrinsic in `value`; None when it is `AWS::NoValue`.
    pub fn resolve(&mut self, value: &Json, path: &str) -> Result<Option<Json>, Failure> {
        match &value.kind {
            JsonKind::Object(members) if members.len() == 1 => {
                let (key, _, argument) = &members[0];
                if let Some(tag) = key.strip_prefix('!') {
                    return Err(Self::unsupported(path, value.span, format!("unknown YAML tag `!{tag}` (CloudFormation's short forms are !Ref, !Sub, !GetAtt, !Join, !If, !Select, !Split, !FindInMap, !ImportValue, !Base64, !Equals, !And, !Or, !Not, !Condition, !GetAZs, !Cidr)")));
                }
                if key == "Ref"
                    || key.starts_with("Fn::")
                    || (key == "Condition"
                        && argument.as_str().is_some()
                        && !path.ends_with(".Condition"))
                {
                    return self.intrinsic(key, argument, value.span, &format!("{path}.{key}"));
                }
                self.object(members, value.span, path)
            }
            JsonKind::Object(members) => self.object(members, value.span, path),
            JsonKind::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    if let Some(v) = self.resolve(item, &format!("{path}[{i}]"))? {
                        out.push(v);
                    }
                }
                Ok(Some(Json {
                    kind: JsonKind::Array(out),
                    span: value.span,
                }))
            }
            JsonKind::String(s) if unknown::spoofs_marker(s) => Err(Self::unsupported(
                path,
                value.span,
                format!(
                    "`{s}` uses the reserved variable prefix `${{{}`",
                    unknown::PREFIX
                ),
            )),
            _ => Ok(Some(value.clone())),
        }
    }

    fn object(
        &mut self,
        members: &[(String, Span, Json)],
        span: Span,
        path: &str,
    ) -> Result<Option<Json>, Failure> {
        let mut out = Vec::with_capacity(members.len());
        for (key, key_span, member) in members {
            if unknown::spoofs_marker(key) {
                return Err(Self::unsupported(
                    path,
                    *key_span,
                    format!("key `{key}` uses the reserved variable prefix"),
                ));
            }
            if let Some(v) = self.resolve(member, &format!("{path}.{key}"))? {
                out.push((key.clone(), *key_span, v));
            }
        }
        Ok(Some(Json {
            kind: JsonKind::Object(out),
            span,
        }))
    }

    /// A resolved value that must be one string (numbers and booleans read as their text).
    fn string_of(&mut self, value: &Json, path: &str, what: &str) -> Result<String, Failure> {
        let resolved = self.resolve(value, path)?;
        resolved.as_ref().and_then(text).ok_or_else(|| {
            let found = resolved.as_ref().map_or("AWS::NoValue", Json::type_name);
            Self::unsupported(
                path,
                value.span,
                format!("{what} must be a string, found {found}"),
            )
        })
    }

    fn list_of(&mut self, value: &Json, path: &str, what: &str) -> Result<Vec<Json>, Failure> {
        match self.resolve(value, path)? {
            Some(Json {
                kind: JsonKind::Array(items),
                ..
            }) => Ok(items),
            other => Err(Self::unsupported(
                path,
                value.span,
                format!(
                    "{what} must be a list, found {}",
                    other.as_ref().map_or("AWS::NoValue", Json::type_name)
                ),
            )),
        }
    }

    fn arguments<'a>(
        argument: &'a Json,
        count: std::ops::RangeInclusive<usize>,
        name: &str,
        path: &str,
    ) -> Result<&'a [Json], Failure> {
        match argument.as_array() {
            Some(items) if count.contains(&items.len()) => Ok(items),
            _ => Err(Self::unsupported(
                path,
                argument.span,
                format!(
                    "{name} takes a list of {} arguments",
                    if count.start() == count.end() {
                        count.start().to_string()
                    } else {
                        format!("{} to {}", count.start(), count.end())
                    }
                ),
            )),
        }
    }
}
