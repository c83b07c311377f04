//! `keyaki access`, `check-no-public-access`, `check-access-not-granted` and `check --spec`.

use super::{load_policy, options, read_input, ProverArgs};
use keyaki::access::accept::{apply, parse_accepted, Accepted};
use keyaki::access::spec::{check_spec, load_spec, not_granted, public_target};
use keyaki::access::{find, public, Target, TrustZone};
use keyaki::eval::PolicyType;
use keyaki::explain::CheckOptions;
use keyaki::report::findings::FindingsReport;
use keyaki::report::{Exit, Format, PolicyFile};
use std::io::Write;

#[derive(clap::Args, Debug)]
pub struct AccessArgs {
    pub policy: String,
    /// `account:111122223333` or `org:o-abc123`; repeat or separate with commas.
    #[arg(long, value_delimiter = ',', required = true)]
    pub trust_zone: Vec<String>,
    /// Findings a team reviewed and accepted (JSON); still listed, marked accepted.
    #[arg(long)]
    pub accept: Option<String>,
    #[command(flatten)]
    pub prover: ProverArgs,
}

#[derive(clap::Args, Debug)]
pub struct NoPublicArgs {
    pub policy: String,
    /// e.g. AWS::S3::Bucket, AWS::KMS::Key, AWS::IAM::Role.
    #[arg(long)]
    pub resource_type: Option<String>,
    #[arg(long)]
    pub accept: Option<String>,
    #[command(flatten)]
    pub prover: ProverArgs,
}

#[derive(clap::Args, Debug)]
pub struct NotGrantedArgs {
    pub policy: String,
    #[arg(long, value_delimiter = ',', required = true)]
    pub actions: Vec<String>,
    #[arg(long, value_delimiter = ',')]
    pub resources: Vec<String>,
    #[command(flatten)]
    pub prover: ProverArgs,
}

pub fn run_access(args: AccessArgs, out: &mut dyn Write) -> Result<Exit, String> {
    let zone = TrustZone::parse(&args.trust_zone).map_err(|e| e.to_string())?;
    let policy = load_policy(&args.policy)?;
    let options = resource_options(&args.prover, &policy, "access")?;
    let accepted = load_accept(args.accept.as_deref())?;
    let result = find(
        &policy.policy,
        &Target::Outside(zone.clone()),
        &options,
        PolicyType::Resource,
    );
    let mut findings = result.findings;
    apply(&mut findings, &accepted);
    let report = FindingsReport::new(findings, result.unknown.into_iter().collect());
    let question = format!(
        "no access from outside the zone of trust ({})",
        zone.entries().join(", ")
    );
    render(&report, &args.prover, &policy, &question, out)
}

pub fn run_no_public(args: NoPublicArgs, out: &mut dyn Write) -> Result<Exit, String> {
    let resource_type = checked_resource_type(args.resource_type.as_deref())?;
    let policy = load_policy(&args.policy)?;
    let options = resource_options(&args.prover, &policy, "check-no-public-access")?;
    let accepted = load_accept(args.accept.as_deref())?;
    let result = find(
        &policy.policy,
        &public_target(resource_type.as_deref()),
        &options,
        PolicyType::Resource,
    );
    let mut findings = result.findings;
    apply(&mut findings, &accepted);
    let report = FindingsReport::new(findings, result.unknown.into_iter().collect());
    render(&report, &args.prover, &policy, "no public access", out)
}

pub fn run_not_granted(args: NotGrantedArgs, out: &mut dyn Write) -> Result<Exit, String> {
    let actions = non_empty(&args.actions, "--actions")?;
    let resources: Vec<String> = args
        .resources
        .iter()
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty())
        .collect();
    let policy = load_policy(&args.policy)?;
    let options = options(&args.prover, &[&policy.policy])?;
    let (findings, unknown) = not_granted(&policy.policy, &actions, &resources, &options);
    let report = FindingsReport::new(findings, unknown);
    let question = format!(
        "none of {} is granted{}",
        actions.join(", "),
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
    let outcome = check_spec(&policy.policy, &spec, &options);
    let report = FindingsReport::new(outcome.findings, outcome.unknown);
    render(&report, prover, &policy, &spec.question(), out)
}

fn checked_resource_type(resource_type: Option<&str>) -> Result<Option<String>, String> {
    match resource_type {
        None => Ok(None),
        Some(t) => public::RESOURCE_TYPES
            .iter()
            .find(|known| known.eq_ignore_ascii_case(t))
            .map(|known| Some(known.to_string()))
            .ok_or_else(|| {
                format!(
                    "unknown --resource-type `{t}`; known: {}",
                    public::RESOURCE_TYPES.join(", ")
                )
            }),
    }
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

fn non_empty(items: &[String], flag: &str) -> Result<Vec<String>, String> {
    let items: Vec<String> = items
        .iter()
        .map(|i| i.trim().to_string())
        .filter(|i| !i.is_empty())
        .collect();
    if items.is_empty() {
        return Err(format!("{flag} needs at least one value"));
    }
    Ok(items)
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
