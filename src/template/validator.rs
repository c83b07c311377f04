//! The cfn-policy-validator / tf-policy-validator contract, answered by proof: the same checks,
//! finding shape (`{"BlockingFindings": [...], "NonBlockingFindings": [...]}`) and exit codes
//! (0 nothing blocking, 2 something blocking, 1 error), with Keyaki's counterexample requests
//! in each finding's `details`.
//!
//! Fail closed: a policy the prover cannot decide, an unknown value where no variable can stand,
//! or a template element that cannot be resolved is a blocking finding of its own code, whatever
//! `--treat-findings-as-non-blocking` says.

use super::analysis::{needs, prepare, NotCheckable};
use super::{ExtractedPolicy, Extraction, PolicyKind};
use crate::access::spec::{not_granted, public_target};
use crate::access::{find, Finding};
use crate::eval::PolicyType;
use crate::explain::CheckOptions;
use crate::model::Policy;
use crate::report::{counterexample_json, CheckResult};
use serde_json::{json, Value};

/// The blocking finding code of an answer the prover could not give.
pub const UNKNOWN_CODE: &str = "keyaki-Unknown";
/// The blocking finding code of a template element Keyaki cannot resolve.
pub const UNRESOLVED_CODE: &str = "keyaki-UnresolvedTemplateElement";

/// One of the validators' custom policy checks.
pub enum Check {
    NoNewAccess {
        reference: Policy,
        policy_type: PolicyKind,
    },
    AccessNotGranted {
        actions: Vec<String>,
        resources: Vec<String>,
    },
    NoPublicAccess,
}

impl Check {
    fn code(&self) -> &'static str {
        match self {
            Check::NoNewAccess { .. } => "policy-analysis-CheckNoNewAccess",
            Check::AccessNotGranted { .. } => "policy-analysis-CheckAccessNotGranted",
            Check::NoPublicAccess => "policy-analysis-CheckNoPublicAccess",
        }
    }
}

/// The validators' options that decide what blocks.
#[derive(Debug, Clone)]
pub struct Options {
    /// Finding types that block (`--treat-finding-type-as-blocking`; default ERROR,SECURITY_WARNING).
    pub blocking_types: Vec<String>,
    /// `--treat-findings-as-non-blocking` (never for unknown or unresolved: fail closed).
    pub all_non_blocking: bool,
    /// `--ignore-finding`: codes, resource names, or `Resource.CODE`.
    pub ignore: Vec<String>,
    /// `--exclude-resource-types` (`AWS::SQS::QueuePolicy`, `aws_sqs_queue_policy`).
    pub exclude_resource_types: Vec<String>,
    pub check: CheckOptions,
}

/// The validator report of one template or plan.
pub fn run(extraction: &Extraction, check: &Check, options: &Options) -> Value {
    let mut blocking = Vec::new();
    let mut non_blocking = Vec::new();
    let mut emit = |finding: Value, fail_closed: bool| {
        let kind = finding["findingType"].as_str().unwrap_or("").to_string();
        let code = finding["code"].as_str().unwrap_or("").to_string();
        let resource = finding["resourceName"].as_str().unwrap_or("").to_string();
        let ignored = options.ignore.iter().any(|i| {
            *i == code
                || *i == resource
                || *i == format!("{resource}.{code}")
                || *i == finding["policyName"].as_str().unwrap_or("")
        });
        if ignored && !fail_closed {
            return;
        }
        let blocks = fail_closed
            || (!options.all_non_blocking
                && options
                    .blocking_types
                    .iter()
                    .any(|t| t.eq_ignore_ascii_case(&kind)));
        if blocks {
            blocking.push(finding);
        } else {
            non_blocking.push(finding);
        }
    };
    let excluded = |resource_type: &str| {
        options
            .exclude_resource_types
            .iter()
            .any(|t| t.eq_ignore_ascii_case(resource_type))
    };
    for refusal in &extraction.refusals {
        if excluded(&refusal.resource_type) {
            continue;
        }
        let unknown = refusal.reason.starts_with("unknown:");
        emit(
            json!({
                "findingType": "ERROR",
                "code": if unknown { UNKNOWN_CODE } else { UNRESOLVED_CODE },
                "message": refusal.reason,
                "resourceName": refusal.origin,
                "policyName": format!("{} {}", refusal.origin, refusal.path),
                "details": {"resourceType": refusal.resource_type, "path": refusal.path, "line": refusal.span.line, "column": refusal.span.col},
            }),
            true,
        );
    }
    for policy in &extraction.policies {
        if excluded(&policy.resource_type) {
            continue;
        }
        if let Check::NoNewAccess { policy_type, .. } = check {
            if policy.kind != *policy_type {
                continue;
            }
        }
        if matches!(check, Check::NoPublicAccess) && policy.kind != PolicyKind::Resource {
            continue;
        }
        for (finding, fail_closed) in check_policy(policy, check, &options.check) {
            emit(finding, fail_closed);
        }
    }
    json!({ "BlockingFindings": blocking, "NonBlockingFindings": non_blocking })
}

