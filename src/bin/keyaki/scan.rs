//! `keyaki scan`: many policies against one baseline or spec, in parallel.

use super::{load_policy, UniverseArg};
use crate::error::{CliError, CliResult};
use keyaki::load_spec;
use keyaki::report::{self, CheckResult, Code, Exit};
use keyaki::scan::{self, Against, Outcome, ScanEntry, ScanOptions, ScanResult, Shard, Summary};
use keyaki::{ActionUniverse, CheckOptions};
use serde_json::{json, Value};
use std::io::{IsTerminal, Write};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScanFormat {
    Text,
    Json,
    Jsonl,
    Sarif,
}

#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    #[arg(required = true)]
    pub paths: Vec<String>,
    /// A policy: report files that allow any request it does not.
    #[arg(long, conflicts_with = "spec")]
    pub baseline: Option<String>,
    /// A spec (see `encodings/spec-format.md`): report each file's findings against it.
    #[arg(long)]
    pub spec: Option<String>,
    #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
    pub format: ScanFormat,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// `K/N`: only the K-th of N deterministic slices of the inputs (1-based). File i of the
    /// sorted list goes to slice i mod N + 1.
    #[arg(long)]
    pub shard: Option<String>,
    #[arg(long, value_enum)]
    pub policy_type: Option<super::PolicyTypeArg>,
    #[arg(long, default_value_t = 10.0)]
    pub timeout: f64,
    #[arg(long, default_value_t = 1)]
    pub counterexamples: usize,
    /// open: any action name; catalog: only known actions.
    #[arg(long, value_enum, default_value_t = UniverseArg::Open)]
    pub action_universe: UniverseArg,
    /// open: any resource string; catalog: only well-formed ARNs of the action's resource types.
    #[arg(long, value_enum, default_value_t = UniverseArg::Open)]
    pub resource_universe: UniverseArg,
    /// Megabytes one file's check may grow by before giving up with "unknown" (exit 3).
    #[arg(long, default_value_t = keyaki::DEFAULT_MEMORY_BUDGET_MB)]
    pub memory_budget: u64,
    #[command(flatten)]
    pub resolve: crate::sources::TemplateArgs,
}

/// The most worker threads `--jobs` accepts (a machine has far fewer cores; more threads only
/// cost memory, one z3 context each).
pub const MAX_JOBS: usize = 256;

