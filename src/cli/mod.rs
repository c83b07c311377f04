//! The thin command-line layer: argument parsing, reading files, exit codes.
//! All rendering goes through [`crate::report`].

use crate::eval::{evaluate, PolicyType};
use crate::explain::{check_no_new_access, ActionUniverse, CheckOptions, Verdict};
use crate::model::Policy;
use crate::report::{self, CheckReport, CheckResult, Code, Exit, Format, PolicyFile};
use clap::{Parser, Subcommand};
use serde_json::json;
use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::time::Duration;

pub mod access;
pub mod scan;

/// The largest policy or request file read (bytes). AWS's own limits are far below this.
pub const MAX_INPUT_BYTES: u64 = 10 * 1024 * 1024;

#[derive(Parser, Debug)]
#[command(
    name = "keyaki",
    version,
    about = "Prove what AWS access policies allow: check, diff, eval."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PolicyTypeArg {
    Identity,
    Resource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Widened,
    Any,
    Never,
}

#[derive(clap::Args, Debug, Clone)]
pub struct ProverArgs {
    /// identity or resource; inferred from the presence of Principal when absent.
    #[arg(long, value_enum)]
    pub policy_type: Option<PolicyTypeArg>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// How many counterexamples to show.
    #[arg(long, default_value_t = 3)]
    pub counterexamples: usize,
    /// Seconds before giving up with "unknown" (exit 3).
    #[arg(long, default_value_t = 10.0)]
    pub timeout: f64,
    /// open: any action name (a wildcard also grants actions AWS adds later); catalog: only known actions.
    #[arg(long, value_enum, default_value_t = UniverseArg::Open)]
    pub action_universe: UniverseArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum UniverseArg {
    Open,
    Catalog,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Decide one request concretely, exactly as AWS would.
    Eval {
        policy: Option<String>,
        #[arg(long)]
        request: Option<String>,
        /// JSON Lines: {"policy": {...}, "request": {...}, "policy_type": "identity"|"resource"}.
        #[arg(long, conflicts_with_all = ["policy", "request"])]
        batch: Option<String>,
        #[arg(long, value_enum)]
        policy_type: Option<PolicyTypeArg>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Does PROPOSED allow any request BASELINE does not? Proof or counterexamples.
    /// With --spec: every requirement of an organization spec (baseline, trust zone, no public access, access that
    /// must never be granted).
    Check {
        proposed: String,
        #[arg(long, required_unless_present = "spec", conflicts_with = "spec")]
        baseline: Option<String>,
        #[arg(long)]
        spec: Option<String>,
        #[command(flatten)]
        prover: ProverArgs,
    },
    /// External-access findings for a resource or trust policy against a zone of trust.
    Access(access::AccessArgs),
    /// Proves that a resource policy grants no public access (S3 Block Public Access rule).
    CheckNoPublicAccess(access::NoPublicArgs),
    /// Proves that none of the listed actions (on the listed resources) is granted.
    CheckAccessNotGranted(access::NotGrantedArgs),
    /// Checks every policy file under the paths against a baseline or spec, in parallel.
    Scan(scan::ScanArgs),
    /// What did NEW widen or narrow relative to OLD?
    Diff {
        old: String,
        new: String,
        #[command(flatten)]
        prover: ProverArgs,
        #[arg(long, value_enum, default_value_t = FailOn::Widened)]
        fail_on: FailOn,
    },
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(Exit::BadInput as u8),
            };
        }
    };
    let mut stdout = std::io::stdout().lock();
    let exit = match run(cli.command, &mut stdout) {
        Ok(exit) => exit,
        Err(message) => {
            let _ = stdout.flush();
            eprintln!("error: {message}");
            Exit::BadInput
        }
    };
    let _ = stdout.flush();
    ExitCode::from(exit as u8)
}

