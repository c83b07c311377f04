//! CloudFormation intrinsic functions, resolved offline.
//!
//! Values come from parameters (given, else default), pseudo parameters (options with
//! documented defaults) and the template's own resources ([`super::arns`]). A value known only
//! at deploy time becomes a `${keyaki:...}` marker (see [`super::unknown`]); a condition that
//! cannot be decided asks the caller to analyse both branches ([`Failure::NeedsCondition`]).

use super::arns;
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

    fn intrinsic(
        &mut self,
        name: &str,
        argument: &Json,
        span: Span,
        path: &str,
    ) -> Result<Option<Json>, Failure> {
        match name {
            "Ref" => {
                let target = argument.as_str().ok_or_else(|| Self::unsupported(path, argument.span, "Ref takes the name of a parameter or resource".into()))?;
                self.reference(target, span, path)
            }
            "Fn::GetAtt" => {
                let (logical, attribute) = match &argument.kind {
                    JsonKind::String(s) => match s.split_once('.') {
                        Some((l, a)) => (l.to_string(), a.to_string()),
                        None => return Err(Self::unsupported(path, span, format!("Fn::GetAtt `{s}` is not `LogicalId.Attribute`"))),
                    },
                    JsonKind::Array(items) if items.len() == 2 => {
                        let logical = items[0].as_str().map(str::to_string).ok_or_else(|| Self::unsupported(path, span, "Fn::GetAtt takes a logical id first".into()))?;
                        (logical, self.string_of(&items[1], &format!("{path}[1]"), "the attribute name")?)
                    }
                    _ => return Err(Self::unsupported(path, span, "Fn::GetAtt takes [LogicalId, Attribute] or `LogicalId.Attribute`".into())),
                };
                self.get_att(&logical, &attribute, span, path).map(|s| Some(string(s, span)))
            }
            "Fn::Sub" => self.sub(argument, span, path).map(|s| Some(string(s, span))),
            "Fn::Join" => {
                let args = Self::arguments(argument, 2..=2, "Fn::Join", path)?;
                let delimiter = self.string_of(&args[0], &format!("{path}[0]"), "the Fn::Join delimiter")?;
                let items = self.list_of(&args[1], &format!("{path}[1]"), "the Fn::Join values")?;
                let mut parts = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    parts.push(text(item).ok_or_else(|| Self::unsupported(&format!("{path}[1][{i}]"), item.span, format!("Fn::Join joins strings, found {}", item.type_name())))?);
                }
                Ok(Some(string(parts.join(&delimiter), span)))
            }
            "Fn::Select" => {
                let args = Self::arguments(argument, 2..=2, "Fn::Select", path)?;
                let index = self.string_of(&args[0], &format!("{path}[0]"), "the Fn::Select index")?;
                let items = self.list_of(&args[1], &format!("{path}[1]"), "the Fn::Select list")?;
                let chosen = index.parse::<usize>().ok().and_then(|i| items.get(i).cloned());
                chosen.map(Some).ok_or_else(|| Self::unsupported(path, span, format!("Fn::Select index `{index}` is not within the {} values", items.len())))
            }
            "Fn::Split" => {
                let args = Self::arguments(argument, 2..=2, "Fn::Split", path)?;
                let delimiter = self.string_of(&args[0], &format!("{path}[0]"), "the Fn::Split delimiter")?;
                let source = self.string_of(&args[1], &format!("{path}[1]"), "the Fn::Split source")?;
                if delimiter.is_empty() {
                    return Err(Self::unsupported(path, span, "Fn::Split needs a non-empty delimiter".into()));
                }
                if !unknown::marker_keys(&source).is_empty() {
                    return Err(self.unknown_failure(&source, path, span, "is split by Fn::Split"));
                }
                let items = source.split(delimiter.as_str()).map(|s| string(s.to_string(), span)).collect();
                Ok(Some(Json { kind: JsonKind::Array(items), span }))
            }
            "Fn::FindInMap" => self.find_in_map(argument, span, path),
            "Fn::ImportValue" => {
                let export = self.string_of(argument, path, "the Fn::ImportValue export name")?;
                if !unknown::marker_keys(&export).is_empty() {
                    return Err(self.unknown_failure(&export, path, span, "names the export of Fn::ImportValue"));
                }
                let marker = self.unknown(UnknownValue::new("ImportValue", &export, format!("Fn::ImportValue {export}"), false));
                Ok(Some(string(marker, span)))
            }
            "Fn::Base64" => {
                let plain = self.string_of(argument, path, "the Fn::Base64 value")?;
                if !unknown::marker_keys(&plain).is_empty() {
                    return Err(self.unknown_failure(&plain, path, span, "is encoded by Fn::Base64"));
                }
                Ok(Some(string(base64(plain.as_bytes()), span)))
            }
            "Fn::If" => {
                let args = Self::arguments(argument, 3..=3, "Fn::If", path)?;
                let condition = args[0].as_str().ok_or_else(|| Self::unsupported(path, span, "Fn::If takes a condition name first".into()))?;
                let chosen = if self.condition(condition, span, path)? { &args[1] } else { &args[2] };
                let branch = if std::ptr::eq(chosen, &args[1]) { 1 } else { 2 };
                self.resolve(chosen, &format!("{path}[{branch}]"))
            }
            "Fn::GetAZs" => Err(Failure::Unknown {
                path: path.to_string(),
                span,
                message: "Fn::GetAZs lists the Availability Zones at deploy time; no variable stands for a list".into(),
            }),
            other => Err(Self::unsupported(
                path,
                span,
                format!("unsupported intrinsic function `{other}` (Keyaki resolves Ref, Fn::Sub, Fn::GetAtt, Fn::Join, Fn::Select, Fn::Split, Fn::FindInMap, Fn::ImportValue, Fn::Base64, Fn::If and Conditions)"),
            )),
        }
    }

    fn unknown_failure(&self, value: &str, path: &str, span: Span, what: &str) -> Failure {
        let names: Vec<String> = unknown::marker_keys(value)
            .iter()
            .map(|k| {
                self.unknowns
                    .get(&k.to_lowercase())
                    .map_or_else(|| k.clone(), |u| u.source.clone())
            })
            .collect();
        Failure::Unknown {
            path: path.to_string(),
            span,
            message: format!(
                "{} is known only at deploy time and {what}; give its value to check this policy",
                names.join(", ")
            ),
        }
    }

    fn reference(&mut self, target: &str, span: Span, path: &str) -> Result<Option<Json>, Failure> {
        if target == "AWS::NoValue" {
            return Ok(None);
        }
        if let Some(value) = self.options.parameters.get(target) {
            return Ok(Some(self.parameter_value(target, value.clone(), span)));
        }
        let o = self.options;
        let pseudo = match target {
            "AWS::AccountId" => Some(o.account_id.clone()),
            "AWS::Region" => Some(o.region.clone()),
            "AWS::Partition" => Some(o.partition()),
            "AWS::URLSuffix" => Some(o.url_suffix().to_string()),
            "AWS::StackName" | "AWS::StackId" => Some(self.unknown(UnknownValue::new(
                "Ref",
                target,
                format!("Ref {target}"),
                true,
            ))),
            "AWS::NotificationARNs" => {
                return Err(Failure::Unknown {
                    path: path.to_string(),
                    span,
                    message: "AWS::NotificationARNs is a list known only at deploy time".into(),
                })
            }
            _ => None,
        };
        if let Some(value) = pseudo {
            return Ok(Some(string(value, span)));
        }
        if let Some(parameter) = self.parameters.get(target).copied() {
            let kind = parameter
                .get("Type")
                .and_then(Json::as_str)
                .unwrap_or("String");
            if let Some(default) = parameter.get("Default").and_then(text) {
                if !kind.starts_with("AWS::SSM::Parameter::Value") {
                    return Ok(Some(self.parameter_value(target, default, span)));
                }
            }
            if kind.contains("List") {
                return Err(Failure::Unknown {
                    path: path.to_string(),
                    span,
                    message: format!("parameter {target} ({kind}) has no value; give it with --parameters {target}=..."),
                });
            }
            let source = format!("parameter {target} (no value given)");
            return Ok(Some(string(
                self.unknown(UnknownValue::new("Ref", target, source, false)),
                span,
            )));
        }
        if let Some(resource) = self.resources.get(target).copied() {
            let kind = resource
                .get("Type")
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string();
            return arns::reference(self, target, resource, &kind).map(|s| Some(string(s, span)));
        }
        Err(Self::unsupported(path, span, format!("Ref to `{target}`, which is not a parameter, pseudo parameter or resource of this template")))
    }

    fn parameter_value(&self, name: &str, value: String, span: Span) -> Json {
        let kind = self
            .parameters
            .get(name)
            .and_then(|p| p.get("Type"))
            .and_then(Json::as_str)
            .unwrap_or("String");
        if kind == "CommaDelimitedList" || kind.starts_with("List<") {
            let items = value
                .split(',')
                .map(|s| string(s.trim().to_string(), span))
                .collect();
            Json {
                kind: JsonKind::Array(items),
                span,
            }
        } else {
            string(value, span)
        }
    }

    fn get_att(
        &mut self,
        logical: &str,
        attribute: &str,
        span: Span,
        path: &str,
    ) -> Result<String, Failure> {
        let Some(resource) = self.resources.get(logical).copied() else {
            return Err(Self::unsupported(
                path,
                span,
                format!("Fn::GetAtt of `{logical}`, which is not a resource of this template"),
            ));
        };
        let kind = resource
            .get("Type")
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_string();
        arns::attribute(self, logical, resource, &kind, attribute)
    }

    fn sub(&mut self, argument: &Json, span: Span, path: &str) -> Result<String, Failure> {
        let (template, variables) = match &argument.kind {
            JsonKind::String(s) => (s.clone(), None),
            JsonKind::Array(items) if items.len() == 2 => {
                let template = items[0].as_str().ok_or_else(|| {
                    Self::unsupported(path, span, "Fn::Sub takes a string first".into())
                })?;
                (template.to_string(), Some(&items[1]))
            }
            _ => {
                return Err(Self::unsupported(
                    path,
                    span,
                    "Fn::Sub takes a string or [string, {variables}]".into(),
                ))
            }
        };
        if unknown::spoofs_marker(&template) {
            return Err(Self::unsupported(
                path,
                span,
                "Fn::Sub text uses the reserved variable prefix".into(),
            ));
        }
        let mut values: BTreeMap<String, String> = BTreeMap::new();
        if let Some(variables) = variables {
            let Some(members) = variables.as_object() else {
                return Err(Self::unsupported(
                    path,
                    span,
                    "Fn::Sub variables must be a mapping".into(),
                ));
            };
            for (key, _, value) in members {
                let value =
                    self.string_of(value, &format!("{path}[1].{key}"), "an Fn::Sub variable")?;
                values.insert(key.clone(), value);
            }
        }
        let mut out = String::with_capacity(template.len());
        let mut rest = template.as_str();
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                return Err(Self::unsupported(
                    path,
                    span,
                    format!("unterminated `${{` in Fn::Sub `{template}`"),
                ));
            };
            let name = after[..end].trim();
            rest = &after[end + 1..];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
                continue;
            }
            let value = if let Some(v) = values.get(name) {
                v.clone()
            } else if let Some((logical, attribute)) = name
                .split_once('.')
                .filter(|(l, _)| self.resources.contains_key(l))
            {
                self.get_att(logical, attribute, span, path)?
            } else {
                match self.reference(name, span, path)? {
                    Some(v) => text(&v).ok_or_else(|| {
                        Self::unsupported(
                            path,
                            span,
                            format!(
                                "`${{{name}}}` in Fn::Sub is {}, not a string",
                                v.type_name()
                            ),
                        )
                    })?,
                    None => {
                        return Err(Self::unsupported(
                            path,
                            span,
                            "AWS::NoValue inside Fn::Sub".into(),
                        ))
                    }
                }
            };
            out.push_str(&value);
        }
        out.push_str(rest);
        Ok(out)
    }

    fn find_in_map(
        &mut self,
        argument: &Json,
        span: Span,
        path: &str,
    ) -> Result<Option<Json>, Failure> {
        let args = Self::arguments(argument, 3..=4, "Fn::FindInMap", path)?;
        let mut keys = Vec::with_capacity(3);
        for (i, arg) in args.iter().take(3).enumerate() {
            let key = self.string_of(arg, &format!("{path}[{i}]"), "an Fn::FindInMap key")?;
            if !unknown::marker_keys(&key).is_empty() {
                return Err(self.unknown_failure(&key, path, span, "is a key of Fn::FindInMap"));
            }
            keys.push(key);
        }
        let found = self
            .mappings
            .and_then(|m| m.get(&keys[0]))
            .and_then(|m| m.get(&keys[1]))
            .and_then(|m| m.get(&keys[2]))
            .cloned();
        match found {
            Some(value) => self.resolve(
                &value,
                &format!("Mappings.{}.{}.{}", keys[0], keys[1], keys[2]),
            ),
            None => Err(Self::unsupported(
                path,
                span,
                format!(
                    "Fn::FindInMap: no `{}` → `{}` → `{}` in Mappings",
                    keys[0], keys[1], keys[2]
                ),
            )),
        }
    }

    /// A condition's value: decided, assumed for this variant, or a request to assume it.
    pub fn condition(&mut self, name: &str, span: Span, path: &str) -> Result<bool, Failure> {
        match self.decide(name, span, path)? {
            Some(value) => Ok(value),
            None => self
                .assumptions
                .get(name)
                .copied()
                .ok_or_else(|| Failure::NeedsCondition(name.to_string())),
        }
    }

    /// Decides a named condition from the template's values; None when it depends on a value
    /// known only at deploy time.
    pub fn decide(&mut self, name: &str, span: Span, path: &str) -> Result<Option<bool>, Failure> {
        if let Some(value) = self.decided.get(name) {
            return Ok(*value);
        }
        let Some(body) = self.conditions.get(name).copied() else {
            return Err(Self::unsupported(
                path,
                span,
                format!("condition `{name}` is not defined in Conditions"),
            ));
        };
        if self.evaluating.iter().any(|c| c == name) {
            return Err(Self::unsupported(
                path,
                span,
                format!("condition `{name}` refers to itself"),
            ));
        }
        self.evaluating.push(name.to_string());
        let value = self.boolean(body, &format!("Conditions.{name}"));
        self.evaluating.pop();
        let value = value?;
        self.decided.insert(name.to_string(), value);
        Ok(value)
    }

    fn boolean(&mut self, body: &Json, path: &str) -> Result<Option<bool>, Failure> {
        let Some([(key, _, argument)]) = body.as_object() else {
            return Err(Self::unsupported(
                path,
                body.span,
                "a condition is one of Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition".into(),
            ));
        };
        let path = format!("{path}.{key}");
        match key.as_str() {
            "Fn::Equals" => {
                let args = Self::arguments(argument, 2..=2, "Fn::Equals", &path)?;
                let a = self.resolve(&args[0], &format!("{path}[0]"))?;
                let b = self.resolve(&args[1], &format!("{path}[1]"))?;
                let rendered = |v: &Option<Json>| {
                    v.as_ref()
                        .map(|v| super::to_value(v).to_string())
                        .unwrap_or_default()
                };
                let (a, b) = (rendered(&a), rendered(&b));
                if !unknown::marker_keys(&a).is_empty() || !unknown::marker_keys(&b).is_empty() {
                    return Ok(None);
                }
                // Scalars compare by text: `"1"` equals `1`.
                let scalar = |s: &str| s.trim_matches('"').to_string();
                Ok(Some(scalar(&a) == scalar(&b)))
            }
            "Fn::Not" => {
                let args = Self::arguments(argument, 1..=1, "Fn::Not", &path)?;
                Ok(self.boolean(&args[0], &format!("{path}[0]"))?.map(|v| !v))
            }
            "Fn::And" | "Fn::Or" => {
                let args = Self::arguments(argument, 2..=10, key, &path)?;
                let is_and = key == "Fn::And";
                let mut undecided = false;
                for (i, arg) in args.iter().enumerate() {
                    match self.boolean(arg, &format!("{path}[{i}]"))? {
                        Some(v) if v != is_and => return Ok(Some(v)),
                        Some(_) => {}
                        None => undecided = true,
                    }
                }
                Ok(if undecided { None } else { Some(is_and) })
            }
            "Condition" => {
                let name = argument.as_str().ok_or_else(|| {
                    Self::unsupported(
                        &path,
                        argument.span,
                        "Condition takes a condition name".into(),
                    )
                })?;
                self.decide(name, argument.span, &path)
            }
            other => Err(Self::unsupported(
                &path,
                body.span,
                format!("`{other}` is not a condition function"),
            )),
        }
    }
}

/// Standard base64 with padding (what Fn::Base64 returns).
fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(TABLE[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn base64_matches_the_rfc_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }
}