pub fn run(args: ScanArgs, out: &mut dyn Write) -> CliResult<Exit> {
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        return Err(CliError::Usage(format!(
            "--timeout must be a positive number of seconds, not {}",
            args.timeout
        )));
    }
    let shard = args.shard.as_deref().map(str::parse::<Shard>).transpose()?;
    // Loaded before discovery so a bad baseline or spec fails fast, naming itself.
    let (against, against_label) = match (&args.baseline, &args.spec) {
        (Some(path), None) => (
            Against::Baseline(Box::new(load_policy(path)?)),
            path.clone(),
        ),
        (None, Some(path)) => (Against::Spec(Box::new(load_spec(path)?)), path.clone()),
        _ => return Err("scan needs exactly one of --baseline FILE and --spec FILE".into()),
    };
    if let Some(jobs) = args.jobs.filter(|j| *j > MAX_JOBS) {
        return Err(CliError::Usage(format!(
            "--jobs {jobs} is more than {MAX_JOBS} worker threads; use at most the number of cores"
        )));
    }
    let resolve = args.resolve.resolve_options()?;
    let mut files = scan::discover(&args.paths)?;
    if let Some(shard) = shard {
        files = shard.select(&files);
    }
    let options = ScanOptions {
        policy_type: args.policy_type.map(Into::into),
        check: CheckOptions {
            // Resolved per file.
            policy_type: keyaki::PolicyType::Identity,
            counterexamples: args.counterexamples.max(1),
            timeout: Duration::from_secs_f64(args.timeout.min(86_400.0)),
            action_universe: match args.action_universe {
                UniverseArg::Open => ActionUniverse::Open,
                UniverseArg::Catalog => ActionUniverse::Catalog,
            },
            resource_universe: args.resource_universe.into(),
            prune: true,
            memory_budget_mb: args.memory_budget.max(1),
        },
        jobs: args.jobs,
        resolve,
    };
    let show_progress = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    let progress = |done: usize, total: usize| {
        if show_progress {
            eprint!("\rscanning {done}/{total}");
        }
    };
    let entries = scan::scan(&files, &against, &options, &progress)?;
    if show_progress && !files.is_empty() {
        // Clear the progress line before the report.
        eprint!("\r{:width$}\r", "", width = 40);
    }
    let summary = Summary::of(&entries);
    let text = match args.format {
        ScanFormat::Text => text_report(&entries, &summary, &against, &against_label),
        ScanFormat::Jsonl => entries
            .iter()
            .map(|e| serde_json::to_string(&e.to_json()).unwrap_or_default() + "\n")
            .collect(),
        ScanFormat::Json => {
            let mut report = json!({
                "summary": summary,
                "results": entries.iter().map(ScanEntry::to_json).collect::<Vec<_>>(),
            });
            let key = match against {
                Against::Baseline(_) => "baseline",
                Against::Spec(_) => "spec",
            };
            report[key] = against_label.clone().into();
            pretty(&report)
        }
        ScanFormat::Sarif => pretty(&sarif_report(&entries)),
    };
    write!(out, "{text}")?;
    Ok(summary.exit())
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// One line per file (plus counterexample or finding lines for failures), then the counts.
fn text_report(
    entries: &[ScanEntry],
    summary: &Summary,
    against: &Against,
    against_label: &str,
) -> String {
    let mut out = String::new();
    for entry in entries {
        let original = entry;
        let entry = &ScanEntry {
            file: display_name(original),
            ..original.clone()
        };
        let line = match &entry.outcome {
            Outcome::Invalid(message) => format!(
                "invalid  {}: {}\n",
                entry.file,
                without_path(message, original)
            ),
            Outcome::Unknown(message) => format!("unknown  {}: {message}\n", entry.file),
            Outcome::SpecChecked { report, .. } => {
                let question = match against {
                    Against::Spec(spec) => spec.question(),
                    Against::Baseline(_) => format!("meets {against_label}"),
                };
                let spec_name = match against {
                    Against::Spec(spec) => spec
                        .name
                        .clone()
                        .unwrap_or_else(|| against_label.to_string()),
                    Against::Baseline(_) => against_label.to_string(),
                };
                let body = report.text(&entry.file, &question);
                // The report's first line is its verdict; the scan line replaces it.
                let details: String = body
                    .lines()
                    .skip(usize::from(report.result != CheckResult::Unknown))
                    .filter(|l| {
                        report.result != CheckResult::Unknown || !l.starts_with("unknown: ")
                    })
                    .map(|l| format!("  {l}\n"))
                    .collect();
                let head = match entry.result() {
                    ScanResult::Pass => format!("pass     {}", entry.file),
                    ScanResult::Unknown => unknown_head(&entry.file, report.reason.as_deref()),
                    _ => format!(
                        "fail     {}: {} finding{} against spec {spec_name}",
                        entry.file,
                        report.findings.iter().filter(|f| !f.accepted).count(),
                        if report.findings.iter().filter(|f| !f.accepted).count() == 1 {
                            ""
                        } else {
                            "s"
                        }
                    ),
                };
                format!("{head}\n{details}")
            }
            Outcome::Checked { report, .. } => match entry.result() {
                ScanResult::Pass => format!("pass     {}\n", entry.file),
                ScanResult::Unknown => unknown_head(&entry.file, report.reason.as_deref()) + "\n",
                _ => {
                    let mut s = format!(
                        "fail     {}: allows requests {against_label} does not\n",
                        entry.file
                    );
                    for c in &report.counterexamples {
                        s.push_str(&report::counterexample_text(c, "policy", "baseline"));
                    }
                    s
                }
            },
        };
        out.push_str(&line);
    }
    out.push_str(&format!(
        "{} files: {} pass, {} fail, {} unknown, {} invalid\n",
        summary.total, summary.pass, summary.fail, summary.unknown, summary.invalid
    ));
    out
}

/// `file` or `file: Origin Properties.PolicyDocument` for a policy inside a template.
fn display_name(entry: &ScanEntry) -> String {
    match &entry.origin {
        Some(origin) => format!("{}: {origin}", entry.file),
        None => entry.file.clone(),
    }
}

