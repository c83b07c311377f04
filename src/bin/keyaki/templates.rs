//! The native commands over a template or plan: one result per policy, each named by its
//! logical id / address and property path. Unknown values are variables of the query: a pass
//! holds for every value; a counterexample carries the value it needs (see
//! `encodings/template-unknown-values.md`).

use crate::error::{CliError, CliResult};
use crate::sources::{allows_nothing, policy_type_of, Prepared, Source, Subject, Template};
use crate::ProverArgs;
use keyaki::report::findings::FindingsReport;
use keyaki::report::{CheckReport, CheckResult, Exit, PolicyFile};
use keyaki::template::analysis::{check_extracted, complete_counterexamples, complete_findings};
use keyaki::template::{ExtractedPolicy, UnknownValue};
use keyaki::CheckOptions;
use keyaki::{evaluate, new_access, PolicyType};
use keyaki::{Diff, FailOn, Relation};
use std::collections::BTreeMap;

/// What the question came to for one policy.
pub enum Outcome {
    Check(CheckReport),
    Findings(FindingsReport),
    Diff {
        diff: Diff,
        old: PolicyFile,
        new: PolicyFile,
        change: Change,
    },
    /// Known only after deploy where the prover has no variable (exit 3).
    Unknown(String),
    /// Could not be read (exit 2).
    Invalid(String),
    /// The question does not apply to this policy (an identity policy for `access`); listed.
    NotApplicable(String),
}

/// How a policy of NEW relates to OLD in `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Added,
    Removed,
    Paired,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Paired => "paired",
        }
    }
}

/// One policy's result.
pub struct PolicyResult {
    /// The template or plan (for `diff`, the newer side that holds the policy).
    pub source: String,
    /// `stack.yaml: MyRole Properties.PolicyDocument`: how text names the policy.
    pub label: String,
    pub subject: Subject,
    pub unknowns: Vec<UnknownValue>,
    pub assumed_conditions: BTreeMap<String, bool>,
    /// The model checked (its spans point into the template), when there was one.
    pub file: Option<PolicyFile>,
    pub outcome: Outcome,
    pub exit: Exit,
}

impl PolicyResult {
    fn new(
        source: &str,
        policy: Option<&ExtractedPolicy>,
        subject: Subject,
        file: Option<PolicyFile>,
        outcome: Outcome,
        exit: Exit,
    ) -> PolicyResult {
        PolicyResult {
            source: source.to_string(),
            label: if subject.name == source {
                subject.name.clone()
            } else {
                format!("{source}: {}", subject.name)
            },
            subject,
            unknowns: policy.map(|p| p.unknown_values.clone()).unwrap_or_default(),
            assumed_conditions: policy
                .map(|p| p.assumed_conditions.clone())
                .unwrap_or_default(),
            file,
            outcome,
            exit,
        }
    }

    fn unreadable(source: &str, prepared: Prepared<'_>) -> Option<PolicyResult> {
        Some(match prepared {
            Prepared::Ready(..) => return None,
            Prepared::Unknown(subject, reason) => PolicyResult::new(
                source,
                None,
                subject,
                None,
                Outcome::Unknown(reason),
                Exit::Unknown,
            ),
            Prepared::Invalid(subject, reason) => PolicyResult::new(
                source,
                None,
                subject,
                None,
                Outcome::Invalid(reason),
                Exit::BadInput,
            ),
        })
    }

    /// `pass`, `fail`, `unknown`, `invalid` or `not-applicable`.
    pub fn verdict(&self) -> &'static str {
        match (&self.outcome, self.exit) {
            (Outcome::NotApplicable(_), _) => "not-applicable",
            (_, Exit::Ok) => "pass",
            (_, Exit::Violated) => "fail",
            (_, Exit::Unknown) => "unknown",
            (_, Exit::BadInput) => "invalid",
        }
    }
}

/// The options for one policy: the prover flags, under the policy's own type unless told.
fn options_for(
    prover: &ProverArgs,
    policy: &ExtractedPolicy,
    model: &PolicyFile,
) -> CliResult<CheckOptions> {
    let mut options = crate::options(prover, &[&model.policy])?;
    options.policy_type = policy_type_of(prover.policy_type, policy.kind);
    Ok(options)
}

/// Runs `each` on every policy the template holds; refusals and policies the prover cannot
/// take are results too.
fn each_policy(
    template: &Template,
    mut each: impl FnMut(&ExtractedPolicy, PolicyFile) -> CliResult<PolicyResult>,
) -> CliResult<Vec<PolicyResult>> {
    let mut results = Vec::new();
    for prepared in template.prepared() {
        results.push(match prepared {
            Prepared::Ready(policy, file) => each(policy, file)?,
            other => PolicyResult::unreadable(&template.file, other)
                .ok_or("unreachable: a policy both ready and not")?,
        });
    }
    Ok(results)
}

