//! The Lambda handler behind `keyaki-lambda`: EventBridge delivers one "AWS API Call via
//! CloudTrail" event; the handler returns the findings JSON. The spec (or baseline) comes from
//! the environment, so the function is configured, not rebuilt:
//! `KEYAKI_SPEC=/var/task/spec.json` or `KEYAKI_BASELINE=/var/task/baseline.json`, and
//! optionally `KEYAKI_MANAGED_POLICIES=/var/task/managed` for Attach*Policy.

use super::check::{Checker, EventResult};
use super::reader::normalize;
use super::{RunError, Settings, ValueError};
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

    /// Reads the configuration from the environment (`KEYAKI_SPEC` / `KEYAKI_BASELINE`,
    /// `KEYAKI_MANAGED_POLICIES`) by the rule `keyaki events` follows ([`Settings`]).
    pub fn from_env() -> crate::Result<Handler> {
        Ok(Handler::new(
            Settings::from_vars(|name| std::env::var(name).ok()).checker()?,
        ))
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