/// Errors already name their file (or the policy inside a template); the scan line names it
/// once.
fn without_path<'m>(message: &'m str, entry: &ScanEntry) -> &'m str {
    [Some(entry.file.as_str()), entry.origin.as_deref()]
        .into_iter()
        .flatten()
        .find_map(|prefix| {
            message
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix(": "))
        })
        .unwrap_or(message)
}

/// One SARIF run: each file's check results, merged; invalid files become tool-execution
/// notifications (the analysis could not run on them), not findings.
fn sarif_report(entries: &[ScanEntry]) -> Value {
    let mut rules: std::collections::BTreeMap<String, Value> = Default::default();
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for entry in entries {
        let first = results.len();
        match &entry.outcome {
            Outcome::Checked { policy, report } => crate::template_report::merge_run(
                &report::check_sarif(report, policy, Code::NewAccess),
                &mut rules,
                &mut results,
            ),
            Outcome::SpecChecked { policy, report } => {
                crate::template_report::merge_run(&report.sarif(policy), &mut rules, &mut results)
            }
            Outcome::Unknown(message) => {
                rules.insert("unknown".into(), json!({"id": "unknown", "shortDescription": {"text": "The prover could not decide (fail closed)"}}));
                results.push(json!({
                    "ruleId": "unknown",
                    "level": "error",
                    "message": {"text": message},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": entry.file}}}],
                }));
            }
            Outcome::Invalid(message) => notifications.push(json!({
                "level": "error",
                "message": {"text": message},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": entry.file}}}],
            })),
        }
        // A policy inside a template: its results say which one.
        if let Some(origin) = &entry.origin {
            for result in &mut results[first..] {
                if let Some(text) = result["message"]["text"].as_str() {
                    result["message"]["text"] = Value::String(format!("{origin}: {text}"));
                }
            }
        }
    }
    let root = repository_root();
    for result in &mut results {
        for location in result["locations"].as_array_mut().into_iter().flatten() {
            relative_uri(
                &mut location["physicalLocation"]["artifactLocation"],
                root.as_deref(),
            );
        }
    }
    for notification in &mut notifications {
        for location in notification["locations"]
            .as_array_mut()
            .into_iter()
            .flatten()
        {
            relative_uri(
                &mut location["physicalLocation"]["artifactLocation"],
                root.as_deref(),
            );
        }
    }
    let mut sarif = report::sarif(&[]);
    let run = &mut sarif["runs"][0];
    if let Some(root) = &root {
        run["originalUriBaseIds"] =
            json!({"SRCROOT": {"uri": format!("file://{}/", root.display())}});
    }
    run["tool"]["driver"]["rules"] = Value::Array(rules.into_values().collect());
    run["results"] = Value::Array(results);
    run["invocations"] = json!([{
        "executionSuccessful": notifications.is_empty(),
        "toolExecutionNotifications": notifications,
    }]);
    sarif
}

/// The repository the scan runs in: the nearest directory up from the working directory with
/// a `.git` (code scanning maps URIs relative to it).
fn repository_root() -> Option<std::path::PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors()
        .find(|d| d.join(".git").exists())
        .map(std::path::Path::to_path_buf)
}

/// `uri` relative to the repository root with `uriBaseId: SRCROOT`, so code scanning maps it
/// (regions already point into the file itself, a template included).
fn relative_uri(location: &mut Value, root: Option<&std::path::Path>) {
    let (Some(root), Some(uri)) = (root, location["uri"].as_str()) else {
        return;
    };
    let absolute = match std::env::current_dir() {
        Ok(cwd) => cwd.join(uri),
        Err(_) => return,
    };
    let normalized: std::path::PathBuf =
        absolute
            .components()
            .fold(std::path::PathBuf::new(), |mut path, c| {
                match c {
                    std::path::Component::ParentDir => {
                        path.pop();
                    }
                    std::path::Component::CurDir => {}
                    other => path.push(other),
                }
                path
            });
    if let Ok(relative) = normalized.strip_prefix(root) {
        let text = relative.to_string_lossy().replace('\\', "/");
        location["uri"] = Value::String(text);
        location["uriBaseId"] = Value::String("SRCROOT".into());
    }
}

/// `unknown  FILE: REASON`, with the reason the prover gave.
fn unknown_head(file: &str, reason: Option<&str>) -> String {
    format!(
        "unknown  {file}: {}",
        reason.unwrap_or("the prover could not decide")
    )
}
