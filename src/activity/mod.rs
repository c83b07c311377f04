//! Least privilege from activity: what a policy grants that was not used ([`unused`]), a
//! narrower policy with proofs ([`tighten`]), and which observed requests a proposed policy
//! would deny ([`replay`]).
//!
//! Activity comes from CloudTrail records (each successful call is a concrete request) or from
//! IAM Access Advisor (`get-service-last-accessed-details`: last use per service, and per action
//! for the services IAM tracks at action level).

pub mod lastaccessed;
pub mod replay;
pub mod tighten;
pub mod unused;

pub use lastaccessed::ReportError;

use crate::catalog::catalog;
use crate::request::{Principal, Request};
use serde_json::Value;

/// One successful call seen in CloudTrail, as the request the evaluator decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    pub request: Request,
    /// `eventTime` in milliseconds (None when it does not parse).
    pub time: Option<i64>,
    pub event_id: String,
}

/// The IAM action a CloudTrail record is for: `eventSource` prefix + `eventName`, with Lambda's
/// API-version suffixes dropped and the few renamed services and calls mapped; the catalog's
/// casing when it knows the action.
pub fn action_of(record: &Value) -> Option<String> {
    let source = record.get("eventSource")?.as_str()?;
    let name = record.get("eventName")?.as_str()?;
    let service = source.strip_suffix(".amazonaws.com").unwrap_or(source);
    let service = match service {
        "monitoring" => "cloudwatch",
        "email" => "ses",
        "signin" => "signin",
        other => other,
    };
    let name = strip_version_suffix(name);
    let name = match (service, name) {
        ("s3", "ListBuckets") => "ListAllMyBuckets",
        (_, n) => n,
    };
    let full = format!("{service}:{name}");
    Some(
        catalog()
            .action(&full)
            .map(|a| a.full_name.clone())
            .unwrap_or(full),
    )
}

/// `AddPermission20150331v2` → `AddPermission` (Lambda logs API versions in event names).
fn strip_version_suffix(name: &str) -> &str {
    let bytes = name.as_bytes();
    let mut end = bytes.len();
    if let Some(v) = name.rfind('v') {
        if v + 1 < end && bytes[v + 1..].iter().all(u8::is_ascii_digit) {
            end = v;
        }
    }
    let digits = bytes[..end]
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 8 && end > 8 {
        &name[..end - 8]
    } else {
        name
    }
}

/// The request a successful record made; `None` for failed calls and records without a caller.
pub fn observed(record: &Value) -> Option<Observed> {
    if record.get("errorCode").is_some_and(|e| !e.is_null()) {
        return None;
    }
    let action = action_of(record)?;
    let caller = ["arn", "sessionContext.sessionIssuer.arn"]
        .iter()
        .find_map(|p| {
            p.split('.')
                .try_fold(record.get("userIdentity")?, |v, k| v.get(k))
                .and_then(Value::as_str)
        })
        .filter(|s| !s.is_empty());
    let principal = match caller {
        Some(arn) => Principal::Aws(arn.to_string()),
        None => match record.pointer("/userIdentity/type").and_then(Value::as_str) {
            Some("AWSService") => Principal::Service(
                record
                    .pointer("/userIdentity/invokedBy")
                    .and_then(Value::as_str)?
                    .to_string(),
            ),
            Some("AWSAccount") => Principal::Aws(format!(
                "arn:aws:iam::{}:root",
                record
                    .pointer("/userIdentity/accountId")
                    .and_then(Value::as_str)?
            )),
            _ => return None,
        },
    };
    let mut request = Request::new(principal, &action, resource_of(record).as_deref());
    if let Some(ip) = record.get("sourceIPAddress").and_then(Value::as_str) {
        if ip.parse::<std::net::IpAddr>().is_ok() {
            request.set_context("aws:SourceIp", vec![ip.to_string()], false);
        }
    }
    let time_text = record
        .get("eventTime")
        .and_then(Value::as_str)
        .unwrap_or("");
    let time = crate::events::time::parse_event_time(time_text);
    if let Some(t) = time {
        request.set_context(
            "aws:CurrentTime",
            vec![crate::events::time::format_millis(t)],
            false,
        );
    }
    Some(Observed {
        request,
        time,
        event_id: record
            .get("eventID")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
    })
}

/// The resource ARN of a record: the first of `resources[]`, else an S3 bucket/object from the
/// request parameters; `None` when the record names none.
fn resource_of(record: &Value) -> Option<String> {
    if let Some(arn) = record
        .get("resources")
        .and_then(Value::as_array)
        .and_then(|list| {
            list.iter()
                .find_map(|r| r.get("ARN").and_then(Value::as_str))
        })
    {
        return Some(arn.to_string());
    }
    let params = record.get("requestParameters")?;
    let bucket = params
        .get("bucketName")?
        .as_str()
        .filter(|b| !b.is_empty())?;
    Some(match params.get("key").and_then(Value::as_str) {
        Some(key) => format!("arn:aws:s3:::{bucket}/{key}"),
        None => format!("arn:aws:s3:::{bucket}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_become_iam_actions() {
        let r = |s: &str, n: &str| serde_json::json!({"eventSource": s, "eventName": n});
        assert_eq!(
            action_of(&r("lambda.amazonaws.com", "AddPermission20150331v2")).as_deref(),
            Some("lambda:AddPermission")
        );
        assert_eq!(
            action_of(&r("lambda.amazonaws.com", "GetFunction20150331")).as_deref(),
            Some("lambda:GetFunction")
        );
        assert_eq!(
            action_of(&r("s3.amazonaws.com", "ListBuckets")).as_deref(),
            Some("s3:ListAllMyBuckets")
        );
        assert_eq!(
            action_of(&r("iam.amazonaws.com", "createrole")).as_deref(),
            Some("iam:CreateRole")
        );
        assert_eq!(strip_version_suffix("Invoke"), "Invoke");
    }
}
