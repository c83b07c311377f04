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

/// ```
/// use keyaki::events::{lambda::Handler, managed::ManagedPolicies, Against, Checker};
/// use serde_json::json;
///
/// let spec = keyaki::parse_spec(br#"{"name": "zone", "trust_zone": ["account:111122223333"]}"#,
///     "spec.json")?;
/// let checker = Checker::new(Against::Spec(Box::new(spec)), Default::default(),
///     ManagedPolicies::none());
/// let mut handler = Handler::new(checker);
///
/// // A bucket policy opened to everyone, as CloudTrail records it.
/// let record = json!({"eventVersion": "1.08", "eventID": "1", "eventTime": "2024-01-01T00:00:00Z",
///     "eventSource": "s3.amazonaws.com", "eventName": "PutBucketPolicy", "awsRegion": "us-east-1",
///     "recipientAccountId": "111122223333",
///     "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice"},
///     "requestParameters": {"bucketName": "b", "bucketPolicy": {"Version": "2012-10-17",
///         "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
///                        "Resource": "arn:aws:s3:::b/*"}]}},
///     "responseElements": null});
/// let answer = handler.handle(json!({"detail-type": "AWS API Call via CloudTrail", "detail": record}))?;
/// assert_eq!(answer["result"], "fail");
///
/// // A value that holds no CloudTrail record is an error, never an empty "none".
/// assert!(handler.handle(json!([1])).is_err());
/// # Ok::<(), keyaki::Error>(())
/// ```
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
