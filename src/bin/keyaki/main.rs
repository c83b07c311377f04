//! The `keyaki` command: a thin layer over the library. It parses flags into the library's
//! option structs (at one contact point, [`options`]), reads files, picks a reporter and maps
//! results to exit codes. The library cannot import anything from here.
#![forbid(unsafe_code)]

/// jemalloc for Rust and (unprefixed) for z3's C++ allocations: see Cargo.toml.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use clap::{Parser, Subcommand};
use keyaki::report::{self, Code, Exit, Format, PolicyFile};
use keyaki::{ActionUniverse, CheckOptions, Policy, PolicyType};
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

mod access;
mod activity;
mod authz;
mod diagnostic;
mod error;
mod eval;
mod events;
mod parse;
mod rules;
mod scan;
mod sources;
mod template_report;
mod templates;
mod validate;
mod validator;

use error::{CliError, CliResult};
use keyaki::{resolve_policy_type, FailOn};
use sources::Source;

#[derive(Parser, Debug)]
#[command(
    name = "keyaki",
    version = concat!(
        env!("CARGO_PKG_VERSION"),
        " (AWS service catalog ",
        env!("KEYAKI_CATALOG_VERSION"),
        ", updated ",
        env!("KEYAKI_CATALOG_UPDATED"),
        ")"
    ),
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

