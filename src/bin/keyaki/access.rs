//! `keyaki access`, `check-no-public-access`, `check-access-not-granted` and `check --spec`.

use super::{load_policy, options, read_input, ProverArgs};
use keyaki::access::accept::{parse_accepted, Accepted};
use keyaki::access::spec::load_spec;
use keyaki::access::TrustZone;
use keyaki::eval::PolicyType;
use keyaki::explain::CheckOptions;
use keyaki::query::{self, NotGranted};
use keyaki::report::findings::FindingsReport;
use keyaki::report::{Exit, Format, PolicyFile};
use std::io::Write;

#[derive(clap::Args, Debug)]
pub struct AccessArgs {
    /// The resource or trust policy (JSON; `-` reads stdin).
    pub policy: String,
    /// `account:111122223333` or `org:o-abc123`; repeat or separate with commas.
    #[arg(long, value_delimiter = ',', required = true)]
    pub trust_zone: Vec<String>,
    /// Findings a team reviewed and accepted (JSON, see encodings/spec-format.md); they are
    /// still listed, marked accepted, and do not fail the check.
    #[arg(long)]
    pub accept: Option<String>,
    #[command(flatten)]
    pub prover: ProverArgs,
}

#[derive(clap::Args, Debug)]
pub struct NoPublicArgs {
    /// The resource policy (JSON; `-` reads stdin).
    pub policy: String,
    /// e.g. AWS::S3::Bucket, AWS::KMS::Key, AWS::IAM::Role.
    #[arg(long)]
    pub resource_type: Option<String>,
    /// Findings a team reviewed and accepted (JSON); still listed, marked accepted.
    #[arg(long)]
    pub accept: Option<String>,
    #[command(flatten)]
    pub prover: ProverArgs,
}

#[derive(clap::Args, Debug)]
pub struct NotGrantedArgs {
    /// The policy (JSON; `-` reads stdin).
    pub policy: String,
    /// Actions that must not be granted, e.g. `s3:DeleteBucket,iam:PassRole` (wildcards allowed).
    #[arg(long, value_delimiter = ',', required_unless_present = "resources")]
    pub actions: Vec<String>,
    /// Resources the actions must not be granted on (ARNs, wildcards allowed); alone: no action
    /// at all on them.
    #[arg(long, value_delimiter = ',')]
    pub resources: Vec<String>,
    /// Accept action names the bundled service catalog does not know (newer actions).
    #[arg(long)]
    pub allow_unknown_actions: bool,
    #[command(flatten)]
    pub prover: ProverArgs,
}

pub fn run_access(args: AccessArgs, out: &mut dyn Write) -> Result<Exit, String> {
    let zone = TrustZone::parse(&args.trust_zone).map_err(|e| e.to_string())?;
    let policy = load_policy(&args.policy)?;
    let options = resource_options(&args.prover, &policy, "access")?;
    let accepted = load_accept(args.accept.as_deref())?;
    let report = query::external_access(&policy.policy, &zone, &accepted, &options);
    let question = format!(
        "no access from outside the zone of trust ({})",
        zone.entries().join(", ")
    );
    render(&report, &args.prover, &policy, &question, out)
}

pub fn run_no_public(args: NoPublicArgs, out: &mut dyn Write) -> Result<Exit, String> {
    query::access::known_resource_type(args.resource_type.as_deref())
        .map_err(|e| format!("--resource-type: {e}"))?;
    let policy = load_policy(&args.policy)?;
    let options = resource_options(&args.prover, &policy, "check-no-public-access")?;
    let accepted = load_accept(args.accept.as_deref())?;
    let report = query::no_public_access(
        &policy.policy,
        args.resource_type.as_deref(),
        &accepted,
        &options,
    )
    .map_err(|e| e.to_string())?;
    render(&report, &args.prover, &policy, "no public access", out)
}

pub fn run_not_granted(args: NotGrantedArgs, out: &mut dyn Write) -> Result<Exit, String> {
    let question = NotGranted {
        actions: args.actions.clone(),
        resources: args.resources.clone(),
        allow_unknown_actions: args.allow_unknown_actions,
    };
    let policy = load_policy(&args.policy)?;
    let options = options(&args.prover, &[&policy.policy])?;
    let report = query::access_not_granted(&policy.policy, &question, &options)
        .map_err(|e| e.to_string())?;
    let actions = non_empty(&args.actions);
    let resources = non_empty(&args.resources);
    let question = format!(
        "{} is granted{}",
        if actions.is_empty() {
            "no action".to_string()
        } else {
            format!("none of {}", actions.join(", "))
        },
        if resources.is_empty() {
            String::new()
        } else {
            format!(" on {}", resources.join(", "))
        }
    );
    render(&report, &args.prover, &policy, &question, out)
}

/// `check PROPOSED --spec SPEC`: every requirement of the spec, one combined report.
pub fn run_spec_check(
    proposed: &str,
    spec: &str,
    prover: &ProverArgs,
    out: &mut dyn Write,
) -> Result<Exit, String> {
    let spec = load_spec(spec).map_err(|e| e.to_string())?;
    let policy = load_policy(proposed)?;
    let mut policies = vec![&policy.policy];
    if let Some((_, baseline)) = &spec.baseline {
        policies.push(baseline);
    }
    let options = options(prover, &policies)?;
    let report = query::spec(&policy.policy, &spec, &options);
    render(&report, prover, &policy, &spec.question(), out)
}

/// Options for commands that only make sense for resource (or trust) policies.
fn resource_options(
    prover: &ProverArgs,
    policy: &PolicyFile,
    command: &str,
) -> Result<CheckOptions, String> {
    let options = options(prover, &[&policy.policy])?;
    if options.policy_type != PolicyType::Resource {
        return Err(format!(
            "{}: {command} needs a resource or trust policy (a statement with Principal or NotPrincipal)",
            policy.path
        ));
    }
    Ok(options)
}

fn non_empty(items: &[String]) -> Vec<String> {
    items
        .iter()
        .map(|i| i.trim().to_string())
        .filter(|i| !i.is_empty())
        .collect()
}

fn load_accept(path: Option<&str>) -> Result<Vec<Accepted>, String> {
    let Some(path) = path else {
        return Ok(Vec::new());
    };
    let bytes = read_input(path)?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("{path}: {e}"))?;
    parse_accepted(&value, path).map_err(|e| e.to_string())
}

fn render(
    report: &FindingsReport,
    prover: &ProverArgs,
    policy: &PolicyFile,
    question: &str,
    out: &mut dyn Write,
) -> Result<Exit, String> {
    let text = match Format::from(prover.format) {
        Format::Text => report.text(&policy.path, question),
        Format::Json => pretty(&report.to_json()),
        Format::Sarif => pretty(&report.sarif(policy)),
    };
    write!(out, "{text}").map_err(|e| e.to_string())?;
    Ok(report.exit())
}

fn pretty(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}
