//! Reports of the native commands over a template or plan: each policy's own report (the same
//! text, JSON and SARIF as for a policy file), named by origin and property path, with the
//! values each counterexample needs; then the counts. The exit is the worst across policies.

use crate::error::CliResult;
use crate::sources::worst;
use crate::templates::{Outcome, PolicyResult};
use keyaki::report::{self, Code, Exit, Format, PolicyFile};
use keyaki::template::analysis::{needs, values_in};
use keyaki::template::UnknownValue;
use keyaki::Request;
use serde_json::{json, Map, Value};
use std::fmt::Write as _;
use std::io::Write;

/// What the report says around the per-policy results.
pub struct Rendering<'a> {
    pub format: Format,
    /// The first text line: `stack.yaml (cloudformation-yaml): 3 policies`.
    pub header: String,
    /// The JSON fields naming the inputs (`file` and `format`, or `old` and `new`).
    pub head: Map<String, Value>,
    /// `check`: the baseline, named in each verdict.
    pub baseline: Option<&'a PolicyFile>,
    /// Findings commands: the question, named in each verdict.
    pub question: &'a str,
    /// Resources left out on purpose, with why.
    pub notes: Vec<String>,
}

pub fn render(
    results: &[PolicyResult],
    rendering: &Rendering,
    out: &mut dyn Write,
) -> CliResult<Exit> {
    let exit = worst(results.iter().map(|r| r.exit));
    let text = match rendering.format {
        Format::Text => text(results, rendering),
        Format::Json => pretty(&to_json(results, rendering, exit)),
        Format::Sarif => pretty(&sarif(results)),
    };
    write!(out, "{text}")?;
    Ok(exit)
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

fn verdict_of(exit: Exit) -> &'static str {
    match exit {
        Exit::Ok => "pass",
        Exit::Violated => "fail",
        Exit::Unknown => "unknown",
        Exit::BadInput => "invalid",
    }
}

fn labelled(file: &PolicyFile, label: &str) -> PolicyFile {
    PolicyFile {
        path: label.to_string(),
        policy: file.policy.clone(),
    }
}

/// `  [2] needs: if Fn::ImportValue Bucket is `arn:aws:s3:::x`` for each example that needs one.
fn needs_lines(prefix: &str, requests: &[&Request], unknowns: &[UnknownValue]) -> String {
    let mut out = String::new();
    for (i, request) in requests.iter().enumerate() {
        if let Some(needs) = needs(request, unknowns) {
            let _ = writeln!(out, "  {prefix}[{}] needs: {needs}", i + 1);
        }
    }
    out
}

fn text(results: &[PolicyResult], rendering: &Rendering) -> String {
    let mut out = format!("{}\n", rendering.header);
    for result in results {
        out.push('\n');
        let label = &result.label;
        let unknowns = &result.unknowns;
        match &result.outcome {
            Outcome::Check(report) => {
                if let (Some(file), Some(baseline)) = (&result.file, rendering.baseline) {
                    out.push_str(&report::check_text(
                        report,
                        &labelled(file, label),
                        baseline,
                    ));
                }
                let requests: Vec<&Request> =
                    report.counterexamples.iter().map(|c| &c.request).collect();
                out.push_str(&needs_lines("", &requests, unknowns));
            }
            Outcome::Findings(report) => {
                out.push_str(&report.text(label, rendering.question));
                let requests: Vec<&Request> = report.findings.iter().map(|f| &f.request).collect();
                out.push_str(&needs_lines("", &requests, unknowns));
            }
            Outcome::Diff {
                diff,
                old,
                new,
                change,
            } => {
                let name = &result.subject.name;
                let (old_label, new_label) = match change {
                    crate::templates::Change::Added => (
                        format!("{}: {name} (absent)", old.path),
                        format!("{}: {name} (added)", new.path),
                    ),
                    crate::templates::Change::Removed => (
                        format!("{}: {name} (removed)", old.path),
                        format!("{}: {name} (absent)", new.path),
                    ),
                    crate::templates::Change::Paired => (
                        format!("{}: {name}", old.path),
                        format!("{}: {name}", new.path),
                    ),
                };
                out.push_str(&diff.text(&labelled(old, &old_label), &labelled(new, &new_label)));
                let widened: Vec<&Request> = diff.widened.iter().map(|c| &c.request).collect();
                let narrowed: Vec<&Request> = diff.narrowed.iter().map(|c| &c.request).collect();
                out.push_str(&needs_lines("widened ", &widened, unknowns));
                out.push_str(&needs_lines("narrowed ", &narrowed, unknowns));
            }
            Outcome::Unknown(reason) => {
                let _ = writeln!(
                    out,
                    "unknown: {label} (line {}): {reason}",
                    result.subject.line
                );
            }
            Outcome::Invalid(reason) => {
                let _ = writeln!(
                    out,
                    "invalid: {label} ({}, line {}): {reason}",
                    result.subject.resource_type, result.subject.line
                );
            }
            Outcome::NotApplicable(reason) => {
                let _ = writeln!(out, "not applicable: {label}: {reason}");
            }
        }
    }
    for note in &rendering.notes {
        let _ = writeln!(out, "note: {note}");
    }
    let count = |verdict: &str| results.iter().filter(|r| r.verdict() == verdict).count();
    let _ = writeln!(
        out,
        "\n{} polic{}: {} pass, {} fail, {} unknown, {} invalid{}",
        results.len(),
        if results.len() == 1 { "y" } else { "ies" },
        count("pass"),
        count("fail"),
        count("unknown"),
        count("invalid"),
        match count("not-applicable") {
            0 => String::new(),
            n => format!(", {n} not applicable"),
        }
    );
    out
}

