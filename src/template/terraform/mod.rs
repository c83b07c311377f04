//! Policies in a Terraform plan (`terraform show -json`): `planned_values` with every child
//! module, the `aws_iam_*` policy resources, role trust and inline policies, and the resource
//! policy types tf-policy-validator reads (plus a few more).
//!
//! A policy attribute unknown at plan time (`after_unknown`) is rendered from the
//! `aws_iam_policy_document` it comes from when that is fully known (prior state, or constant
//! configuration); otherwise it is `unknown`, naming the references it waits for. An unknown
//! attribute that the configuration never sets (a bucket's `policy` when a separate
//! `aws_s3_bucket_policy` manages it) is computed, not a policy: noted, not checked.

mod attributes;
mod lambda;
mod unknown_at_plan;

use super::{
    relocate, ExtractedPolicy, Extraction, PolicyKind, ResolveOptions, SourceFormat, TemplateError,
};
use crate::parse::{parse_json, Json, Span};
use attributes::{attributes, read_attribute};
use std::collections::BTreeMap;

struct Plan<'p> {
    changes: BTreeMap<&'p str, &'p Json>,
    prior_data: BTreeMap<String, &'p Json>,
    configuration: Option<&'p Json>,
}

pub fn extract(
    plan: &Json,
    file: &str,
    options: &ResolveOptions,
) -> Result<Extraction, TemplateError> {
    let mut extraction = Extraction {
        format: SourceFormat::TerraformPlan,
        policies: Vec::new(),
        refusals: Vec::new(),
        notes: Vec::new(),
    };
    let changes = plan
        .get("resource_changes")
        .and_then(Json::as_array)
        .unwrap_or_default()
        .iter()
        .filter_map(|c| Some((c.get("address")?.as_str()?, c)))
        .collect();
    let mut prior_data = BTreeMap::new();
    if let Some(root) = plan
        .get("prior_state")
        .and_then(|s| s.get("values"))
        .and_then(|v| v.get("root_module"))
    {
        walk_modules(root, &mut |r| {
            if r.get("mode").and_then(Json::as_str) == Some("data") {
                if let Some(address) = r.get("address").and_then(Json::as_str) {
                    prior_data.insert(address.to_string(), r);
                }
            }
        });
    }
    let context = Plan {
        changes,
        prior_data,
        configuration: plan.get("configuration"),
    };
    let planned_root = plan
        .get("planned_values")
        .and_then(|v| v.get("root_module"));
    if planned_root.is_none() && context.changes.is_empty() {
        return Err(TemplateError {
            file: file.to_string(),
            origin: None,
            path: "planned_values".into(),
            span: plan.span,
            message: "a plan without `planned_values` or `resource_changes` (is this `terraform show -json` of a plan?)".into(),
        });
    }
    // `resource_changes` first (its `after` is what apply will make; a delete makes nothing),
    // then resources only `planned_values` lists (some producers trim one or the other).
    let mut resources: Vec<(&str, &str, &Json)> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (address, change) in &context.changes {
        if change.get("mode").and_then(Json::as_str) != Some("managed") {
            continue;
        }
        seen.insert(*address);
        let Some(kind) = change.get("type").and_then(Json::as_str) else {
            continue;
        };
        let after = change.get("change").and_then(|c| c.get("after"));
        if let Some(after) = after.filter(|a| a.as_object().is_some()) {
            resources.push((address, kind, after));
        }
    }
    if let Some(root) = planned_root {
        let mut planned = Vec::new();
        walk_modules(root, &mut |r| planned.push(r));
        for resource in planned {
            if resource.get("mode").and_then(Json::as_str) != Some("managed") {
                continue;
            }
            let (Some(address), Some(kind), Some(values)) = (
                resource.get("address").and_then(Json::as_str),
                resource.get("type").and_then(Json::as_str),
                resource.get("values"),
            ) else {
                continue;
            };
            if seen.insert(address) {
                resources.push((address, kind, values));
            }
        }
    }
    for (address, kind, values) in resources {
        for attribute in attributes(kind) {
            read_attribute(
                &context,
                &mut extraction,
                address,
                kind,
                values,
                attribute,
                options,
            );
        }
    }
    Ok(extraction)
}

/// Calls `f` on every resource of a module and its child modules (depth-first, in order).
fn walk_modules<'p>(module: &'p Json, f: &mut dyn FnMut(&'p Json)) {
    let mut stack = vec![module];
    while let Some(module) = stack.pop() {
        for r in module
            .get("resources")
            .and_then(Json::as_array)
            .unwrap_or_default()
        {
            f(r);
        }
        if let Some(children) = module.get("child_modules").and_then(Json::as_array) {
            stack.extend(children.iter().rev());
        }
    }
}

fn document(text: &str, span: Span) -> Result<Json, String> {
    let mut json = parse_json(text.as_bytes(), "policy").map_err(|e| {
        format!(
            "the policy is not JSON: {} at {} (line {}, column {} of the string)",
            e.message, e.path, e.line, e.col
        )
    })?;
    relocate(&mut json, span);
    Ok(json)
}

/// The attributes tf-policy-validator names a resource by, in order.
const NAME_ATTRIBUTES: &[&str] = &[
    "name",
    "bucket",
    "resource_arn",
    "table_bucket_arn",
    "backup_vault_name",
    "domain",
    "domain_name",
    "queue_url",
    "arn",
    "topic_arn",
    "secret_arn",
    "repository",
    "function_name",
    "key_id",
    "role",
    "user",
    "group",
];

fn push(
    extraction: &mut Extraction,
    address: &str,
    path: &str,
    kind: &str,
    policy_kind: PolicyKind,
    document: Json,
    values: &Json,
) {
    let block = path
        .strip_prefix("inline_policy[")
        .and_then(|rest| rest.split(']').next())
        .and_then(|i| i.parse::<usize>().ok());
    let named = |json: &Json| {
        NAME_ATTRIBUTES.iter().find_map(|k| {
            json.get(k)
                .and_then(Json::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        })
    };
    // An inline policy is named by its role, as tf-policy-validator does.
    let resource_name =
        named(values).unwrap_or_else(|| address.rsplit('.').next().unwrap_or(address).to_string());
    let policy_name = match block {
        Some(i) => format!("{address}.inline_policy.{i}"),
        None => address.to_string(),
    };
    let attached_to = ["user", "role", "group", "bucket"]
        .iter()
        .find_map(|k| values.get(k).and_then(Json::as_str).map(str::to_string));
    extraction.policies.push(ExtractedPolicy {
        resource_name,
        policy_name,
        attached_to,
        origin: address.into(),
        path: path.into(),
        resource_type: kind.into(),
        kind: policy_kind,
        span: document.span,
        document,
        unknown_values: Vec::new(),
        assumed_conditions: BTreeMap::new(),
    });
}
