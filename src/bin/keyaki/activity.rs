//! `keyaki unused` (least privilege from activity) and `keyaki replay` (the break-check).

use crate::error::CliResult;
use keyaki::activity::lastaccessed::parse_last_accessed;
use keyaki::activity::tighten::tighten;
use keyaki::activity::unused::{granted, unused, Activity, Window};
use keyaki::activity::{observed, replay::replay};
use keyaki::events::time::{format_millis, parse_event_time};
use keyaki::report::Exit;
use keyaki::CheckOptions;
use keyaki::PolicyType;
use serde_json::{json, Value};
use std::io::Write;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct UnusedArgs {
    /// The identity policy to tighten.
    pub policy: String,
    /// Access Advisor output (`aws iam get-service-last-accessed-details`), service or action level.
    #[arg(
        long,
        required_unless_present = "cloudtrail",
        conflicts_with = "cloudtrail"
    )]
    pub last_accessed: Option<String>,
    /// CloudTrail records (any container `keyaki events` reads).
    #[arg(long, num_args = 1..)]
    pub cloudtrail: Vec<String>,
    #[arg(long, default_value_t = 90)]
    pub days: u32,
    /// The end of the window (RFC 3339); default: the report's completion time or the newest record.
    #[arg(long)]
    pub as_of: Option<String>,
    /// Write a narrower policy here, after proving it.
    #[arg(long, conflicts_with = "as_deny")]
    pub tighten: Option<String>,
    /// Print the proved deny statement instead.
    #[arg(long)]
    pub as_deny: bool,
    #[arg(long, value_enum, default_value_t = super::FormatArg::Text)]
    pub format: super::FormatArg,
    #[arg(long, default_value_t = 30.0)]
    pub timeout: f64,
}

fn io(e: std::io::Error) -> String {
    e.to_string()
}

pub fn run_unused(args: UnusedArgs, out: &mut dyn Write) -> CliResult<Exit> {
    let bytes = super::read_input(&args.policy)?;
    let document: Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", args.policy))?;
    let policy = super::load_policy(&args.policy)?.policy;
    let as_of = match &args.as_of {
        Some(t) => Some(parse_event_time(t).ok_or(format!("--as-of {t:?}: not an RFC 3339 time"))?),
        None => None,
    };
    let activity = match &args.last_accessed {
        Some(path) => {
            let raw = super::read_input(path)?;
            let value: Value = serde_json::from_slice(&raw).map_err(|e| format!("{path}: {e}"))?;
            Activity::from_last_accessed(&parse_last_accessed(&value, path)?)
        }
        None => {
            let mut seen = Vec::new();
            keyaki::events::reader::read_paths(&args.cloudtrail, &mut |r| {
                seen.extend(observed(&r));
                Ok(())
            })?;
            Activity::from_observed(seen)
        }
    };
    let window = Window::new(&activity, args.days, as_of)?;
    let options = CheckOptions {
        policy_type: PolicyType::Identity,
        counterexamples: 1,
        timeout: Duration::from_secs_f64(args.timeout.clamp(0.1, 86_400.0)),
        ..CheckOptions::default()
    };
    let report = unused(&granted(&policy, &options), &activity, window);
    let when = |t: &Option<i64>| t.map(format_millis);
    let mut result = json!({
        "policy": args.policy, "source": activity.source, "as_of": format_millis(window.end),
        "window_start": format_millis(window.start), "days": args.days,
        "unused_services": report.services.iter().map(|(s, t)| json!({"service": s, "last_used": when(t)})).collect::<Vec<_>>(),
        "unused_actions": report.actions.iter().map(|(a, t)| json!({"action": a, "last_used": when(t)})).collect::<Vec<_>>(),
        "used_services": report.used, "no_data_services": report.no_data, "unknown": report.unknown,
    });
    let mut exit = if report.removed().is_empty() {
        Exit::Ok
    } else {
        Exit::Violated
    };
    if args.tighten.is_some() || args.as_deny {
        let t = tighten(
            &document,
            &policy,
            &report,
            &activity,
            args.as_deny,
            &options,
        )?;
        result["proofs"] = json!(t.proofs);
        result[if args.as_deny {
            "deny_statement"
        } else {
            "tightened"
        }] = t.output.clone();
        if !t.proved() {
            exit = Exit::Unknown;
        } else if let Some(path) = &args.tighten {
            let text = serde_json::to_string_pretty(&t.output).unwrap_or_default();
            std::fs::write(path, text + "\n").map_err(|e| format!("{path}: {e}"))?;
        }
    }
    if !report.unknown.is_empty() && exit == Exit::Ok {
        exit = Exit::Unknown;
    }
    match args.format {
        super::FormatArg::Text => write_text(&result, out).map_err(io)?,
        _ => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&result).unwrap_or_default()
        )
        .map_err(io)?,
    }
    Ok(exit)
}

