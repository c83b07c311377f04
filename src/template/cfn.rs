//! Policies in a CloudFormation template: the resource types and properties
//! cfn-policy-validator reads (plus ECR and a few more resource policies), each resolved per
//! undecidable condition branch and named by logical id and property path.

use super::intrinsics::{Failure, Resolver};
use super::{
    ExtractedPolicy, Extraction, PolicyKind, Refusal, ResolveOptions, SourceFormat, TemplateError,
};
use crate::parse::{parse_json, Json, JsonKind, Span};
use std::collections::BTreeMap;

/// Most copies of one policy made for undecidable conditions (2 per condition).
pub const MAX_VARIANTS: usize = 16;

/// Where a type keeps its policies.
enum Site {
    /// `Properties.<name>` is a policy document (an object, or a JSON string).
    Document(&'static str, PolicyKind),
    /// `Properties.<name>[i].PolicyDocument` (IAM inline policies).
    InlineList(&'static str, PolicyKind),
    /// A statement built from the properties of `AWS::Lambda::Permission`.
    LambdaPermission,
    LayerVersionPermission,
}

fn sites(resource_type: &str) -> &'static [Site] {
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

#[allow(clippy::too_many_arguments)]
fn read_site(
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

/// Positions inside a policy given as a string point at the string in the template.
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
    super::unknown::collect_markers(&document, &mut used);
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

fn member(key: &str, value: Json) -> (String, Span, Json) {
    let span = value.span;
    (key.to_string(), span, value)
}

fn object(span: Span, members: Vec<(String, Span, Json)>) -> Json {
    Json {
        kind: JsonKind::Object(members),
        span,
    }
}

fn string(text: &str, span: Span) -> Json {
    Json {
        kind: JsonKind::String(text.to_string()),
        span,
    }
}

fn policy_of(span: Span, statement: Vec<(String, Span, Json)>) -> Json {
    object(
        span,
        vec![
            member("Version", string("2012-10-17", span)),
            member(
                "Statement",
                Json {
                    kind: JsonKind::Array(vec![object(span, statement)]),
                    span,
                },
            ),
        ],
    )
}

/// The statement Lambda adds to the function's policy for an `AWS::Lambda::Permission`.
fn lambda_permission(properties: &Json, options: &ResolveOptions) -> Json {
    let resource = properties
        .get("FunctionName")
        .cloned()
        .map(|f| function_arn(f, options));
    let source_arn = properties.get("SourceArn").cloned();
    permission_policy(
        properties,
        resource,
        source_arn,
        &[
            ("SourceAccount", "aws:SourceAccount"),
            ("PrincipalOrgID", "aws:PrincipalOrgID"),
            ("FunctionUrlAuthType", "lambda:FunctionUrlAuthType"),
        ],
    )
}

/// The statement of an `AWS::Lambda::LayerVersionPermission`.
fn layer_permission(properties: &Json) -> Json {
    let resource = properties.get("LayerVersionArn").cloned();
    permission_policy(
        properties,
        resource,
        None,
        &[("OrganizationId", "aws:PrincipalOrgID")],
    )
}

/// One Allow statement of a Lambda permission: its `Principal` and `Action` properties, the
/// resource, `ArnLike aws:SourceArn` when given, and a `StringEquals` condition key for each
/// `(property, key)` that is set.
fn permission_policy(
    properties: &Json,
    resource: Option<Json>,
    source_arn: Option<Json>,
    equals_keys: &[(&str, &str)],
) -> Json {
    let span = properties.span;
    let get = |k: &str| properties.get(k).cloned();
    let mut statement = vec![member("Effect", string("Allow", span))];
    if let Some(principal) = get("Principal") {
        statement.push(member("Principal", principal_of(principal)));
    }
    if let Some(action) = get("Action") {
        statement.push(member("Action", action));
    }
    if let Some(resource) = resource {
        statement.push(member("Resource", resource));
    }
    let mut conditions = Vec::new();
    if let Some(arn) = source_arn {
        conditions.push(member(
            "ArnLike",
            object(span, vec![member("aws:SourceArn", arn)]),
        ));
    }
    let equals: Vec<(String, Span, Json)> = equals_keys
        .iter()
        .filter_map(|(property, key)| get(property).map(|value| member(key, value)))
        .collect();
    if !equals.is_empty() {
        conditions.push(member("StringEquals", object(span, equals)));
    }
    if !conditions.is_empty() {
        statement.push(member("Condition", object(span, conditions)));
    }
    policy_of(span, statement)
}

/// `*` stays `*`; a service name (`s3.amazonaws.com`) is a Service principal; anything else
/// (an account id or ARN) an AWS principal.
fn principal_of(principal: Json) -> Json {
    let span = principal.span;
    match principal.as_str() {
        Some("*") => principal,
        Some(text) if text.contains(".amazonaws.com") || text.ends_with(".aws.internal") => {
            object(span, vec![member("Service", principal)])
        }
        _ => object(span, vec![member("AWS", principal)]),
    }
}

/// A function name or ARN, as the function's ARN.
fn function_arn(function: Json, options: &ResolveOptions) -> Json {
    let span = function.span;
    match function.as_str() {
        Some(text) if !text.starts_with("arn:") => string(
            &format!(
                "arn:{}:lambda:{}:{}:function:{text}",
                options.partition(),
                options.region,
                options.account_id
            ),
            span,
        ),
        _ => function,
    }
}
