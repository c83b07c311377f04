//! Many policies against one baseline or spec: file discovery, deterministic sharding, a
//! parallel check, and the per-file results `keyaki scan` renders.
//!
//! Kept out of the CLI so the corpus runner and tests can drive the same code.

use crate::access::spec::{check_spec, Spec};
use crate::eval::PolicyType;
use crate::explain::{check_no_new_access, CheckOptions};
use crate::query::resolve_policy_type;
use crate::report::findings::FindingsReport;
use crate::report::{CheckReport, CheckResult, Exit, PolicyFile};
use rayon::prelude::*;
use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScanError {
    #[error("{path}: cannot read: {message}")]
    Unreadable { path: String, message: String },
    #[error("--shard must be K/N with 1 <= K <= N (for example 2/8), not {0:?}")]
    BadShard(String),
    #[error("--jobs must be at least 1")]
    NoJobs,
    #[error("cannot start {jobs} worker threads: {message}")]
    ThreadPool { jobs: usize, message: String },
}

/// The verdict for one file. `Invalid` = the file could not be read or parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ScanResult {
    Pass,
    Fail,
    Unknown,
    Invalid,
}

impl ScanResult {
    pub fn as_str(self) -> &'static str {
        match self {
            ScanResult::Pass => "pass",
            ScanResult::Fail => "fail",
            ScanResult::Unknown => "unknown",
            ScanResult::Invalid => "invalid",
        }
    }
}

/// What happened to one file.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Parsed and checked against a baseline; the policy is kept for reports that point into it.
    Checked {
        policy: Box<PolicyFile>,
        report: CheckReport,
    },
    /// Parsed and checked against a spec: findings, as `check --spec` reports them.
    SpecChecked {
        policy: Box<PolicyFile>,
        report: FindingsReport,
    },
    /// Unreadable or unparsable: the message says why.
    Invalid(String),
    /// Found but not decidable before deploy (a template value no variable can stand for).
    Unknown(String),
}

#[derive(Debug, Clone)]
pub struct ScanEntry {
    /// The path as discovered (relative to the working directory when the argument was).
    pub file: String,
    /// In a template or plan: the policy's logical id / address and property path.
    pub origin: Option<String>,
    pub outcome: Outcome,
    /// Checked against a spec (findings) rather than a baseline (counterexamples).
    pub against_spec: bool,
}

impl From<CheckResult> for ScanResult {
    fn from(result: CheckResult) -> ScanResult {
        match result {
            CheckResult::Pass => ScanResult::Pass,
            CheckResult::Fail => ScanResult::Fail,
            CheckResult::Unknown => ScanResult::Unknown,
        }
    }
}

impl ScanEntry {
    pub fn result(&self) -> ScanResult {
        match &self.outcome {
            Outcome::Invalid(_) => ScanResult::Invalid,
            Outcome::Unknown(_) => ScanResult::Unknown,
            Outcome::Checked { report, .. } => report.result.into(),
            Outcome::SpecChecked { report, .. } => report.result.into(),
        }
    }

    /// `{"file", "result", "reason", "counterexamples"}` (baseline) or
    /// `{"file", "result", "reason", "findings"}` (spec): check's JSON plus the file.
    pub fn to_json(&self) -> serde_json::Value {
        let mut object = serde_json::Map::new();
        object.insert("file".into(), self.file.clone().into());
        if let Some(origin) = &self.origin {
            object.insert("origin".into(), origin.clone().into());
        }
        match &self.outcome {
            Outcome::Checked { report, .. } => {
                if let serde_json::Value::Object(fields) = report.to_json() {
                    object.extend(fields);
                }
            }
            Outcome::SpecChecked { report, .. } => {
                if let serde_json::Value::Object(fields) = report.to_json() {
                    object.extend(fields);
                }
            }
            Outcome::Invalid(message) | Outcome::Unknown(message) => {
                object.insert("result".into(), self.result().as_str().into());
                object.insert("reason".into(), message.clone().into());
                // The same list field as the file's siblings, empty, so consumers need no case.
                let list = if self.against_spec {
                    "findings"
                } else {
                    "counterexamples"
                };
                object.insert(list.into(), serde_json::Value::Array(vec![]));
            }
        }
        serde_json::Value::Object(object)
    }
}

/// Counts per result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub total: usize,
    pub pass: usize,
    pub fail: usize,
    pub unknown: usize,
    pub invalid: usize,
}

impl Summary {
    pub fn of(entries: &[ScanEntry]) -> Summary {
        let mut s = Summary {
            total: entries.len(),
            ..Summary::default()
        };
        for e in entries {
            match e.result() {
                ScanResult::Pass => s.pass += 1,
                ScanResult::Fail => s.fail += 1,
                ScanResult::Unknown => s.unknown += 1,
                ScanResult::Invalid => s.invalid += 1,
            }
        }
        s
    }

