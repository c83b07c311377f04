//! `keyaki access`, `check-no-public-access`, `check-access-not-granted` and `check --spec`.

use super::{load_policy, options, read_input, ProverArgs};
use crate::access::accept::{apply, parse_accepted, Accepted};
use crate::access::spec::load_spec;
use crate::access::{find, public, Finding, FindingKind, Target, TrustZone};
use crate::eval::PolicyType;
use crate::explain::{check_no_new_access, CheckOptions, Verdict};
use crate::report::findings::FindingsReport;
use crate::report::{Exit, Format, PolicyFile};
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
    let (findings, unknown) = not_granted(&policy, &actions, &resources, &options);
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

/// One search per listed action (and resource): each granted item gets its own findings.
fn not_granted(
    policy: &PolicyFile,
    actions: &[String],
    resources: &[String],
    options: &CheckOptions,
) -> (Vec<Finding>, Vec<String>) {
    let mut findings = Vec::new();
    let mut unknown = Vec::new();
    let resource_items: Vec<Vec<String>> = if resources.is_empty() {
        vec![Vec::new()]
    } else {
        resources.iter().map(|r| vec![r.clone()]).collect()
    };
    for action in actions {
        for resource in &resource_items {
            let target = Target::Granted {
                actions: vec![action.clone()],
                resources: resource.clone(),
            };
            let result = find(&policy.policy, &target, options, options.policy_type);
            for mut finding in result.findings {
                // The finding names the listed item it is about, not the statement's wider patterns.
                finding.actions = vec![action.clone()];
                if !resource.is_empty() {
                    finding.resources = resource.clone();
                }
                if !findings.contains(&finding) {
                    findings.push(finding);
                }
            }
            if let Some(reason) = result.unknown {
                unknown.push(format!("{action}: {reason}"));
            }
        }
    }
    (findings, unknown)
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
    let mut findings = Vec::new();
    let mut unknown = Vec::new();
    if let Some((label, baseline)) = &spec.baseline {
        let many = CheckOptions {
            counterexamples: options.counterexamples,
            ..options.clone()
        };
        match check_no_new_access(&policy.policy, baseline, &many) {
            Verdict::Holds => {}
            Verdict::Violated(list) => {
                for c in list {
                    findings.push(new_access_finding(&policy, &c.request, &c.proposed));
                }
            }
            Verdict::Unknown(reason) => unknown.push(format!("baseline {label}: {reason}")),
        }
    }
    let resource_policy = options.policy_type == PolicyType::Resource;
    if let Some(zone) = &spec.trust_zone {
        if resource_policy {
            let result = find(
                &policy.policy,
                &Target::Outside(zone.clone()),
                &options,
                PolicyType::Resource,
            );
            findings.extend(result.findings);
            unknown.extend(result.unknown.map(|r| format!("trust zone: {r}")));
        }
    }
    if spec.no_public_access && resource_policy {
        let result = find(
            &policy.policy,
            &public_target(spec.resource_type.as_deref()),
            &options,
            PolicyType::Resource,
        );
        // A public region already reported against the trust zone is the same finding.
        for f in result.findings {
            if !findings.iter().any(|g: &Finding| {
                g.kind == FindingKind::Public
                    && g.statement == f.statement
                    && g.principal == f.principal
            }) {
                findings.push(f);
            }
        }
        unknown.extend(result.unknown.map(|r| format!("public access: {r}")));
    }
    for item in &spec.never_granted {
        let (granted, reasons) = not_granted(&policy, &item.actions, &item.resources, &options);
        findings.extend(granted);
        unknown.extend(reasons);
    }
    apply(&mut findings, &spec.accept);
    let report = FindingsReport::new(findings, unknown);
    let question = format!("meets spec {}", spec.name.as_deref().unwrap_or("(unnamed)"));
    render(&report, prover, &policy, &question, out)
}

fn new_access_finding(
    policy: &PolicyFile,
    request: &crate::request::Request,
    proposed: &crate::eval::Evaluation,
) -> Finding {
    let statement = proposed
        .statements
        .first()
        .and_then(|m| policy.policy.statements.iter().find(|s| s.index == m.index));
    Finding {
        kind: FindingKind::NewAccess,
        principal: serde_json::to_value(&request.principal).unwrap_or(serde_json::Value::Null),
        actions: vec![request.action.clone()],
        resources: vec![request.resource.clone().unwrap_or_else(|| "*".into())],
        conditions: statement
            .map(crate::access::conditions_json)
            .unwrap_or_else(|| serde_json::json!({})),
        request: request.clone(),
        statement: statement.map(|s| crate::access::StatementRef {
            index: s.index,
            sid: s.sid.clone(),
        }),
        accepted: false,
    }
}

fn public_target(resource_type: Option<&str>) -> Target {
    Target::Public {
        extra_keys: public::extra_pinning_keys(resource_type)
            .iter()
            .map(|k| k.to_string())
            .collect(),
    }
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
    let text = match prover.format {
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
