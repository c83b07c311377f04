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

use super::accept::{parse_accepted, Accepted};
use super::zone::TrustZone;
use crate::model::Policy;
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
    let invalid = |message: String| SpecError::Invalid {
        file: path.to_string(),
        message,
    };
    let bytes = crate::cli::read_input(path).map_err(invalid)?;
    let raw: SpecFile = serde_json::from_slice(&bytes).map_err(|e| invalid(e.to_string()))?;
    let baseline = match &raw.baseline {
        None => None,
        Some(serde_json::Value::String(rel)) => {
            let full = relative_to(path, rel);
            let label = full.to_string_lossy().to_string();
            let bytes = crate::cli::read_input(&label).map_err(invalid)?;
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