    /// Any failure is non-zero; a proved violation decides first (1), then unknown (3), then
    /// invalid input (2). One unreadable file must not hide the violations of the others (they
    /// are all listed, with the counts of every class); every class still fails the gate.
    pub fn exit(&self) -> Exit {
        if self.fail > 0 {
            Exit::Violated
        } else if self.unknown > 0 {
            Exit::Unknown
        } else if self.invalid > 0 {
            Exit::BadInput
        } else {
            Exit::Ok
        }
    }
}

/// `K/N`: the K-th (1-based) of N slices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl FromStr for Shard {
    type Err = ScanError;

    fn from_str(s: &str) -> Result<Shard, ScanError> {
        let bad = || ScanError::BadShard(s.to_string());
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = k.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// File `i` (0-based, in the sorted list) belongs to shard `i mod N + 1`: every shard gets
    /// the same count ±1 whatever the directory layout, and the union of all shards is the list.
    pub fn select<T: Clone>(&self, items: &[T]) -> Vec<T> {
        items
            .iter()
            .enumerate()
            .filter(|(i, _)| i % self.count == self.index - 1)
            .map(|(_, item)| item.clone())
            .collect()
    }
}

/// Every policy file named by `paths`: a file argument is taken as is, a directory is walked
/// recursively for `*.json` (symlinked directories are not followed, so a link cycle cannot
/// loop). The result is sorted by path text and free of duplicates.
/// Files a directory walk reads: policies and plans (JSON), templates (JSON or YAML). Each is
/// then read by its content; one that is none of these is reported invalid, never skipped.
pub const SCANNED_EXTENSIONS: &[&str] = &["json", "yaml", "yml", "template"];

pub fn discover(paths: &[String]) -> Result<Vec<String>, ScanError> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| ScanError::Unreadable {
            path: path.clone(),
            message: e.to_string(),
        })?;
        if meta.is_dir() {
            walk(Path::new(path), &mut files)?;
        } else {
            files.push(path.clone());
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<String>) -> Result<(), ScanError> {
    let unreadable = |e: std::io::Error| ScanError::Unreadable {
        path: dir.display().to_string(),
        message: e.to_string(),
    };
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(unreadable)?
        .collect::<Result<_, _>>()
        .map_err(unreadable)?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let file_type = entry.file_type().map_err(unreadable)?;
        if file_type.is_dir() {
            walk(&path, files)?;
        } else if path
            .extension()
            .is_some_and(|x| SCANNED_EXTENSIONS.iter().any(|e| x.eq_ignore_ascii_case(e)))
            && std::fs::metadata(&path).is_ok_and(|m| m.is_file())
        {
            files.push(path.to_string_lossy().into_owned());
        }
    }
    Ok(())
}

/// What every file is checked against.
#[derive(Debug, Clone)]
pub enum Against {
    /// No new access relative to this policy.
    Baseline(Box<PolicyFile>),
    /// Every requirement of this spec.
    Spec(Box<Spec>),
}

impl Against {
    /// The policies besides the file's own that decide its type.
    fn reference_policies(&self) -> Vec<&crate::model::Policy> {
        match self {
            Against::Baseline(baseline) => vec![&baseline.policy],
            Against::Spec(spec) => spec.baseline.iter().map(|(_, p)| p).collect(),
        }
    }
}

/// How to check each file.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// `None`: resolve per file (resource when the file or the baseline has a Principal).
    pub policy_type: Option<PolicyType>,
    pub check: CheckOptions,
    /// Worker threads; `None` = rayon's default (all cores).
    pub jobs: Option<usize>,
    /// Parameters and pseudo parameters for the templates scanned.
    pub resolve: crate::template::ResolveOptions,
}

/// Reads, parses and checks one file against the baseline or spec.
pub fn check_file(path: &str, against: &Against, options: &ScanOptions) -> ScanEntry {
    let outcome = match crate::query::load_policy(path) {
        Err(error) => Outcome::Invalid(error.to_string()),
        Ok(policy) => check_policy(policy, against, options),
    };
    ScanEntry {
        file: path.to_string(),
        origin: None,
        outcome,
        against_spec: matches!(against, Against::Spec(_)),
    }
}

fn check_policy(policy: PolicyFile, against: &Against, options: &ScanOptions) -> Outcome {
    let mut check = options.check.clone();
    let mut policies = vec![&policy.policy];
    policies.extend(against.reference_policies());
    check.policy_type = resolve_policy_type(options.policy_type, &policies);
    match against {
        Against::Baseline(baseline) => {
            let verdict = check_deterministic(&policy.policy, &baseline.policy, &check);
            Outcome::Checked {
                policy: Box::new(policy),
                report: crate::query::check_report(verdict),
            }
        }
        Against::Spec(spec) => {
            let outcome = check_spec(&policy.policy, spec, &check);
            Outcome::SpecChecked {
                policy: Box::new(policy),
                report: FindingsReport::new(outcome.findings, outcome.unknown),
            }
        }
    }
}