/// `check TEMPLATE --baseline B`: every policy against the baseline.
pub fn check(
    template: &Template,
    baseline: &PolicyFile,
    prover: &ProverArgs,
) -> CliResult<Vec<PolicyResult>> {
    each_policy(template, |policy, file| {
        let options = options_for(prover, policy, &file)?;
        let mut report = check_extracted(policy, &baseline.policy, &options)
            .map_err(|_| CliError::Usage(format!("{}: not checkable", policy.name())))?;
        // A proposed edit would show the unknowns' placeholder text, not a deployable policy.
        if !policy.unknown_values.is_empty() {
            report.advice.clear();
        }
        let exit = report.exit();
        report.counterexamples.truncate(prover.counterexamples);
        Ok(PolicyResult::new(
            &template.file,
            Some(policy),
            Subject::of(policy),
            Some(file),
            Outcome::Check(report),
            exit,
        ))
    })
}

/// A findings question (`access`, `check-no-public-access`, `check-access-not-granted`,
/// `check --spec`) on every policy. `applies` says why a policy is left out of the question
/// (it is listed, never dropped).
pub fn findings(
    template: &Template,
    prover: &ProverArgs,
    applies: impl Fn(&ExtractedPolicy, PolicyType) -> Option<String>,
    ask: impl Fn(&ExtractedPolicy, &PolicyFile, &CheckOptions) -> CliResult<FindingsReport>,
) -> CliResult<Vec<PolicyResult>> {
    each_policy(template, |policy, file| {
        let options = options_for(prover, policy, &file)?;
        if let Some(reason) = applies(policy, options.policy_type) {
            return Ok(PolicyResult::new(
                &template.file,
                Some(policy),
                Subject::of(policy),
                Some(file),
                Outcome::NotApplicable(reason),
                Exit::Ok,
            ));
        }
        let report = ask(policy, &file, &options)?;
        let report = complete(report, &file, policy, options.policy_type);
        Ok(PolicyResult::new(
            &template.file,
            Some(policy),
            Subject::of(policy),
            Some(file),
            Outcome::Findings(report.clone()),
            report.exit(),
        ))
    })
}

/// Findings whose example leaves an unknown without a value get one and are replayed; with
/// findings in and none out the answer is unknown, never a pass.
fn complete(
    report: FindingsReport,
    file: &PolicyFile,
    policy: &ExtractedPolicy,
    policy_type: PolicyType,
) -> FindingsReport {
    if policy.unknown_values.is_empty() {
        return report;
    }
    let before = report.findings.len();
    let findings = complete_findings(
        &file.policy,
        report.findings,
        &policy.unknown_values,
        policy_type,
    );
    let mut unknown: Vec<String> = report.reason.into_iter().collect();
    if before > 0 && findings.is_empty() {
        unknown.push("the findings need a value known only at deploy time to be absent, which a deployed template cannot have".into());
    }
    FindingsReport::new(findings, unknown)
}

/// One side of a `diff`: the policies by name (origin, path, assumed conditions). A bare
/// policy has no origin (`None`).
struct Side<'t> {
    file: String,
    ready: Vec<(String, (Option<&'t ExtractedPolicy>, PolicyFile))>,
}

impl<'t> Side<'t> {
    fn get(&self, name: &str) -> Option<&(Option<&'t ExtractedPolicy>, PolicyFile)> {
        self.ready
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, entry)| entry)
    }
}

