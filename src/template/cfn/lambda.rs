//! The policy statements that `AWS::Lambda::Permission` and
//! `AWS::Lambda::LayerVersionPermission` resources add, built from their properties.

use crate::parse::{Json, JsonKind, Span};
use crate::template::ResolveOptions;

fn member(key: &str, value: Json) -> (String, Span, Json) {
    let span = value.span;
    (key.to_string(), span, value)
}

fn object(span: Span, members: Vec<(String, Span, Json)>) -> Json {
    Json {
        kind: JsonKind::Object(members),
        span,
    }
}

fn string(text: &str, span: Span) -> Json {
    Json {
        kind: JsonKind::String(text.to_string()),
        span,
    }
}

fn policy_of(span: Span, statement: Vec<(String, Span, Json)>) -> Json {
    object(
        span,
        vec![
            member("Version", string("2012-10-17", span)),
            member(
                "Statement",
                Json {
                    kind: JsonKind::Array(vec![object(span, statement)]),
                    span,
                },
            ),
        ],
    )
}

/// The statement Lambda adds to the function's policy for an `AWS::Lambda::Permission`.
pub(super) fn lambda_permission(properties: &Json, options: &ResolveOptions) -> Json {
    let resource = properties
        .get("FunctionName")
        .cloned()
        .map(|f| function_arn(f, options));
    let source_arn = properties.get("SourceArn").cloned();
    permission_policy(
        properties,
        resource,
        source_arn,
        &[
            ("SourceAccount", "aws:SourceAccount"),
            ("PrincipalOrgID", "aws:PrincipalOrgID"),
            ("FunctionUrlAuthType", "lambda:FunctionUrlAuthType"),
        ],
    )
}

/// The statement of an `AWS::Lambda::LayerVersionPermission`.
pub(super) fn layer_permission(properties: &Json) -> Json {
    let resource = properties.get("LayerVersionArn").cloned();
    permission_policy(
        properties,
        resource,
        None,
        &[("OrganizationId", "aws:PrincipalOrgID")],
    )
}

/// One Allow statement of a Lambda permission: its `Principal` and `Action` properties, the
/// resource, `ArnLike aws:SourceArn` when given, and a `StringEquals` condition key for each
/// `(property, key)` that is set.
fn permission_policy(
    properties: &Json,
    resource: Option<Json>,
    source_arn: Option<Json>,
    equals_keys: &[(&str, &str)],
) -> Json {
    let span = properties.span;
    let get = |k: &str| properties.get(k).cloned();
    let mut statement = vec![member("Effect", string("Allow", span))];
    if let Some(principal) = get("Principal") {
        statement.push(member("Principal", principal_of(principal)));
    }
    if let Some(action) = get("Action") {
        statement.push(member("Action", action));
    }
    if let Some(resource) = resource {
        statement.push(member("Resource", resource));
    }
    let mut conditions = Vec::new();
    if let Some(arn) = source_arn {
        conditions.push(member(
            "ArnLike",
            object(span, vec![member("aws:SourceArn", arn)]),
        ));
    }
    let equals: Vec<(String, Span, Json)> = equals_keys
        .iter()
        .filter_map(|(property, key)| get(property).map(|value| member(key, value)))
        .collect();
    if !equals.is_empty() {
        conditions.push(member("StringEquals", object(span, equals)));
    }
    if !conditions.is_empty() {
        statement.push(member("Condition", object(span, conditions)));
    }
    policy_of(span, statement)
}

/// `*` stays `*`; a service name (`s3.amazonaws.com`) is a Service principal; anything else
/// (an account id or ARN) an AWS principal.
fn principal_of(principal: Json) -> Json {
    let span = principal.span;
    match principal.as_str() {
        Some("*") => principal,
        Some(text) if text.contains(".amazonaws.com") || text.ends_with(".aws.internal") => {
            object(span, vec![member("Service", principal)])
        }
        _ => object(span, vec![member("AWS", principal)]),
    }
}

/// A function name or ARN, as the function's ARN.
fn function_arn(function: Json, options: &ResolveOptions) -> Json {
    let span = function.span;
    match function.as_str() {
        Some(text) if !text.starts_with("arn:") => string(
            &format!(
                "arn:{}:lambda:{}:{}:function:{text}",
                options.partition(),
                options.region,
                options.account_id
            ),
            span,
        ),
        _ => function,
    }
}