/// One file read by its content: a policy gives one entry; a CloudFormation template or
/// Terraform plan one entry per policy (named by origin) and per policy it could not read.
pub fn check_source(path: &str, against: &Against, options: &ScanOptions) -> Vec<ScanEntry> {
    let against_spec = matches!(against, Against::Spec(_));
    let entry = |origin: Option<String>, outcome: Outcome| ScanEntry {
        file: path.to_string(),
        origin,
        outcome,
        against_spec,
    };
    let bytes = match crate::query::read_input(path) {
        Ok(bytes) => bytes,
        Err(error) => return vec![entry(None, Outcome::Invalid(error.reason()))],
    };
    let extraction = match crate::template::extract(&bytes, path, &options.resolve) {
        Ok(extraction) => extraction,
        Err(error) => return vec![entry(None, Outcome::Invalid(error.to_string()))],
    };
    if extraction.format == crate::template::SourceFormat::Policy {
        return vec![check_file(path, against, options)];
    }
    let mut entries = Vec::new();
    for refusal in &extraction.refusals {
        let origin = Some(format!("{} {}", refusal.origin, refusal.path));
        let reason = format!("line {}: {}", refusal.span.line, refusal.reason);
        entries.push(match refusal.reason.strip_prefix("unknown: ") {
            Some(reason) => entry(
                origin,
                Outcome::Unknown(format!("line {}: {reason}", refusal.span.line)),
            ),
            None => entry(origin, Outcome::Invalid(reason)),
        });
    }
    for extracted in &extraction.policies {
        let origin = Some(extracted.name());
        let mut options = options.clone();
        options.policy_type = options.policy_type.or(Some(match extracted.kind {
            crate::template::PolicyKind::Identity => crate::eval::PolicyType::Identity,
            crate::template::PolicyKind::Resource => crate::eval::PolicyType::Resource,
        }));
        let outcome = match crate::template::analysis::prepare(extracted) {
            Err(crate::template::analysis::NotCheckable::Unknown(reason)) => {
                Outcome::Unknown(reason)
            }
            Err(crate::template::analysis::NotCheckable::Invalid(error)) => {
                Outcome::Invalid(error.to_string())
            }
            Ok(policy) => {
                let file = PolicyFile {
                    path: path.to_string(),
                    policy,
                };
                let outcome = check_policy(file, against, &options);
                match outcome {
                    Outcome::Checked { policy, report } => {
                        let unknowns = &extracted.unknown_values;
                        let model = policy.policy.clone();
                        let policy_type = options
                            .policy_type
                            .unwrap_or(crate::eval::PolicyType::Identity);
                        let report = match against {
                            Against::Baseline(baseline) => {
                                crate::template::analysis::complete_counterexamples(
                                    report,
                                    unknowns,
                                    |request| {
                                        let p = crate::eval::evaluate(&model, request, policy_type);
                                        let b = crate::eval::evaluate(
                                            &baseline.policy,
                                            request,
                                            policy_type,
                                        );
                                        // Sure new access only: a decision that rests on an
                                        // undocumented value is no counterexample.
                                        crate::eval::new_access(p, b)
                                    },
                                )
                            }
                            Against::Spec(_) => report,
                        };
                        Outcome::Checked { policy, report }
                    }
                    Outcome::SpecChecked { policy, mut report }
                        if !extracted.unknown_values.is_empty() =>
                    {
                        let policy_type = options
                            .policy_type
                            .unwrap_or(crate::eval::PolicyType::Identity);
                        let before = report.findings.len();
                        report.findings = crate::template::analysis::complete_findings(
                            &policy.policy,
                            report.findings,
                            &extracted.unknown_values,
                            policy_type,
                        );
                        if before > 0 && report.findings.is_empty() {
                            Outcome::Unknown("the findings need a value known only at deploy time to be absent, which a deployed template cannot have".into())
                        } else {
                            // Recompute the verdict from the completed findings; an earlier unknown stays.
                            let unknown: Vec<String> = report.reason.clone().into_iter().collect();
                            Outcome::SpecChecked {
                                policy,
                                report: FindingsReport::new(report.findings, unknown),
                            }
                        }
                    }
                    other => other,
                }
            }
        };
        entries.push(entry(origin, outcome));
    }
    if entries.is_empty() {
        // A template with no policies is a result too: nothing to check, nothing skipped.
        entries.push(entry(
            Some("(no policies)".into()),
            Outcome::Checked {
                policy: Box::new(PolicyFile {
                    path: path.to_string(),
                    policy: empty_policy(),
                }),
                report: CheckReport {
                    result: crate::report::CheckResult::Pass,
                    reason: None,
                    counterexamples: Vec::new(),
                    advice: Vec::new(),
                },
            },
        ));
    }
    entries
}