fn write_text(r: &Value, out: &mut dyn Write) -> std::io::Result<()> {
    let list = |key: &str| r[key].as_array().cloned().unwrap_or_default();
    writeln!(
        out,
        "window {} .. {} ({} days, from {})",
        r["window_start"].as_str().unwrap_or(""),
        r["as_of"].as_str().unwrap_or(""),
        r["days"],
        r["source"].as_str().unwrap_or("")
    )?;
    for s in list("unused_services") {
        writeln!(
            out,
            "unused service {} (last used {})",
            s["service"].as_str().unwrap_or(""),
            s["last_used"].as_str().unwrap_or("never")
        )?;
    }
    for a in list("unused_actions") {
        writeln!(
            out,
            "unused action {} (last used {})",
            a["action"].as_str().unwrap_or(""),
            a["last_used"].as_str().unwrap_or("never")
        )?;
    }
    if !list("no_data_services").is_empty() {
        writeln!(
            out,
            "granted, no activity data (kept): {}",
            r["no_data_services"]
        )?;
    }
    for p in list("proofs") {
        let verdict = match p["holds"].as_bool() {
            Some(true) => "PROVED",
            Some(false) => "FAILED",
            None => "UNKNOWN",
        };
        writeln!(
            out,
            "proof: {} — {verdict} ({})",
            p["name"].as_str().unwrap_or(""),
            p["detail"].as_str().unwrap_or("")
        )?;
    }
    if let Some(deny) = r.get("deny_statement") {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(deny).unwrap_or_default()
        )?;
    }
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct ReplayArgs {
    /// The proposed policy.
    pub policy: String,
    #[arg(long, required = true, num_args = 1..)]
    pub cloudtrail: Vec<String>,
    #[arg(long, value_enum)]
    pub policy_type: Option<super::PolicyTypeArg>,
    #[arg(long, value_enum, default_value_t = super::FormatArg::Text)]
    pub format: super::FormatArg,
}

pub fn run_replay(args: ReplayArgs, out: &mut dyn Write) -> CliResult<Exit> {
    let policy = super::load_policy(&args.policy)?.policy;
    let policy_type = super::resolve_type(args.policy_type, &[&policy]);
    let start = std::time::Instant::now();
    let summary = replay(&policy, &args.cloudtrail, policy_type)?;
    let seconds = start.elapsed().as_secs_f64();
    match args.format {
        super::FormatArg::Text => {
            writeln!(out, "{} records in {seconds:.2} s: {} allowed, {} denied, {} failed calls, {} without a caller", summary.records, summary.allowed, summary.denied, summary.failed_calls, summary.without_caller).map_err(io)?;
            for (request, count, id) in &summary.denied_requests {
                writeln!(out, "denied x{count} (first {id}): {request}").map_err(io)?;
            }
            if let Some(reason) = &summary.undetermined_reason {
                writeln!(
                    out,
                    "unknown for {} records: {reason}",
                    summary.undetermined
                )
                .map_err(io)?;
            }
        }
        _ => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&summary.to_json()).unwrap_or_default()
        )
        .map_err(io)?,
    }
    // A request proved denied is a break whatever the undetermined ones come to.
    Ok(if summary.denied > 0 {
        Exit::Violated
    } else if summary.undetermined > 0 {
        Exit::Unknown
    } else {
        Exit::Ok
    })
}
