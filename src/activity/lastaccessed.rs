//! IAM Access Advisor reports (`get-service-last-accessed-details`), as the CLI prints them,
//! as the API examples list them (`[{"output": ...}]`) or as boto3 recordings keep them
//! (`{"data": ...}`, datetimes as `{"__class__": "datetime", ...}` objects).

use crate::events::time::parse_event_time;
use serde_json::Value;

/// One service's last use, and its actions' when the report is action-level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceUse {
    pub namespace: String,
    pub last_used: Option<i64>,
    /// `Some` when IAM tracks this service's actions (Granularity=ACTION_LEVEL).
    pub actions: Option<Vec<(String, Option<i64>)>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastAccessed {
    /// `JobCompletionDate`: the time the window is measured back from.
    pub completed: Option<i64>,
    pub services: Vec<ServiceUse>,
    /// The report is one page of several (`IsTruncated`): services on other pages have no data.
    pub truncated: bool,
}

fn date(value: &Value) -> Option<i64> {
    match value {
        Value::String(s) => parse_event_time(s),
        Value::Object(o) if o.get("__class__").and_then(Value::as_str) == Some("datetime") => {
            let n = |k: &str| o.get(k).and_then(Value::as_i64).unwrap_or(0);
            let text = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
                n("year"),
                n("month"),
                n("day"),
                n("hour"),
                n("minute"),
                n("second"),
                n("microsecond")
            );
            parse_event_time(&text)
        }
        _ => None,
    }
}

/// A last-accessed report that cannot be used: the file and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ReportError {
    pub file: String,
    pub message: String,
}

/// Parses a report; `file` names it in errors.
pub fn parse_last_accessed(value: &Value, file: &str) -> Result<LastAccessed, ReportError> {
    let error = |message: String| ReportError {
        file: file.to_string(),
        message,
    };
    let report = if let Some(data) = value.get("data") {
        data
    } else if let Some(first) = value.as_array().and_then(|a| a.first()) {
        first.get("output").unwrap_or(first)
    } else {
        value.get("output").unwrap_or(value)
    };
    let status = report.get("JobStatus").and_then(Value::as_str);
    if status.is_some_and(|s| s != "COMPLETED") {
        return Err(error(format!(
            "JobStatus is {}: the report is not complete yet",
            status.unwrap_or("")
        )));
    }
    let list = report
        .get("ServicesLastAccessed")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            error(
                "no ServicesLastAccessed list (not a get-service-last-accessed-details output)"
                    .into(),
            )
        })?;
    let mut services = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let namespace = entry
            .get("ServiceNamespace")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                error(format!(
                    "ServicesLastAccessed[{i}].ServiceNamespace missing"
                ))
            })?;
        let actions = entry
            .get("TrackedActionsLastAccessed")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|a| {
                        let name = a.get("ActionName")?.as_str()?;
                        let full = if name.contains(':') {
                            name.to_string()
                        } else {
                            format!("{namespace}:{name}")
                        };
                        Some((full, a.get("LastAccessedTime").and_then(date)))
                    })
                    .collect()
            });
        services.push(ServiceUse {
            namespace: namespace.to_lowercase(),
            last_used: entry.get("LastAuthenticated").and_then(date),
            actions,
        });
    }
    Ok(LastAccessed {
        completed: report.get("JobCompletionDate").and_then(date),
        services,
        truncated: report
            .get("IsTruncated")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    })
}
