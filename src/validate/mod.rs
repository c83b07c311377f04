//! `keyaki validate`: IAM Access Analyzer's ValidatePolicy checks, offline, plus findings only a
//! prover can give (unsatisfiable, redundant and overridden statements, ...).
//!
//! The checks walk the located JSON tree (so a policy the strict parser rejects still gets
//! precise findings); the proof-based checks run on the parsed model through
//! [`crate::explain::check_no_new_access`]. See `encodings/validate.md`.

mod actions;
mod arns;
mod codes;
mod conditions;
mod finding;
mod keys;
mod memo;
mod principals;
mod proofs;
pub mod render;
mod resources;
mod syntax;
mod tree;
mod values;
mod variables;
mod witness;

pub use codes::{access_analyzer_code, ACCESS_ANALYZER_CODES, LEARN_MORE_BASE};
pub use finding::{ExampleRequest, Finding, FindingType, Location, PathElement, Position, Span};
pub use proofs::KEYAKI_CODES;
pub use render::{Filter, IgnoreRule};

use crate::parse::{parse_json, Json};
use std::time::Duration;
use tree::Collector;

/// What kind of policy is validated: Access Analyzer's `policyType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyKind {
    #[default]
    Identity,
    Resource,
    ServiceControlPolicy,
    ResourceControlPolicy,
}

impl PolicyKind {
    pub fn parse(text: &str) -> Option<PolicyKind> {
        Some(match text.to_ascii_lowercase().replace('_', "-").as_str() {
            "identity" | "identity-policy" => PolicyKind::Identity,
            "resource" | "resource-policy" => PolicyKind::Resource,
            "service-control-policy" | "scp" => PolicyKind::ServiceControlPolicy,
            "resource-control-policy" | "rcp" => PolicyKind::ResourceControlPolicy,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity",
            PolicyKind::Resource => "resource",
            PolicyKind::ServiceControlPolicy => "service-control-policy",
            PolicyKind::ResourceControlPolicy => "resource-control-policy",
        }
    }

    /// Resource when any statement has Principal/NotPrincipal, identity otherwise (the rule
    /// every other Keyaki command uses when `--policy-type` is not given).
    pub fn infer(root: &Json) -> PolicyKind {
        let principal = tree::statements(root)
            .iter()
            .any(|s| s.get("Principal").is_some() || s.get("NotPrincipal").is_some());
        if principal {
            PolicyKind::Resource
        } else {
            PolicyKind::Identity
        }
    }

    /// The policy type the evaluator and the prover use for this kind.
    pub fn eval_type(self) -> crate::eval::PolicyType {
        match self {
            PolicyKind::Resource => crate::eval::PolicyType::Resource,
            _ => crate::eval::PolicyType::Identity,
        }
    }
}

/// How to validate.
#[derive(Debug, Clone)]
pub struct ValidateOptions {
    pub policy_kind: PolicyKind,
    /// For resource policies: the CloudFormation type the policy is attached to
    /// (`AWS::S3::Bucket`, `AWS::IAM::AssumeRolePolicyDocument`, ...).
    pub resource_type: Option<String>,
    /// Run the proof-based checks (on by default).
    pub proofs: bool,
    /// Budget per prover query.
    pub proof_timeout: Duration,
}

impl Default for ValidateOptions {
    fn default() -> Self {
        ValidateOptions {
            policy_kind: PolicyKind::Identity,
            resource_type: None,
            proofs: true,
            proof_timeout: Duration::from_millis(100),
        }
    }
}

impl ValidateOptions {
    /// A role trust policy: a resource policy attached to `AWS::IAM::AssumeRolePolicyDocument`
    /// (or `AWS::IAM::Role`).
    pub fn is_trust_policy(&self) -> bool {
        self.policy_kind == PolicyKind::Resource
            && self.resource_type.as_deref().is_some_and(|t| {
                t.eq_ignore_ascii_case("AWS::IAM::AssumeRolePolicyDocument")
                    || t.eq_ignore_ascii_case("AWS::IAM::Role")
            })
    }
}

/// The findings for one policy, with where the policy came from.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyReport {
    /// A file name, or a label such as `template.yaml#MyRole.Policies[0]`.
    pub origin: String,
    pub policy_type: PolicyKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    pub findings: Vec<Finding>,
}

/// The date of the bundled service catalog (`2026-10-27`), from its iam-data version
/// (`0.1.YYYYMMDDn`). Findings that depend on the catalog carry it.
pub fn catalog_date() -> String {
    date_of_version(crate::catalog::catalog().version())
}

fn date_of_version(version: &str) -> String {
    let digits = version.rsplit('.').next().unwrap_or_default();
    match (digits.get(0..4), digits.get(4..6), digits.get(6..8)) {
        (Some(y), Some(m), Some(d)) if digits.len() >= 8 => format!("{y}-{m}-{d}"),
        _ => format!("unknown (catalog version {version})"),
    }
}