impl From<PolicyTypeArg> for PolicyType {
    fn from(arg: PolicyTypeArg) -> PolicyType {
        match arg {
            PolicyTypeArg::Identity => PolicyType::Identity,
            PolicyTypeArg::Resource => PolicyType::Resource,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOnArg {
    Widened,
    Any,
    Never,
}

impl From<FailOnArg> for FailOn {
    fn from(arg: FailOnArg) -> FailOn {
        match arg {
            FailOnArg::Widened => FailOn::Widened,
            FailOnArg::Any => FailOn::Any,
            FailOnArg::Never => FailOn::Never,
        }
    }
}

/// `--format` of `eval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EvalFormat {
    Text,
    Json,
}

/// `--format` of the single-policy commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum FormatArg {
    #[default]
    Text,
    Json,
    Sarif,
}

impl From<FormatArg> for Format {
    fn from(arg: FormatArg) -> Format {
        match arg {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
            FormatArg::Sarif => Format::Sarif,
        }
    }
}

#[derive(clap::Args, Debug, Clone)]
pub struct ProverArgs {
    /// identity or resource; inferred from the presence of Principal when absent.
    #[arg(long, value_enum)]
    pub policy_type: Option<PolicyTypeArg>,
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// How many counterexamples to show (0: only the verdict).
    #[arg(long, default_value_t = 3)]
    pub counterexamples: usize,
    /// Seconds before giving up with "unknown" (exit 3).
    #[arg(long, default_value_t = 10.0)]
    pub timeout: f64,
    /// open: any action name (a wildcard also grants actions AWS adds later); catalog: only known actions.
    #[arg(long, value_enum, default_value_t = UniverseArg::Open)]
    pub action_universe: UniverseArg,
    /// open: any resource string; catalog: only well-formed ARNs of the action's resource types
    /// (see encodings/resource-universe.md).
    #[arg(long, value_enum, default_value_t = UniverseArg::Open)]
    pub resource_universe: UniverseArg,
    /// Megabytes a check may grow by before giving up with "unknown" (exit 3).
    #[arg(long, default_value_t = keyaki::DEFAULT_MEMORY_BUDGET_MB)]
    pub memory_budget: u64,
    #[command(flatten)]
    pub resolve: sources::TemplateArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum UniverseArg {
    Open,
    Catalog,
}

impl From<UniverseArg> for keyaki::ResourceUniverse {
    fn from(arg: UniverseArg) -> keyaki::ResourceUniverse {
        match arg {
            UniverseArg::Open => keyaki::ResourceUniverse::Open,
            UniverseArg::Catalog => keyaki::ResourceUniverse::Catalog,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Decide one request concretely, exactly as AWS would.
    Eval {
        /// The policy (JSON; `-` reads stdin).
        policy: Option<String>,
        /// A whole authorization context (see encodings/authz-context.md) instead of one policy.
        #[arg(long, conflicts_with_all = ["policy", "batch"])]
        context: Option<String>,
        /// The request to decide (JSON: principal, action, resource, context; see the README).
        #[arg(long)]
        request: Option<String>,
        /// JSON Lines: {"policy": {...}, "request": {...}, "policy_type": "identity"|"resource"}.
        #[arg(long, conflicts_with_all = ["policy", "request"])]
        batch: Option<String>,
        /// identity or resource; inferred from the presence of Principal when absent.
        #[arg(long, value_enum)]
        policy_type: Option<PolicyTypeArg>,
        /// text or json (one decision has no SARIF form).
        #[arg(long, value_enum, default_value_t = EvalFormat::Text)]
        format: EvalFormat,
        /// open: any resource; catalog: a request whose resource is not a well-formed ARN of the
        /// action's resource types is refused (exit 2), as `check --resource-universe catalog` excludes it.
        #[arg(long, value_enum, default_value_t = UniverseArg::Open)]
        resource_universe: UniverseArg,
    },
    /// Does PROPOSED allow any request BASELINE does not? Proof or counterexamples.
    /// With --spec: every requirement of an organization spec (baseline, trust zone, no public access, access that
    /// must never be granted). A template or plan: every policy it holds, one result each.
    Check {
        /// The policy (JSON; `-` reads stdin), or a CloudFormation template (JSON or YAML) or Terraform plan.
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
    /// Access Analyzer's policy checks offline, plus findings only a prover can give.
    Validate(validate::ValidateArgs),
    /// Policy changes in CloudTrail: verdict, what widened, the last compliant version.
    Events(events::EventsArgs),
    /// The findings lifecycle store: list (re-notify) and archive (approve).
    #[command(subcommand)]
    Findings(events::FindingsCommand),
    /// Granted but unused in a window (Access Advisor or CloudTrail); --tighten / --as-deny with proofs.
    Unused(activity::UnusedArgs),
    /// Which observed CloudTrail requests a proposed policy would deny.
    Replay(activity::ReplayArgs),
    /// Questions over an authorization context: a new SCP, access from outside the org, a boundary.
    CheckContext(authz::CheckContextArgs),
    /// Who can become whom: the proved assume/pass/edit graph of a snapshot, and shortest paths.
    Reach(authz::ReachArgs),
    /// What did NEW widen or narrow relative to OLD? Two templates or plans: their policies paired by
    /// logical id (address) and property path, added and removed ones included.
    Diff {
        /// The old version: a policy, a CloudFormation template or a Terraform plan.
        old: String,
        /// The new version.
        new: String,
        #[command(flatten)]
        prover: ProverArgs,
        #[arg(long, value_enum, default_value_t = FailOnArg::Widened)]
        fail_on: FailOnArg,
    },
    /// The policies a CloudFormation template or Terraform plan holds, with their origin.
    Parse(parse::ParseArgs),
    /// Provisioning rules over a whole Terraform plan (specs/one-user-per-bucket.rules.json).
    Rules(rules::RulesArgs),
    /// cfn-policy-validator's commands, flags, JSON and exit codes (0 / 2 blocking / 1 error), offline.
    Cfn {
        #[command(subcommand)]
        command: validator::ValidatorCommand,
    },
    /// tf-policy-validator's commands, flags, JSON and exit codes (0 / 2 blocking / 1 error), offline.
    Tf {
        #[command(subcommand)]
        command: validator::ValidatorCommand,
    },
}

fn main() -> ExitCode {
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
        Err(error) => {
            let _ = stdout.flush();
            eprintln!("{}", error.message());
            error.exit()
        }
    };
    let _ = stdout.flush();
    ExitCode::from(exit as u8)
}

/// Runs a command, writing its report to `out`. `Err` is bad input or usage (exit 2).
pub fn run(command: Command, out: &mut dyn Write) -> CliResult<Exit> {
    match command {
        Command::Eval {
            policy,
            context,
            request,
            batch,
            policy_type,
            format,
            resource_universe,
        } => {
            if let Some(context) = context {
                return authz::run_eval(&context, request, format == EvalFormat::Json, out);
            }
            if let Some(batch) = batch {
                return eval::run_batch(&batch, resource_universe.into(), out);
            }
            let policy_path = policy.ok_or("eval needs a POLICY file (or --batch FILE)")?;
            let request_path = request.ok_or("eval needs --request REQUEST.json")?;
            eval::run_single(
                &policy_path,
                &request_path,
                policy_type,
                format,
                resource_universe.into(),
                out,
            )
        }
        Command::Access(args) => access::run_access(args, out),
        Command::CheckNoPublicAccess(args) => access::run_no_public(args, out),
        Command::CheckAccessNotGranted(args) => access::run_not_granted(args, out),
        Command::Scan(args) => scan::run(args, out),
        Command::Validate(args) => validate::run(args, out),
        Command::Parse(args) => parse::run(args, out),
        Command::Rules(args) => rules::run(args, out),
        Command::Cfn { command } => validator::run(validator::Flavour::Cfn, command, out),
        Command::Tf { command } => validator::run(validator::Flavour::Tf, command, out),
        Command::Events(args) => events::run_events(args, out),
        Command::Findings(command) => events::run_findings(command, out),
        Command::Unused(args) => activity::run_unused(args, out),
        Command::Replay(args) => activity::run_replay(args, out),
        Command::CheckContext(args) => authz::run_check(args, out),
        Command::Reach(args) => authz::run_reach(args, out),
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
            let resolve = prover.resolve.resolve_options()?;
            let proposed = sources::load_source(&proposed, &resolve)?;
            let baseline = sources::load_single(&baseline, &resolve)?;
            let proposed = match proposed {
                Source::Policy(proposed) => proposed,
                Source::Template(template) => {
                    let results = templates::check(&template, &baseline, &prover)?;
                    let rendering = template_rendering(&template, &prover, Some(&baseline), "");
                    return template_report::render(&results, &rendering, out);
                }
            };
            let options = options(&prover, &[&proposed.policy, &baseline.policy])?;
            let mut report = keyaki::check(&proposed.policy, &baseline.policy, &options);
            // The verdict needs one counterexample; `--counterexamples 0` shows none.
            let exit = report.exit();
            report.counterexamples.truncate(prover.counterexamples);
            let text = match Format::from(prover.format) {
                Format::Text => report::check_text(&report, &proposed, &baseline),
                Format::Json => pretty(&report.to_json()),
                Format::Sarif => pretty(&report::check_sarif(&report, &proposed, Code::NewAccess)),
            };
            write!(out, "{text}")?;
            Ok(exit)
        }
        Command::Diff {
            old,
            new,
            prover,
            fail_on,
        } => {
            let resolve = prover.resolve.resolve_options()?;
            let (old, new) = match (
                sources::load_source(&old, &resolve)?,
                sources::load_source(&new, &resolve)?,
            ) {
                (Source::Policy(old), Source::Policy(new)) => (old, new),
                (old, new) => {
                    let results = templates::diff(&old, &new, &prover, fail_on.into())?;
                    let name = |source: &Source| match source {
                        Source::Policy(p) => p.path.clone(),
                        Source::Template(t) => t.file.clone(),
                    };
                    let mut head = serde_json::Map::new();
                    head.insert("old".into(), name(&old).into());
                    head.insert("new".into(), name(&new).into());
                    let rendering = template_report::Rendering {
                        format: prover.format.into(),
                        header: format!(
                            "diff {} -> {}: policies paired by logical id and path",
                            name(&old),
                            name(&new)
                        ),
                        head,
                        baseline: None,
                        question: "",
                        notes: Vec::new(),
                    };
                    return template_report::render(&results, &rendering, out);
                }
            };
            let options = options(&prover, &[&old.policy, &new.policy])?;
            let mut diff = keyaki::diff(&old, &new, &options);
            let exit = diff.exit(fail_on.into());
            diff.widened.truncate(prover.counterexamples);
            diff.narrowed.truncate(prover.counterexamples);
            let text = match Format::from(prover.format) {
                Format::Text => diff.text(&old, &new),
                Format::Json => pretty(&diff.to_json()),
                Format::Sarif => pretty(&diff.sarif(&old, &new)),
            };
            write!(out, "{text}")?;
            Ok(exit)
        }
    }
}

/// The frame of a template's report: its name, format and policy count.
pub fn template_rendering<'a>(
    template: &'a sources::Template,
    prover: &ProverArgs,
    baseline: Option<&'a PolicyFile>,
    question: &'a str,
) -> template_report::Rendering<'a> {
    let extraction = &template.extraction;
    let count = extraction.policies.len() + extraction.refusals.len();
    let mut head = serde_json::Map::new();
    head.insert("file".into(), template.file.clone().into());
    head.insert("format".into(), extraction.format.as_str().into());
    if let Some(baseline) = baseline {
        head.insert("baseline".into(), baseline.path.clone().into());
    }
    template_report::Rendering {
        format: prover.format.into(),
        header: format!(
            "{} ({}): {count} polic{}",
            template.file,
            extraction.format.as_str(),
            if count == 1 { "y" } else { "ies" }
        ),
        head,
        baseline,
        question,
        notes: extraction.notes.clone(),
    }
}

fn pretty(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

pub fn options(prover: &ProverArgs, policies: &[&Policy]) -> CliResult<CheckOptions> {
    if !(prover.timeout.is_finite() && prover.timeout > 0.0) {
        return Err(CliError::Usage(format!(
            "--timeout must be a positive number of seconds, not {}",
            prover.timeout
        )));
    }
    Ok(CheckOptions {
        policy_type: resolve_type(prover.policy_type, policies),
        counterexamples: prover.counterexamples.max(1),
        timeout: Duration::from_secs_f64(prover.timeout.min(86_400.0)),
        action_universe: match prover.action_universe {
            UniverseArg::Open => ActionUniverse::Open,
            UniverseArg::Catalog => ActionUniverse::Catalog,
        },
        resource_universe: prover.resource_universe.into(),
        prune: true,
        memory_budget_mb: prover.memory_budget.max(1),
    })
}

/// Reads a policy file (`-` = stdin) through the library's bounded reader.
/// A parse error is rendered with the offending line of the file and a caret under it.
pub fn load_policy(path: &str) -> CliResult<PolicyFile> {
    let bytes = read_input(path)?;
    match keyaki::parse_policy(&bytes, path) {
        Ok(policy) => Ok(PolicyFile {
            path: path.to_string(),
            policy,
        }),
        Err(error) => Err(CliError::Rendered(diagnostic::render_error(&error, &bytes))),
    }
}

/// Reads an input file (`-` = stdin) through the library's bounded reader.
pub fn read_input(path: &str) -> CliResult<Vec<u8>> {
    Ok(keyaki::read_input(path)?)
}

/// The policy type: as told, else inferred from the policies.
pub fn resolve_type(arg: Option<PolicyTypeArg>, policies: &[&Policy]) -> PolicyType {
    resolve_policy_type(arg.map(PolicyType::from), policies)
}
