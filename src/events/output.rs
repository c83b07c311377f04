//! Renderings of event outcomes: a text line per record and SARIF for code-scanning UIs.

use super::check::{EventOutcome, EventResult};
use serde_json::{json, Value};

/// One or a few lines per record: verdict, when, what, who, why, and the first finding's request.
pub fn text(outcome: &EventOutcome) -> String {
    let c = &outcome.change;
    let mut line = format!(
        "{:<7} {} {} {} ({}) by {}",
        outcome.result.as_str(),
        c.event_time,
        c.event_name,
        c.resource,
        c.slot,
        c.actor
    );
    if let Some(reason) = &outcome.reason {
        line.push_str(&format!("\n        {reason}"));
    }
    for f in outcome.findings.iter().take(3) {
        if let Some(request) = f.get("request") {
            let kind = f.get("kind").and_then(Value::as_str).unwrap_or("allowed");
            line.push_str(&format!("\n        {kind}: {request}"));
        }
    }
    if let Some(w) = &outcome.widened {
        let result = w.get("result").and_then(Value::as_str).unwrap_or("");
        let previous = w
            .get("previous_eventID")
            .and_then(Value::as_str)
            .unwrap_or("");
        line.push_str(&format!("\n        against {previous}: {result}"));
        if let Some(first) = w
            .get("requests")
            .and_then(Value::as_array)
            .and_then(|r| r.first())
        {
            line.push_str(&format!(", e.g. {}", first["request"]));
        }
    }
    if outcome.result == EventResult::Fail {
        match &outcome.last_compliant {
            Some(policy) => line.push_str(&format!("\n        last compliant version: {policy}")),
            None => line.push_str("\n        no compliant earlier version in the stream"),
        }
    }
    line
}

/// SARIF 2.1.0: one result per failing, alarming or undecided record; the resource is the
/// logical location, the input the physical one.
pub fn sarif(outcomes: &[EventOutcome], input: &str) -> Value {
    let rule = |r: EventResult| match r {
        EventResult::Fail => Some((
            "keyaki-event-violation",
            "error",
            "A policy change violates the spec or baseline",
        )),
        EventResult::Alarm => Some((
            "keyaki-event-alarm",
            "warning",
            "A change with no policy to check (CORS, public-access block, public ACL)",
        )),
        EventResult::Unknown => Some((
            "keyaki-event-unknown",
            "warning",
            "A policy change Keyaki could not decide",
        )),
        _ => None,
    };
    let mut rules = Vec::new();
    let mut results = Vec::new();
    for o in outcomes {
        let Some((id, level, description)) = rule(o.result) else {
            continue;
        };
        if !rules.iter().any(|r: &Value| r["id"] == id) {
            rules.push(json!({"id": id, "shortDescription": {"text": description}, "defaultConfiguration": {"level": level}}));
        }
        let message = format!(
            "{} {} on {}: {}",
            o.change.event_name,
            o.result.as_str(),
            o.change.resource,
            o.reason
                .clone()
                .unwrap_or_else(|| format!("{} finding(s)", o.findings.len()))
        );
        results.push(json!({
            "ruleId": id, "level": level, "message": {"text": message},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": input}},
                           "logicalLocations": [{"fullyQualifiedName": o.change.resource, "kind": "resource"}]}],
            "properties": o.json(),
        }));
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "keyaki", "version": env!("CARGO_PKG_VERSION"), "rules": rules}}, "results": results}],
    })
}
