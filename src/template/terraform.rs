//! Policies in a Terraform plan (`terraform show -json`): `planned_values` with every child
//! module, the `aws_iam_*` policy resources, role trust and inline policies, and the resource
//! policy types tf-policy-validator reads (plus a few more).
//!
//! A policy attribute unknown at plan time (`after_unknown`) is rendered from the
//! `aws_iam_policy_document` it comes from when that is fully known (prior state, or constant
//! configuration); otherwise it is `unknown`, naming the references it waits for. An unknown
//! attribute that the configuration never sets (a bucket's `policy` when a separate
//! `aws_s3_bucket_policy` manages it) is computed, not a policy: noted, not checked.

use super::{
    ExtractedPolicy, Extraction, PolicyKind, Refusal, ResolveOptions, SourceFormat, TemplateError,
};
use crate::parse::{parse_json, Json, JsonKind, Span};
use std::collections::BTreeMap;

/// Where a resource type keeps its policies.
enum Attribute {
    /// The attribute is a policy JSON string.
    Policy(&'static str, PolicyKind),
    /// A list of blocks whose `policy` member is a policy JSON string (`inline_policy`).
    Blocks(&'static str, PolicyKind),
    LambdaPermission,
}

fn attributes(resource_type: &str) -> &'static [Attribute] {
    use Attribute::{Blocks, LambdaPermission, Policy};
    use PolicyKind::{Identity, Resource};
    match resource_type {
        "aws_iam_role" => &[
            Policy("assume_role_policy", Resource),
            Blocks("inline_policy", Identity),
        ],
        "aws_iam_policy"
        | "aws_iam_role_policy"
        | "aws_iam_user_policy"
        | "aws_iam_group_policy" => &[Policy("policy", Identity)],
        "aws_ssoadmin_permission_set_inline_policy" => &[Policy("inline_policy", Identity)],
        "aws_organizations_policy" => &[Policy("content", Identity)],
        "aws_s3_bucket_policy"
        | "aws_s3_bucket"
        | "aws_kms_key"
        | "aws_sqs_queue_policy"
        | "aws_sqs_queue"
        | "aws_sns_topic_policy"
        | "aws_sns_topic"
        | "aws_secretsmanager_secret_policy"
        | "aws_secretsmanager_secret"
        | "aws_ecr_repository_policy"
        | "aws_ecr_registry_policy"
        | "aws_api_gateway_rest_api_policy"
        | "aws_api_gateway_rest_api"
        | "aws_backup_vault_policy"
        | "aws_dynamodb_resource_policy"
        | "aws_kinesis_resource_policy"
        | "aws_efs_file_system_policy"
        | "aws_s3_access_point"
        | "aws_s3control_access_point_policy"
        | "aws_s3control_bucket_policy"
        | "aws_glue_resource_policy" => &[Policy("policy", Resource)],
        "aws_opensearch_domain_policy"
        | "aws_opensearch_domain"
        | "aws_elasticsearch_domain_policy"
        | "aws_elasticsearch_domain" => &[Policy("access_policies", Resource)],
        "aws_codeartifact_domain_permissions_policy"
        | "aws_codeartifact_repository_permissions_policy"
        | "aws_cloudwatch_log_resource_policy" => &[Policy("policy_document", Resource)],
        "aws_s3tables_table_bucket_policy" | "aws_s3tables_table_policy" => {
            &[Policy("resource_policy", Resource)]
        }
        "aws_glacier_vault" => &[Policy("access_policy", Resource)],
        "aws_lambda_permission" => &[LambdaPermission],
        _ => &[],
    }
}

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

fn read_attribute(
    plan: &Plan,
    extraction: &mut Extraction,
    address: &str,
    kind: &str,
    values: &Json,
    attribute: &Attribute,
    options: &ResolveOptions,
) {
    let refuse = |extraction: &mut Extraction, path: &str, reason: String, span: Span| {
        extraction.refusals.push(Refusal {
            origin: address.into(),
            path: path.into(),
            resource_type: kind.into(),
            reason,
            span,
        });
    };
    match attribute {
        Attribute::Policy(name, policy_kind) => match values.get(name) {
            Some(Json {
                kind: JsonKind::String(text),
                span,
            }) if !text.trim().is_empty() => match document(text, *span) {
                Ok(doc) => push(extraction, address, name, kind, *policy_kind, doc, values),
                Err(reason) => refuse(extraction, name, reason, *span),
            },
            Some(Json {
                kind: JsonKind::String(_),
                ..
            }) => extraction.notes.push(format!("{address} {name} is empty")),
            Some(Json {
                kind: JsonKind::Null,
                ..
            })
            | None => unknown_attribute(
                plan,
                extraction,
                address,
                kind,
                name,
                *policy_kind,
                values.span,
            ),
            Some(other) => refuse(
                extraction,
                name,
                format!(
                    "`{name}` is {}, not a policy JSON string",
                    other.type_name()
                ),
                other.span,
            ),
        },
        Attribute::Blocks(name, policy_kind) => match values.get(name).map(|v| &v.kind) {
            Some(JsonKind::Array(blocks)) => {
                for (i, block) in blocks.iter().enumerate() {
                    let path = format!("{name}[{i}].policy");
                    match block.get("policy") {
                        Some(Json {
                            kind: JsonKind::String(text),
                            span,
                        }) if !text.trim().is_empty() => match document(text, *span) {
                            Ok(doc) => {
                                push(extraction, address, &path, kind, *policy_kind, doc, values)
                            }
                            Err(reason) => refuse(extraction, &path, reason, *span),
                        },
                        // An empty `inline_policy {}` block removes inline policies.
                        _ if block
                            .get("name")
                            .is_none_or(|n| n.as_str().is_none_or(str::is_empty)) => {}
                        _ => refuse(
                            extraction,
                            &path,
                            format!("the policy of {path} is known only after apply"),
                            block.span,
                        ),
                    }
                }
            }
            Some(JsonKind::Null) | None => unknown_attribute(
                plan,
                extraction,
                address,
                kind,
                name,
                *policy_kind,
                values.span,
            ),
            Some(_) => refuse(
                extraction,
                name,
                format!("`{name}` is not a list of blocks"),
                values.span,
            ),
        },
        Attribute::LambdaPermission => {
            lambda_permission(extraction, address, kind, values, options)
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

fn relocate(json: &mut Json, span: Span) {
    json.span = span;
    match &mut json.kind {
        JsonKind::Array(items) => items.iter_mut().for_each(|i| relocate(i, span)),
        JsonKind::Object(members) => members.iter_mut().for_each(|(_, s, v)| {
            *s = span;
            relocate(v, span);
        }),
        _ => {}
    }
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

/// An attribute absent from `values`: unknown until apply, or simply not set.
fn unknown_attribute(
    plan: &Plan,
    extraction: &mut Extraction,
    address: &str,
    kind: &str,
    name: &str,
    policy_kind: PolicyKind,
    span: Span,
) {
    let after_unknown = plan
        .changes
        .get(address)
        .and_then(|c| c.get("change"))
        .and_then(|c| c.get("after_unknown"))
        .and_then(|u| u.get(name));
    let is_unknown = after_unknown.is_some_and(|u| !matches!(u.kind, JsonKind::Bool(false)));
    if !is_unknown {
        return;
    }
    let Some(expression) = configured(plan, address, name) else {
        extraction.notes.push(format!(
            "{address} {name} is computed by the provider (not set in the configuration)"
        ));
        return;
    };
    let references = references_of(expression);
    // The policy of a data source known in the prior state, or rendered from constants.
    for reference in &references {
        let data = reference.strip_suffix(".json").unwrap_or(reference);
        if !data.starts_with("data.aws_iam_policy_document.") {
            continue;
        }
        let data_address = module_prefix(address).to_string() + data;
        if let Some(text) = plan
            .prior_data
            .get(&data_address)
            .and_then(|d| d.get("values"))
            .and_then(|v| v.get("json"))
            .and_then(Json::as_str)
        {
            if let Ok(doc) = document(text, span) {
                push(
                    extraction,
                    address,
                    name,
                    kind,
                    policy_kind,
                    doc,
                    &Json {
                        kind: JsonKind::Null,
                        span,
                    },
                );
                return;
            }
        }
        // Not rendered in the plan: rendered here, its unknown parts as unknown values.
        let planned = plan.changes.get(data_address.as_str()).copied();
        let configured =
            configured_resource(plan, &data_address).and_then(|r| r.get("expressions"));
        if planned.is_none() && configured.is_none() {
            continue;
        }
        let rendered = super::policy_document::render(&data_address, planned, configured)
            .and_then(|r| Ok((document(&r.document.to_string(), span)?, r.unknown_values)));
        match rendered {
            Ok((doc, unknown_values)) => {
                let null = Json {
                    kind: JsonKind::Null,
                    span,
                };
                push(extraction, address, name, kind, policy_kind, doc, &null);
                if let Some(policy) = extraction.policies.last_mut() {
                    policy.unknown_values = unknown_values;
                }
            }
            Err(reason) => extraction.refusals.push(Refusal {
                origin: address.into(),
                path: name.into(),
                resource_type: kind.into(),
                reason,
                span,
            }),
        }
        return;
    }
    let waits_for: Vec<&String> = references
        .iter()
        .filter(|r| !r.ends_with(".json"))
        .collect();
    let waits_for = if waits_for.is_empty() {
        references.iter().collect()
    } else {
        waits_for
    };
    let names: Vec<String> = waits_for.iter().map(|r| format!("`{r}`")).collect();
    extraction.refusals.push(Refusal {
        origin: address.into(),
        path: name.into(),
        resource_type: kind.into(),
        reason: format!(
            "unknown: the policy in `{name}` is known only after apply (it reads {}); no variable can stand for a whole policy",
            if names.is_empty() { "values computed at apply time".to_string() } else { names.join(", ") }
        ),
        span,
    });
}

/// `module.a.module.b.` of an address (empty at the root).
fn module_prefix(address: &str) -> &str {
    let mut end = 0;
    let mut rest = address;
    while let Some(after) = rest.strip_prefix("module.") {
        let name_end = after.find('.').unwrap_or(after.len());
        let consumed = "module.".len() + name_end + 1;
        if consumed > rest.len() {
            break;
        }
        end += consumed;
        rest = &rest[consumed..];
    }
    &address[..end.min(address.len())]
}

/// The configuration expression of an attribute, found through the module calls.
fn configured<'p>(plan: &Plan<'p>, address: &str, name: &str) -> Option<&'p Json> {
    configured_resource(plan, address)?
        .get("expressions")?
        .get(name)
}

/// The configuration block of a resource (or data source), found through the module calls.
fn configured_resource<'p>(plan: &Plan<'p>, address: &str) -> Option<&'p Json> {
    let mut module = plan.configuration?.get("root_module")?;
    let mut rest = address;
    while let Some(after) = rest.strip_prefix("module.") {
        let end = after.find('.')?;
        let call = after[..end].split('[').next()?;
        module = module.get("module_calls")?.get(call)?.get("module")?;
        rest = &after[end + 1..];
    }
    let local = rest.split('[').next()?;
    module
        .get("resources")?
        .as_array()?
        .iter()
        .find(|r| r.get("address").and_then(Json::as_str) == Some(local))
}

fn references_of(expression: &Json) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![expression];
    while let Some(value) = stack.pop() {
        match &value.kind {
            JsonKind::Object(members) => {
                for (key, _, v) in members {
                    if key == "references" {
                        out.extend(
                            v.as_array()
                                .unwrap_or_default()
                                .iter()
                                .filter_map(|r| r.as_str().map(str::to_string)),
                        );
                    } else {
                        stack.push(v);
                    }
                }
            }
            JsonKind::Array(items) => stack.extend(items.iter()),
            _ => {}
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The statement Lambda adds for an `aws_lambda_permission`.
fn lambda_permission(
    extraction: &mut Extraction,
    address: &str,
    kind: &str,
    values: &Json,
    options: &ResolveOptions,
) {
    let span = values.span;
    let text = |k: &str| {
        values
            .get(k)
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let s = |v: String| serde_json::Value::String(v);
    let mut statement = serde_json::Map::new();
    statement.insert("Effect".into(), s("Allow".into()));
    let missing: Vec<&str> = ["action", "function_name", "principal"]
        .into_iter()
        .filter(|k| text(k).is_none())
        .collect();
    if !missing.is_empty() {
        extraction.refusals.push(Refusal {
            origin: address.into(),
            path: missing.join(", "),
            resource_type: kind.into(),
            reason: format!("unknown: {} known only after apply", missing.join(", ")),
            span,
        });
        return;
    }
    let principal = text("principal").unwrap_or_default();
    let principal = if principal == "*" {
        s(principal)
    } else if principal.contains(".amazonaws.com") {
        serde_json::json!({ "Service": principal })
    } else {
        serde_json::json!({ "AWS": principal })
    };
    statement.insert("Principal".into(), principal);
    statement.insert("Action".into(), s(text("action").unwrap_or_default()));
    let mut function = text("function_name").unwrap_or_default();
    if !function.starts_with("arn:") {
        // A bare name: the function in the region and account given (--region, --account-id).
        function = format!(
            "arn:{}:lambda:{}:{}:function:{function}",
            options.partition(),
            options.region,
            options.account_id
        );
    }
    // A `qualifier` (version or alias) puts the statement on the qualified ARN.
    if let Some(qualifier) = text("qualifier") {
        function = format!("{function}:{qualifier}");
    }
    statement.insert("Resource".into(), s(function));
    let mut condition = serde_json::Map::new();
    if let Some(arn) = text("source_arn") {
        condition.insert(
            "ArnLike".into(),
            serde_json::json!({ "aws:SourceArn": arn }),
        );
    }
    let mut equals = serde_json::Map::new();
    for (attribute, key) in [
        ("source_account", "aws:SourceAccount"),
        ("principal_org_id", "aws:PrincipalOrgID"),
        ("function_url_auth_type", "lambda:FunctionUrlAuthType"),
    ] {
        if let Some(v) = text(attribute) {
            equals.insert(key.into(), s(v));
        }
    }
    if !equals.is_empty() {
        condition.insert("StringEquals".into(), serde_json::Value::Object(equals));
    }
    if !condition.is_empty() {
        statement.insert("Condition".into(), serde_json::Value::Object(condition));
    }
    let policy = serde_json::json!({ "Version": "2012-10-17", "Statement": [statement] });
    match document(&policy.to_string(), span) {
        Ok(doc) => push(
            extraction,
            address,
            "(permission)",
            kind,
            PolicyKind::Resource,
            doc,
            values,
        ),
        Err(reason) => extraction.refusals.push(Refusal {
            origin: address.into(),
            path: "(permission)".into(),
            resource_type: kind.into(),
            reason,
            span,
        }),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::module_prefix;

    #[test]
    fn module_prefixes() {
        assert_eq!(module_prefix("aws_iam_role.r"), "");
        assert_eq!(
            module_prefix("module.poc.aws_iam_role.r[\"p1\"]"),
            "module.poc."
        );
        assert_eq!(
            module_prefix("module.a[0].module.b.aws_s3_bucket_policy.p"),
            "module.a[0].module.b."
        );
    }
}
