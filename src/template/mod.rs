//! Policies where they live: CloudFormation templates (JSON and YAML) and Terraform plans
//! (`terraform show -json`), read into policies that name their origin.
//!
//! [`yaml`] reads YAML with its short-form tags and positions into the located JSON tree;
//! `intrinsics` resolves `Ref`, `Fn::Sub`, ... offline; [`cfn`] and [`terraform`] find the
//! policy-bearing properties. A value known only at deploy time is never guessed: it becomes a
//! policy variable of the query (see [`unknown`] and `encodings/template-unknown-values.md`).

pub mod analysis;
mod arns;
// The readers behind `extract` (hidden: reached by tests, not by embedders).
#[doc(hidden)]
pub mod cfn;
mod intrinsics;
pub(crate) mod policy_document;
pub mod rules;
#[doc(hidden)]
pub mod terraform;
pub mod unknown;
pub mod validator;
#[doc(hidden)]
pub mod yaml;

use crate::parse::{parse_json, Json, JsonKind, Span};
use std::collections::BTreeMap;
use std::fmt;

pub use unknown::UnknownValue;

/// What a file holds, decided from its content (never from its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    /// A bare policy document (`Statement` at the top).
    Policy,
    CloudFormationJson,
    CloudFormationYaml,
    TerraformPlan,
}

impl SourceFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceFormat::Policy => "policy",
            SourceFormat::CloudFormationJson => "cloudformation-json",
            SourceFormat::CloudFormationYaml => "cloudformation-yaml",
            SourceFormat::TerraformPlan => "terraform-plan",
        }
    }
}

/// Identity policies are attached to a principal; resource policies (and role trust
/// policies) name the principals they let in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PolicyKind {
    Identity,
    Resource,
}

impl PolicyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity",
            PolicyKind::Resource => "resource",
        }
    }
}

/// One policy found in a template or plan.
#[derive(Debug, Clone)]
pub struct ExtractedPolicy {
    /// Logical id (CloudFormation) or resource address (Terraform).
    pub origin: String,
    /// Where in the resource: `Properties.Policies[0].PolicyDocument`, `inline_policy[0].policy`.
    pub path: String,
    /// `AWS::IAM::Role`, `aws_iam_role`, ...
    pub resource_type: String,
    pub kind: PolicyKind,
    /// The policy document, resolved; spans point into the template where the text came from.
    pub document: Json,
    /// Values known only at deploy time, each a policy variable in `document`.
    pub unknown_values: Vec<UnknownValue>,
    /// CloudFormation conditions that could not be decided, with the branch this copy assumes.
    pub assumed_conditions: BTreeMap<String, bool>,
    /// Where the policy starts in the source file.
    pub span: Span,
    /// The validators' `resourceName`: the logical id, or the Terraform resource's name
    /// (`name`, `bucket`, `resource_arn`, ...).
    pub resource_name: String,
    /// The validators' `policyName`: an inline policy's `PolicyName`, the logical id, or the
    /// address (`aws_iam_role.r.inline_policy.0`).
    pub policy_name: String,
    /// What a Terraform policy resource attaches to (`user`, `role`, `group`, `bucket`).
    pub attached_to: Option<String>,
}

impl ExtractedPolicy {
    /// `MyRole Properties.Policies[0].PolicyDocument [IsProd=true]`: how results name it.
    pub fn name(&self) -> String {
        let mut name = format!("{} {}", self.origin, self.path);
        if !self.assumed_conditions.is_empty() {
            let assumed: Vec<String> = self
                .assumed_conditions
                .iter()
                .map(|(c, v)| format!("{c}={v}"))
                .collect();
            name.push_str(&format!(" [if {}]", assumed.join(", ")));
        }
        name
    }

    /// The reason this policy cannot be checked for every value of its unknowns, if any
    /// (an unknown where the prover has no variables: a principal, an action, a number).
    pub fn unsupported_unknown(&self) -> Option<String> {
        unknown::unsupported_placement(&self.document, &self.unknown_values)
    }
}

/// A policy (or a whole template) that was found but cannot be read: named, never skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub origin: String,
    pub path: String,
    pub resource_type: String,
    pub reason: String,
    pub span: Span,
}

/// Everything read from one source.
#[derive(Debug, Clone)]
pub struct Extraction {
    pub format: SourceFormat,
    pub policies: Vec<ExtractedPolicy>,
    pub refusals: Vec<Refusal>,
    /// Resources left out on purpose, with why (a condition decided false, a computed attribute).
    pub notes: Vec<String>,
}

/// Values the intrinsics resolve from: parameters and pseudo parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveOptions {
    /// `--parameters K=V` and template-configuration values (they win over defaults).
    pub parameters: BTreeMap<String, String>,
    pub account_id: String,
    pub region: String,
    /// Derived from the region when not given (`cn-*` → `aws-cn`, `us-gov-*` → `aws-us-gov`).
    pub partition: Option<String>,
}

/// The documented defaults (`encodings/template-intrinsics.md`).
pub const DEFAULT_ACCOUNT_ID: &str = "123456789012";
pub const DEFAULT_REGION: &str = "us-east-1";

impl Default for ResolveOptions {
    fn default() -> Self {
        ResolveOptions {
            parameters: BTreeMap::new(),
            account_id: DEFAULT_ACCOUNT_ID.into(),
            region: DEFAULT_REGION.into(),
            partition: None,
        }
    }
}

impl ResolveOptions {
    pub fn partition(&self) -> String {
        if let Some(p) = &self.partition {
            return p.clone();
        }
        if self.region.starts_with("cn-") {
            "aws-cn".into()
        } else if self.region.starts_with("us-gov-") {
            "aws-us-gov".into()
        } else {
            "aws".into()
        }
    }