/// The value each unknown takes in `request`, and the sentence saying so.
fn with_needs(mut value: Value, request: &Request, unknowns: &[UnknownValue]) -> Value {
    if unknowns.is_empty() {
        return value;
    }
    let values: Map<String, Value> = values_in(request, unknowns)
        .into_iter()
        .filter_map(|(u, v)| v.map(|v| (u.source, Value::String(v))))
        .collect();
    if let Value::Object(map) = &mut value {
        map.insert("unknown_values".into(), Value::Object(values));
        if let Some(needs) = needs(request, unknowns) {
            map.insert("needs".into(), Value::String(needs));
        }
    }
    value
}

/// Adds `needs` to each item of `value[key]`, zipped with its request.
fn annotate(value: &mut Value, key: &str, requests: &[&Request], unknowns: &[UnknownValue]) {
    if let Some(items) = value.get_mut(key).and_then(Value::as_array_mut) {
        for (item, request) in items.iter_mut().zip(requests) {
            *item = with_needs(std::mem::take(item), request, unknowns);
        }
    }
}

fn policy_json(result: &PolicyResult) -> Value {
    let subject = &result.subject;
    let mut object = json!({
        "origin": subject.origin,
        "path": subject.path,
        "name": subject.name,
        "resource_type": subject.resource_type,
        "policy_type": subject.kind.map(|k| k.as_str()),
        "line": subject.line,
        "column": subject.column,
        "assumed_conditions": result.assumed_conditions,
        "unknown_values": result.unknowns.iter().map(UnknownValue::to_json).collect::<Vec<_>>(),
        "result": result.verdict(),
    });
    let unknowns = &result.unknowns;
    let (mut report, key_requests): (Value, Vec<(&str, Vec<&Request>)>) = match &result.outcome {
        Outcome::Check(r) => (
            r.to_json(),
            vec![(
                "counterexamples",
                r.counterexamples.iter().map(|c| &c.request).collect(),
            )],
        ),
        Outcome::Findings(r) => (
            r.to_json(),
            vec![("findings", r.findings.iter().map(|f| &f.request).collect())],
        ),
        Outcome::Diff { diff, change, .. } => {
            let mut value = diff.to_json();
            value["change"] = change.as_str().into();
            (
                value,
                vec![
                    ("widened", diff.widened.iter().map(|c| &c.request).collect()),
                    (
                        "narrowed",
                        diff.narrowed.iter().map(|c| &c.request).collect(),
                    ),
                ],
            )
        }
        Outcome::Unknown(reason) | Outcome::Invalid(reason) | Outcome::NotApplicable(reason) => {
            (json!({"reason": reason}), vec![])
        }
    };
    for (key, requests) in &key_requests {
        annotate(&mut report, key, requests, unknowns);
    }
    if let (Value::Object(object), Value::Object(report)) = (&mut object, report) {
        for (k, v) in report {
            // The policy's verdict stays the one counted in the summary.
            if k != "result" {
                object.insert(k, v);
            }
        }
    }
    object
}

fn to_json(results: &[PolicyResult], rendering: &Rendering, exit: Exit) -> Value {
    let count = |verdict: &str| results.iter().filter(|r| r.verdict() == verdict).count();
    let mut value = Value::Object(rendering.head.clone());
    value["result"] = verdict_of(exit).into();
    value["summary"] = json!({
        "total": results.len(),
        "pass": count("pass"),
        "fail": count("fail"),
        "unknown": count("unknown"),
        "invalid": count("invalid"),
        "not_applicable": count("not-applicable"),
    });
    value["policies"] = results.iter().map(policy_json).collect();
    value["notes"] = json!(rendering.notes);
    value
}

