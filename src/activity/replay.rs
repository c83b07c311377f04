//! `keyaki replay`: which observed requests a proposed policy would deny. The break-check before
//! a tightening ships: every successful CloudTrail call becomes a request, decided by the
//! evaluator against the proposal.

use super::observed;
use crate::eval::{evaluate, Decision, PolicyType};
use crate::events::reader::{read_paths, ReadError};
use crate::model::Policy;
use serde_json::{json, Value};
use std::collections::HashMap;

/// Distinct denied requests listed in full; the rest are counted.
pub const MAX_LISTED: usize = 1000;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReplaySummary {
    pub records: usize,
    /// Failed calls (errorCode): no request was granted, nothing to replay.
    pub failed_calls: usize,
    /// Records without a caller the evaluator can use (e.g. anonymous).
    pub without_caller: usize,
    pub allowed: usize,
    pub denied: usize,
    /// Distinct denied requests: (request, how many times, first eventID).
    pub denied_requests: Vec<(Value, usize, String)>,
    pub unlisted_denied: usize,
}

impl ReplaySummary {
    pub fn to_json(&self) -> Value {
        json!({
            "records": self.records, "failed_calls": self.failed_calls, "without_caller": self.without_caller,
            "allowed": self.allowed, "denied": self.denied,
            "denied_requests": self.denied_requests.iter().map(|(r, n, id)| json!({"request": r, "count": n, "first_eventID": id})).collect::<Vec<_>>(),
            "unlisted_denied": self.unlisted_denied,
        })
    }
}

/// Replays every successful record under `paths` against `policy`.
pub fn replay(
    policy: &Policy,
    paths: &[String],
    policy_type: PolicyType,
) -> Result<ReplaySummary, ReadError> {
    let mut summary = ReplaySummary::default();
    let mut index: HashMap<(String, String, Option<String>), usize> = HashMap::new();
    read_paths(paths, &mut |record| {
        summary.records += 1;
        if record.get("errorCode").is_some_and(|e| !e.is_null()) {
            summary.failed_calls += 1;
            return Ok(());
        }
        let Some(o) = observed(&record) else {
            summary.without_caller += 1;
            return Ok(());
        };
        if evaluate(policy, &o.request, policy_type).decision == Decision::Allow {
            summary.allowed += 1;
            return Ok(());
        }
        summary.denied += 1;
        let key = (
            format!("{:?}", o.request.principal),
            o.request.action.clone(),
            o.request.resource.clone(),
        );
        match index.get(&key) {
            Some(&i) => {
                if let Some(entry) = summary.denied_requests.get_mut(i) {
                    entry.1 += 1;
                }
            }
            None if summary.denied_requests.len() < MAX_LISTED => {
                index.insert(key, summary.denied_requests.len());
                let request = serde_json::to_value(&o.request).unwrap_or(Value::Null);
                summary.denied_requests.push((request, 1, o.event_id));
            }
            None => summary.unlisted_denied += 1,
        }
        Ok(())
    })?;
    Ok(summary)
}
