//! `keyaki scan`: many policies against one baseline or spec, in parallel.

use super::{load_policy, UniverseArg};
use keyaki::access::spec::load_spec;
use keyaki::explain::{ActionUniverse, CheckOptions};
use keyaki::report::{self, CheckResult, Code, Exit};
use keyaki::scan::{self, Against, Outcome, ScanEntry, ScanOptions, ScanResult, Shard, Summary};
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
}

pub fn run(args: ScanArgs, out: &mut dyn Write) -> Result<Exit, String> {
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        return Err(format!(
            "--timeout must be a positive number of seconds, not {}",
            args.timeout
        ));
    }
    let shard = args
        .shard
        .as_deref()
        .map(str::parse::<Shard>)
        .transpose()
        .map_err(|e| e.to_string())?;
    // Loaded before discovery so a bad baseline or spec fails fast, naming itself.
    let (against, against_label) = match (&args.baseline, &args.spec) {
        (Some(path), None) => (
            Against::Baseline(Box::new(load_policy(path)?)),
            path.clone(),
        ),
        (None, Some(path)) => (
            Against::Spec(Box::new(load_spec(path).map_err(|e| e.to_string())?)),
            path.clone(),
        ),
        _ => return Err("scan needs exactly one of --baseline FILE and --spec FILE".into()),
    };
    let mut files = scan::discover(&args.paths).map_err(|e| e.to_string())?;
    if let Some(shard) = shard {
        files = shard.select(&files);
    }
    let options = ScanOptions {
        policy_type: args.policy_type.map(Into::into),
        check: CheckOptions {
            // Resolved per file.
            policy_type: keyaki::eval::PolicyType::Identity,
            counterexamples: args.counterexamples.max(1),
            timeout: Duration::from_secs_f64(args.timeout.min(86_400.0)),
            action_universe: match args.action_universe {
                UniverseArg::Open => ActionUniverse::Open,
                UniverseArg::Catalog => ActionUniverse::Catalog,
            },
            prune: true,
            ..CheckOptions::default()
        },
        jobs: args.jobs,
    };
    let show_progress = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    let progress = |done: usize, total: usize| {
        if show_progress {
            eprint!("\rscanning {done}/{total}");
        }
    };
    let entries = scan::scan(&files, &against, &options, &progress).map_err(|e| e.to_string())?;
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
    write!(out, "{text}").map_err(|e| e.to_string())?;
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
        let line = match &entry.outcome {
            Outcome::Invalid(message) => format!("invalid  {}: {message}\n", entry.file),
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
                    ScanResult::Unknown => format!(
                        "unknown  {}: {}",
                        entry.file,
                        report
                            .reason
                            .as_deref()
                            .unwrap_or("the prover could not decide")
                    ),
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
                ScanResult::Unknown => format!(
                    "unknown  {}: {}\n",
                    entry.file,
                    report
                        .reason
                        .as_deref()
                        .unwrap_or("the prover could not decide")
                ),
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

/// One SARIF run: each file's check results, merged; invalid files become tool-execution
/// notifications (the analysis could not run on them), not findings.
fn sarif_report(entries: &[ScanEntry]) -> Value {
    let mut rules: std::collections::BTreeMap<String, Value> = Default::default();
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for entry in entries {
        match &entry.outcome {
            Outcome::Checked { policy, report } => merge_run(
                &report::check_sarif(report, policy, Code::NewAccess),
                &mut rules,
                &mut results,
            ),
            Outcome::SpecChecked { policy, report } => {
                merge_run(&report.sarif(policy), &mut rules, &mut results)
            }
            Outcome::Invalid(message) => notifications.push(json!({
                "level": "error",
                "message": {"text": message},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": entry.file}}}],
            })),
        }
    }
    let mut sarif = report::sarif(&[]);
    let run = &mut sarif["runs"][0];
    run["tool"]["driver"]["rules"] = Value::Array(rules.into_values().collect());
    run["results"] = Value::Array(results);
    run["invocations"] = json!([{
        "executionSuccessful": notifications.is_empty(),
        "toolExecutionNotifications": notifications,
    }]);
    sarif
}

/// Adds one file's SARIF run to the scan's: its rules (deduplicated by id) and results.
fn merge_run(
    one: &Value,
    rules: &mut std::collections::BTreeMap<String, Value>,
    results: &mut Vec<Value>,
) {
    let run = &one["runs"][0];
    for rule in run["tool"]["driver"]["rules"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if let Some(id) = rule["id"].as_str() {
            rules.insert(id.to_string(), rule.clone());
        }
    }
    results.extend(run["results"].as_array().into_iter().flatten().cloned());
}
