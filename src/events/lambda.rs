//! The Lambda handler behind `keyaki-lambda`: EventBridge delivers one "AWS API Call via
//! CloudTrail" event; the handler returns the findings JSON. The spec (or baseline) comes from
//! the environment, so the function is configured, not rebuilt:
//! `KEYAKI_SPEC=/var/task/spec.json` or `KEYAKI_BASELINE=/var/task/baseline.json`, and
//! optionally `KEYAKI_MANAGED_POLICIES=/var/task/managed` for Attach*Policy.

use super::check::{Against, Checker, EventResult};
use super::managed::ManagedPolicies;
use super::reader::normalize;
use super::{RunError, ValueError};
use crate::explain::CheckOptions;
use serde_json::{json, Value};

pub struct Handler {
    checker: Checker,
}

impl Handler {
    pub fn new(checker: Checker) -> Handler {
        Handler { checker }
    }

    /// Reads the configuration from the environment (`KEYAKI_SPEC` / `KEYAKI_BASELINE`).
    pub fn from_env() -> crate::Result<Handler> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let against = match (var("KEYAKI_SPEC"), var("KEYAKI_BASELINE")) {
            (Some(spec), None) => Against::Spec(Box::new(crate::access::spec::load_spec(&spec)?)),
            (None, Some(path)) => {
                let policy = crate::load_policy(&path)?.policy;
                Against::Baseline {
                    label: path,
                    policy,
                }
            }
            (Some(_), Some(_)) => {
                return Err(crate::Error::usage(
                    "set KEYAKI_SPEC or KEYAKI_BASELINE, not both",
                ))
            }
            (None, None) => {
                return Err(crate::Error::usage(
                    "set KEYAKI_SPEC (a spec file) or KEYAKI_BASELINE (a policy file)",
                ))
            }
        };
        let managed = match var("KEYAKI_MANAGED_POLICIES") {
            Some(dir) => ManagedPolicies::from_dir(dir).map_err(RunError::from)?,
            None => ManagedPolicies::none(),
        };
        Ok(Handler::new(Checker::new(
            against,
            CheckOptions::default(),
            managed,
        )))
    }

    /// One delivered event (an EventBridge envelope, or a bare record or Records batch) to
    /// `{"result", "records", "results": [...]}`; `result` is the worst verdict
    /// (unknown > fail > alarm > attempt > pass), `"none"` when no record changed a policy.
    /// An event that holds no CloudTrail record is an error (never an empty "none").
    pub fn handle(&mut self, event: Value) -> crate::Result<Value> {
        let records = normalize(event)
            .map_err(|message| RunError::from(ValueError::new("the event", message)))?;
        let mut results = Vec::new();
        let mut worst: Option<EventResult> = None;
        for record in &records {
            if let Some(outcome) = self.checker.process(record) {
                worst = Some(match worst {
                    Some(w) if severity(w) >= severity(outcome.result) => w,
                    _ => outcome.result,
                });
                results.push(outcome.json());
            }
        }
        Ok(json!({
            "result": worst.map(EventResult::as_str).unwrap_or("none"),
            "records": records.len(),
            "results": results,
        }))
    }
}

/// Which verdict dominates a batch: what needs a human first.
pub fn severity(result: EventResult) -> u8 {
    match result {
        EventResult::Pass => 0,
        EventResult::Attempt => 1,
        EventResult::Alarm => 2,
        EventResult::Fail => 3,
        EventResult::Unknown => 4,
    }
}
