//! Spec files: one JSON file bundling what an organization requires of a policy
//! (see `encodings/spec-format.md`).
//!
//! ```json
//! {"name": "no-public-no-cross-account",
//!  "baseline": "s3-baseline.policy.json",
//!  "trust_zone": ["account:111122223333"],
//!  "no_public_access": true,
//!  "never_granted": [{"actions": ["s3:PutBucketPolicy"], "resources": []}],
//!  "accept": [{"kind": "public", "actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::b/public/*"]}]}
//! ```

use super::accept::{apply, parse_accepted, Accepted};
use super::zone::TrustZone;
use super::{conditions_json, find, Finding, FindingKind, StatementRef, Target};
use crate::eval::{Evaluation, PolicyType};
use crate::explain::{check_no_new_access, CheckOptions, Verdict};
use crate::model::Policy;
use crate::request::Request;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecFile {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    /// A path (relative to the spec file) or an inline policy document.
    #[serde(default)]
    baseline: Option<serde_json::Value>,
    #[serde(default)]
    trust_zone: Vec<String>,
    #[serde(default)]
    no_public_access: bool,
    #[serde(default)]
    resource_type: Option<String>,
    #[serde(default)]
    never_granted: Vec<NeverGranted>,
    #[serde(default)]
    accept: Option<serde_json::Value>,
}

/// Access that must never be granted: any of the actions, on any of the resources (all when empty).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeverGranted {
    pub actions: Vec<String>,
    #[serde(default)]
    pub resources: Vec<String>,
}

/// A loaded spec: every requirement resolved (baseline parsed, zone checked).
#[derive(Debug, Clone)]
pub struct Spec {
    pub name: Option<String>,
    pub description: Option<String>,
    /// The baseline and where it came from (path, or `SPEC#baseline` when inline).
    pub baseline: Option<(String, Policy)>,
    pub trust_zone: Option<TrustZone>,
    pub no_public_access: bool,
    pub resource_type: Option<String>,
    pub never_granted: Vec<NeverGranted>,
    pub accept: Vec<Accepted>,
}

/// Loads and validates a spec file.
pub fn load_spec(path: &str) -> Result<Spec, SpecError> {
    let bytes = crate::query::read_input(path).map_err(|e| SpecError::Invalid {
        file: path.to_string(),
        message: e.reason(),
    })?;
    parse_spec(&bytes, path)
}

/// Validates a spec given as bytes; `path` names it in errors and anchors a baseline given as
/// a relative path.
pub fn parse_spec(bytes: &[u8], path: &str) -> Result<Spec, SpecError> {
    let invalid = |message: String| SpecError::Invalid {
        file: path.to_string(),
        message,
    };
    let raw: SpecFile = serde_json::from_slice(bytes).map_err(|e| {
        let looks_like_policy = serde_json::from_slice::<serde_json::Value>(bytes)
            .is_ok_and(|v| v.get("Statement").is_some());
        invalid(if looks_like_policy {
            format!("{e} (this is a policy, not a spec: pass it as --baseline, or name it in a spec's \"baseline\")")
        } else {
            e.to_string()
        })
    })?;
    let baseline = match &raw.baseline {
        None => None,
        Some(serde_json::Value::String(rel)) => {
            let full = relative_to(path, rel);
            let label = full.to_string_lossy().to_string();
            let bytes = crate::query::read_input(&label).map_err(|e| invalid(e.to_string()))?;
            let policy = crate::parse::parse_policy(&bytes, &label)
                .map_err(|e| invalid(format!("baseline: {e}")))?;
            Some((label, policy))
        }
        Some(inline @ serde_json::Value::Object(_)) => {
            let label = format!("{path}#baseline");
            let text = serde_json::to_vec(inline).map_err(|e| invalid(e.to_string()))?;
            let policy = crate::parse::parse_policy(&text, &label)
                .map_err(|e| invalid(format!("baseline: {e}")))?;
            Some((label, policy))
        }
        Some(_) => {
            return Err(invalid(
                "\"baseline\" must be a path (relative to the spec) or a policy object".into(),
            ))
        }
    };
    let trust_zone = if raw.trust_zone.is_empty() {
        None
    } else {
        Some(TrustZone::parse(&raw.trust_zone).map_err(|e| invalid(e.to_string()))?)
    };
    for (i, item) in raw.never_granted.iter().enumerate() {
        if item.actions.is_empty() {
            return Err(invalid(format!(
                "never_granted[{i}] needs at least one action"
            )));
        }
    }
    if let Some(t) = &raw.resource_type {
        if !super::public::RESOURCE_TYPES
            .iter()
            .any(|known| known.eq_ignore_ascii_case(t))
        {
            return Err(invalid(format!("unknown resource_type `{t}`")));
        }
    }
    let accept = match &raw.accept {
        None => Vec::new(),
        Some(v) => parse_accepted(v, path).map_err(|e| invalid(e.to_string()))?,
    };
    if baseline.is_none()
        && trust_zone.is_none()
        && !raw.no_public_access
        && raw.never_granted.is_empty()
    {
        return Err(invalid(
            "a spec needs at least one requirement: baseline, trust_zone, no_public_access or never_granted".into(),
        ));
    }
    Ok(Spec {
        name: raw.name,
        description: raw.description,
        baseline,
        trust_zone,
        no_public_access: raw.no_public_access,
        resource_type: raw.resource_type,
        never_granted: raw.never_granted,
        accept,
    })
}