/// `diff OLD NEW` where either is a template: policies paired by origin; a policy only in NEW
/// is added (compared with one that allows nothing), only in OLD removed.
pub fn diff(
    old: &Source,
    new: &Source,
    prover: &ProverArgs,
    fail_on: FailOn,
) -> CliResult<Vec<PolicyResult>> {
    let mut results = Vec::new();
    let old_side = side(old, &mut results);
    let new_side = side(new, &mut results);
    let (old_side, new_side) = match (old, new) {
        (Source::Template(_), Source::Template(_)) => (old_side, new_side),
        // A policy against a template: it stands for the template's one policy.
        _ => pair_single(old_side, new_side)?,
    };
    // NEW's order, then what only OLD has.
    let mut names: Vec<&String> = new_side.ready.iter().map(|(n, _)| n).collect();
    names.extend(
        old_side
            .ready
            .iter()
            .map(|(n, _)| n)
            .filter(|n| new_side.get(n).is_none()),
    );
    for name in names {
        let (old_entry, new_entry) = (old_side.get(name), new_side.get(name));
        let absent = |file: &str| PolicyFile {
            path: file.to_string(),
            policy: allows_nothing(),
        };
        let (change, (policy, _), old_file, new_file) = match (old_entry, new_entry) {
            (Some((_, o)), Some(entry)) => (Change::Paired, entry, o.clone(), entry.1.clone()),
            (None, Some(entry)) => (
                Change::Added,
                entry,
                absent(&old_side.file),
                entry.1.clone(),
            ),
            (Some(entry), None) => (
                Change::Removed,
                entry,
                entry.1.clone(),
                absent(&new_side.file),
            ),
            (None, None) => continue,
        };
        // The template's policy names the pair (a bare policy on the other side has no origin).
        let policy = policy.or_else(|| old_entry.and_then(|(p, _)| *p));
        let mut options = crate::options(prover, &[&old_file.policy, &new_file.policy])?;
        if let Some(policy) = policy {
            options.policy_type = policy_type_of(prover.policy_type, policy.kind);
        }
        let mut unknowns: Vec<UnknownValue> = [old_entry, new_entry]
            .into_iter()
            .flatten()
            .flat_map(|(p, _)| p.map(|p| p.unknown_values.clone()).unwrap_or_default())
            .collect();
        unknowns.sort();
        unknowns.dedup();
        let mut diff = keyaki::diff(&old_file, &new_file, &options);
        complete_diff(
            &mut diff,
            &old_file,
            &new_file,
            &unknowns,
            options.policy_type,
        );
        let exit = diff.exit(fail_on);
        diff.widened.truncate(prover.counterexamples);
        diff.narrowed.truncate(prover.counterexamples);
        let subject = match policy {
            Some(policy) => Subject::of(policy),
            None => Subject::of_file(&new_file.path),
        };
        let mut result = PolicyResult::new(
            &new_side.file,
            policy,
            subject,
            Some(new_file.clone()),
            Outcome::Diff {
                diff,
                old: old_file,
                new: new_file,
                change,
            },
            exit,
        );
        result.unknowns = unknowns;
        results.push(result);
    }
    Ok(results)
}

fn side<'t>(source: &'t Source, results: &mut Vec<PolicyResult>) -> Side<'t> {
    match source {
        Source::Policy(file) => Side {
            file: file.path.clone(),
            ready: vec![(String::new(), (None, file.clone()))],
        },
        Source::Template(template) => {
            let mut ready = Vec::new();
            for prepared in template.prepared() {
                match prepared {
                    Prepared::Ready(policy, file) => {
                        ready.push((policy.name(), (Some(policy), file)));
                    }
                    other => results.extend(PolicyResult::unreadable(&template.file, other)),
                }
            }
            Side {
                file: template.file.clone(),
                ready,
            }
        }
    }
}

/// A bare policy against a template: pairs with the template's one policy.
fn pair_single<'t>(old: Side<'t>, new: Side<'t>) -> CliResult<(Side<'t>, Side<'t>)> {
    let (Some(o), Some(n)) = (single(&old), single(&new)) else {
        return Err(CliError::Usage(format!(
            "diff pairs a policy with a template only when the template holds one policy; {} holds {} and {} holds {} (diff two templates to pair their policies by logical id and path)",
            old.file, old.ready.len(), new.file, new.ready.len()
        )));
    };
    let rename = |side: &Side<'t>, entry| Side {
        file: side.file.clone(),
        ready: vec![(String::new(), entry)],
    };
    Ok((rename(&old, o), rename(&new, n)))
}

fn single<'t>(side: &Side<'t>) -> Option<(Option<&'t ExtractedPolicy>, PolicyFile)> {
    match &side.ready[..] {
        [(_, (policy, file))] => Some((*policy, file.clone())),
        _ => None,
    }
}

/// Diff counterexamples that leave an unknown without a value get one and are replayed; a
/// direction whose examples all need an absent value is undecided, never a pass.
fn complete_diff(
    diff: &mut Diff,
    old: &PolicyFile,
    new: &PolicyFile,
    unknowns: &[UnknownValue],
    ty: PolicyType,
) {
    if unknowns.is_empty() {
        return;
    }
    let mut reasons: Vec<String> = diff.reason.clone().into_iter().collect();
    let mut undecided = false;
    for (list, proposed, baseline, direction) in [
        (&mut diff.widened, new, old, "widening"),
        (&mut diff.narrowed, old, new, "narrowing"),
    ] {
        if list.is_empty() {
            continue;
        }
        let report = CheckReport {
            result: CheckResult::Fail,
            reason: None,
            counterexamples: std::mem::take(list),
            advice: Vec::new(),
        };
        let report = complete_counterexamples(report, unknowns, |request| {
            new_access(
                evaluate(&proposed.policy, request, ty),
                evaluate(&baseline.policy, request, ty),
            )
        });
        if let Some(reason) = report.reason {
            reasons.push(format!("{direction}: {reason}"));
            undecided = true;
        }
        *list = report.counterexamples;
    }
    if undecided {
        diff.relation = Relation::Unknown;
        diff.reason = Some(reasons.join("; "));
    }
}
