//! An extracted policy made ready for the prover, and the prover's answers read back in terms
//! of the template's unknown values.

use super::unknown::{marker_keys, UnknownValue};
use super::ExtractedPolicy;
use crate::eval::{evaluate, new_access, Evaluation};
use crate::explain::CheckOptions;
use crate::model::Policy;
use crate::parse::{policy_from_json, Json, JsonKind, ParseError};
use crate::report::{CheckReport, CheckResult};
use crate::request::{ContextValue, Request};

/// Why an extracted policy cannot go to the prover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotCheckable {
    /// An unknown value where the prover has no variables: the answer is `unknown` (exit 3).
    Unknown(String),
    /// The policy itself is invalid (exit 2), located in the template.
    Invalid(ParseError),
}

/// The policy model the prover checks.
///
/// Two rewrites that do not change what the policy allows: markers in `Id` and `Sid` (labels,
/// never evaluated) become the text `unknown`, and a policy whose only `${...}` are unknown
/// values is read as Version 2012-10-17 so that they are variables. Versions differ only in
/// whether `${...}` is a variable, and a value substituted for a variable is literal text, as
/// the deployed value would be.
pub fn prepare(policy: &ExtractedPolicy) -> Result<Policy, NotCheckable> {
    let mut document = policy.document.clone();
    if !policy.unknown_values.is_empty() {
        scrub_labels(&mut document);
        if only_markers(&document) {
            set_version(&mut document);
        }
        if let Some(reason) =
            super::unknown::unsupported_placement(&document, &policy.unknown_values)
        {
            return Err(NotCheckable::Unknown(reason));
        }
    }
    policy_from_json(&document, &policy.name()).map_err(NotCheckable::Invalid)
}

