//! `keyaki parse TEMPLATE`: the policies a CloudFormation template or Terraform plan holds, with
//! their origin (like the validators' `parse`), resolved offline.

use crate::error::CliResult;
use keyaki::report::Exit;
use keyaki::template::{extract, to_value};
use serde_json::json;
use std::io::Write;

#[derive(clap::Args, Debug)]
pub struct ParseArgs {
    /// A CloudFormation template (JSON or YAML), a `terraform show -json` plan, or a policy.
    pub template: String,
    #[arg(long, value_enum, default_value_t = super::FormatArg::Text)]
    pub format: super::FormatArg,
    #[command(flatten)]
    pub resolve: crate::sources::TemplateArgs,
}

/// Exit 0 when every policy was read, 2 when an element could not be resolved, 3 when a policy
/// is known only after deploy.
pub fn run(args: ParseArgs, out: &mut dyn Write) -> CliResult<Exit> {
    let options = args.resolve.resolve_options()?;
    let bytes = keyaki::read_input(&args.template)?;
    let extraction = extract(&bytes, &args.template, &options)?;
    let exit = if extraction
        .refusals
        .iter()
        .any(|r| !r.reason.starts_with("unknown:"))
    {
        Exit::BadInput
    } else if extraction.refusals.is_empty() {
        Exit::Ok
    } else {
        Exit::Unknown
    };
    let text = match args.format {
        super::FormatArg::Json | super::FormatArg::Sarif => {
            let policies: Vec<serde_json::Value> = extraction
                .policies
                .iter()
                .map(|p| {
                    json!({
                        "origin": p.origin,
                        "path": p.path,
                        "resource_type": p.resource_type,
                        "policy_type": p.kind.as_str(),
                        "policy": to_value(&p.document),
                        "unknown_values": p.unknown_values.iter().map(|u| u.to_json()).collect::<Vec<_>>(),
                        "assumed_conditions": p.assumed_conditions,
                        "line": p.span.line,
                        "column": p.span.col,
                    })
                })
                .collect();
            let refusals: Vec<serde_json::Value> = extraction
                .refusals
                .iter()
                .map(|r| json!({"origin": r.origin, "path": r.path, "resource_type": r.resource_type, "reason": r.reason, "line": r.span.line, "column": r.span.col}))
                .collect();
            let value = json!({"format": extraction.format.as_str(), "policies": policies, "refusals": refusals, "notes": extraction.notes});
            format!(
                "{}\n",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            )
        }
        super::FormatArg::Text => {
            let mut text = format!(
                "{} ({}): {} polic{}\n",
                args.template,
                extraction.format.as_str(),
                extraction.policies.len(),
                if extraction.policies.len() == 1 {
                    "y"
                } else {
                    "ies"
                }
            );
            for p in &extraction.policies {
                text.push_str(&format!(
                    "\n{} ({}, {} policy, line {})\n",
                    p.name(),
                    p.resource_type,
                    p.kind.as_str(),
                    p.span.line
                ));
                for u in &p.unknown_values {
                    text.push_str(&format!(
                        "  unknown until deploy: {} (checked for every value as ${{{}}})\n",
                        u.source, u.variable
                    ));
                }
                text.push_str(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&to_value(&p.document)).unwrap_or_default()
                ));
            }
            for r in &extraction.refusals {
                text.push_str(&format!(
                    "\nnot read: {} {} ({}, line {}): {}\n",
                    r.origin, r.path, r.resource_type, r.span.line, r.reason
                ));
            }
            for n in &extraction.notes {
                text.push_str(&format!("note: {n}\n"));
            }
            text
        }
    };
    write!(out, "{text}")?;
    Ok(exit)
}