fn relative_to(spec_path: &str, rel: &str) -> PathBuf {
    let rel_path = Path::new(rel);
    if rel_path.is_absolute() {
        return rel_path.to_path_buf();
    }
    match Path::new(spec_path).parent() {
        Some(dir) => dir.join(rel_path),
        None => rel_path.to_path_buf(),
    }
}

/// What checking one policy against a spec found: findings (accepted ones marked) and the
/// reasons any requirement could not be decided.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecOutcome {
    pub findings: Vec<Finding>,
    pub unknown: Vec<String>,
}

impl Spec {
    /// The question a report answers, e.g. `meets spec s3-baseline`.
    pub fn question(&self) -> String {
        format!("meets spec {}", self.name.as_deref().unwrap_or("(unnamed)"))
    }
}

/// Every requirement of `spec` on `policy`. The trust-zone and public-access requirements
/// apply only to resource policies: the type is resource (`options.policy_type`) and the
/// policy itself names principals. An identity policy grants its own caller, so it has no
/// public or external access to find, even when the spec's baseline is a bucket policy.
pub fn check_spec(policy: &Policy, spec: &Spec, options: &CheckOptions) -> SpecOutcome {
    let mut findings = Vec::new();
    let mut unknown = Vec::new();
    if let Some((label, baseline)) = &spec.baseline {
        match check_no_new_access(policy, baseline, options) {
            Verdict::Holds => {}
            Verdict::Violated(list) => {
                for c in list {
                    findings.push(new_access_finding(policy, &c.request, &c.proposed));
                }
            }
            Verdict::Unknown(reason) => unknown.push(format!("baseline {label}: {reason}")),
        }
    }
    let resource_policy =
        options.policy_type == PolicyType::Resource && policy.has_principal_element();
    if let (Some(zone), true) = (&spec.trust_zone, resource_policy) {
        let result = find(
            policy,
            &Target::Outside(zone.clone()),
            options,
            PolicyType::Resource,
        );
        findings.extend(result.findings);
        unknown.extend(result.unknown.map(|r| format!("trust zone: {r}")));
    }
    if spec.no_public_access && resource_policy {
        let result = find(
            policy,
            &public_target(spec.resource_type.as_deref()),
            options,
            PolicyType::Resource,
        );
        // A public region already reported against the trust zone is the same finding.
        for f in result.findings {
            if !findings.iter().any(|g: &Finding| {
                g.kind == FindingKind::Public
                    && g.statement == f.statement
                    && g.principal == f.principal
            }) {
                findings.push(f);
            }
        }
        unknown.extend(result.unknown.map(|r| format!("public access: {r}")));
    }
    for item in &spec.never_granted {
        let (granted, reasons) = not_granted(policy, &item.actions, &item.resources, options);
        findings.extend(granted);
        unknown.extend(reasons);
    }
    apply(&mut findings, &spec.accept);
    SpecOutcome { findings, unknown }
}

fn new_access_finding(policy: &Policy, request: &Request, proposed: &Evaluation) -> Finding {
    let statement = proposed
        .statements
        .first()
        .and_then(|m| policy.statements.iter().find(|s| s.index == m.index));
    Finding {
        kind: FindingKind::NewAccess,
        principal: serde_json::to_value(&request.principal).unwrap_or(serde_json::Value::Null),
        actions: vec![request.action.clone()],
        resources: vec![request.resource.clone().unwrap_or_else(|| "*".into())],
        conditions: statement
            .map(conditions_json)
            .unwrap_or_else(|| serde_json::json!({})),
        request: request.clone(),
        statement: statement.map(|s| StatementRef {
            index: s.index,
            sid: s.sid.clone(),
        }),
        accepted: false,
    }
}

/// The public-access target, with the extra pinning keys of `resource_type` when given.
pub fn public_target(resource_type: Option<&str>) -> Target {
    Target::Public {
        extra_keys: super::public::extra_pinning_keys(resource_type)
            .iter()
            .map(|k| k.to_string())
            .collect(),
    }
}

/// One search per listed action (and resource): each granted item gets its own findings.
pub fn not_granted(
    policy: &Policy,
    actions: &[String],
    resources: &[String],
    options: &CheckOptions,
) -> (Vec<Finding>, Vec<String>) {
    let mut findings = Vec::new();
    let mut unknown = Vec::new();
    let resource_items: Vec<Vec<String>> = if resources.is_empty() {
        vec![Vec::new()]
    } else {
        resources.iter().map(|r| vec![r.clone()]).collect()
    };
    for action in actions {
        for resource in &resource_items {
            let target = Target::Granted {
                actions: vec![action.clone()],
                resources: resource.clone(),
            };
            let result = find(policy, &target, options, options.policy_type);
            for mut finding in result.findings {
                // The finding names the listed item it is about, not the statement's wider patterns.
                finding.actions = vec![action.clone()];
                if !resource.is_empty() {
                    finding.resources = resource.clone();
                }
                if !findings.contains(&finding) {
                    findings.push(finding);
                }
            }
            if let Some(reason) = result.unknown {
                unknown.push(format!("{action}: {reason}"));
            }
        }
    }
    (findings, unknown)
}
