//! `keyaki eval --context`, `keyaki check-context`, `keyaki reach`: whole authorization.

use super::FormatArg;
use crate::error::{CliError, CliResult};
use keyaki::authz::check::{boundary_escape, outside_org_access, scp_removes_access};
use keyaki::authz::context::{load_context, load_organization, AuthzContext, NamedPolicy};
use keyaki::authz::decide::{check_request, decide};
use keyaki::authz::reach::{build, ReachGraph};
use keyaki::authz::render;
use keyaki::authz::snapshot::{load_snapshot, Snapshot};
use keyaki::authz::Proof;
use keyaki::report::Exit;
use keyaki::CheckOptions;
use serde_json::json;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

fn write(out: &mut dyn Write, text: &str) -> CliResult<()> {
    Ok(out.write_all(text.as_bytes())?)
}

fn context(path: &str) -> CliResult<AuthzContext> {
    Ok(load_context(Path::new(path))?)
}

fn options(timeout: f64) -> CliResult<CheckOptions> {
    if !(timeout.is_finite() && timeout > 0.0) {
        return Err(CliError::Usage(format!(
            "--timeout must be a positive number of seconds, not {timeout}"
        )));
    }
    Ok(CheckOptions {
        timeout: Duration::from_secs_f64(timeout.min(86_400.0)),
        counterexamples: 1,
        ..CheckOptions::default()
    })
}

