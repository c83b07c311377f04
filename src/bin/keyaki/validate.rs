//! `keyaki validate`: Access Analyzer's policy checks offline plus Keyaki's proof-based findings.

use crate::error::{CliError, CliResult};
use keyaki::read_input;
use keyaki::report::Exit;
use keyaki::validate::{
    render, validate_bytes, validate_json, Filter, IgnoreRule, PolicyKind, PolicyReport,
    ValidateOptions,
};
use std::io::Write;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ValidatePolicyType {
    Identity,
    Resource,
    ServiceControlPolicy,
    ResourceControlPolicy,
}

impl From<ValidatePolicyType> for PolicyKind {
    fn from(arg: ValidatePolicyType) -> PolicyKind {
        match arg {
            ValidatePolicyType::Identity => PolicyKind::Identity,
            ValidatePolicyType::Resource => PolicyKind::Resource,
            ValidatePolicyType::ServiceControlPolicy => PolicyKind::ServiceControlPolicy,
            ValidatePolicyType::ResourceControlPolicy => PolicyKind::ResourceControlPolicy,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ValidateFormat {
    Text,
    /// One input: `{"findings": [...]}`; several: one such object per line (JSONL).
    Json,
    Sarif,
}

#[derive(clap::Args, Debug)]
pub struct ValidateArgs {
    /// Policy documents (JSON; `-` reads stdin).
    #[arg(required = true)]
    pub policies: Vec<String>,
    /// Inferred when absent: resource when --resource-type is given or a statement has Principal.
    #[arg(long, value_enum)]
    pub policy_type: Option<ValidatePolicyType>,
    /// The resource a resource policy is attached to: AWS::S3::Bucket, AWS::IAM::AssumeRolePolicyDocument, ...
    #[arg(long)]
    pub resource_type: Option<String>,
    #[arg(long, value_enum, default_value_t = ValidateFormat::Text)]
    pub format: ValidateFormat,
    /// Finding types that make the exit code 1: ERROR, SECURITY_WARNING, WARNING, SUGGESTION or NONE.
    #[arg(long, default_value = "ERROR,SECURITY_WARNING")]
    pub treat_finding_type_as_blocking: String,
    /// Findings to leave out: CODE, RESOURCE (a file name or origin) or RESOURCE.CODE; comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub ignore_finding: Vec<String>,
    /// Skip the proof-based checks.
    #[arg(long)]
    pub no_proofs: bool,
    /// Seconds per prover query of the proof-based checks (an unknown is reported, never a claim).
    #[arg(long, default_value_t = 0.1)]
    pub proof_timeout: f64,
}

pub fn run(args: ValidateArgs, out: &mut dyn Write) -> CliResult<Exit> {
    let filter = Filter {
        blocking: Filter::parse_blocking(&args.treat_finding_type_as_blocking)?,
        ignore: args
            .ignore_finding
            .iter()
            .map(|r| IgnoreRule::parse(r))
            .collect(),
    };
    if !(args.proof_timeout.is_finite() && args.proof_timeout > 0.0) {
        return Err(CliError::Usage(format!(
            "--proof-timeout must be a positive number of seconds, got {}",
            args.proof_timeout
        )));
    }
    let mut reports = Vec::new();
    let mut bad_input = false;
    for path in &args.policies {
        let bytes = match read_input(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: {e}");
                bad_input = true;
                continue;
            }
        };
        let mut options = ValidateOptions {
            policy_kind: args.policy_type.map(PolicyKind::from).unwrap_or_default(),
            resource_type: args.resource_type.clone(),
            proofs: !args.no_proofs,
            proof_timeout: Duration::from_secs_f64(args.proof_timeout),
        };
        let report = match keyaki::parse_json(&bytes, path) {
            Ok(json) => {
                if args.policy_type.is_none() {
                    options.policy_kind = if args.resource_type.is_some() {
                        PolicyKind::Resource
                    } else {
                        PolicyKind::infer(&json)
                    };
                }
                validate_json(&json, std::str::from_utf8(&bytes).ok(), path, &options)
            }
            Err(e) => {
                // Not JSON: bad input, and Access Analyzer's JSON_SYNTAX_ERROR finding.
                eprintln!("error: {e}");
                bad_input = true;
                validate_bytes(&bytes, path, &options)
            }
        };
        reports.push(report);
    }
    write_reports(&reports, &filter, args.format, out)?;
    let blocking: usize = reports.iter().map(|r| filter.blocking_count(r)).sum();
    Ok(if bad_input {
        Exit::BadInput
    } else if blocking > 0 {
        Exit::Violated
    } else {
        Exit::Ok
    })
}

fn write_reports(
    reports: &[PolicyReport],
    filter: &Filter,
    format: ValidateFormat,
    out: &mut dyn Write,
) -> CliResult<()> {
    let io = |e: std::io::Error| e.to_string();
    match format {
        ValidateFormat::Text => {
            for r in reports {
                write!(out, "{}", render::text_report(r, filter)).map_err(io)?;
            }
            writeln!(
                out,
                "(service catalog of {})",
                keyaki::validate::catalog_date()
            )
            .map_err(io)?;
        }
        ValidateFormat::Json if reports.len() == 1 => {
            let value = render::json_report(&reports[0], filter);
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            )
            .map_err(io)?;
        }
        ValidateFormat::Json => {
            for r in reports {
                let value = render::json_report(r, filter);
                writeln!(out, "{}", serde_json::to_string(&value).unwrap_or_default())
                    .map_err(io)?;
            }
        }
        ValidateFormat::Sarif => {
            let value = render::sarif_report(reports, filter);
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            )
            .map_err(io)?;
        }
    }
    Ok(())
}