fn scrub_labels(document: &mut Json) {
    let scrub = |value: &mut Json| {
        if let JsonKind::String(text) = &mut value.kind {
            if !marker_keys(text).is_empty() {
                *text = "unknown".into();
            }
        }
    };
    let JsonKind::Object(members) = &mut document.kind else {
        return;
    };
    for (key, _, value) in members.iter_mut() {
        match key.as_str() {
            "Id" => scrub(value),
            "Statement" => {
                let statements: Vec<&mut Json> = match &mut value.kind {
                    JsonKind::Array(items) => items.iter_mut().collect(),
                    _ => vec![value],
                };
                for statement in statements {
                    if let JsonKind::Object(members) = &mut statement.kind {
                        for (key, _, value) in members.iter_mut() {
                            if key == "Sid" {
                                scrub(value);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// True when every `${` in the document opens an unknown-value marker.
fn only_markers(json: &Json) -> bool {
    match &json.kind {
        JsonKind::String(text) => text.matches("${").count() == marker_keys(text).len(),
        JsonKind::Array(items) => items.iter().all(only_markers),
        JsonKind::Object(members) => members
            .iter()
            .all(|(k, _, v)| !k.contains("${") && only_markers(v)),
        _ => true,
    }
}

fn set_version(document: &mut Json) {
    let span = document.span;
    let JsonKind::Object(members) = &mut document.kind else {
        return;
    };
    let version = Json {
        kind: JsonKind::String("2012-10-17".into()),
        span,
    };
    match members.iter_mut().find(|(k, _, _)| k == "Version") {
        Some((_, _, value)) => *value = version,
        None => members.insert(0, ("Version".into(), span, version)),
    }
}

/// The value each unknown takes in a request (None: the request gives it none).
pub fn values_in(
    request: &Request,
    unknowns: &[UnknownValue],
) -> Vec<(UnknownValue, Option<String>)> {
    unknowns
        .iter()
        .map(|u| {
            let value = request
                .context
                .get(&u.variable.to_lowercase())
                .filter(|v| v.values.len() == 1)
                .map(|v| v.values[0].clone());
            (u.clone(), value)
        })
        .collect()
}

/// "if Fn::ImportValue SharedBucketArn is `arn:aws:s3:::x`": what a counterexample needs.
pub fn needs(request: &Request, unknowns: &[UnknownValue]) -> Option<String> {
    let parts: Vec<String> = values_in(request, unknowns)
        .into_iter()
        .filter_map(|(u, v)| v.map(|v| format!("{} is `{v}`", u.source)))
        .collect();
    (!parts.is_empty()).then(|| format!("if {}", parts.join(" and ")))
}

/// Checks an extracted policy against a baseline (`keyaki check`): a pass holds for every
/// value of its unknowns; each counterexample gives every unknown a value.
pub fn check_extracted(
    policy: &ExtractedPolicy,
    baseline: &Policy,
    options: &CheckOptions,
) -> Result<CheckReport, NotCheckable> {
    let proposed = prepare(policy)?;
    let report = crate::query::check(&proposed, baseline, options);
    Ok(complete_counterexamples(
        report,
        &policy.unknown_values,
        |request| {
            new_access(
                evaluate(&proposed, request, options.policy_type),
                evaluate(baseline, request, options.policy_type),
            )
        },
    ))
}

/// A counterexample that leaves an unknown without a value (the prover may, where the value
/// does not matter) gets one filled in and is replayed; kept only if it still violates. A
/// deployed value always exists, so no printed request lacks one. With none left the answer is
/// `unknown`, never a pass.
pub fn complete_counterexamples<F>(
    mut report: CheckReport,
    unknowns: &[UnknownValue],
    replay: F,
) -> CheckReport
where
    F: Fn(&Request) -> Option<(Evaluation, Evaluation)>,
{
    if unknowns.is_empty() || report.result != CheckResult::Fail {
        return report;
    }
    let mut kept = Vec::new();
    for mut counterexample in std::mem::take(&mut report.counterexamples) {
        let missing: Vec<UnknownValue> = values_in(&counterexample.request, unknowns)
            .into_iter()
            .filter_map(|(u, v)| v.is_none().then_some(u))
            .collect();
        if missing.is_empty() {
            kept.push(counterexample);
            continue;
        }
        for unknown in missing {
            counterexample.request.context.insert(
                unknown.variable.to_lowercase(),
                ContextValue {
                    name: unknown.variable.clone(),
                    values: vec![FILLER.into()],
                    is_array: false,
                },
            );
        }
        if let Some((proposed, baseline)) = replay(&counterexample.request) {
            counterexample.proposed = proposed;
            counterexample.baseline = baseline;
            kept.push(counterexample);
        }
    }
    report.counterexamples = kept;
    if report.counterexamples.is_empty() {
        let names: Vec<&str> = unknowns.iter().map(|u| u.source.as_str()).collect();
        report.result = CheckResult::Unknown;
        report.reason = Some(format!(
            "the counterexamples found need {} to have no value, which a deployed template cannot have",
            names.join(", ")
        ));
    }
    report
}

/// The value given to an unknown the counterexample does not depend on.
pub const FILLER: &str = "any-value";

/// Findings (spec, public, not-granted) whose example request leaves an unknown without a
/// value get one and are replayed through the evaluator; those no longer allowed are dropped.
/// These properties do not read the reserved keys outside the policy itself, so a replay of the
/// policy alone decides. With findings in, none out, the caller answers unknown, never a pass.
pub fn complete_findings(
    model: &Policy,
    findings: Vec<crate::access::Finding>,
    unknowns: &[UnknownValue],
    policy_type: crate::eval::PolicyType,
) -> Vec<crate::access::Finding> {
    if unknowns.is_empty() {
        return findings;
    }
    findings
        .into_iter()
        .filter_map(|mut f| {
            for (unknown, value) in values_in(&f.request, unknowns) {
                if value.is_none() {
                    f.request.context.insert(
                        unknown.variable.to_lowercase(),
                        ContextValue {
                            name: unknown.variable.clone(),
                            values: vec![FILLER.into()],
                            is_array: false,
                        },
                    );
                }
            }
            (evaluate(model, &f.request, policy_type).allowed() == Some(true)).then_some(f)
        })
        .collect()
}
