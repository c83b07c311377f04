//! The policy statement Lambda adds for an `aws_lambda_permission`, built from its attributes.

use super::{document, push};
use crate::parse::Json;
use crate::template::{Extraction, PolicyKind, Refusal, ResolveOptions};

/// The statement Lambda adds for an `aws_lambda_permission`.
pub(super) fn lambda_permission(
    extraction: &mut Extraction,
    address: &str,
    kind: &str,
    values: &Json,
    options: &ResolveOptions,
) {
    let span = values.span;
    let text = |k: &str| {
        values
            .get(k)
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let s = |v: String| serde_json::Value::String(v);
    let mut statement = serde_json::Map::new();
    statement.insert("Effect".into(), s("Allow".into()));
    let missing: Vec<&str> = ["action", "function_name", "principal"]
        .into_iter()
        .filter(|k| text(k).is_none())
        .collect();
    if !missing.is_empty() {
        extraction.refusals.push(Refusal {
            origin: address.into(),
            path: missing.join(", "),
            resource_type: kind.into(),
            reason: format!("unknown: {} known only after apply", missing.join(", ")),
            span,
        });
        return;
    }
    let principal = text("principal").unwrap_or_default();
    let principal = if principal == "*" {
        s(principal)
    } else if principal.contains(".amazonaws.com") {
        serde_json::json!({ "Service": principal })
    } else {
        serde_json::json!({ "AWS": principal })
    };
    statement.insert("Principal".into(), principal);
    statement.insert("Action".into(), s(text("action").unwrap_or_default()));
    let mut function = text("function_name").unwrap_or_default();
    if !function.starts_with("arn:") {
        // A bare name: the function in the region and account given (--region, --account-id).
        function = format!(
            "arn:{}:lambda:{}:{}:function:{function}",
            options.partition(),
            options.region,
            options.account_id
        );
    }
    // A `qualifier` (version or alias) puts the statement on the qualified ARN.
    if let Some(qualifier) = text("qualifier") {
        function = format!("{function}:{qualifier}");
    }
    statement.insert("Resource".into(), s(function));
    let mut condition = serde_json::Map::new();
    if let Some(arn) = text("source_arn") {
        condition.insert(
            "ArnLike".into(),
            serde_json::json!({ "aws:SourceArn": arn }),
        );
    }
    let mut equals = serde_json::Map::new();
    for (attribute, key) in [
        ("source_account", "aws:SourceAccount"),
        ("principal_org_id", "aws:PrincipalOrgID"),
        ("function_url_auth_type", "lambda:FunctionUrlAuthType"),
    ] {
        if let Some(v) = text(attribute) {
            equals.insert(key.into(), s(v));
        }
    }
    if !equals.is_empty() {
        condition.insert("StringEquals".into(), serde_json::Value::Object(equals));
    }
    if !condition.is_empty() {
        statement.insert("Condition".into(), serde_json::Value::Object(condition));
    }
    let policy = serde_json::json!({ "Version": "2012-10-17", "Statement": [statement] });
    match document(&policy.to_string(), span) {
        Ok(doc) => push(
            extraction,
            address,
            "(permission)",
            kind,
            PolicyKind::Resource,
            doc,
            values,
        ),
        Err(reason) => extraction.refusals.push(Refusal {
            origin: address.into(),
            path: "(permission)".into(),
            resource_type: kind.into(),
            reason,
            span,
        }),
    }
}