fn base(
    policy: &ExtractedPolicy,
    kind: &str,
    code: &str,
    message: String,
    details: Value,
) -> Value {
    json!({
        "findingType": kind,
        "code": code,
        "message": message,
        "resourceName": policy.resource_name,
        "policyName": policy.policy_name,
        "details": details,
    })
}

/// The finding of a check that failed: a security warning (blocking as the options say).
fn security_warning(
    policy: &ExtractedPolicy,
    check: &Check,
    message: &str,
    details: Value,
) -> (Value, bool) {
    let finding = base(
        policy,
        "SECURITY_WARNING",
        check.code(),
        message.into(),
        details,
    );
    (finding, false)
}

/// The finding of a policy whose check ended unknown: an error that always blocks.
fn unknown_finding(
    policy: &ExtractedPolicy,
    message: String,
    reason: &str,
    origin: &Value,
) -> (Value, bool) {
    let details = json!({"result": "UNKNOWN", "reason": reason, "origin": origin});
    (base(policy, "ERROR", UNKNOWN_CODE, message, details), true)
}

/// The findings of one policy, each with whether it blocks regardless of options.
fn check_policy(
    policy: &ExtractedPolicy,
    check: &Check,
    options: &CheckOptions,
) -> Vec<(Value, bool)> {
    let origin = json!({"origin": policy.origin, "path": policy.path, "resourceType": policy.resource_type, "line": policy.span.line, "column": policy.span.col});
    let model = match prepare(policy) {
        Ok(model) => model,
        Err(NotCheckable::Unknown(reason)) => {
            return vec![unknown_finding(policy, reason.clone(), &reason, &origin)]
        }
        Err(NotCheckable::Invalid(error)) => {
            let code = format!("{}ValidationException", check.code());
            return vec![(
                base(
                    policy,
                    "ERROR",
                    &code,
                    error.to_string(),
                    json!({"origin": origin}),
                ),
                false,
            )];
        }
    };
    let unknowns = &policy.unknown_values;
    let policy_type = match policy.kind {
        PolicyKind::Identity => PolicyType::Identity,
        PolicyKind::Resource => PolicyType::Resource,
    };
    let options = CheckOptions {
        policy_type,
        ..options.clone()
    };
    match check {
        Check::NoNewAccess { reference, .. } => {
            let report = super::analysis::check_extracted(policy, reference, &options);
            let report = match report {
                Ok(r) => r,
                Err(_) => return Vec::new(),
            };
            match report.result {
                CheckResult::Pass => Vec::new(),
                CheckResult::Unknown => {
                    let reason = report.reason.unwrap_or_default();
                    vec![unknown_finding(
                        policy,
                        format!("unknown: {reason}"),
                        &reason,
                        &origin,
                    )]
                }
                CheckResult::Fail => {
                    let mut indexes: Vec<usize> = report
                        .counterexamples
                        .iter()
                        .flat_map(|c| c.proposed.statements.iter().map(|s| s.index))
                        .collect();
                    indexes.sort_unstable();
                    indexes.dedup();
                    let message = "The modified permissions grant new access compared to your existing policy.";
                    let reasons: Vec<Value> = indexes
                        .iter()
                        .map(|i| json!({"description": format!("New access in the statement with index: {i}."), "statementIndex": i}))
                        .collect();
                    let counterexamples: Vec<Value> = report
                        .counterexamples
                        .iter()
                        .map(|c| with_needs(counterexample_json(c), &c.request, unknowns))
                        .collect();
                    let details = json!({"result": "FAIL", "message": message, "reasons": reasons, "counterexamples": counterexamples, "origin": origin});
                    vec![security_warning(policy, check, message, details)]
                }
            }
        }
        Check::AccessNotGranted { actions, resources } => {
            // Resources alone: any action on them.
            let any_action = vec!["*".to_string()];
            let listed = if actions.is_empty() {
                &any_action
            } else {
                actions
            };
            let (findings, unknown) = not_granted(&model, listed, resources, &options);
            let message = match (actions.is_empty(), resources.is_empty()) {
                (false, true) => "The policy document grants access to perform one or more of the listed actions.",
                (true, false) => "The policy document grants access to one or more of the listed resources.",
                _ => "The policy document grants access to perform one or more of the listed actions or resources.",
            };
            findings_result(
                policy,
                check,
                &model,
                findings,
                unknown,
                message,
                &origin,
                policy_type,
            )
        }
        Check::NoPublicAccess => {
            let target = public_target(public_type(&policy.resource_type));
            let result = find(&model, &target, &options, PolicyType::Resource);
            let message = "The resource policy grants public access.";
            findings_result(
                policy,
                check,
                &model,
                result.findings,
                result.unknown.into_iter().collect(),
                message,
                &origin,
                policy_type,
            )
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn findings_result(
    policy: &ExtractedPolicy,
    check: &Check,
    model: &Policy,
    findings: Vec<Finding>,
    unknown: Vec<String>,
    message: &str,
    origin: &Value,
    policy_type: PolicyType,
) -> Vec<(Value, bool)> {
    let mut out = Vec::new();
    let mut unknown = unknown;
    let found_any = !findings.is_empty();
    let findings =
        super::analysis::complete_findings(model, findings, &policy.unknown_values, policy_type);
    if found_any && findings.is_empty() {
        unknown.push("the findings need an unknown value to have no value, which a deployed template cannot have".into());
    }
    if !findings.is_empty() {
        let mut indexes: Vec<(usize, Option<String>)> = findings
            .iter()
            .filter_map(|f| f.statement.as_ref().map(|s| (s.index, s.sid.clone())))
            .collect();
        indexes.sort();
        indexes.dedup();
        let reasons: Vec<Value> = indexes
            .iter()
            .map(|(i, sid)| {
                let access: Vec<Value> = findings
                    .iter()
                    .filter(|f| f.statement.as_ref().is_some_and(|s| s.index == *i))
                    .map(|f| match check {
                        Check::AccessNotGranted { actions, resources } => {
                            let mut input = serde_json::Map::new();
                            if !actions.is_empty() {
                                input.insert("actions".into(), json!(f.actions));
                            }
                            if !resources.is_empty() {
                                input.insert("resources".into(), json!(f.resources));
                            }
                            Value::Object(input)
                        }
                        _ => json!({"actions": f.actions, "resources": f.resources}),
                    })
                    .collect();
                let description = match sid {
                    Some(sid) => format!("Statement with sid: {sid}."),
                    None => format!("Statement with index: {i}."),
                };
                json!({"description": description, "statementIndex": i, "statementId": sid, "accessInput": access})
            })
            .collect();
        let requests: Vec<Value> = findings
            .iter()
            .map(|f| {
                with_needs(
                    crate::report::findings::finding_json(f),
                    &f.request,
                    &policy.unknown_values,
                )
            })
            .collect();
        let details = json!({"result": "FAIL", "message": message, "reasons": reasons, "findings": requests, "origin": origin});
        out.push(security_warning(policy, check, message, details));
    }
    if !unknown.is_empty() {
        let reason = unknown.join("; ");
        out.push(unknown_finding(
            policy,
            format!("unknown: {reason}"),
            &reason,
            origin,
        ));
    }
    out
}

fn with_needs(
    mut value: Value,
    request: &crate::request::Request,
    unknowns: &[super::UnknownValue],
) -> Value {
    if let (Some(needs), Value::Object(map)) = (needs(request, unknowns), &mut value) {
        map.insert("needs".into(), Value::String(needs));
    }
    value
}

/// The public-access resource type of a CloudFormation or Terraform type.
pub fn public_type(resource_type: &str) -> Option<&'static str> {
    Some(match resource_type {
        "AWS::S3::BucketPolicy" | "aws_s3_bucket_policy" | "aws_s3_bucket" => "AWS::S3::Bucket",
        "AWS::S3::AccessPoint" | "aws_s3_access_point" | "aws_s3control_access_point_policy" => {
            "AWS::S3::AccessPoint"
        }
        "AWS::KMS::Key" | "aws_kms_key" => "AWS::KMS::Key",
        "AWS::IAM::Role" | "aws_iam_role" => "AWS::IAM::Role",
        "AWS::SQS::QueuePolicy" | "aws_sqs_queue_policy" | "aws_sqs_queue" => "AWS::SQS::Queue",
        "AWS::SNS::TopicPolicy" | "aws_sns_topic_policy" | "aws_sns_topic" => "AWS::SNS::Topic",
        "AWS::Lambda::Permission" | "aws_lambda_permission" => "AWS::Lambda::Function",
        "AWS::SecretsManager::ResourcePolicy"
        | "aws_secretsmanager_secret_policy"
        | "aws_secretsmanager_secret" => "AWS::SecretsManager::Secret",
        "AWS::ECR::Repository" | "aws_ecr_repository_policy" => "AWS::ECR::Repository",
        "AWS::EFS::FileSystem" | "aws_efs_file_system_policy" => "AWS::EFS::FileSystem",
        "aws_glacier_vault" => "AWS::Glacier::Vault",
        "aws_dynamodb_resource_policy" => "AWS::DynamoDB::Table",
        _ => return None,
    })
}

/// 0 when nothing blocks, 2 when something does (the validators' codes; 1 is an error).
pub fn exit_code(report: &Value) -> u8 {
    if report["BlockingFindings"]
        .as_array()
        .is_some_and(|b| !b.is_empty())
    {
        2
    } else {
        0
    }
}
