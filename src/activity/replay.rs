//! `keyaki replay`: which observed requests a proposed policy would deny. The break-check before
//! a tightening ships: every successful CloudTrail call becomes a request, decided by the
//! evaluator against the proposal.

use super::observed;
use crate::eval::{evaluate, Decision, PolicyType};
use crate::events::reader::{read_paths_projected, ReadError};
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
    /// Requests whose decision depends on a value AWS leaves undocumented (neither allowed nor
    /// denied), and the first one's reason.
    pub undetermined: usize,
    pub undetermined_reason: Option<String>,
}

impl ReplaySummary {
    pub fn to_json(&self) -> Value {
        let mut value = json!({
            "records": self.records, "failed_calls": self.failed_calls, "without_caller": self.without_caller,
            "allowed": self.allowed, "denied": self.denied,
            "denied_requests": self.denied_requests.iter().map(|(r, n, id)| json!({"request": r, "count": n, "first_eventID": id})).collect::<Vec<_>>(),
            "unlisted_denied": self.unlisted_denied,
        });
        if let (Some(reason), Some(fields)) = (&self.undetermined_reason, value.as_object_mut()) {
            fields.insert("undetermined".into(), self.undetermined.into());
            fields.insert("unknown".into(), reason.clone().into());
        }
        value
    }
}

/// What one record came to.
enum Replayed {
    Failed,
    NoCaller,
    Allowed,
    Denied(Box<super::Observed>),
    Undetermined(String),
}

fn replay_one(policy: &Policy, record: &Value, policy_type: PolicyType) -> Replayed {
    if record.get("errorCode").is_some_and(|e| !e.is_null()) {
        return Replayed::Failed;
    }
    let Some(o) = observed(record) else {
        return Replayed::NoCaller;
    };
    let evaluation = evaluate(policy, &o.request, policy_type);
    match evaluation.unknown() {
        Some(reason) => Replayed::Undetermined(reason),
        None if evaluation.decision == Decision::Allow => Replayed::Allowed,
        None => Replayed::Denied(Box::new(o)),
    }
}

/// Record keys a request is not built from: skipped while parsing.
const UNUSED_KEYS: &[&str] = &[
    "responseElements",
    "additionalEventData",
    "userAgent",
    "tlsDetails",
    "requestID",
    "eventType",
    "eventVersion",
    "readOnly",
    "managementEvent",
    "eventCategory",
    "sessionCredentialFromConsole",
    "apiVersion",
    "vpcEndpointId",
    "serviceEventDetails",
    "sharedEventID",
    "recipientAccountId",
    "awsRegion",
];

/// Records per batch handed from the reading thread to the evaluating ones.
const BATCH: usize = 2048;

/// Replays every successful record under `paths` against `policy`. One thread reads and parses
/// (in stream order), the rayon pool decides each batch; results are folded in stream order.
pub fn replay(
    policy: &Policy,
    paths: &[String],
    policy_type: PolicyType,
) -> Result<ReplaySummary, ReadError> {
    let mut summary = ReplaySummary::default();
    let mut index: HashMap<(String, String, Option<String>), usize> = HashMap::new();
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<Value>>(4);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let mut batch = Vec::with_capacity(BATCH);
            let result = read_paths_projected(paths, UNUSED_KEYS, &mut |record| {
                batch.push(record);
                if batch.len() >= BATCH {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    sender.send(full).map_err(|e| e.to_string())?;
                }
                Ok(())
            });
            if !batch.is_empty() {
                let _ = sender.send(batch);
            }
            result
        });
        for batch in receiver {
            use rayon::prelude::*;
            // Consumed on the pool: the records are also freed there, not on this thread.
            let results: Vec<Replayed> = batch
                .into_par_iter()
                .map(|r| replay_one(policy, &r, policy_type))
                .collect();
            for result in results {
                summary.records += 1;
                match result {
                    Replayed::Failed => summary.failed_calls += 1,
                    Replayed::NoCaller => summary.without_caller += 1,
                    Replayed::Allowed => summary.allowed += 1,
                    Replayed::Undetermined(reason) => {
                        summary.undetermined += 1;
                        summary.undetermined_reason.get_or_insert(reason);
                    }
                    Replayed::Denied(o) => {
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
                                let request =
                                    serde_json::to_value(&o.request).unwrap_or(Value::Null);
                                summary.denied_requests.push((request, 1, o.event_id));
                            }
                            None => summary.unlisted_denied += 1,
                        }
                    }
                }
            }
        }
        match reader.join() {
            Ok(result) => result.map(|_| ()),
            Err(_) => Err(ReadError {
                file: paths.join(", "),
                message: "the reading thread stopped".into(),
            }),
        }
    })?;
    Ok(summary)
}