fn empty_policy() -> crate::model::Policy {
    crate::model::Policy {
        version: crate::model::Version::V2012_10_17,
        id: None,
        statements: Vec::new(),
    }
}

/// Does `proposed` allow any request `baseline` does not? The decision `keyaki check` and
/// `keyaki scan` (and any caller wanting the fastest verdict) use:
///
/// 1. The solver-free probe, asked for as many counterexamples as the search would show
///    ([`crate::query::without_solver::counterexamples_without_solver`], as `diff` asks): most
///    files fail against most baselines, and a few concrete candidate requests, replayed
///    through the evaluator, usually show it without building a formula or a z3 context.
/// 2. Otherwise the search ([`check_no_new_access`]); a pass only ever comes from here.
/// 3. When the search gives up (unknown), the probe once more for a single counterexample
///    (step 1 needs as many as asked for): a replayed counterexample turns an unknown into a
///    fail, never into a pass.
///
/// Every query runs in a fresh z3 context (see `explain::search`), so the verdict and its
/// counterexamples depend on the pair alone: shards' outputs concatenate into exactly one
/// run's output, and `check` prints what `scan` finds.
pub fn check_deterministic(
    proposed: &crate::model::Policy,
    baseline: &crate::model::Policy,
    options: &CheckOptions,
) -> crate::explain::Verdict {
    use crate::explain::{polish_counterexamples, probe_counterexamples, Verdict};
    // As many counterexamples as the search would show (diff asks the same), already polished.
    if let Some(found) =
        crate::query::without_solver::counterexamples_without_solver(proposed, baseline, options)
    {
        return Verdict::Violated(found);
    }
    match check_no_new_access(proposed, baseline, options) {
        Verdict::Unknown(reason) => {
            let one = CheckOptions {
                counterexamples: 1,
                ..options.clone()
            };
            match probe_counterexamples(proposed, baseline, &one) {
                Some(found) => {
                    Verdict::Violated(polish_counterexamples(found, proposed, baseline, options))
                }
                None => Verdict::Unknown(reason),
            }
        }
        decided => decided,
    }
}

/// Checks every file in parallel; results come back in input order. `progress` is called
/// after each file with (done, total), from worker threads.
pub fn scan(
    files: &[String],
    against: &Against,
    options: &ScanOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<ScanEntry>, ScanError> {
    let done = AtomicUsize::new(0);
    let run = || -> Vec<ScanEntry> {
        files
            .par_iter()
            // One file per task: check times vary by 1000x, so let rayon balance them.
            .with_max_len(1)
            .map(|file| {
                let entries = check_source(file, against, options);
                progress(done.fetch_add(1, Ordering::Relaxed) + 1, files.len());
                entries
            })
            .flatten()
            .collect()
    };
    match options.jobs {
        None => Ok(run()),
        Some(0) => Err(ScanError::NoJobs),
        Some(jobs) => rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .build()
            .map_err(|e| ScanError::ThreadPool {
                jobs,
                message: e.to_string(),
            })
            .map(|pool| pool.install(run)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_parses_and_rejects() {
        assert_eq!("2/3".parse(), Ok(Shard { index: 2, count: 3 }));
        for bad in ["0/3", "4/3", "1/0", "3", "a/b", "1/3/4", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn shards_partition_the_list() {
        let items: Vec<usize> = (0..10).collect();
        let mut union: Vec<usize> = (1..=3)
            .flat_map(|k| Shard { index: k, count: 3 }.select(&items))
            .collect();
        assert_eq!(
            Shard { index: 1, count: 3 }.select(&items),
            vec![0, 3, 6, 9]
        );
        union.sort();
        assert_eq!(union, items);
    }

    #[test]
    fn exit_ranks_fail_over_unknown_over_invalid() {
        let s = |fail, unknown, invalid| Summary {
            total: 5,
            pass: 1,
            fail,
            unknown,
            invalid,
        };
        assert_eq!(s(0, 0, 0).exit(), Exit::Ok);
        assert_eq!(s(2, 0, 0).exit(), Exit::Violated);
        assert_eq!(s(2, 1, 1).exit(), Exit::Violated);
        assert_eq!(s(0, 1, 1).exit(), Exit::Unknown);
        assert_eq!(s(0, 0, 1).exit(), Exit::BadInput);
    }
}
