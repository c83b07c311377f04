//! The findings verbs: external access against a zone of trust, public access, access that
//! must never be granted, and every requirement of a spec. Each runs the prover, marks the
//! findings a team accepted, and returns the report the CLI renders.

use crate::access::accept::{apply, Accepted};
use crate::access::spec::{check_spec, not_granted, public_target, Spec};
use crate::access::{find, public, Target, TrustZone};
use crate::catalog::catalog;
use crate::eval::PolicyType;
use crate::explain::CheckOptions;
use crate::model::Policy;
use crate::pattern::Glob;
use crate::report::findings::FindingsReport;
use crate::Error;

/// Findings for every principal outside `zone` that the resource (or trust) policy lets in.
pub fn external_access(
    policy: &Policy,
    zone: &TrustZone,
    accepted: &[Accepted],
    options: &CheckOptions,
) -> FindingsReport {
    let result = find(
        policy,
        &Target::Outside(zone.clone()),
        options,
        PolicyType::Resource,
    );
    let mut findings = result.findings;
    apply(&mut findings, accepted);
    FindingsReport::new(findings, result.unknown.into_iter().collect())
}

/// Findings for every way the resource policy grants public access (the S3 Block Public
/// Access meaning of public), for a resource type from [`public::RESOURCE_TYPES`].
pub fn no_public_access(
    policy: &Policy,
    resource_type: Option<&str>,
    accepted: &[Accepted],
    options: &CheckOptions,
) -> Result<FindingsReport, Error> {
    let resource_type = known_resource_type(resource_type)?;
    let result = find(
        policy,
        &public_target(resource_type),
        options,
        PolicyType::Resource,
    );
    let mut findings = result.findings;
    apply(&mut findings, accepted);
    Ok(FindingsReport::new(
        findings,
        result.unknown.into_iter().collect(),
    ))
}

/// What [`access_not_granted`] asks about.
#[derive(Debug, Clone, Default)]
pub struct NotGranted {
    /// Actions or action patterns; empty = every action (then `resources` must not be empty).
    pub actions: Vec<String>,
    /// Resource ARNs or patterns; empty = any resource.
    pub resources: Vec<String>,
    /// Accept actions the catalog does not know (a newer service); otherwise they are refused
    /// as probable typos, because "not granted" would be proved for a misspelt name.
    pub allow_unknown_actions: bool,
}

/// Findings for every listed action (on the listed resources) the policy grants.
pub fn access_not_granted(
    policy: &Policy,
    question: &NotGranted,
    options: &CheckOptions,
) -> Result<FindingsReport, Error> {
    let actions = trimmed(&question.actions);
    let resources = trimmed(&question.resources);
    if actions.is_empty() && resources.is_empty() {
        return Err(Error::usage("name at least one action or one resource"));
    }
    if !question.allow_unknown_actions {
        for action in &actions {
            check_known_action(action)?;
        }
    }
    let actions = if actions.is_empty() {
        vec!["*".to_string()]
    } else {
        actions
    };
    let (findings, unknown) = not_granted(policy, &actions, &resources, options);
    Ok(FindingsReport::new(findings, unknown))
}

/// Every requirement of an organization spec, as one report. The trust-zone and public-access
/// requirements are about resource policies: a policy with a `Principal` element is read as one
/// whatever `options.policy_type` says (AWS accepts `Principal` only in resource policies), so
/// an embedder passing `CheckOptions::default()` (identity) for a bucket policy does not skip
/// them silently.
pub fn spec(policy: &Policy, spec: &Spec, options: &CheckOptions) -> FindingsReport {
    let resource_options;
    let options = if options.policy_type == PolicyType::Identity && policy.has_principal_element() {
        resource_options = CheckOptions {
            policy_type: PolicyType::Resource,
            ..options.clone()
        };
        &resource_options
    } else {
        options
    };
    let outcome = check_spec(policy, spec, options);
    let mut report = FindingsReport::new(outcome.findings, outcome.unknown);
    if let Some((_, baseline)) = &spec.baseline {
        crate::query::remedy::advise_findings(&mut report, policy, baseline, options);
    }
    report
}

/// The canonical name of a resource type `check-no-public-access` knows.
pub fn known_resource_type(resource_type: Option<&str>) -> Result<Option<&'static str>, Error> {
    let Some(wanted) = resource_type else {
        return Ok(None);
    };
    public::RESOURCE_TYPES
        .iter()
        .find(|known| known.eq_ignore_ascii_case(wanted))
        .map(|known| Some(*known))
        .ok_or_else(|| {
            Error::usage(format!(
                "unknown resource type `{wanted}`; known: {}",
                public::RESOURCE_TYPES.join(", ")
            ))
        })
}

/// Refuses an action (pattern) that matches no action in the catalog, with the closest known
/// name as a suggestion.
fn check_known_action(action: &str) -> Result<(), Error> {
    if action == "*" {
        return Ok(());
    }
    let lower = action.to_lowercase();
    if !catalog()
        .actions_matching(&Glob::wildcard(&lower))
        .is_empty()
    {
        return Ok(());
    }
    let hint = match closest_action(&lower) {
        Some(best) => format!(" (did you mean {best}?)"),
        None => String::new(),
    };
    Err(Error::usage(format!(
        "`{action}` matches no action in the service catalog (version {}){hint}; pass --allow-unknown-actions if it is a newer action",
        catalog().version()
    )))
}

/// The known action nearest to `lower` by edit distance, within a third of its length.
pub fn closest_action(lower: &str) -> Option<String> {
    let (service, _) = lower.split_once(':')?;
    let candidates: Vec<&crate::catalog::ActionInfo> = match catalog().service(service) {
        Some(_) => catalog().service_actions(service).iter().collect(),
        None => catalog().all_actions().collect(),
    };
    candidates
        .into_iter()
        .map(|a| (strsim::levenshtein(&a.lower_name, lower), a))
        .filter(|(distance, _)| *distance <= (lower.len() / 3).max(1))
        .min_by_key(|(distance, a)| (*distance, a.lower_name.clone()))
        .map(|(_, a)| a.full_name.clone())
}

fn trimmed(items: &[String]) -> Vec<String> {
    items
        .iter()
        .map(|i| i.trim().to_string())
        .filter(|i| !i.is_empty())
        .collect()
}
