//! `keyaki cfn ...` and `keyaki tf ...`: drop-in front ends for cfn-policy-validator and
//! tf-policy-validator (same subcommands, flags, JSON and exit codes), answered offline by proof.

use crate::error::{CliError, CliResult};
use keyaki::report::Exit;
use keyaki::template::validator::{self, Check, Options};
use keyaki::template::{extract, PolicyKind, ResolveOptions, SourceFormat, DEFAULT_REGION};
use keyaki::{ActionUniverse, CheckOptions};
use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

#[derive(clap::Subcommand, Debug)]
pub enum ValidatorCommand {
    /// ValidatePolicy's checks (Access Analyzer's codes, offline) plus Keyaki's proof-based findings.
    Validate(CommonArgs),
    /// Does any policy grant access its reference policy does not? (proof or counterexamples)
    CheckNoNewAccess {
        #[command(flatten)]
        common: CommonArgs,
        /// The reference policy file (JSON) every policy of the type is compared with.
        #[arg(long)]
        reference_policy: String,
        /// identity or resource: which policies of the template are compared.
        #[arg(long, value_parser = ["identity", "resource", "IDENTITY", "RESOURCE"])]
        reference_policy_type: String,
    },
    /// Does any policy grant one of the listed actions (on the listed resources)?
    CheckAccessNotGranted {
        #[command(flatten)]
        common: CommonArgs,
        /// Actions that must not be granted (comma-separated).
        #[arg(long, value_delimiter = ',', required_unless_present = "resources")]
        actions: Vec<String>,
        /// Resources no access may be granted to (comma-separated).
        #[arg(long, value_delimiter = ',')]
        resources: Vec<String>,
    },
    /// Does any resource policy grant public access?
    CheckNoPublicAccess(CommonArgs),
}

#[derive(clap::Args, Debug)]
pub struct CommonArgs {
    /// The CloudFormation template (JSON or YAML) or `terraform show -json` plan.
    #[arg(long)]
    pub template_path: String,
    /// Region the stack deploys to (AWS::Region; also decides the partition).
    #[arg(long, default_value = DEFAULT_REGION)]
    pub region: String,
    /// Account id for AWS::AccountId (default 123456789012).
    #[arg(long)]
    pub account_id: Option<String>,
    /// Partition for AWS::Partition (default: from the region).
    #[arg(long)]
    pub partition: Option<String>,
    /// Template parameters: KEY=VALUE ..., or a JSON file (`[{"ParameterKey", "ParameterValue"}]` or `["K=V"]`).
    #[arg(long, num_args = 1..)]
    pub parameters: Vec<String>,
    /// A template configuration file (`{"Parameters": {...}}`); only its parameters are read.
    #[arg(long)]
    pub template_configuration_file: Option<String>,
    /// Finding types that block (comma-separated; default ERROR,SECURITY_WARNING).
    #[arg(long, value_delimiter = ',', default_value = "ERROR,SECURITY_WARNING")]
    pub treat_finding_type_as_blocking: Vec<String>,
    /// Report every finding as non-blocking (unknown answers still block: fail closed).
    #[arg(long)]
    pub treat_findings_as_non_blocking: bool,
    /// Findings to ignore: CODE, RESOURCE or RESOURCE.CODE (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub ignore_finding: Vec<String>,
    /// Accepted for compatibility (validate's external-principal findings are not in Keyaki yet).
    #[arg(long, value_delimiter = ',')]
    pub allow_external_principals: Vec<String>,
    /// Resource types left out (comma-separated, e.g. AWS::SQS::QueuePolicy or aws_sqs_queue_policy).
    #[arg(long, value_delimiter = ',')]
    pub exclude_resource_types: Vec<String>,
    /// Accepted and ignored: Keyaki runs offline and needs no credentials.
    #[arg(long)]
    pub profile: Option<String>,
    /// Accepted and ignored (tf-policy-validator's config file): Keyaki knows the resource types.
    #[arg(long)]
    pub config: Option<String>,
    /// Seconds per policy before giving up with an unknown finding.
    #[arg(long, default_value_t = 10.0)]
    pub timeout: f64,
}

/// Which validator is being replaced (only changes the words of errors).
#[derive(Debug, Clone, Copy)]
pub enum Flavour {
    Cfn,
    Tf,
}

/// Exit codes: 0 nothing blocking, 2 blocking findings, 1 an error (written as the validators do).
pub fn run(flavour: Flavour, command: ValidatorCommand, out: &mut dyn Write) -> CliResult<Exit> {
    match run_inner(flavour, command, out) {
        Ok(code) => Ok(if code == 2 { Exit::BadInput } else { Exit::Ok }),
        Err(message) => {
            eprintln!("ERROR: {message}");
            Ok(Exit::Violated)
        }
    }
}

