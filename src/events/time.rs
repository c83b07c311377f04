//! CloudTrail times: RFC 3339 as AWS writes them, and the space-separated form some exporters
//! (Athena, Panther) use. Milliseconds since the Unix epoch, UTC.

use chrono::{DateTime, NaiveDateTime};

/// `2019-01-01T00:00:00Z`, `2021-11-18T09:41:02-08:00`, `2020-11-20 06:19:05.000`
/// (no zone: UTC, as CloudTrail times are).
pub fn parse_event_time(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp_millis());
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f%z",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc().timestamp_millis());
        }
    }
    DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%z")
        .ok()
        .map(|t| t.timestamp_millis())
}

/// Milliseconds as RFC 3339 UTC (`2019-01-01T00:00:00Z`).
pub fn format_millis(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// `7d`, `12h`, `30m`, `90` (days) as milliseconds.
pub fn parse_age(text: &str) -> Result<i64, super::ValueError> {
    let text = text.trim();
    let error = |message: &str| super::ValueError::new(format!("{text:?}"), message);
    let (number, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => text.split_at(i),
        None => (text, "d"),
    };
    let n: i64 = number
        .parse()
        .map_err(|_| error("expected a duration like 7d, 12h or 30m"))?;
    let unit_ms = match unit {
        "d" => 86_400_000,
        "h" => 3_600_000,
        "m" => 60_000,
        "s" => 1_000,
        _ => return Err(error("unit must be d, h, m or s")),
    };
    n.checked_mul(unit_ms).ok_or_else(|| error("too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forms_cloudtrail_samples_use() {
        assert_eq!(parse_event_time("1970-01-01T00:00:01Z"), Some(1000));
        assert_eq!(parse_event_time("1970-01-01 00:00:01.500"), Some(1500));
        assert_eq!(parse_event_time("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_event_time("Aug 1, 2024"), None);
        assert_eq!(format_millis(86_400_000), "1970-01-02T00:00:00Z");
        assert_eq!(parse_age("7d"), Ok(7 * 86_400_000));
        assert_eq!(parse_age("90"), Ok(90 * 86_400_000));
        assert!(parse_age("7w").is_err());
    }
}