    pub fn url_suffix(&self) -> &'static str {
        if self.region.starts_with("cn-") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        }
    }
}

/// A template or plan that cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct TemplateError {
    pub file: String,
    /// The logical id or address the error is in, when there is one.
    pub origin: Option<String>,
    pub path: String,
    pub span: Span,
    pub message: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.file)?;
        if let Some(origin) = &self.origin {
            write!(f, "{origin} ")?;
        }
        write!(
            f,
            "{} (line {}, column {}): {}",
            self.path, self.span.line, self.span.col, self.message
        )
    }
}

/// The located tree and what it is.
pub fn read_tree(bytes: &[u8], file: &str) -> Result<(SourceFormat, Json), TemplateError> {
    let error = |span: Span, path: String, message: String| TemplateError {
        file: file.to_string(),
        origin: None,
        path,
        span,
        message,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| {
        error(
            Span::default(),
            "(root)".into(),
            format!("invalid UTF-8 at byte offset {}", e.valid_up_to()),
        )
    })?;
    let body = text.trim_start_matches('\u{feff}').trim_start();
    let (json, is_json) = if body.starts_with('{') || body.starts_with('[') {
        let json = parse_json(bytes, file).map_err(|e| {
            error(
                Span {
                    line: e.line,
                    col: e.col,
                    offset: 0,
                },
                e.path,
                e.message,
            )
        })?;
        (json, true)
    } else {
        let json = yaml::parse_yaml(text.trim_start_matches('\u{feff}'))
            .map_err(|e| error(e.span, e.path, e.message))?;
        (json, false)
    };
    let format = classify(&json).ok_or_else(|| {
        error(
            json.span,
            "(root)".into(),
            "not a policy, a CloudFormation template (`Resources`) or a Terraform plan (`terraform show -json`: `format_version` with `planned_values`)".into(),
        )
    })?;
    let format = match format {
        SourceFormat::CloudFormationJson if !is_json => SourceFormat::CloudFormationYaml,
        other => other,
    };
    if format == SourceFormat::Policy && !is_json {
        return Err(error(
            json.span,
            "(root)".into(),
            "a YAML policy document: policies are JSON (wrap it in a CloudFormation template to use YAML)".into(),
        ));
    }
    Ok((format, json))
}

fn classify(json: &Json) -> Option<SourceFormat> {
    let members = json.as_object()?;
    let has = |key: &str| members.iter().any(|(k, _, _)| k == key);
    if has("format_version")
        && (has("planned_values") || has("resource_changes") || has("terraform_version"))
    {
        Some(SourceFormat::TerraformPlan)
    } else if has("Resources") || has("AWSTemplateFormatVersion") {
        Some(SourceFormat::CloudFormationJson)
    } else if has("Statement") {
        Some(SourceFormat::Policy)
    } else {
        None
    }
}

/// Detects the format from content and extracts every policy. A bare policy is returned as
/// one policy whose origin is the file itself.
pub fn extract(
    bytes: &[u8],
    file: &str,
    options: &ResolveOptions,
) -> Result<Extraction, TemplateError> {
    let (format, json) = read_tree(bytes, file)?;
    extract_tree(format, json, file, options)
}

/// [`extract`] from a tree [`read_tree`] already read (callers that looked at the format first).
pub fn extract_tree(
    format: SourceFormat,
    json: Json,
    file: &str,
    options: &ResolveOptions,
) -> Result<Extraction, TemplateError> {
    match format {
        SourceFormat::Policy => {
            let kind = if json.as_object().is_some_and(|_| mentions_principal(&json)) {
                PolicyKind::Resource
            } else {
                PolicyKind::Identity
            };
            Ok(Extraction {
                format,
                policies: vec![ExtractedPolicy {
                    origin: file.to_string(),
                    path: "(root)".into(),
                    resource_type: "policy".into(),
                    kind,
                    span: json.span,
                    document: json,
                    unknown_values: Vec::new(),
                    assumed_conditions: BTreeMap::new(),
                    resource_name: file.to_string(),
                    policy_name: file.to_string(),
                    attached_to: None,
                }],
                refusals: Vec::new(),
                notes: Vec::new(),
            })
        }
        SourceFormat::CloudFormationJson | SourceFormat::CloudFormationYaml => {
            cfn::extract(&json, file, options).map(|mut e| {
                e.format = format;
                e
            })
        }
        SourceFormat::TerraformPlan => terraform::extract(&json, file, options),
    }
}

fn mentions_principal(policy: &Json) -> bool {
    let statements = match policy.get("Statement").map(|s| &s.kind) {
        Some(JsonKind::Array(items)) => items.iter().collect::<Vec<_>>(),
        Some(_) => policy.get("Statement").into_iter().collect(),
        None => Vec::new(),
    };
    statements
        .iter()
        .any(|s| s.get("Principal").is_some() || s.get("NotPrincipal").is_some())
}

/// A JSON value rendered as compact text (for `keyaki parse --format json` and policy files).
pub fn to_value(json: &Json) -> serde_json::Value {
    use serde_json::Value;
    match &json.kind {
        JsonKind::Null => Value::Null,
        JsonKind::Bool(b) => Value::Bool(*b),
        JsonKind::Number(n) => n
            .parse::<serde_json::Number>()
            .map(Value::Number)
            .unwrap_or_else(|_| Value::String(n.clone())),
        JsonKind::String(s) => Value::String(s.clone()),
        JsonKind::Array(items) => Value::Array(items.iter().map(to_value).collect()),
        JsonKind::Object(members) => Value::Object(
            members
                .iter()
                .map(|(k, _, v)| (k.clone(), to_value(v)))
                .collect(),
        ),
    }
}

/// Positions inside a policy given as a string point at the string in the template.
pub(crate) fn relocate(json: &mut Json, span: Span) {
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
