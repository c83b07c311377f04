//! Located JSON tree → [`Request`] (the shape `keyaki eval` reads, documented in `crate::request`).

use super::json::{parse_json, Json, JsonKind, Span};
use super::{did_you_mean, JsonPath, ParseError};
use crate::request::{Principal, Request};
use std::collections::BTreeMap;

const REQUEST_FIELDS: [&str; 4] = ["principal", "action", "resource", "context"];
const PRINCIPAL_TYPES: [&str; 4] = ["AWS", "Service", "Federated", "CanonicalUser"];

/// Parses a request document from bytes.
pub fn parse_request(bytes: &[u8], file: &str) -> Result<Request, ParseError> {
    let json = parse_json(bytes, file)?;
    request_from_json(&json, file)
}

/// Converts an already-parsed JSON value (e.g. the `request` member of a batch line) into a request.
pub fn request_from_json(json: &Json, file: &str) -> Result<Request, ParseError> {
    let error = |path: &JsonPath, span: Span, message: String| ParseError {
        file: file.to_string(),
        path: path.to_string(),
        line: span.line,
        col: span.col,
        message,
    };
    let root = JsonPath::root();
    let members = json.as_object().ok_or_else(|| {
        error(
            &root,
            json.span,
            format!(
                "a request must be a JSON object, found {}",
                json.type_name()
            ),
        )
    })?;
    for (key, key_span, _) in members {
        if !REQUEST_FIELDS.contains(&key.as_str()) {
            return Err(error(
                &root.key(key),
                *key_span,
                format!(
                    "unknown request field `{key}` (expected principal, action, resource, context){}",
                    did_you_mean(key, &REQUEST_FIELDS)
                ),
            ));
        }
    }

    let principal_json = json.get("principal").ok_or_else(|| {
        error(
            &root,
            json.span,
            "a request needs a `principal` field".to_string(),
        )
    })?;
    let principal = principal(principal_json, &root.key("principal"), &error)?;

    let action_path = root.key("action");
    let action_json = json.get("action").ok_or_else(|| {
        error(
            &root,
            json.span,
            "a request needs an `action` field".to_string(),
        )
    })?;
    let action = match action_json.as_str() {
        Some(text)
            if text
                .split_once(':')
                .is_some_and(|(s, n)| !s.is_empty() && !n.is_empty()) =>
        {
            text
        }
        Some(text) => {
            return Err(error(
                &action_path,
                action_json.span,
                format!("`action` must be `service:action` such as `s3:GetObject`, found `{text}`"),
            ))
        }
        None => {
            return Err(error(
                &action_path,
                action_json.span,
                format!(
                    "`action` must be a string, found {}",
                    action_json.type_name()
                ),
            ))
        }
    };

    let resource = match json.get("resource") {
        None => None,
        Some(value) => Some(value.as_str().ok_or_else(|| {
            error(
                &root.key("resource"),
                value.span,
                format!("`resource` must be a string, found {}", value.type_name()),
            )
        })?),
    };

    let mut request = Request::new(principal, action, resource);
    if let Some(context) = json.get("context") {
        let context_path = root.key("context");
        let keys = context.as_object().ok_or_else(|| {
            error(
                &context_path,
                context.span,
                format!(
                    "`context` must be an object of condition keys, found {}",
                    context.type_name()
                ),
            )
        })?;
        // Condition keys are case-insensitive: two spellings of one key would be ambiguous.
        let mut seen: BTreeMap<String, (&str, Span)> = BTreeMap::new();
        for (key, key_span, value) in keys {
            let key_path = context_path.key(key);
            if key.trim().is_empty() {
                return Err(error(
                    &key_path,
                    *key_span,
                    "context key names must not be empty".to_string(),
                ));
            }
            if let Some((first, first_span)) = seen.insert(key.to_lowercase(), (key, *key_span)) {
                return Err(error(
                    &key_path,
                    *key_span,
                    format!(
                        "context key `{key}` repeats `{first}` (line {}, column {}): condition keys are case-insensitive",
                        first_span.line, first_span.col
                    ),
                ));
            }
            let scalar = |item: &Json, item_path: &JsonPath| {
                item.scalar_text().ok_or_else(|| {
                    error(
                        item_path,
                        item.span,
                        format!(
                            "context values must be strings, numbers, booleans or arrays of those, found {}",
                            item.type_name()
                        ),
                    )
                })
            };
            let (values, is_array) = match &value.kind {
                JsonKind::Array(items) => (
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, item)| scalar(item, &key_path.index(i)))
                        .collect::<Result<Vec<_>, _>>()?,
                    true,
                ),
                _ => (vec![scalar(value, &key_path)?], false),
            };
            let distinct: std::collections::BTreeSet<&String> = values.iter().collect();
            if distinct.len() > 1 && crate::catalog::catalog().is_multivalued(key) == Some(false) {
                return Err(error(
                    &key_path,
                    value.span,
                    format!(
                        "context key `{key}` is single-valued (the service catalog types it {:?}): a request carries one value, not {}",
                        crate::catalog::catalog()
                            .key_type(key)
                            .map(|t| t.element())
                            .unwrap_or(crate::catalog::KeyType::String),
                        distinct.len()
                    ),
                ));
            }
            request.set_context(key, values, is_array);
        }
    }
    Ok(request)
}