/// `keyaki eval --context CTX --request REQ`.
pub fn run_eval(
    ctx_path: &str,
    request: Option<String>,
    json_format: bool,
    out: &mut dyn Write,
) -> CliResult<Exit> {
    let ctx = context(ctx_path)?;
    let request_path = request.ok_or("eval --context needs --request REQUEST.json")?;
    let bytes = super::read_input(&request_path)?;
    let json = keyaki::parse_json(&bytes, &request_path)?;
    let request = keyaki::request_from_json(&json, &request_path)?;
    if let Err(message) = check_request(&ctx, &request) {
        let span = json.get("principal").map(|p| p.span).unwrap_or(json.span);
        return Err(CliError::Usage(format!(
            "{request_path}: principal (line {}, column {}): {message}",
            span.line, span.col
        )));
    }
    let d = decide(&ctx, &request);
    match json_format {
        false => {
            let mut s = match &d.unknown {
                Some(reason) => {
                    format!("Unknown: {reason}\n  if no undocumented statement applies: ")
                }
                None => String::new(),
            };
            s += &format!(
                "{:?}: {}{}\n",
                d.decision,
                d.reason,
                if d.cross_account {
                    " (cross-account)"
                } else {
                    ""
                }
            );
            for x in &d.deciding {
                let level = x
                    .level
                    .as_deref()
                    .map(|l| format!(" at {l}"))
                    .unwrap_or_default();
                let policy = x
                    .policy
                    .as_deref()
                    .map(|p| format!(" {p}"))
                    .unwrap_or_default();
                let stmts: Vec<String> = x
                    .statements
                    .iter()
                    .map(|m| match &m.sid {
                        Some(sid) => format!("Statement[{}] \"{sid}\"", m.index),
                        None => format!("Statement[{}]", m.index),
                    })
                    .collect();
                s.push_str(&format!(
                    "  {}{level}{policy}{}\n",
                    x.layer.as_str(),
                    if stmts.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", stmts.join(", "))
                    }
                ));
            }
            write(out, &s)?;
        }
        true => write(
            out,
            &format!("{}\n", serde_json::to_string_pretty(&d).unwrap_or_default()),
        )?,
    }
    Ok(match d.unknown {
        Some(_) => Exit::Unknown,
        None => Exit::Ok,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReachFormat {
    Text,
    Json,
    Dot,
}

#[derive(clap::Args, Debug)]
pub struct ReachArgs {
    /// An `aws iam get-account-authorization-details` snapshot.
    #[arg(required_unless_present = "diff")]
    pub snapshot: Option<String>,
    /// Paths from this principal (ARN or name); default every user and outside principal.
    #[arg(long)]
    pub from: Option<String>,
    /// Target: a role or user ARN, or `admin` (the default).
    #[arg(long)]
    pub to: Option<String>,
    #[arg(long, value_enum, default_value_t = ReachFormat::Text)]
    pub format: ReachFormat,
    /// The organization (SCPs and RCPs per level), as the `organization` object of a context file.
    #[arg(long)]
    pub org: Option<String>,
    /// OLD NEW: list the paths NEW opens.
    #[arg(long, num_args = 2, value_names = ["OLD", "NEW"], conflicts_with = "snapshot")]
    pub diff: Option<Vec<String>>,
    /// Seconds per edge proof before it counts as undecided.
    #[arg(long, default_value_t = 10.0)]
    pub timeout: f64,
}

fn load(path: &str, org: Option<&str>) -> CliResult<Snapshot> {
    let mut snapshot = load_snapshot(Path::new(path))?;
    if let Some(org) = org {
        snapshot.organization = Some(load_organization(Path::new(org))?);
    }
    Ok(snapshot)
}

pub fn run_reach(args: ReachArgs, out: &mut dyn Write) -> CliResult<Exit> {
    let options = options(args.timeout)?;
    if let Some(pair) = &args.diff {
        let (old_path, new_path) = match pair.as_slice() {
            [a, b] => (a, b),
            _ => return Err("--diff needs OLD NEW".into()),
        };
        let old = load(old_path, args.org.as_deref())?;
        let new = load(new_path, args.org.as_deref())?;
        let (g_old, g_new) = (build(&old, &options), build(&new, &options));
        let opened = render::diff(&new, &g_old, &g_new);
        match args.format {
            ReachFormat::Json => write(
                out,
                &format!(
                    "{}\n",
                    serde_json::to_string_pretty(&render::diff_json(&opened)).unwrap_or_default()
                ),
            )?,
            ReachFormat::Dot => write(out, &render::dot(&g_new, &opened))?,
            ReachFormat::Text => {
                let r = render::report(&g_new, opened.clone());
                write(
                    out,
                    &format!(
                        "paths opened by {new_path}: {}\n{}",
                        opened.len(),
                        render::text(&r)
                    ),
                )?;
            }
        }
        return Ok(exit_for(&g_old, &g_new, &opened));
    }
    let path = args.snapshot.ok_or("reach needs a SNAPSHOT")?;
    let snapshot = load(&path, args.org.as_deref())?;
    let graph = build(&snapshot, &options);
    let paths = render::paths(&snapshot, &graph, args.from.as_deref(), args.to.as_deref())?;
    let exit = exit_for(&graph, &graph, &paths);
    match args.format {
        ReachFormat::Text => write(out, &render::text(&render::report(&graph, paths)))?,
        ReachFormat::Json => write(
            out,
            &format!(
                "{}\n",
                serde_json::to_string_pretty(&render::to_json(&render::report(&graph, paths)))
                    .unwrap_or_default()
            ),
        )?,
        ReachFormat::Dot => write(out, &render::dot(&graph, &paths))?,
    }
    Ok(exit)
}

/// 1 when a path exists (every one replayed), 3 when none was found but some edge is
/// undecided or a replay failed, else 0.
fn exit_for(a: &ReachGraph, b: &ReachGraph, paths: &[render::PathReport]) -> Exit {
    if paths.iter().any(|p| !p.replays()) {
        return Exit::Unknown;
    }
    if !paths.is_empty() {
        Exit::Violated
    } else if !a.undecided.is_empty() || !b.undecided.is_empty() {
        Exit::Unknown
    } else {
        Exit::Ok
    }
}

#[derive(clap::Args, Debug)]
pub struct CheckContextArgs {
    /// The authorization context (see encodings/authz-context.md).
    pub context: String,
    /// Does attaching this SCP remove any access the caller has today?
    #[arg(long, conflicts_with_all = ["outside_org", "boundary"])]
    pub new_scp: Option<String>,
    /// Where the new SCP is attached: a unit id or account id (default the caller's account).
    #[arg(long, requires = "new_scp")]
    pub level: Option<String>,
    /// Can anything outside the organization reach the context's resource?
    #[arg(long, conflicts_with = "boundary")]
    pub outside_org: bool,
    /// With --outside-org: also through the roles of this snapshot.
    #[arg(long, requires = "outside_org")]
    pub snapshot: Option<String>,
    /// Is every request the context allows inside the principal's permissions boundary?
    #[arg(long)]
    pub boundary: bool,
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    #[arg(long, default_value_t = 10.0)]
    pub timeout: f64,
}

pub fn run_check(args: CheckContextArgs, out: &mut dyn Write) -> CliResult<Exit> {
    let ctx = context(&args.context)?;
    let options = options(args.timeout)?;
    let json_out = args.format != FormatArg::Text;
    if args.outside_org {
        let snapshot = match &args.snapshot {
            Some(p) => {
                let mut s = load_snapshot(Path::new(p))?;
                s.organization = ctx.organization.clone();
                Some(s)
            }
            None => None,
        };
        let graph = snapshot.as_ref().map(|s| build(s, &options));
        let reach = snapshot.as_ref().zip(graph.as_ref());
        let result = outside_org_access(&ctx, reach, &options)?;
        let exit = if !result.entries.is_empty() {
            Exit::Violated
        } else if result.unknown.is_some() {
            Exit::Unknown
        } else {
            Exit::Ok
        };
        if json_out {
            write(
                out,
                &format!(
                    "{}\n",
                    serde_json::to_string_pretty(&result).unwrap_or_default()
                ),
            )?;
        } else {
            let mut s = match exit {
                Exit::Ok => {
                    "pass: proved that nothing outside the organization reaches the resource\n"
                        .to_string()
                }
                Exit::Violated => format!(
                    "fail: {} way(s) in from outside the organization\n",
                    result.entries.len()
                ),
                _ => "unknown\n".to_string(),
            };
            for e in &result.entries {
                s.push_str(&format!(
                    "  via {}: {}\n",
                    e.via.join(" -> "),
                    serde_json::to_string(&e.request).unwrap_or_default()
                ));
            }
            if let Some(u) = &result.unknown {
                s.push_str(&format!("  unknown: {u}\n"));
            }
            write(out, &s)?;
        }
        return Ok(exit);
    }
    let (question, proof) = if let Some(scp_path) = &args.new_scp {
        let bytes = super::read_input(scp_path)?;
        let policy = keyaki::parse_policy(&bytes, scp_path)?;
        let scp = NamedPolicy {
            name: scp_path.clone(),
            policy,
        };
        (
            "the new SCP removes no access the caller has today",
            scp_removes_access(&ctx, &scp, args.level.as_deref(), &options)?,
        )
    } else if args.boundary {
        (
            "every allowed request is inside the permissions boundary",
            boundary_escape(&ctx, &options)?,
        )
    } else {
        return Err("check-context needs one of --new-scp FILE, --outside-org, --boundary".into());
    };
    let (exit, value) = match &proof {
        Proof::Impossible => (Exit::Ok, json!({"result": "pass", "property": question})),
        Proof::Found(request, decisions) => (
            Exit::Violated,
            json!({"result": "fail", "property": question, "counterexample": request, "decisions": decisions}),
        ),
        Proof::Unknown(r) => (
            Exit::Unknown,
            json!({"result": "unknown", "property": question, "reason": r}),
        ),
    };
    if json_out {
        write(
            out,
            &format!(
                "{}\n",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            ),
        )?;
    } else {
        let mut s = format!("{}: {question}\n", value["result"].as_str().unwrap_or(""));
        if let Proof::Found(request, decisions) = &proof {
            s.push_str(&format!(
                "  counterexample: {}\n",
                serde_json::to_string(request).unwrap_or_default()
            ));
            for d in decisions {
                s.push_str(&format!("  replayed: {:?} ({})\n", d.decision, d.reason));
            }
        }
        if let Proof::Unknown(r) = &proof {
            s.push_str(&format!("  reason: {r}\n"));
        }
        write(out, &s)?;
    }
    Ok(exit)
}