fn run_inner(flavour: Flavour, command: ValidatorCommand, out: &mut dyn Write) -> CliResult<u8> {
    let (common, check) = match command {
        ValidatorCommand::Validate(common) => (common, None),
        ValidatorCommand::CheckNoNewAccess {
            common,
            reference_policy,
            reference_policy_type,
        } => {
            let reference = keyaki::load_policy(&reference_policy)?.policy;
            let policy_type = if reference_policy_type.eq_ignore_ascii_case("identity") {
                PolicyKind::Identity
            } else {
                PolicyKind::Resource
            };
            (
                common,
                Some(Check::NoNewAccess {
                    reference,
                    policy_type,
                }),
            )
        }
        ValidatorCommand::CheckAccessNotGranted {
            common,
            actions,
            resources,
        } => {
            let clean = |v: Vec<String>| {
                v.into_iter()
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
            };
            let (actions, resources) = (clean(actions), clean(resources));
            if actions.is_empty() && resources.is_empty() {
                return Err("check-access-not-granted needs --actions and/or --resources".into());
            }
            (common, Some(Check::AccessNotGranted { actions, resources }))
        }
        ValidatorCommand::CheckNoPublicAccess(common) => (common, Some(Check::NoPublicAccess)),
    };
    if common.profile.is_some() {
        eprintln!("note: --profile is ignored: Keyaki runs offline and needs no AWS credentials");
    }
    if !(common.timeout.is_finite() && common.timeout > 0.0) {
        return Err(CliError::Usage(format!(
            "--timeout must be a positive number of seconds, not {}",
            common.timeout
        )));
    }
    let mut parameters = BTreeMap::new();
    if let Some(path) = &common.template_configuration_file {
        read_configuration(path, &mut parameters)?;
    }
    read_parameters(&common.parameters, &mut parameters)?;
    let resolve = ResolveOptions {
        parameters,
        account_id: common
            .account_id
            .clone()
            .unwrap_or_else(|| keyaki::template::DEFAULT_ACCOUNT_ID.into()),
        region: common.region.clone(),
        partition: common.partition.clone(),
    };
    let bytes = keyaki::read_input(&common.template_path)?;
    let extraction = extract(&bytes, &common.template_path, &resolve)?;
    match (flavour, extraction.format) {
        (Flavour::Tf, SourceFormat::CloudFormationJson | SourceFormat::CloudFormationYaml) => {
            eprintln!(
                "note: {} is a CloudFormation template; reading it anyway",
                common.template_path
            )
        }
        (Flavour::Cfn, SourceFormat::TerraformPlan) => {
            eprintln!(
                "note: {} is a Terraform plan; reading it anyway",
                common.template_path
            )
        }
        _ => {}
    }
    let Some(check) = check else {
        let report = validate_extracted(&extraction, &bytes, &common)?;
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        )?;
        let blocking = report["BlockingFindings"]
            .as_array()
            .is_some_and(|b| !b.is_empty());
        return Ok(if blocking { 2 } else { 0 });
    };
    let options = Options {
        blocking_types: common.treat_finding_type_as_blocking.clone(),
        all_non_blocking: common.treat_findings_as_non_blocking,
        ignore: common.ignore_finding.clone(),
        exclude_resource_types: common.exclude_resource_types.clone(),
        check: CheckOptions {
            counterexamples: 1,
            timeout: Duration::from_secs_f64(common.timeout.min(86_400.0)),
            action_universe: ActionUniverse::Open,
            ..CheckOptions::default()
        },
    };
    let report = validator::run(&extraction, &check, &options);
    writeln!(
        out,
        "{}",
        serde_json::to_string_pretty(&report).unwrap_or_default()
    )?;
    Ok(validator::exit_code(&report))
}

