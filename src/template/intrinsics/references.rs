//! Names a template refers to: `Ref` (parameters, pseudo parameters, resources),
//! `Fn::GetAtt` and the `${...}` of `Fn::Sub`.

use super::{string, text, Failure, Resolver};
use crate::parse::{Json, JsonKind, Span};
use crate::template::arns;
use crate::template::unknown::{self, UnknownValue};
use std::collections::BTreeMap;

impl Resolver<'_> {
    pub(super) fn reference(
        &mut self,
        target: &str,
        span: Span,
        path: &str,
    ) -> Result<Option<Json>, Failure> {
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

    pub(super) fn get_att(
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

    pub(super) fn sub(
        &mut self,
        argument: &Json,
        span: Span,
        path: &str,
    ) -> Result<String, Failure> {
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
}