/// The rule of a policy the template holds but that could not be read.
const INVALID_RULE: &str = "invalid-template-policy";

/// One SARIF run: each policy's results, named by origin and located in the template.
fn sarif(results: &[PolicyResult]) -> Value {
    let mut rules = std::collections::BTreeMap::new();
    let mut merged = Vec::new();
    for result in results {
        let unknowns = &result.unknowns;
        let (run, requests): (Value, Vec<&Request>) = match (&result.outcome, &result.file) {
            (Outcome::Check(report), Some(file)) => (
                report::check_sarif(report, file, Code::NewAccess),
                report.counterexamples.iter().map(|c| &c.request).collect(),
            ),
            (Outcome::Findings(report), Some(file)) => (report.sarif(file), report.findings.iter().map(|f| &f.request).collect()),
            (Outcome::Diff { diff, old, new, .. }, _) => (
                diff.sarif(old, new),
                diff.widened.iter().chain(&diff.narrowed).map(|c| &c.request).collect(),
            ),
            (Outcome::Unknown(reason), _) => (located(result, Code::Undecided.as_str(), Code::Undecided.description(), reason), vec![]),
            (Outcome::Invalid(reason), _) => (
                located(result, INVALID_RULE, "A policy in the template or plan could not be read (an unresolvable element or an invalid document): bad input, exit 2.", reason),
                vec![],
            ),
            _ => continue,
        };
        let first = merged.len();
        merge_run(&run, &mut rules, &mut merged);
        for (i, item) in merged[first..].iter_mut().enumerate() {
            name_result(
                item,
                result,
                requests.get(i).and_then(|r| needs(r, unknowns)),
            );
        }
    }
    let mut log = report::sarif(&[]);
    log["runs"][0]["tool"]["driver"]["rules"] = Value::Array(rules.into_values().collect());
    log["runs"][0]["results"] = Value::Array(merged);
    log
}

/// A one-result run at the policy's place in the template.
fn located(result: &PolicyResult, rule: &str, description: &str, reason: &str) -> Value {
    let file = &result.source;
    let mut log = report::sarif(&[]);
    log["runs"][0]["tool"]["driver"]["rules"] = json!([{"id": rule, "shortDescription": {"text": description}, "defaultConfiguration": {"level": "error"}}]);
    log["runs"][0]["results"] = json!([{
        "ruleId": rule,
        "level": "error",
        "message": {"text": reason},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": file},
            "region": {"startLine": result.subject.line, "startColumn": result.subject.column},
        }, "logicalLocations": [{"fullyQualifiedName": format!("{}.{}", result.subject.origin, result.subject.path)}]}],
    }]);
    log
}

/// Prefixes the message with the policy's name, qualifies the logical location with origin and
/// path, and adds the values the example needs.
fn name_result(item: &mut Value, result: &PolicyResult, needs: Option<String>) {
    let subject = &result.subject;
    if let Some(text) = item["message"]["text"].as_str() {
        let mut text = format!("{}: {text}", subject.name);
        if let Some(needs) = &needs {
            text.push_str(&format!(" ({needs})"));
        }
        item["message"]["text"] = Value::String(text);
    }
    if let Some(needs) = needs {
        if item["properties"].is_object() {
            item["properties"]["needs"] = Value::String(needs);
        }
    }
    for location in item["locations"].as_array_mut().into_iter().flatten() {
        let logical = location
            .get_mut("logicalLocations")
            .and_then(Value::as_array_mut);
        for logical in logical.into_iter().flatten() {
            if let Some(inner) = logical["fullyQualifiedName"].as_str() {
                logical["fullyQualifiedName"] =
                    Value::String(format!("{}.{}.{inner}", subject.origin, subject.path));
            }
        }
    }
}

/// Adds one SARIF run's rules (deduplicated by id) and results to a merged run's.
pub fn merge_run(
    one: &Value,
    rules: &mut std::collections::BTreeMap<String, Value>,
    results: &mut Vec<Value>,
) {
    let run = &one["runs"][0];
    for rule in run["tool"]["driver"]["rules"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if let Some(id) = rule["id"].as_str() {
            rules.insert(id.to_string(), rule.clone());
        }
    }
    results.extend(run["results"].as_array().into_iter().flatten().cloned());
}