/// `validate`: each extracted policy through `keyaki::validate`, findings in the validators'
/// shape (`findingType`, `code`, `message`, `resourceName`, `policyName`, `details`), blocking by
/// `--treat-finding-type-as-blocking` unless ignored or `--treat-findings-as-non-blocking`.
fn validate_extracted(
    extraction: &keyaki::template::Extraction,
    bytes: &[u8],
    common: &CommonArgs,
) -> CliResult<serde_json::Value> {
    use keyaki::validate::{self as validate, Filter, IgnoreRule, ValidateOptions};
    let blocking = Filter::parse_blocking(&common.treat_finding_type_as_blocking.join(","))?;
    let ignore: Vec<IgnoreRule> = common
        .ignore_finding
        .iter()
        .map(|i| IgnoreRule::parse(i))
        .collect();
    let filter = Filter { blocking, ignore };
    let text = std::str::from_utf8(bytes).ok();
    let excluded = |t: &str| {
        common
            .exclude_resource_types
            .iter()
            .any(|x| x.trim().eq_ignore_ascii_case(t))
    };
    let (mut blocking_findings, mut non_blocking) = (Vec::new(), Vec::new());
    // A policy that could not be read out of the template is never skipped silently.
    for refusal in extraction
        .refusals
        .iter()
        .filter(|r| !excluded(&r.resource_type))
    {
        blocking_findings.push(serde_json::json!({
            "findingType": "ERROR",
            "code": if refusal.reason.starts_with("unknown:") { validator::UNKNOWN_CODE } else { validator::UNRESOLVED_CODE },
            "message": refusal.reason,
            "resourceName": refusal.origin,
            "policyName": format!("{} {}", refusal.origin, refusal.path),
            "details": {"resourceType": refusal.resource_type, "path": refusal.path, "line": refusal.span.line, "column": refusal.span.col},
        }));
    }
    for policy in extraction
        .policies
        .iter()
        .filter(|p| !excluded(&p.resource_type))
    {
        let options = ValidateOptions {
            policy_kind: match policy.kind {
                PolicyKind::Identity => validate::PolicyKind::Identity,
                PolicyKind::Resource => validate::PolicyKind::Resource,
            },
            resource_type: (policy.kind == PolicyKind::Resource)
                .then(|| policy.resource_type.clone()),
            ..ValidateOptions::default()
        };
        let report =
            validate::validate_json(&policy.document, text, &policy.resource_name, &options);
        for finding in filter.apply(&report).findings {
            let entry = serde_json::json!({
                "findingType": finding.finding_type.as_str(),
                "code": finding.issue_code,
                "message": finding.finding_details,
                "resourceName": policy.resource_name,
                "policyName": policy.policy_name,
                "details": finding,
            });
            if filter.is_blocking(&finding) && !common.treat_findings_as_non_blocking {
                blocking_findings.push(entry);
            } else {
                non_blocking.push(entry);
            }
        }
    }
    Ok(
        serde_json::json!({"BlockingFindings": blocking_findings, "NonBlockingFindings": non_blocking}),
    )
}

fn read_parameters(items: &[String], into: &mut BTreeMap<String, String>) -> CliResult<()> {
    for item in items {
        let path = item.strip_prefix("file://").unwrap_or(item);
        if !item.contains('=') || item.starts_with("file://") {
            let bytes = keyaki::read_input(path)?;
            let value: serde_json::Value =
                serde_json::from_slice(&bytes).map_err(|e| format!("{path}: {e}"))?;
            read_parameter_value(&value, path, into)?;
            continue;
        }
        let (key, value) = item
            .split_once('=')
            .ok_or_else(|| format!("--parameters takes KEY=VALUE, not `{item}`"))?;
        into.insert(key.trim().to_string(), value.to_string());
    }
    Ok(())
}

fn read_parameter_value(
    value: &serde_json::Value,
    path: &str,
    into: &mut BTreeMap<String, String>,
) -> CliResult<()> {
    match value {
        serde_json::Value::Array(items) => {
            for item in items {
                if let Some(text) = item.as_str() {
                    let (k, v) = text
                        .split_once('=')
                        .ok_or_else(|| format!("{path}: `{text}` is not KEY=VALUE"))?;
                    into.insert(k.to_string(), v.to_string());
                } else {
                    let key = item["ParameterKey"]
                        .as_str()
                        .ok_or_else(|| format!("{path}: an item without ParameterKey"))?;
                    let value = item["ParameterValue"]
                        .as_str()
                        .ok_or_else(|| format!("{path}: {key} without a string ParameterValue"))?;
                    into.insert(key.to_string(), value.to_string());
                }
            }
            Ok(())
        }
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let v = v
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string());
                into.insert(k.clone(), v);
            }
            Ok(())
        }
        _ => Err(CliError::Usage(format!(
            "{path}: parameters must be a list or an object"
        ))),
    }
}

fn read_configuration(path: &str, into: &mut BTreeMap<String, String>) -> CliResult<()> {
    let bytes = keyaki::read_input(path)?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("{path}: {e}"))?;
    match value.get("Parameters") {
        Some(parameters) => read_parameter_value(parameters, path, into),
        None => Ok(()),
    }
}
