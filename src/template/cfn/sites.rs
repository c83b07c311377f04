//! Where each CloudFormation resource type keeps its policies, and how one site is read: per
//! condition branch, as a document or a list of inline policies, named by logical id and path.

use super::lambda::{lambda_permission, layer_permission};
use super::{from_failure, refusal, variants};
use crate::parse::{parse_json, Json, JsonKind, Span};
use crate::template::intrinsics::Resolver;
use crate::template::{relocate, ExtractedPolicy, Extraction, PolicyKind};
use std::collections::BTreeMap;

/// Where a type keeps its policies.
pub(super) enum Site {
    /// `Properties.<name>` is a policy document (an object, or a JSON string).
    Document(&'static str, PolicyKind),
    /// `Properties.<name>[i].PolicyDocument` (IAM inline policies).
    InlineList(&'static str, PolicyKind),
    /// A statement built from the properties of `AWS::Lambda::Permission`.
    LambdaPermission,
    LayerVersionPermission,
}

pub(super) fn sites(resource_type: &str) -> &'static [Site] {
    use PolicyKind::{Identity, Resource};
    match resource_type {
        "AWS::IAM::Role" => &[
            Site::Document("AssumeRolePolicyDocument", Resource),
            Site::InlineList("Policies", Identity),
        ],
        "AWS::IAM::User" | "AWS::IAM::Group" => &[Site::InlineList("Policies", Identity)],
        "AWS::IAM::Policy"
        | "AWS::IAM::ManagedPolicy"
        | "AWS::IAM::RolePolicy"
        | "AWS::IAM::UserPolicy"
        | "AWS::IAM::GroupPolicy" => &[Site::Document("PolicyDocument", Identity)],
        "AWS::SSO::PermissionSet" => &[Site::Document("InlinePolicy", Identity)],
        "AWS::S3::BucketPolicy"
        | "AWS::S3Express::BucketPolicy"
        | "AWS::SQS::QueuePolicy"
        | "AWS::SNS::TopicPolicy" => &[Site::Document("PolicyDocument", Resource)],
        "AWS::S3::AccessPoint"
        | "AWS::S3::MultiRegionAccessPointPolicy"
        | "AWS::S3Express::AccessPoint"
        | "AWS::ApiGateway::RestApi" => &[Site::Document("Policy", Resource)],
        "AWS::KMS::Key" => &[Site::Document("KeyPolicy", Resource)],
        "AWS::SecretsManager::ResourcePolicy"
        | "AWS::CloudTrail::ResourcePolicy"
        | "AWS::S3Tables::TableBucketPolicy"
        | "AWS::S3Tables::TablePolicy" => &[Site::Document("ResourcePolicy", Resource)],
        "AWS::ECR::Repository" => &[Site::Document("RepositoryPolicyText", Resource)],
        "AWS::ECR::RegistryPolicy" => &[Site::Document("PolicyText", Resource)],
        "AWS::Backup::BackupVault" => &[Site::Document("AccessPolicy", Resource)],
        "AWS::EFS::FileSystem" => &[Site::Document("FileSystemPolicy", Resource)],
        "AWS::OpenSearchService::Domain" | "AWS::Elasticsearch::Domain" => {
            &[Site::Document("AccessPolicies", Resource)]
        }
        "AWS::Lambda::Permission" => &[Site::LambdaPermission],
        "AWS::Lambda::LayerVersionPermission" => &[Site::LayerVersionPermission],
        _ => &[],
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn read_site(
    resolver: &mut Resolver,
    extraction: &mut Extraction,
    logical: &str,
    resource_type: &str,
    resource: &Json,
    properties: Option<&Json>,
    site: &Site,
    base: &BTreeMap<String, bool>,
) {
    let Some(properties) = properties else {
        extraction
            .notes
            .push(format!("{logical} ({resource_type}) has no Properties"));
        return;
    };
    let prefix = format!("Resources.{logical}.Properties");
    let (name, kind) = match site {
        Site::Document(name, kind) | Site::InlineList(name, kind) => (*name, *kind),
        Site::LambdaPermission | Site::LayerVersionPermission => {
            match variants(resolver, properties, &prefix, base) {
                Ok(found) => {
                    for (assumed, resolved) in found {
                        let Some(resolved) = resolved else { continue };
                        let document = match site {
                            Site::LambdaPermission => {
                                lambda_permission(&resolved, resolver.options)
                            }
                            _ => layer_permission(&resolved),
                        };
                        push_policy(
                            resolver,
                            extraction,
                            logical,
                            "Properties",
                            resource_type,
                            PolicyKind::Resource,
                            document,
                            assumed,
                            resource.span,
                        );
                    }
                }
                Err(failure) => extraction.refusals.push(from_failure(
                    logical,
                    "Properties",
                    resource_type,
                    failure,
                    properties.span,
                )),
            }
            return;
        }
    };
    let Some(value) = properties.get(name) else {
        extraction
            .notes
            .push(format!("{logical} ({resource_type}) sets no {name}"));
        return;
    };
    let property_path = format!("Properties.{name}");
    let found = match variants(resolver, value, &format!("{prefix}.{name}"), base) {
        Ok(found) => found,
        Err(failure) => {
            extraction.refusals.push(from_failure(
                logical,
                &property_path,
                resource_type,
                failure,
                value.span,
            ));
            return;
        }
    };
    for (assumed, resolved) in found {
        let Some(resolved) = resolved else {
            extraction.notes.push(format!(
                "{logical} {property_path} is AWS::NoValue{}",
                describe(&assumed)
            ));
            continue;
        };
        match site {
            Site::InlineList(..) => {
                let Some(items) = resolved.as_array() else {
                    extraction.refusals.push(refusal(
                        logical,
                        &property_path,
                        resource_type,
                        format!(
                            "`{name}` must be a list of policies, found {}",
                            resolved.type_name()
                        ),
                        resolved.span,
                    ));
                    continue;
                };
                for (i, item) in items.iter().enumerate() {
                    let path = format!("{property_path}[{i}].PolicyDocument");
                    match item.get("PolicyDocument") {
                        Some(document) => match as_document(document, &path) {
                            Ok(document) => {
                                let name = item
                                    .get("PolicyName")
                                    .and_then(Json::scalar_text)
                                    .unwrap_or_else(|| logical.to_string());
                                push_policy(
                                    resolver,
                                    extraction,
                                    logical,
                                    &path,
                                    resource_type,
                                    kind,
                                    document,
                                    assumed.clone(),
                                    item.span,
                                );
                                if let Some(last) = extraction.policies.last_mut() {
                                    last.policy_name = name;
                                }
                            }
                            Err(reason) => extraction.refusals.push(refusal(
                                logical,
                                &path,
                                resource_type,
                                reason,
                                document.span,
                            )),
                        },
                        None => extraction.refusals.push(refusal(
                            logical,
                            &path,
                            resource_type,
                            "an inline policy without `PolicyDocument`".into(),
                            item.span,
                        )),
                    }
                }
            }
            _ => match as_document(&resolved, &property_path) {
                Ok(document) => push_policy(
                    resolver,
                    extraction,
                    logical,
                    &property_path,
                    resource_type,
                    kind,
                    document,
                    assumed,
                    resolved.span,
                ),
                Err(reason) => extraction.refusals.push(refusal(
                    logical,
                    &property_path,
                    resource_type,
                    reason,
                    resolved.span,
                )),
            },
        }
    }
}

fn describe(assumed: &BTreeMap<String, bool>) -> String {
    if assumed.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = assumed.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!(" when {}", parts.join(", "))
}

/// A policy property holds an object or the policy as a JSON string.
fn as_document(value: &Json, path: &str) -> Result<Json, String> {
    match &value.kind {
        JsonKind::Object(_) => Ok(value.clone()),
        JsonKind::String(text) => parse_json(text.as_bytes(), path)
            .map(|mut json| {
                relocate(&mut json, value.span);
                json
            })
            .map_err(|e| {
                format!(
                    "the policy string is not JSON: {} (line {}, column {} of the string)",
                    e.message, e.line, e.col
                )
            }),
        _ => Err(format!(
            "a policy document must be an object or a JSON string, found {}",
            value.type_name()
        )),
    }
}

#[allow(clippy::too_many_arguments)]
fn push_policy(
    resolver: &Resolver,
    extraction: &mut Extraction,
    logical: &str,
    path: &str,
    resource_type: &str,
    kind: PolicyKind,
    document: Json,
    assumed_conditions: BTreeMap<String, bool>,
    span: Span,
) {
    let mut used = Vec::new();
    crate::template::unknown::collect_markers(&document, &mut used);
    let unknown_values = used
        .iter()
        .filter_map(|key| resolver.unknowns.get(&key.to_lowercase()).cloned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    extraction.policies.push(ExtractedPolicy {
        origin: logical.to_string(),
        path: path.to_string(),
        resource_type: resource_type.to_string(),
        kind,
        document,
        unknown_values,
        assumed_conditions,
        span,
        resource_name: logical.to_string(),
        policy_name: logical.to_string(),
        attached_to: None,
    });
}