fn principal(
    json: &Json,
    path: &JsonPath,
    error: &impl Fn(&JsonPath, Span, String) -> ParseError,
) -> Result<Principal, ParseError> {
    let expected = "`principal` must be \"anonymous\" or an object with one of AWS, Service, Federated, CanonicalUser";
    match &json.kind {
        JsonKind::String(text) if text == "anonymous" => Ok(Principal::Anonymous),
        JsonKind::Object(members) if members.len() == 1 => {
            let (principal_type, key_span, value) = &members[0];
            let type_path = path.key(principal_type);
            let text = value.as_str().ok_or_else(|| {
                error(
                    &type_path,
                    value.span,
                    format!(
                        "a request principal is one string, found {}",
                        value.type_name()
                    ),
                )
            })?;
            // An empty value is accepted: it names no real principal, but every request the
            // checker prints must parse back, and it matches no principal pattern either way.
            let text = text.to_string();
            match principal_type.as_str() {
                "AWS" => Ok(Principal::Aws(text)),
                "Service" => Ok(Principal::Service(text)),
                "Federated" => Ok(Principal::Federated(text)),
                "CanonicalUser" => Ok(Principal::CanonicalUser(text)),
                other => Err(error(
                    &type_path,
                    *key_span,
                    format!(
                        "unknown principal type `{other}`{}",
                        did_you_mean(other, &PRINCIPAL_TYPES)
                    ),
                )),
            }
        }
        JsonKind::String(text) => Err(error(
            path,
            json.span,
            format!("{expected}, found the string `{text}`"),
        )),
        JsonKind::Object(members) => Err(error(
            path,
            json.span,
            format!("{expected}, found an object with {} members", members.len()),
        )),
        _ => Err(error(
            path,
            json.span,
            format!("{expected}, found {}", json.type_name()),
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Request, ParseError> {
        parse_request(text.as_bytes(), "req.json")
    }

    #[test]
    fn full_request_parses() {
        let request = parse(
            r#"{"principal": {"AWS": "arn:aws:iam::111122223333:user/alice"},
                "action": "s3:GetObject",
                "resource": "arn:aws:s3:::bucket/key",
                "context": {"aws:SourceIp": "203.0.113.7", "aws:TagKeys": ["env", "team"],
                            "aws:MultiFactorAuthPresent": true, "s3:max-keys": 10}}"#,
        )
        .unwrap();
        assert_eq!(
            request.principal,
            Principal::Aws("arn:aws:iam::111122223333:user/alice".into())
        );
        assert_eq!(request.action, "s3:GetObject");
        assert_eq!(request.resource.as_deref(), Some("arn:aws:s3:::bucket/key"));
        let ip = &request.context["aws:sourceip"];
        assert_eq!(
            (ip.name.as_str(), ip.values.as_slice(), ip.is_array),
            ("aws:SourceIp", &["203.0.113.7".to_string()][..], false)
        );
        let tags = &request.context["aws:tagkeys"];
        assert_eq!(tags.values, vec!["env", "team"]);
        assert!(tags.is_array);
        assert_eq!(
            request.context_values("aws:multifactorauthpresent"),
            Some(&["true".to_string()][..])
        );
        assert_eq!(
            request.context_values("s3:max-keys"),
            Some(&["10".to_string()][..])
        );
    }

    #[test]
    fn principal_forms() {
        let with = |p: &str| {
            parse(&format!(
                r#"{{"principal": {p}, "action": "sts:AssumeRole"}}"#
            ))
        };
        assert_eq!(
            with(r#""anonymous""#).unwrap().principal,
            Principal::Anonymous
        );
        assert_eq!(
            with(r#"{"Service": "ec2.amazonaws.com"}"#)
                .unwrap()
                .principal,
            Principal::Service("ec2.amazonaws.com".into())
        );
        assert_eq!(
            with(r#"{"Federated": "cognito-identity.amazonaws.com"}"#)
                .unwrap()
                .principal,
            Principal::Federated("cognito-identity.amazonaws.com".into())
        );
        assert_eq!(
            with(r#"{"CanonicalUser": "79a5"}"#).unwrap().principal,
            Principal::CanonicalUser("79a5".into())
        );
        assert_eq!(
            with(r#"{"AWS": "arn:aws:iam::1:root"}"#).unwrap().resource,
            None
        );
        let err = with(r#"{"Servce": "x"}"#).unwrap_err();
        assert_eq!(err.path, "principal.Servce");
        assert!(err.message.contains("did you mean `Service`?"), "{err}");
        assert!(with(r#""Anonymous""#).is_err());
        assert!(with(r#"{"AWS": "a", "Service": "b"}"#).is_err());
        assert!(with(r#"{"AWS": ["a"]}"#).is_err());
    }

    #[test]
    fn bad_requests_are_located() {
        let err = parse("{\"principal\": \"anonymous\",\n \"action\": \"s3:GetObject\",\n \"context\": {\"aws:SourceIp\": \"1.2.3.4\", \"AWS:SOURCEIP\": \"5.6.7.8\"}}").unwrap_err();
        assert_eq!(
            (err.path.as_str(), err.line, err.col),
            ("context.AWS:SOURCEIP", 3, 41)
        );
        assert!(err.message.contains("case-insensitive"), "{err}");
        let err = parse(r#"{"principal": "anonymous", "action": "s3:GetObject", "resouce": "x"}"#)
            .unwrap_err();
        assert_eq!(err.path, "resouce");
        assert!(err.message.contains("did you mean `resource`?"), "{err}");
        let err = parse(r#"{"principal": "anonymous"}"#).unwrap_err();
        assert!(err.message.contains("`action`"), "{err}");
        let err = parse(r#"{"action": "s3:GetObject"}"#).unwrap_err();
        assert!(err.message.contains("`principal`"), "{err}");
        let err = parse(r#"{"principal": "anonymous", "action": "GetObject"}"#).unwrap_err();
        assert_eq!(err.path, "action");
        let err = parse(
            r#"{"principal": "anonymous", "action": "s3:GetObject", "context": {"k": {"a": 1}}}"#,
        )
        .unwrap_err();
        assert_eq!(err.path, "context.k");
        let err = parse(
            r#"{"principal": "anonymous", "action": "s3:GetObject", "context": {"k": [null]}}"#,
        )
        .unwrap_err();
        assert_eq!(err.path, "context.k[0]");
        // An empty array is a present, empty multi-valued key.
        let ok = parse(r#"{"principal": "anonymous", "action": "s3:GetObject", "context": {"aws:TagKeys": []}}"#).unwrap();
        assert!(ok.context["aws:tagkeys"].values.is_empty());
    }
}