/// Runs a command, writing its report to `out`. `Err` is bad input (exit 2).
pub fn run(command: Command, out: &mut dyn Write) -> Result<Exit, String> {
    match command {
        Command::Eval {
            policy,
            request,
            batch,
            policy_type,
            format,
        } => {
            if let Some(batch) = batch {
                return eval_batch(&batch, out);
            }
            let policy_path = policy.ok_or("eval needs a POLICY file (or --batch FILE)")?;
            let request_path = request.ok_or("eval needs --request REQUEST.json")?;
            let policy = load_policy(&policy_path)?;
            let request_bytes = read_input(&request_path)?;
            let request = crate::parse::parse_request(&request_bytes, &request_path)
                .map_err(|e| e.to_string())?;
            let ty = resolve_type(policy_type, &[&policy.policy]);
            let evaluation = evaluate(&policy.policy, &request, ty);
            match format {
                Format::Json | Format::Sarif => {
                    writeln!(
                        out,
                        "{}",
                        serde_json::to_string(&report::EvaluationJson::from(&evaluation))
                            .unwrap_or_default()
                    )
                    .map_err(|e| e.to_string())?;
                }
                Format::Text => {
                    let statements: Vec<String> = evaluation
                        .statements
                        .iter()
                        .map(|s| match &s.sid {
                            Some(sid) => format!("Statement[{}] \"{sid}\" ({})", s.index, s.effect),
                            None => format!("Statement[{}] ({})", s.index, s.effect),
                        })
                        .collect();
                    writeln!(
                        out,
                        "{:?}{}",
                        evaluation.decision,
                        if statements.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", statements.join(", "))
                        }
                    )
                    .map_err(|e| e.to_string())?;
                }
            }
            Ok(Exit::Ok)
        }
        Command::Access(args) => access::run_access(args, out),
        Command::CheckNoPublicAccess(args) => access::run_no_public(args, out),
        Command::CheckAccessNotGranted(args) => access::run_not_granted(args, out),
        Command::Scan(args) => scan::run(args, out),
        Command::Check {
            proposed,
            spec: Some(spec),
            prover,
            ..
        } => access::run_spec_check(&proposed, &spec, &prover, out),
        Command::Check {
            proposed,
            baseline,
            prover,
            ..
        } => {
            let baseline = baseline.ok_or("check needs --baseline FILE or --spec FILE")?;
            let proposed = load_policy(&proposed)?;
            let baseline = load_policy(&baseline)?;
            let options = options(&prover, &[&proposed.policy, &baseline.policy])?;
            let report = check_report(check_no_new_access(
                &proposed.policy,
                &baseline.policy,
                &options,
            ));
            let text = match prover.format {
                Format::Text => report::check_text(&report, &proposed, &baseline),
                Format::Json => pretty(&report.to_json()),
                Format::Sarif => pretty(&report::check_sarif(&report, &proposed, Code::NewAccess)),
            };
            write!(out, "{text}").map_err(|e| e.to_string())?;
            Ok(report.exit())
        }
        Command::Diff {
            old,
            new,
            prover,
            fail_on,
        } => {
            let old = load_policy(&old)?;
            let new = load_policy(&new)?;
            let options = options(&prover, &[&old.policy, &new.policy])?;
            let diff = crate::report::diff::diff(&old, &new, &options);
            let text = match prover.format {
                Format::Text => diff.text(&old, &new),
                Format::Json => pretty(&diff.to_json()),
                Format::Sarif => pretty(&diff.sarif(&old, &new)),
            };
            write!(out, "{text}").map_err(|e| e.to_string())?;
            Ok(diff.exit(fail_on))
        }
    }
}

pub fn check_report(verdict: Verdict) -> CheckReport {
    match verdict {
        Verdict::Holds => CheckReport {
            result: CheckResult::Pass,
            reason: None,
            counterexamples: vec![],
        },
        Verdict::Violated(c) => CheckReport {
            result: CheckResult::Fail,
            reason: None,
            counterexamples: c,
        },
        Verdict::Unknown(r) => CheckReport {
            result: CheckResult::Unknown,
            reason: Some(r),
            counterexamples: vec![],
        },
    }
}

