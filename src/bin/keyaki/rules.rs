//! `keyaki rules PLAN --spec RULES`: provisioning rules over a whole Terraform plan
//! (`specs/one-user-per-bucket.rules.json`). Exit 0 every bucket passes, 1 a violation,
//! 3 unknown, 2 bad input.

use crate::error::{CliError, CliResult};
use keyaki::report::{CheckResult, Exit};
use keyaki::template::rules::one_user_per_bucket;
use keyaki::template::{extract, read_tree, ResolveOptions, SourceFormat, DEFAULT_ACCOUNT_ID};
use keyaki::CheckOptions;
use serde_json::json;
use std::io::Write;

#[derive(clap::Args, Debug)]
pub struct RulesArgs {
    /// A `terraform show -json` plan.
    pub plan: String,
    /// The rules file (`specs/one-user-per-bucket.rules.json`).
    #[arg(long)]
    pub spec: String,
    /// The account the plan deploys to (user ARNs are built in it).
    #[arg(long, default_value = DEFAULT_ACCOUNT_ID)]
    pub account_id: String,
    #[arg(long, value_enum, default_value_t = super::FormatArg::Text)]
    pub format: super::FormatArg,
}

pub fn run(args: RulesArgs, out: &mut dyn Write) -> CliResult<Exit> {
    let spec_bytes = keyaki::read_input(&args.spec)?;
    let spec: serde_json::Value =
        serde_json::from_slice(&spec_bytes).map_err(|e| format!("{}: {e}", args.spec))?;
    if spec["rule"] != "one-user-per-bucket" {
        return Err(CliError::Usage(format!(
            "{}: `rule` must be \"one-user-per-bucket\" (the one provisioning rule so far)",
            args.spec
        )));
    }
    let actions: Vec<String> = spec["actions"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if actions.is_empty() {
        return Err(CliError::Usage(format!(
            "{}: `actions` must list the object actions the one user gets",
            args.spec
        )));
    }
    let bytes = keyaki::read_input(&args.plan)?;
    let (format, plan) = read_tree(&bytes, &args.plan)?;
    if format != SourceFormat::TerraformPlan {
        return Err(CliError::Usage(format!(
            "{}: provisioning rules read a Terraform plan (`terraform show -json`), not a {}",
            args.plan,
            format.as_str()
        )));
    }
    let options = ResolveOptions {
        account_id: args.account_id.clone(),
        ..ResolveOptions::default()
    };
    let extraction = extract(&bytes, &args.plan, &options)?;
    let results = one_user_per_bucket(
        &plan,
        &extraction,
        &actions,
        &args.account_id,
        &CheckOptions::default(),
    );
    let exit = if results.iter().any(|r| r.result == CheckResult::Fail) {
        Exit::Violated
    } else if results.iter().any(|r| r.result == CheckResult::Unknown) || results.is_empty() {
        Exit::Unknown
    } else {
        Exit::Ok
    };
    let text = match args.format {
        super::FormatArg::Text => {
            let mut text = String::new();
            if results.is_empty() {
                text.push_str("unknown: the plan creates no bucket for the rule to check\n");
            }
            for r in &results {
                let verdict = match r.result {
                    CheckResult::Pass => "pass   ",
                    CheckResult::Fail => "fail   ",
                    CheckResult::Unknown => "unknown",
                };
                let user = r.user.as_deref().map(|u| format!(" (user {u})")).unwrap_or_default();
                text.push_str(&format!("{verdict} bucket {}{user}\n", r.bucket));
                for reason in &r.reasons {
                    text.push_str(&format!("  {reason}\n"));
                }
            }
            text
        }
        _ => format!(
            "{}\n",
            serde_json::to_string_pretty(&json!({"rule": spec["name"], "plan": args.plan, "results": results.iter().map(|r| r.to_json()).collect::<Vec<_>>()})).unwrap_or_default()
        ),
    };
    write!(out, "{text}")?;
    Ok(exit)
}