/// Validates a policy document given as bytes. A document that is not JSON yields a
/// `JSON_SYNTAX_ERROR` finding.
pub fn validate_bytes(bytes: &[u8], origin: &str, options: &ValidateOptions) -> PolicyReport {
    match parse_json(bytes, origin) {
        Ok(json) => {
            let text = std::str::from_utf8(bytes).ok();
            validate_json(&json, text, origin, options)
        }
        Err(error) => {
            let position = Position {
                line: error.line,
                column: error.col.saturating_sub(1),
                offset: 0,
            };
            let location = Location {
                path: Vec::new(),
                span: Span {
                    start: position,
                    end: position,
                },
            };
            PolicyReport {
                origin: origin.to_string(),
                policy_type: options.policy_kind,
                resource_type: options.resource_type.clone(),
                findings: vec![Finding::access_analyzer(
                    "JSON_SYNTAX_ERROR",
                    format!(
                        "The policy is not valid JSON: {} (line {}, column {}).",
                        error.message, error.line, error.col
                    ),
                    vec![location],
                )],
            }
        }
    }
}

/// Validates an already-parsed policy document (e.g. extracted from a template). `text` is
/// the document's source when the caller has it, for span ends; lines and columns are those
/// of the original file either way.
pub fn validate_json(
    root: &Json,
    text: Option<&str>,
    origin: &str,
    options: &ValidateOptions,
) -> PolicyReport {
    validate_json_with(root, text, origin, options, true)
}

/// [`validate_json`] with every proof-based question sent to the prover, none refuted first by
/// a concrete request: slower, the same findings (a test compares the two on the corpus).
#[doc(hidden)]
pub fn validate_json_prover_only(
    root: &Json,
    text: Option<&str>,
    origin: &str,
    options: &ValidateOptions,
) -> PolicyReport {
    validate_json_with(root, text, origin, options, false)
}

fn validate_json_with(
    root: &Json,
    text: Option<&str>,
    origin: &str,
    options: &ValidateOptions,
    refute_first: bool,
) -> PolicyReport {
    let mut collector = Collector::new(text, options);
    syntax::check(&mut collector, root);
    principals::check(&mut collector, root);
    actions::check(&mut collector, root);
    resources::check(&mut collector, root);
    conditions::check(&mut collector, root);
    if options.proofs {
        proofs::check(&mut collector, root, origin, refute_first);
    }
    let mut findings = collector.findings;
    findings.sort_by(|a, b| {
        let first = |f: &Finding| f.locations.first().map(|l| l.span.start.offset);
        first(a)
            .cmp(&first(b))
            .then_with(|| a.issue_code.cmp(&b.issue_code))
    });
    PolicyReport {
        origin: origin.to_string(),
        policy_type: options.policy_kind,
        resource_type: options.resource_type.clone(),
        findings,
    }
}

/// One document validated by [`validate_many`].
#[derive(Debug, Clone)]
pub struct Validated {
    pub report: PolicyReport,
    /// The parse error when the document is not JSON (its report then holds
    /// `JSON_SYNTAX_ERROR`): bad input, exit 2.
    pub not_json: Option<String>,
}

/// Validates `(origin, bytes)` documents on the rayon pool; results in input order. With
/// `infer_kind`, each document's policy type is the CLI's default: resource when
/// `options.resource_type` is given or a statement has a Principal, identity otherwise.
pub fn validate_many(
    documents: &[(String, Vec<u8>)],
    options: &ValidateOptions,
    infer_kind: bool,
) -> Vec<Validated> {
    use rayon::prelude::*;
    documents
        .par_iter()
        .map(|(origin, bytes)| match parse_json(bytes, origin) {
            Ok(json) => {
                let mut options = options.clone();
                if infer_kind {
                    options.policy_kind = if options.resource_type.is_some() {
                        PolicyKind::Resource
                    } else {
                        PolicyKind::infer(&json)
                    };
                }
                let text = std::str::from_utf8(bytes).ok();
                Validated {
                    report: validate_json(&json, text, origin, &options),
                    not_json: None,
                }
            }
            Err(error) => Validated {
                report: validate_bytes(bytes, origin, options),
                not_json: Some(error.to_string()),
            },
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn catalog_date_comes_from_the_version() {
        assert_eq!(date_of_version("0.1.202610271"), "2026-10-27");
        assert!(date_of_version("x").starts_with("unknown"));
        assert_eq!(catalog_date().len(), 10);
    }

    #[test]
    fn policy_kinds_parse() {
        assert_eq!(
            PolicyKind::parse("SERVICE_CONTROL_POLICY"),
            Some(PolicyKind::ServiceControlPolicy)
        );
        assert_eq!(PolicyKind::parse("resource"), Some(PolicyKind::Resource));
        assert_eq!(PolicyKind::parse("other"), None);
    }
}
