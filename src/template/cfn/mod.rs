//! Policies in a CloudFormation template: the resource types and properties
//! cfn-policy-validator reads (plus ECR and a few more resource policies), each resolved per
//! undecidable condition branch and named by logical id and property path.

mod lambda;
mod sites;

use super::intrinsics::{Failure, Resolver};
use super::{Extraction, Refusal, ResolveOptions, SourceFormat, TemplateError};
use crate::parse::{Json, JsonKind, Span};
use sites::{read_site, sites};
use std::collections::BTreeMap;

/// Most copies of one policy made for undecidable conditions (2 per condition).
pub const MAX_VARIANTS: usize = 16;

/// The transforms whose output equals their input for policies.
const HARMLESS_TRANSFORMS: &[&str] = &["AWS::LanguageExtensions"];

pub fn extract(
    template: &Json,
    file: &str,
    options: &ResolveOptions,
) -> Result<Extraction, TemplateError> {
    let error = |span: Span, origin: Option<String>, path: &str, message: String| TemplateError {
        file: file.to_string(),
        origin,
        path: path.to_string(),
        span,
        message,
    };
    let mut extraction = Extraction {
        format: SourceFormat::CloudFormationJson,
        policies: Vec::new(),
        refusals: Vec::new(),
        notes: Vec::new(),
    };
    if let Some(transform) = template.get("Transform") {
        let names: Vec<String> = match &transform.kind {
            JsonKind::Array(items) => items.iter().filter_map(Json::scalar_text).collect(),
            _ => transform.scalar_text().into_iter().collect(),
        };
        let blocking: Vec<&String> = names
            .iter()
            .filter(|n| !HARMLESS_TRANSFORMS.contains(&n.as_str()))
            .collect();
        if names.is_empty() || !blocking.is_empty() {
            let what = if blocking.iter().any(|n| n.starts_with("AWS::Serverless")) {
                "a SAM template (AWS::Serverless transform): run `sam build` or `aws cloudformation package` and check the processed template".to_string()
            } else {
                format!("the transform {:?} rewrites the template at deploy time; check the processed template", blocking)
            };
            extraction.refusals.push(Refusal {
                origin: "(template)".into(),
                path: "Transform".into(),
                resource_type: "template".into(),
                reason: format!("cannot read policies of {what}"),
                span: transform.span,
            });
            return Ok(extraction);
        }
    }
    let Some(resources) = template.get("Resources") else {
        return Err(error(
            template.span,
            None,
            "Resources",
            "a template needs a `Resources` mapping".into(),
        ));
    };
    let Some(resources) = resources.as_object() else {
        return Err(error(
            resources.span,
            None,
            "Resources",
            format!(
                "`Resources` must be a mapping, found {}",
                resources.type_name()
            ),
        ));
    };
    let mut resolver = Resolver::new(template, options);
    for (logical, key_span, resource) in resources {
        if logical.starts_with("Fn::ForEach") {
            extraction.refusals.push(refusal(
                logical,
                "(loop)",
                "Fn::ForEach",
                "Fn::ForEach (AWS::LanguageExtensions) is not expanded by Keyaki".into(),
                *key_span,
            ));
            continue;
        }
        let Some(resource_type) = resource.get("Type").and_then(Json::as_str) else {
            return Err(error(
                resource.span,
                Some(logical.clone()),
                &format!("Resources.{logical}.Type"),
                "every resource needs a string `Type`".into(),
            ));
        };
        if resource_type.starts_with("AWS::Serverless::") {
            extraction.refusals.push(refusal(
                logical,
                "Properties",
                resource_type,
                "a SAM resource: run `sam build` and check the processed template".into(),
                resource.span,
            ));
            continue;
        }
        let sites = sites(resource_type);
        if sites.is_empty() {
            continue;
        }
        let mut base = BTreeMap::new();
        if let Some(condition) = resource.get("Condition") {
            let Some(name) = condition.as_str() else {
                extraction.refusals.push(refusal(
                    logical,
                    "Condition",
                    resource_type,
                    "a resource's Condition must be a condition name".into(),
                    condition.span,
                ));
                continue;
            };
            match resolver.decide(
                name,
                condition.span,
                &format!("Resources.{logical}.Condition"),
            ) {
                Ok(Some(false)) => {
                    extraction.notes.push(format!(
                        "{logical} ({resource_type}) is not created: its condition {name} is false"
                    ));
                    continue;
                }
                Ok(Some(true)) => {}
                Ok(None) => {
                    base.insert(name.to_string(), true);
                }
                Err(failure) => {
                    extraction.refusals.push(from_failure(
                        logical,
                        "Condition",
                        resource_type,
                        failure,
                        condition.span,
                    ));
                    continue;
                }
            }
        }
        let properties = resource.get("Properties");
        for site in sites {
            read_site(
                &mut resolver,
                &mut extraction,
                logical,
                resource_type,
                resource,
                properties,
                site,
                &base,
            );
        }
    }
    Ok(extraction)
}

fn refusal(origin: &str, path: &str, resource_type: &str, reason: String, span: Span) -> Refusal {
    Refusal {
        origin: origin.into(),
        path: path.into(),
        resource_type: resource_type.into(),
        reason,
        span,
    }
}

fn from_failure(
    origin: &str,
    path: &str,
    resource_type: &str,
    failure: Failure,
    fallback: Span,
) -> Refusal {
    match failure {
        Failure::Unsupported {
            path: at,
            span,
            message,
        } => refusal(origin, &at, resource_type, message, span),
        Failure::Unknown {
            path: at,
            span,
            message,
        } => refusal(
            origin,
            &at,
            resource_type,
            format!("unknown: {message}"),
            span,
        ),
        Failure::NeedsCondition(name) => refusal(
            origin,
            path,
            resource_type,
            format!("condition {name} cannot be decided"),
            fallback,
        ),
    }
}

/// A resolved value with the condition branches it assumes.
type Variant = (BTreeMap<String, bool>, Option<Json>);

/// Resolves `value` once per branch of every undecidable condition it reads.
fn variants(
    resolver: &mut Resolver,
    value: &Json,
    path: &str,
    base: &BTreeMap<String, bool>,
) -> Result<Vec<Variant>, Failure> {
    let mut pending = vec![base.clone()];
    let mut done = Vec::new();
    while let Some(assumptions) = pending.pop() {
        resolver.assumptions = assumptions.clone();
        match resolver.resolve(value, path) {
            Ok(resolved) => done.push((assumptions, resolved)),
            Err(Failure::NeedsCondition(name)) => {
                if done.len() + pending.len() + 2 > MAX_VARIANTS {
                    return Err(Failure::Unsupported {
                        path: path.to_string(),
                        span: value.span,
                        message: format!("more than {MAX_VARIANTS} combinations of undecidable conditions; give the parameters they read"),
                    });
                }
                for branch in [false, true] {
                    let mut next = assumptions.clone();
                    next.insert(name.clone(), branch);
                    pending.push(next);
                }
            }
            Err(other) => return Err(other),
        }
    }
    done.reverse();
    Ok(done)
}
