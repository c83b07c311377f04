//! `keyaki access`, `check-no-public-access`, `check-access-not-granted` and `check --spec`.

use super::{options, read_input, ProverArgs};
use crate::error::{CliError, CliResult};
use crate::sources::{load_source, Source, Template};
use crate::{template_rendering, template_report, templates};
use keyaki::load_spec;
use keyaki::report::findings::FindingsReport;
use keyaki::report::{Exit, Format, PolicyFile};
use keyaki::CheckOptions;
use keyaki::NotGranted;
use keyaki::PolicyType;
use keyaki::TrustZone;
use keyaki::{parse_accepted, Accepted};
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

pub fn run_access(args: AccessArgs, out: &mut dyn Write) -> CliResult<Exit> {
    let zone = TrustZone::parse(&args.trust_zone)?;
    let question = format!(
        "no access from outside the zone of trust ({})",
        zone.entries().join(", ")
    );
    let policy = match load(&args.policy, &args.prover)? {
        Source::Policy(policy) => policy,
        Source::Template(template) => {
            let accepted = load_accept(args.accept.as_deref())?;
            let results = templates::findings(
                &template,
                &args.prover,
                only_resource_policies,
                |_, file, options| {
                    Ok(keyaki::external_access(
                        &file.policy,
                        &zone,
                        &accepted,
                        options,
                    ))
                },
            )?;
            return render_template(&template, &results, &args.prover, &question, out);
        }
    };
    let options = resource_options(&args.prover, &policy, "access")?;
    let accepted = load_accept(args.accept.as_deref())?;
    let report = keyaki::external_access(&policy.policy, &zone, &accepted, &options);
    render(&report, &args.prover, &policy, &question, out)
}

pub fn run_no_public(args: NoPublicArgs, out: &mut dyn Write) -> CliResult<Exit> {
    keyaki::known_resource_type(args.resource_type.as_deref())
        .map_err(|e| format!("--resource-type: {e}"))?;
    let policy = match load(&args.policy, &args.prover)? {
        Source::Policy(policy) => policy,
        Source::Template(template) => {
            let accepted = load_accept(args.accept.as_deref())?;
            let results = templates::findings(
                &template,
                &args.prover,
                only_resource_policies,
                |policy, file, options| {
                    // The resource type: as told, else the one the template gives the policy.
                    let resource_type = args.resource_type.as_deref().or_else(|| {
                        keyaki::template::validator::public_type(&policy.resource_type)
                    });
                    Ok(keyaki::no_public_access(
                        &file.policy,
                        resource_type,
                        &accepted,
                        options,
                    )?)
                },
            )?;
            return render_template(&template, &results, &args.prover, "no public access", out);
        }
    };
    let options = resource_options(&args.prover, &policy, "check-no-public-access")?;
    let accepted = load_accept(args.accept.as_deref())?;
    let report = keyaki::no_public_access(
        &policy.policy,
        args.resource_type.as_deref(),
        &accepted,
        &options,
    )?;
    render(&report, &args.prover, &policy, "no public access", out)
}

pub fn run_not_granted(args: NotGrantedArgs, out: &mut dyn Write) -> CliResult<Exit> {
    let asked = NotGranted {
        actions: args.actions.clone(),
        resources: args.resources.clone(),
        allow_unknown_actions: args.allow_unknown_actions,
    };
    let loaded = load(&args.policy, &args.prover)?;
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
    let policy = match loaded {
        Source::Policy(policy) => policy,
        Source::Template(template) => {
            // The action names are checked once, whatever the template holds.
            let nothing = crate::sources::allows_nothing();
            keyaki::access_not_granted(&nothing, &asked, &options(&args.prover, &[&nothing])?)?;
            let results = templates::findings(
                &template,
                &args.prover,
                |_, _| None,
                |_, file, options| Ok(keyaki::access_not_granted(&file.policy, &asked, options)?),
            )?;
            return render_template(&template, &results, &args.prover, &question, out);
        }
    };
    let options = options(&args.prover, &[&policy.policy])?;
    let report = keyaki::access_not_granted(&policy.policy, &asked, &options)?;
    render(&report, &args.prover, &policy, &question, out)
}

/// `check PROPOSED --spec SPEC`: every requirement of the spec, one combined report.
pub fn run_spec_check(
    proposed: &str,
    spec: &str,
    prover: &ProverArgs,
    out: &mut dyn Write,
) -> CliResult<Exit> {
    let spec = load_spec(spec)?;
    let policy = match load(proposed, prover)? {
        Source::Policy(policy) => policy,
        Source::Template(template) => {
            let results = templates::findings(
                &template,
                prover,
                |_, _| None,
                |_, file, options| Ok(keyaki::check_spec(&file.policy, &spec, options)),
            )?;
            return render_template(&template, &results, prover, &spec.question(), out);
        }
    };
    let mut policies = vec![&policy.policy];
    if let Some((_, baseline)) = &spec.baseline {
        policies.push(baseline);
    }
    let options = options(prover, &policies)?;
    let report = keyaki::check_spec(&policy.policy, &spec, &options);
    render(&report, prover, &policy, &spec.question(), out)
}

/// A policy, template or plan, read by its content.
fn load(path: &str, prover: &ProverArgs) -> CliResult<Source> {
    load_source(path, &prover.resolve.resolve_options()?)
}

/// External and public access are questions for resource and trust policies; an identity
/// policy of a template is listed as not applicable (unless `--policy-type resource`).
fn only_resource_policies(
    _: &keyaki::template::ExtractedPolicy,
    policy_type: PolicyType,
) -> Option<String> {
    (policy_type != PolicyType::Resource).then(|| {
        "an identity policy: this question is about resource and trust policies".to_string()
    })
}

fn render_template(
    template: &Template,
    results: &[templates::PolicyResult],
    prover: &ProverArgs,
    question: &str,
    out: &mut dyn Write,
) -> CliResult<Exit> {
    let rendering = template_rendering(template, prover, None, question);
    template_report::render(results, &rendering, out)
}

/// Options for commands that only make sense for resource (or trust) policies.
fn resource_options(
    prover: &ProverArgs,
    policy: &PolicyFile,
    command: &str,
) -> CliResult<CheckOptions> {
    let options = options(prover, &[&policy.policy])?;
    if options.policy_type != PolicyType::Resource {
        return Err(CliError::Usage(format!(
            "{}: {command} needs a resource or trust policy (a statement with Principal or NotPrincipal)",
            policy.path
        )));
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

fn load_accept(path: Option<&str>) -> CliResult<Vec<Accepted>> {
    let Some(path) = path else {
        return Ok(Vec::new());
    };
    let bytes = read_input(path)?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("{path}: {e}"))?;
    Ok(parse_accepted(&value, path)?)
}

fn render(
    report: &FindingsReport,
    prover: &ProverArgs,
    policy: &PolicyFile,
    question: &str,
    out: &mut dyn Write,
) -> CliResult<Exit> {
    let text = match Format::from(prover.format) {
        Format::Text => report.text(&policy.path, question),
        Format::Json => pretty(&report.to_json()),
        Format::Sarif => pretty(&report.sarif(policy)),
    };
    write!(out, "{text}")?;
    Ok(report.exit())
}

fn pretty(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}