fn pretty(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

pub fn options(prover: &ProverArgs, policies: &[&Policy]) -> Result<CheckOptions, String> {
    if !(prover.timeout.is_finite() && prover.timeout > 0.0) {
        return Err(format!(
            "--timeout must be a positive number of seconds, not {}",
            prover.timeout
        ));
    }
    Ok(CheckOptions {
        policy_type: resolve_type(prover.policy_type, policies),
        counterexamples: prover.counterexamples.max(1),
        timeout: Duration::from_secs_f64(prover.timeout.min(86_400.0)),
        action_universe: match prover.action_universe {
            UniverseArg::Open => ActionUniverse::Open,
            UniverseArg::Catalog => ActionUniverse::Catalog,
        },
        prune: true,
    })
}

/// Resource when any policy has a Principal element, unless told.
pub fn resolve_type(arg: Option<PolicyTypeArg>, policies: &[&Policy]) -> PolicyType {
    match arg {
        Some(PolicyTypeArg::Identity) => PolicyType::Identity,
        Some(PolicyTypeArg::Resource) => PolicyType::Resource,
        None if policies.iter().any(|p| p.has_principal_element()) => PolicyType::Resource,
        None => PolicyType::Identity,
    }
}

/// Reads a file with the size limit; errors name the file.
pub fn read_input(path: &str) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{path}: cannot read: {e}"))?;
    if meta.len() > MAX_INPUT_BYTES {
        return Err(format!(
            "{path}: {} bytes is over the input limit of {MAX_INPUT_BYTES} bytes (AWS policies are at most a few KB; to raise the limit, change keyaki::cli::MAX_INPUT_BYTES and rebuild)",
            meta.len()
        ));
    }
    std::fs::read(path).map_err(|e| format!("{path}: cannot read: {e}"))
}

pub fn load_policy(path: &str) -> Result<PolicyFile, String> {
    let bytes = read_input(path)?;
    let policy = crate::parse::parse_policy(&bytes, path).map_err(|e| e.to_string())?;
    Ok(PolicyFile {
        path: path.to_string(),
        policy,
    })
}

/// One JSON output line per input line; a bad line yields `{"error": ...}` and the batch goes on.
fn eval_batch(path: &str, out: &mut dyn Write) -> Result<Exit, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{path}: cannot read: {e}"))?;
    let reader = std::io::BufReader::new(file);
    for (n, line) in reader.split(b'\n').enumerate() {
        let line = line.map_err(|e| format!("{path}: {e}"))?;
        let label = format!("{path}:{}", n + 1);
        let result = eval_line(&line, &label);
        let value = match result {
            Ok(v) => v,
            Err(e) => json!({"error": e}),
        };
        writeln!(out, "{}", serde_json::to_string(&value).unwrap_or_default())
            .map_err(|e| e.to_string())?;
    }
    Ok(Exit::Ok)
}

fn eval_line(line: &[u8], label: &str) -> Result<serde_json::Value, String> {
    let json = crate::parse::parse_json(line, label).map_err(|e| e.to_string())?;
    let policy_json = json
        .get("policy")
        .ok_or_else(|| format!("{label}: missing \"policy\""))?;
    let request_json = json
        .get("request")
        .ok_or_else(|| format!("{label}: missing \"request\""))?;
    let policy = crate::parse::policy_from_json(policy_json, label).map_err(|e| e.to_string())?;
    let request =
        crate::parse::request_from_json(request_json, label).map_err(|e| e.to_string())?;
    let ty = match json.get("policy_type").and_then(|t| t.as_str()) {
        Some("identity") => Some(PolicyTypeArg::Identity),
        Some("resource") => Some(PolicyTypeArg::Resource),
        Some(other) => {
            return Err(format!(
                "{label}: policy_type must be \"identity\" or \"resource\", not {other:?}"
            ))
        }
        None => None,
    };
    let evaluation = evaluate(&policy, &request, resolve_type(ty, &[&policy]));
    serde_json::to_value(report::EvaluationJson::from(&evaluation)).map_err(|e| e.to_string())
}
