//! `keyaki events` (policy changes in CloudTrail) and `keyaki findings` (the lifecycle store).

use crate::error::{CliError, CliResult};
use keyaki::events::check::EventOutcome;
use keyaki::events::store::{Status, Store};
use keyaki::events::Settings;
use keyaki::report::Exit;
use keyaki::CheckOptions;
use serde_json::json;
use std::io::Write;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EventsFormat {
    Text,
    Json,
    Jsonl,
    Sarif,
}

#[derive(clap::Args, Debug)]
pub struct EventsArgs {
    /// CloudTrail files or directories (Records files, gzipped too, JSON arrays, JSONL,
    /// lookup-events output, EventBridge events); `-` reads stdin.
    #[arg(required = true)]
    pub paths: Vec<String>,
    /// A spec file; exactly one of --spec and --baseline (the rule the Lambda handler's
    /// KEYAKI_SPEC / KEYAKI_BASELINE follow too).
    #[arg(long)]
    pub spec: Option<String>,
    #[arg(long)]
    pub baseline: Option<String>,
    /// The findings state store (SQLite; created when missing).
    #[arg(long)]
    pub state: Option<String>,
    #[arg(long, value_enum, default_value_t = EventsFormat::Text)]
    pub format: EventsFormat,
    /// AWS managed policies as NAME.json files, for Attach*Policy records.
    #[arg(long)]
    pub managed_policies: Option<String>,
    #[arg(long, default_value_t = 1)]
    pub counterexamples: usize,
    #[arg(long, default_value_t = 10.0)]
    pub timeout: f64,
}

pub fn run_events(args: EventsArgs, out: &mut dyn Write) -> CliResult<Exit> {
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        return Err(CliError::Usage(format!(
            "--timeout must be a positive number of seconds, not {}",
            args.timeout
        )));
    }
    let settings = Settings {
        spec: args.spec.clone(),
        baseline: args.baseline.clone(),
        managed_policies: args.managed_policies.clone(),
        options: CheckOptions {
            counterexamples: args.counterexamples.max(1),
            timeout: Duration::from_secs_f64(args.timeout.min(86_400.0)),
            ..CheckOptions::default()
        },
    };
    let mut checker = settings.checker()?;
    let mut store = match &args.state {
        Some(path) => Some(Store::open(path, 256)?),
        None => None,
    };
    let mut kept: Vec<EventOutcome> = Vec::new();
    let format = args.format;
    let summary =
        keyaki::events::run(
            &args.paths,
            &mut checker,
            store.as_mut(),
            &mut |o| match format {
                EventsFormat::Jsonl => writeln!(out, "{}", o.jsonl()).map_err(|e| e.to_string()),
                EventsFormat::Text => {
                    writeln!(out, "{}", keyaki::events::output::text(o)).map_err(|e| e.to_string())
                }
                EventsFormat::Json | EventsFormat::Sarif => {
                    kept.push(o.clone());
                    Ok(())
                }
            },
        )?;
    let text = match format {
        EventsFormat::Json => Some(
            json!({"summary": summary, "events": kept.iter().map(EventOutcome::json).collect::<Vec<_>>()}),
        ),
        EventsFormat::Sarif => Some(keyaki::events::output::sarif(
            &kept,
            args.paths.first().map(String::as_str).unwrap_or("-"),
        )),
        _ => None,
    };
    if let Some(value) = text {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        )?;
    }
    if format == EventsFormat::Text {
        writeln!(
            out,
            "{} records, {} policy changes: {} pass, {} fail, {} unknown, {} alarm, {} attempt{}",
            summary.records,
            summary.recognized,
            summary.pass,
            summary.fail,
            summary.unknown,
            summary.alarm,
            summary.attempt,
            if args.state.is_some() {
                format!(
                    "; {} already recorded, {} findings resolved",
                    summary.already_recorded, summary.resolved
                )
            } else {
                String::new()
            }
        )?;
    }
    Ok(match summary.exit_code() {
        3 => Exit::Unknown,
        1 => Exit::Violated,
        _ => Exit::Ok,
    })
}

#[derive(clap::Subcommand, Debug)]
pub enum FindingsCommand {
    /// Findings in the store, oldest first (the re-notifier: run it from cron).
    List {
        #[arg(long)]
        state: String,
        /// active, resolved or archived.
        #[arg(long)]
        status: Option<String>,
        /// Only findings at least this old (7d, 12h, 30m), measured to --as-of or now.
        #[arg(long)]
        older_than: Option<String>,
        /// The time ages are measured to (RFC 3339); default: now.
        #[arg(long)]
        as_of: Option<String>,
        #[arg(long, value_enum, default_value_t = EventsFormat::Text)]
        format: EventsFormat,
    },
    /// Archive a finding: approved, no longer active.
    Archive {
        id: i64,
        #[arg(long)]
        state: String,
        #[arg(long)]
        reason: String,
    },
}

pub fn run_findings(command: FindingsCommand, out: &mut dyn Write) -> CliResult<Exit> {
    match command {
        FindingsCommand::List {
            state,
            status,
            older_than,
            as_of,
            format,
        } => {
            let status = status.as_deref().map(Status::parse).transpose()?;
            let now = match as_of {
                Some(t) => keyaki::events::time::parse_event_time(&t)
                    .ok_or(format!("--as-of {t:?}: not an RFC 3339 time"))?,
                None => std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_millis() as i64)
                    .unwrap_or(0),
            };
            let age = older_than
                .as_deref()
                .map(keyaki::events::time::parse_age)
                .transpose()?;
            let store = Store::open(&state, 1)?;
            let list = store.list(status, age.map(|a| (now, a)))?;
            for f in &list {
                let line = match format {
                    EventsFormat::Text => format!(
                        "{:>5} {:<8} {:<7} {} {} {} by {}",
                        f.id,
                        f.status.as_str(),
                        f.result,
                        f.event_time,
                        f.event_name,
                        f.resource,
                        f.actor
                    ),
                    _ => f.to_json().to_string(),
                };
                writeln!(out, "{line}")?;
            }
            Ok(if list.is_empty() {
                Exit::Ok
            } else {
                Exit::Violated
            })
        }
        FindingsCommand::Archive { id, state, reason } => {
            let mut store = Store::open(&state, 1)?;
            if !store.archive(id, &reason)? {
                return Err(CliError::Usage(format!("{state}: no finding {id}")));
            }
            writeln!(out, "archived finding {id}: {reason}")?;
            Ok(Exit::Ok)
        }
    }
}
