//! Where each Terraform resource type keeps its policies, and how one attribute is read: a
//! policy JSON string, a list of `inline_policy` blocks, or a Lambda permission.

use super::lambda::lambda_permission;
use super::unknown_at_plan::unknown_attribute;
use super::{document, push, Plan};
use crate::parse::{Json, JsonKind, Span};
use crate::template::{Extraction, PolicyKind, Refusal, ResolveOptions};

/// Where a resource type keeps its policies.
pub(super) enum Attribute {
    /// The attribute is a policy JSON string.
    Policy(&'static str, PolicyKind),
    /// A list of blocks whose `policy` member is a policy JSON string (`inline_policy`).
    Blocks(&'static str, PolicyKind),
    LambdaPermission,
}

pub(super) fn attributes(resource_type: &str) -> &'static [Attribute] {
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

pub(super) fn read_attribute(
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
    // Absent or null: unknown until apply, or simply not set.
    let unset = |extraction: &mut Extraction, name: &str, policy_kind: PolicyKind| {
        unknown_attribute(
            plan,
            extraction,
            address,
            kind,
            name,
            policy_kind,
            values.span,
        );
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
            | None => unset(extraction, name, *policy_kind),
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
            Some(JsonKind::Null) | None => unset(extraction, name, *policy_kind),
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
