//! `keyaki eval` of one policy: one request, or a batch of (policy, request) lines. A decision
//! that depends on a value AWS leaves undocumented is `Unknown` (exit 3) with its reason.

use crate::error::CliResult;
use crate::{load_policy, read_input, resolve_type, EvalFormat, PolicyTypeArg};
use keyaki::report::{EvaluationJson, Exit};
use keyaki::{evaluate, Evaluation};
use serde_json::{json, Value};
use std::io::Write;

/// One policy and one request file.
pub fn run_single(
    policy_path: &str,
    request_path: &str,
    policy_type: Option<PolicyTypeArg>,
    format: EvalFormat,
    universe: keyaki::ResourceUniverse,
    out: &mut dyn Write,
) -> CliResult<Exit> {
    let policy = load_policy(policy_path)?;
    let request_bytes = read_input(request_path)?;
    let request = keyaki::parse_request_in(&request_bytes, request_path, universe)?;
    let ty = resolve_type(policy_type, &[&policy.policy]);
    let evaluation = evaluate(&policy.policy, &request, ty);
    match format {
        EvalFormat::Json => writeln!(
            out,
            "{}",
            serde_json::to_string(&evaluation_json(&evaluation)).unwrap_or_default()
        )?,
        EvalFormat::Text => writeln!(out, "{}", evaluation_text(&evaluation))?,
    }
    Ok(exit_of(&evaluation))
}

fn exit_of(evaluation: &Evaluation) -> Exit {
    match evaluation.unknown() {
        Some(_) => Exit::Unknown,
        None => Exit::Ok,
    }
}

fn evaluation_text(evaluation: &Evaluation) -> String {
    if let Some(reason) = evaluation.unknown() {
        return format!("Unknown: {reason}");
    }
    let statements: Vec<String> = evaluation
        .statements
        .iter()
        .map(|s| match &s.sid {
            Some(sid) => format!("Statement[{}] \"{sid}\" ({})", s.index, s.effect),
            None => format!("Statement[{}] ({})", s.index, s.effect),
        })
        .collect();
    format!(
        "{:?}{}",
        evaluation.decision,
        if statements.is_empty() {
            String::new()
        } else {
            format!(": {}", statements.join(", "))
        }
    )
}

/// The decision and its statements; a decision that depends on undocumented statements is
/// `"Unknown"`, with the decisions it could be, those statements and the reason.
fn evaluation_json(evaluation: &Evaluation) -> Value {
    let mut value = serde_json::to_value(EvaluationJson::from(evaluation)).unwrap_or_default();
    if let (Some(reason), Some(fields)) = (evaluation.unknown(), value.as_object_mut()) {
        fields.insert("decision".into(), "Unknown".into());
        fields.insert("possible".into(), json!(evaluation.possible_decisions()));
        fields.insert("undetermined".into(), json!(evaluation.undetermined));
        fields.insert("unknown".into(), reason.into());
    }
    value
}

/// One JSON output line per input line; a bad line yields `{"error": ...}` and the batch goes on.
/// Exits 2 when any line was bad, else 3 when any decision was unknown (after deciding all).
pub fn run_batch(
    path: &str,
    universe: keyaki::ResourceUniverse,
    out: &mut dyn Write,
) -> CliResult<Exit> {
    let (mut bad_lines, mut unknown) = (0usize, 0usize);
    for line in keyaki::open_lines(path)? {
        let result = line
            .map_err(|e| e.to_string())
            .and_then(|(n, line)| eval_line(&line, &format!("{path}:{n}"), universe));
        let value = match result {
            Ok(evaluation) => {
                unknown += usize::from(evaluation.unknown().is_some());
                evaluation_json(&evaluation)
            }
            Err(e) => {
                bad_lines += 1;
                json!({"error": e})
            }
        };
        writeln!(out, "{}", serde_json::to_string(&value).unwrap_or_default())?;
    }
    if bad_lines > 0 {
        eprintln!("error: {path}: {bad_lines} bad line(s); each is reported as {{\"error\": ...}}");
        return Ok(Exit::BadInput);
    }
    if unknown > 0 {
        eprintln!("unknown: {path}: {unknown} decision(s) depend on values AWS leaves undocumented; each is reported as \"decision\": \"Unknown\"");
        return Ok(Exit::Unknown);
    }
    Ok(Exit::Ok)
}

fn eval_line(
    line: &[u8],
    label: &str,
    universe: keyaki::ResourceUniverse,
) -> Result<Evaluation, String> {
    let json = keyaki::parse_json(line, label).map_err(|e| e.to_string())?;
    let policy_json = json
        .get("policy")
        .ok_or_else(|| format!("{label}: missing \"policy\""))?;
    let request_json = json
        .get("request")
        .ok_or_else(|| format!("{label}: missing \"request\""))?;
    let policy = keyaki::policy_from_json(policy_json, label).map_err(|e| e.to_string())?;
    let request = keyaki::request_from_json(request_json, label).map_err(|e| e.to_string())?;
    keyaki::admits(universe, &request).map_err(|e| format!("{label}: {e}"))?;
    let ty = match json.get("policy_type").and_then(|t| t.as_str()) {
        Some("identity") => Some(PolicyTypeArg::Identity),
        Some("resource") => Some(PolicyTypeArg::Resource),
        Some(other) => {
            return Err(format!(
                "{label}: policy_type must be \"identity\" or \"resource\", not {other:?}"
            ))
        }
        None => None,
    };
    Ok(evaluate(&policy, &request, resolve_type(ty, &[&policy])))
}
