//! A model statement written back as policy JSON, and read back by the parser: the statement a
//! remedy prints is the one the prover checked (see `encodings/remedies.md`).

use crate::access::{conditions_json, entry_json};
use crate::model::{
    ActionClause, Policy, PrincipalClause, PrincipalSet, ResourceClause, Statement, Version,
};
use serde_json::{json, Map, Value};

/// The statement as a policy's `Statement` element (one value is written as a string).
pub fn statement_json(statement: &Statement) -> Value {
    let mut out = Map::new();
    if let Some(sid) = &statement.sid {
        out.insert("Sid".into(), json!(sid));
    }
    out.insert("Effect".into(), json!(statement.effect.to_string()));
    match &statement.principal {
        PrincipalClause::Absent => {}
        PrincipalClause::Principal(set) => {
            out.insert("Principal".into(), principal_json(set));
        }
        PrincipalClause::NotPrincipal(set) => {
            out.insert("NotPrincipal".into(), principal_json(set));
        }
    }
    let (name, patterns) = match &statement.action {
        ActionClause::Action(p) => ("Action", p),
        ActionClause::NotAction(p) => ("NotAction", p),
    };
    out.insert(
        name.into(),
        one_or_list(patterns.iter().map(|p| p.text.clone()).collect()),
    );
    match &statement.resource {
        ResourceClause::Absent => {}
        ResourceClause::Resource(p) => {
            out.insert(
                "Resource".into(),
                one_or_list(p.iter().map(|r| r.text.clone()).collect()),
            );
        }
        ResourceClause::NotResource(p) => {
            out.insert(
                "NotResource".into(),
                one_or_list(p.iter().map(|r| r.text.clone()).collect()),
            );
        }
    }
    if !statement.conditions.is_empty() {
        out.insert("Condition".into(), conditions_json(statement));
    }
    Value::Object(out)
}

/// The principal set as written: `"*"` for everyone, else `{"AWS": [...], ...}`.
pub fn principal_json(set: &PrincipalSet) -> Value {
    if set.everyone {
        return json!("*");
    }
    let mut grouped = Map::new();
    for entry in &set.entries {
        if let Value::Object(one) = entry_json(entry) {
            for (kind, text) in one {
                if let Value::Array(items) =
                    grouped.entry(kind).or_insert_with(|| Value::Array(vec![]))
                {
                    items.push(text);
                }
            }
        }
    }
    for value in grouped.values_mut() {
        if let Value::Array(items) = value {
            if items.len() == 1 {
                *value = items.remove(0);
            }
        }
    }
    Value::Object(grouped)
}

fn one_or_list(mut items: Vec<String>) -> Value {
    if items.len() == 1 {
        json!(items.remove(0))
    } else {
        json!(items)
    }
}

fn version_text(version: Version) -> Option<&'static str> {
    match version {
        Version::V2012_10_17 => Some("2012-10-17"),
        Version::V2008_10_17 => Some("2008-10-17"),
        Version::Absent => None,
    }
}

/// Writes `statement` as JSON and parses it back inside a policy of `version`. Returns the JSON
/// and the parsed statement (indexed and located as the original), or None when the parser
/// reads it differently from the model (then the edit is not offered: what is printed must be
/// what was proved).
pub fn round_trip(statement: &Statement, version: Version) -> Option<(Value, Statement)> {
    let document = statement_json(statement);
    let mut policy = Map::new();
    if let Some(v) = version_text(version) {
        policy.insert("Version".into(), json!(v));
    }
    policy.insert("Statement".into(), json!([document.clone()]));
    let bytes = serde_json::to_vec(&Value::Object(policy)).ok()?;
    let parsed: Policy = crate::parse::parse_policy(&bytes, "remedy").ok()?;
    let mut read = parsed.statements.into_iter().next()?;
    read.index = statement.index;
    read.location = statement.location.clone();
    for (read_condition, condition) in read.conditions.iter_mut().zip(&statement.conditions) {
        read_condition.location = condition.location.clone();
    }
    (same_meaning(&read, statement)).then_some((document, read))
}

/// Equal up to the order of condition entries (the JSON groups them by operator).
fn same_meaning(read: &Statement, statement: &Statement) -> bool {
    let strip = |s: &Statement| {
        let mut s = s.clone();
        for c in &mut s.conditions {
            c.location = Default::default();
        }
        s.conditions
            .sort_by(|a, b| (&a.operator, &a.key_lower).cmp(&(&b.operator, &b.key_lower)));
        s
    };
    strip(read) == strip(statement)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(text: &str) -> (Policy, Statement) {
        let policy = crate::parse::parse_policy(text.as_bytes(), "t").unwrap();
        let statement = policy.statements[0].clone();
        (policy, statement)
    }

    #[test]
    fn statements_read_back_as_written() {
        let (policy, statement) = first(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"S","Effect":"Allow",
            "Principal":{"AWS":["111122223333","arn:aws:iam::444455556666:role/r"],"Service":"s3.amazonaws.com"},
            "NotAction":["iam:*","s3:Get?bject"],"Resource":"arn:aws:s3:::b/${aws:username}/*",
            "Condition":{"Bool":{"aws:SecureTransport":"true"},"IpAddress":{"aws:SourceIp":["10.0.0.0/8"]},
            "DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"},"NumericLessThan":{"s3:max-keys":"10.5"}}}]}"#,
        );
        let (json, read) = round_trip(&statement, policy.version).unwrap();
        assert_eq!(read, statement);
        assert_eq!(json["Principal"]["Service"], "s3.amazonaws.com");
        assert_eq!(json["NotAction"][1], "s3:Get?bject");
    }

    #[test]
    fn everyone_and_absent_elements() {
        let (policy, statement) =
            first(r#"{"Statement":{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole"}}"#);
        let (json, read) = round_trip(&statement, policy.version).unwrap();
        assert_eq!(read, statement);
        assert_eq!(
            json,
            json!({"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole"})
        );
    }
}
