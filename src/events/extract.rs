//! Which CloudTrail records change a policy, and the new policy each one carries, wherever and
//! however it is encoded (see `encodings/cloudtrail-events.md`).

use super::ValueError;
use crate::eval::PolicyType;
use percent_encoding::percent_decode_str;
use serde_json::{json, Value};

/// A recognized policy-changing record.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub event_id: String,
    pub event_name: String,
    pub event_source: String,
    pub event_time: String,
    /// `eventTime` in milliseconds, when it parses.
    pub time: Option<i64>,
    /// Who made the call: the caller's ARN (or the best identity the record has).
    pub actor: String,
    /// The ARN of the resource whose access changed (for IAM: the user, role, group or policy).
    pub resource: String,
    /// Which of the resource's access documents changed: `resource-policy`, `trust`,
    /// `inline:NAME`, `attached:ARN`, `default-version`, `acl`, `cors`, `public-access-block`.
    pub slot: String,
    pub policy_type: PolicyType,
    /// `errorCode: errorMessage` of a failed call: an attempt, nothing changed.
    pub error: Option<String>,
    pub kind: ChangeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ChangeKind {
    /// The new policy document, and where it was (`requestParameters.policyDocument`).
    Policy { document: Value, location: String },
    /// One statement added to the resource's policy (Lambda / SQS AddPermission).
    StatementAdded { statement: Value, location: String },
    /// The statement with this Sid removed (Lambda / SQS RemovePermission).
    StatementRemoved { sid: String },
    /// The document is gone: it grants nothing any more.
    Removed,
    /// A managed policy attached by ARN: its text comes from the managed-policy catalog or
    /// from a CreatePolicy earlier in the stream.
    Attached { policy_arn: String },
    /// A change with no policy to check, named (e.g. `cors-changed`).
    Alarm { alarm: &'static str, detail: String },
    /// A non-policy setting that is decided without a policy: a bucket ACL with no public
    /// grantee, a public-access block with every flag on.
    Safe { detail: String },
    /// A policy change whose policy the record does not carry or that does not decode.
    Missing { reason: String },
}

/// Where a value sits in a record, by a dotted path.
pub fn at<'a>(record: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(record, |v, key| v.get(key))
}

fn text<'a>(record: &'a Value, path: &str) -> Option<&'a str> {
    at(record, path)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// A policy document as the record encodes it: an object, a JSON string, or a URL-encoded JSON
/// string (IAM response elements). Anything else is an error naming the location.
pub fn decode_policy(value: &Value, location: &str) -> Result<Value, ValueError> {
    let error = |message: String| ValueError::new(location, message);
    match value {
        Value::Object(_) => Ok(value.clone()),
        Value::String(s) => {
            let trimmed = s.trim();
            if trimmed.is_empty() {
                return Err(error("empty".into()));
            }
            let decoded;
            let source = if trimmed.starts_with('%') {
                decoded = percent_decode_str(trimmed)
                    .decode_utf8()
                    .map_err(|e| error(format!("URL-encoded text is not UTF-8: {e}")))?;
                decoded.as_ref()
            } else {
                trimmed
            };
            match serde_json::from_str::<Value>(source) {
                Ok(v @ Value::Object(_)) => Ok(v),
                Ok(_) => Err(error("the JSON text is not an object".into())),
                Err(e) => Err(error(format!("not a JSON policy: {e}"))),
            }
        }
        Value::Null => Err(error("null".into())),
        _ => Err(error("neither an object nor a JSON string".into())),
    }
}

/// The new document at the first present location, or why there is none.
fn policy_at(record: &Value, locations: &[&str]) -> ChangeKind {
    let mut reasons = Vec::new();
    for &location in locations {
        match at(record, location) {
            None => reasons.push(format!("{location}: absent")),
            Some(value) => match decode_policy(value, location) {
                Ok(document) => {
                    return ChangeKind::Policy {
                        document,
                        location: location.to_string(),
                    }
                }
                Err(e) => reasons.push(e.to_string()),
            },
        }
    }
    ChangeKind::Missing {
        reason: format!("no policy in the record ({})", reasons.join("; ")),
    }
}

fn actor(record: &Value) -> String {
    [
        "userIdentity.arn",
        "userIdentity.sessionContext.sessionIssuer.arn",
    ]
    .iter()
    .find_map(|p| text(record, p))
    .map(str::to_string)
    .or_else(|| {
        let kind = text(record, "userIdentity.type")?;
        let who = [
            "userIdentity.userName",
            "userIdentity.principalId",
            "userIdentity.invokedBy",
        ]
        .iter()
        .find_map(|p| text(record, p))?;
        Some(format!("{kind}:{who}"))
    })
    .unwrap_or_else(|| "unknown".into())
}

/// Recognizes a policy-changing record; `None` for every other record.
pub fn recognize(record: &Value) -> Option<Change> {
    let event_name = text(record, "eventName")?.to_string();
    let event_source = text(record, "eventSource").unwrap_or("").to_string();
    let account = text(record, "recipientAccountId")
        .or_else(|| text(record, "userIdentity.accountId"))
        .unwrap_or("unknown-account")
        .to_string();
    let region = text(record, "awsRegion")
        .unwrap_or("unknown-region")
        .to_string();
    let ctx = Ctx {
        record,
        account: &account,
        region: &region,
    };
    let (resource, slot, policy_type, kind) = classify(&ctx, &event_name, &event_source)?;
    let event_time = text(record, "eventTime").unwrap_or("").to_string();
    let error = text(record, "errorCode").map(|code| match text(record, "errorMessage") {
        Some(message) => format!("{code}: {message}"),
        None => code.to_string(),
    });
    Some(Change {
        event_id: text(record, "eventID").unwrap_or("").to_string(),
        time: super::time::parse_event_time(&event_time),
        event_time,
        actor: actor(record),
        resource,
        slot: slot.to_string(),
        policy_type,
        error,
        kind,
        event_name,
        event_source,
    })
}

struct Ctx<'a> {
    record: &'a Value,
    account: &'a str,
    region: &'a str,
}

impl Ctx<'_> {
    fn param(&self, name: &str) -> Option<&str> {
        text(self.record, &format!("requestParameters.{name}"))
    }
    /// A name or an ARN: an ARN is kept, a name becomes `arn:aws:SERVICE:REGION:ACCOUNT:PREFIXname`.
    fn arn(&self, service: &str, prefix: &str, name: Option<&str>) -> String {
        match name {
            Some(n) if n.starts_with("arn:") => n.to_string(),
            Some(n) => format!(
                "arn:aws:{service}:{}:{}:{prefix}{n}",
                self.region, self.account
            ),
            None => format!(
                "arn:aws:{service}:{}:{}:{prefix}unknown",
                self.region, self.account
            ),
        }
    }
    fn iam(&self, kind: &str, name: Option<&str>) -> String {
        format!(
            "arn:aws:iam::{}:{kind}/{}",
            self.account,
            name.unwrap_or("unknown")
        )
    }
}

type Classified = (String, String, PolicyType, ChangeKind);

const PUBLIC_GROUPS: [&str; 2] = [
    "acs.amazonaws.com/groups/global/AllUsers",
    "acs.amazonaws.com/groups/global/AuthenticatedUsers",
];
const PUBLIC_CANNED_ACLS: [&str; 3] = ["public-read", "public-read-write", "authenticated-read"];

fn classify(c: &Ctx<'_>, name: &str, source: &str) -> Option<Classified> {
    use ChangeKind::*;
    use PolicyType::{Identity, Resource};
    let bucket = || {
        format!(
            "arn:aws:s3:::{}",
            c.param("bucketName").unwrap_or("unknown")
        )
    };
    let s = |x: &str| x.to_string();
    let classified = match (source, name) {
        (_, "PutBucketPolicy") => (bucket(), s("resource-policy"), Resource, policy_at(c.record, &["requestParameters.bucketPolicy"])),
        (_, "DeleteBucketPolicy") => (bucket(), s("resource-policy"), Resource, Removed),
        (_, "PutBucketAcl") => (bucket(), s("acl"), Resource, bucket_acl(c.record)),
        (_, "PutBucketPublicAccessBlock") => (bucket(), s("public-access-block"), Resource, public_access_block(c.record)),
        (_, "DeleteBucketPublicAccessBlock") => (bucket(), s("public-access-block"), Resource, Alarm {
            alarm: "public-access-block-removed",
            detail: "the bucket's public-access block was deleted: ACLs and policies can make it public".into(),
        }),
        (_, "PutBucketCors") => (bucket(), s("cors"), Resource, Alarm { alarm: "cors-changed", detail: "the bucket's CORS rules changed (no policy to check)".into() }),
        (_, "DeleteBucketCors") => (bucket(), s("cors"), Resource, Alarm { alarm: "cors-removed", detail: "the bucket's CORS rules were deleted (no policy to check)".into() }),
        (_, "PutUserPolicy" | "PutRolePolicy" | "PutGroupPolicy") => {
            let (kind, principal) = iam_principal(c, name);
            (c.iam(kind, principal), format!("inline:{}", c.param("policyName").unwrap_or("unknown")), Identity, policy_at(c.record, &["requestParameters.policyDocument"]))
        }
        (_, "DeleteUserPolicy" | "DeleteRolePolicy" | "DeleteGroupPolicy") => {
            let (kind, principal) = iam_principal(c, name);
            (c.iam(kind, principal), format!("inline:{}", c.param("policyName").unwrap_or("unknown")), Identity, Removed)
        }
        (_, "AttachUserPolicy" | "AttachRolePolicy" | "AttachGroupPolicy") => {
            let (kind, principal) = iam_principal(c, name);
            let arn = c.param("policyArn").unwrap_or("").to_string();
            let change = if arn.is_empty() { Missing { reason: "requestParameters.policyArn: absent".into() } } else { Attached { policy_arn: arn.clone() } };
            (c.iam(kind, principal), format!("attached:{arn}"), Identity, change)
        }
        (_, "DetachUserPolicy" | "DetachRolePolicy" | "DetachGroupPolicy") => {
            let (kind, principal) = iam_principal(c, name);
            (c.iam(kind, principal), format!("attached:{}", c.param("policyArn").unwrap_or("")), Identity, Removed)
        }
        (_, "CreatePolicy") => {
            let resource = text(c.record, "responseElements.policy.arn").map(str::to_string).unwrap_or_else(|| {
                let path = c.param("path").unwrap_or("/");
                format!("arn:aws:iam::{}:policy{path}{}", c.account, c.param("policyName").unwrap_or("unknown"))
            });
            (resource, s("default-version"), Identity, policy_at(c.record, &["requestParameters.policyDocument"]))
        }
        (_, "CreatePolicyVersion") => {
            let default = at(c.record, "requestParameters.setAsDefault").and_then(Value::as_bool).unwrap_or(false);
            let slot = if default { "default-version" } else { "non-default-version" };
            (c.param("policyArn").unwrap_or("unknown").to_string(), s(slot), Identity, policy_at(c.record, &["requestParameters.policyDocument"]))
        }
        (_, "UpdateAssumeRolePolicy") => (c.iam("role", c.param("roleName")), s("trust"), Resource, policy_at(c.record, &["requestParameters.policyDocument"])),
        (_, "CreateRole") => {
            let resource = text(c.record, "responseElements.role.arn").map(str::to_string).unwrap_or_else(|| c.iam("role", c.param("roleName")));
            (resource, s("trust"), Resource, policy_at(c.record, &["requestParameters.assumeRolePolicyDocument", "responseElements.role.assumeRolePolicyDocument"]))
        }
        (_, "PutKeyPolicy") => (c.arn("kms", "key/", c.param("keyId")), s("resource-policy"), Resource, policy_at(c.record, &["requestParameters.policy"])),
        (_, "CreateKey") => {
            let resource = text(c.record, "responseElements.keyMetadata.arn").map(str::to_string).unwrap_or_else(|| c.arn("kms", "key/", text(c.record, "responseElements.keyMetadata.keyId")));
            let change = if at(c.record, "requestParameters.policy").is_some() {
                policy_at(c.record, &["requestParameters.policy"])
            } else {
                default_key_policy(c.account)
            };
            (resource, s("resource-policy"), Resource, change)
        }
        ("sqs.amazonaws.com", "AddPermission") => (queue_arn(c), s("resource-policy"), Resource, sqs_statement(c, &queue_arn(c))),
        ("sqs.amazonaws.com", "RemovePermission") => (queue_arn(c), s("resource-policy"), Resource, removed_sid(c, "label")),
        (_, "SetQueueAttributes") => {
            let policy = at(c.record, "requestParameters.attributes.Policy")?;
            let change = if policy.as_str().is_some_and(|p| p.trim().is_empty()) { Removed } else { policy_at(c.record, &["requestParameters.attributes.Policy"]) };
            (queue_arn(c), s("resource-policy"), Resource, change)
        }
        (_, "SetTopicAttributes") => {
            if c.param("attributeName") != Some("Policy") {
                return None;
            }
            let topic = c.param("topicArn").unwrap_or("unknown").to_string();
            let change = if c.param("attributeValue").is_none() { Removed } else { policy_at(c.record, &["requestParameters.attributeValue"]) };
            (topic, s("resource-policy"), Resource, change)
        }
        ("secretsmanager.amazonaws.com", "PutResourcePolicy") => (c.arn("secretsmanager", "secret:", c.param("secretId")), s("resource-policy"), Resource, policy_at(c.record, &["requestParameters.resourcePolicy"])),
        ("secretsmanager.amazonaws.com", "DeleteResourcePolicy") => (c.arn("secretsmanager", "secret:", c.param("secretId")), s("resource-policy"), Resource, Removed),
        ("glue.amazonaws.com", "PutResourcePolicy") => (c.arn("glue", "", Some("catalog")), s("resource-policy"), Resource, policy_at(c.record, &["requestParameters.policyInJson"])),
        ("glue.amazonaws.com", "DeleteResourcePolicy") => (c.arn("glue", "", Some("catalog")), s("resource-policy"), Resource, Removed),
        (_, "SetRepositoryPolicy") => (ecr_arn(c), s("resource-policy"), Resource, policy_at(c.record, &["requestParameters.policyText"])),
        (_, "DeleteRepositoryPolicy") => (ecr_arn(c), s("resource-policy"), Resource, Removed),
        ("lambda.amazonaws.com", n) if n.starts_with("AddPermission") => {
            let function = c.arn("lambda", "function:", c.param("functionName"));
            (function.clone(), s("resource-policy"), Resource, lambda_statement(c, &function))
        }
        ("lambda.amazonaws.com", n) if n.starts_with("RemovePermission") => {
            (c.arn("lambda", "function:", c.param("functionName")), s("resource-policy"), Resource, removed_sid(c, "statementId"))
        }
        _ => return None,
    };
    Some(classified)
}

fn iam_principal<'a>(c: &'a Ctx<'_>, event: &str) -> (&'static str, Option<&'a str>) {
    if event.contains("User") {
        ("user", c.param("userName"))
    } else if event.contains("Role") {
        ("role", c.param("roleName"))
    } else {
        ("group", c.param("groupName"))
    }
}

fn queue_arn(c: &Ctx<'_>) -> String {
    // https://sqs.REGION.amazonaws.com/ACCOUNT/NAME
    let url = c.param("queueUrl").unwrap_or("");
    let mut parts = url.trim_end_matches('/').rsplit('/');
    match (parts.next(), parts.next(), url.split('.').nth(1)) {
        (Some(name), Some(account), Some(region)) if !name.is_empty() && account.len() == 12 => {
            format!("arn:aws:sqs:{region}:{account}:{name}")
        }
        _ => c.arn("sqs", "", Some(url)),
    }
}

fn ecr_arn(c: &Ctx<'_>) -> String {
    let registry = c.param("registryId").unwrap_or(c.account);
    format!(
        "arn:aws:ecr:{}:{registry}:repository/{}",
        c.region,
        c.param("repositoryName").unwrap_or("unknown")
    )
}

fn removed_sid(c: &Ctx<'_>, key: &str) -> ChangeKind {
    match c.param(key) {
        Some(sid) => ChangeKind::StatementRemoved {
            sid: sid.to_string(),
        },
        None => ChangeKind::Missing {
            reason: format!("requestParameters.{key}: absent"),
        },
    }
}

/// The statement SQS writes for AddPermission: the listed accounts may call the listed actions.
fn sqs_statement(c: &Ctx<'_>, queue: &str) -> ChangeKind {
    let strings = |key: &str| -> Vec<String> {
        at(c.record, &format!("requestParameters.{key}"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let (accounts, actions) = (strings("AWSAccountIds"), strings("actions"));
    if accounts.is_empty() || actions.is_empty() {
        return ChangeKind::Missing {
            reason: "requestParameters.AWSAccountIds / actions: absent or empty".into(),
        };
    }
    let principals: Vec<String> = accounts
        .iter()
        .map(|a| format!("arn:aws:iam::{a}:root"))
        .collect();
    let actions: Vec<String> = actions.iter().map(|a| format!("sqs:{a}")).collect();
    ChangeKind::StatementAdded {
        statement: json!({"Sid": c.param("label").unwrap_or(""), "Effect": "Allow",
            "Principal": {"AWS": principals}, "Action": actions, "Resource": queue}),
        location: "requestParameters (label, AWSAccountIds, actions)".into(),
    }
}

/// Lambda's statement: the one the service logged, else the one it synthesises from the request.
fn lambda_statement(c: &Ctx<'_>, function: &str) -> ChangeKind {
    if let Some(value) = at(c.record, "responseElements.statement") {
        return match decode_policy(value, "responseElements.statement") {
            Ok(statement) => ChangeKind::StatementAdded {
                statement,
                location: "responseElements.statement".into(),
            },
            Err(reason) => ChangeKind::Missing {
                reason: reason.to_string(),
            },
        };
    }
    let (Some(action), Some(principal)) = (c.param("action"), c.param("principal")) else {
        return ChangeKind::Missing {
            reason: "no statement in the record (responseElements.statement absent, requestParameters.action/principal absent)".into(),
        };
    };
    let principal = if principal == "*" {
        json!("*")
    } else if principal.ends_with(".amazonaws.com") {
        json!({"Service": principal})
    } else if crate::request::is_account_id(principal) {
        json!({"AWS": format!("arn:aws:iam::{principal}:root")})
    } else {
        json!({"AWS": principal})
    };
    let mut conditions = serde_json::Map::new();
    let mut add = |op: &str, key: &str, value: Option<&str>| {
        if let Some(v) = value {
            let entry = conditions
                .entry(op.to_string())
                .or_insert_with(|| json!({}));
            entry[key] = json!(v);
        }
    };
    add("ArnLike", "AWS:SourceArn", c.param("sourceArn"));
    add(
        "StringEquals",
        "AWS:SourceAccount",
        c.param("sourceAccount"),
    );
    add(
        "StringEquals",
        "aws:PrincipalOrgID",
        c.param("principalOrgID"),
    );
    add(
        "StringEquals",
        "lambda:FunctionUrlAuthType",
        c.param("functionUrlAuthType"),
    );
    let mut statement = json!({"Sid": c.param("statementId").unwrap_or(""), "Effect": "Allow",
        "Principal": principal, "Action": action, "Resource": function});
    if !conditions.is_empty() {
        statement["Condition"] = Value::Object(conditions);
    }
    ChangeKind::StatementAdded {
        statement,
        location: "requestParameters (action, principal, sourceArn, sourceAccount, principalOrgID, functionUrlAuthType)".into(),
    }
}

/// CreateKey without a policy gets the documented default key policy: the account may use IAM
/// policies to allow access to the key.
fn default_key_policy(account: &str) -> ChangeKind {
    ChangeKind::Policy {
        document: json!({"Version": "2012-10-17", "Statement": [{
            "Sid": "Enable IAM User Permissions", "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{account}:root")},
            "Action": "kms:*", "Resource": "*"}]}),
        location: "default key policy (no requestParameters.policy)".into(),
    }
}

/// A bucket ACL: public when it grants to AllUsers or AuthenticatedUsers, by canned ACL or grant.
fn bucket_acl(record: &Value) -> ChangeKind {
    let Some(params) = record.get("requestParameters").filter(|p| p.is_object()) else {
        return ChangeKind::Missing {
            reason: "requestParameters: absent".into(),
        };
    };
    let canned: Vec<&str> = match params.get("x-amz-acl") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if let Some(acl) = canned.iter().find(|a| PUBLIC_CANNED_ACLS.contains(a)) {
        return ChangeKind::Alarm {
            alarm: "public-acl",
            detail: format!("canned ACL {acl} grants access to everyone"),
        };
    }
    // Grants are in the ACL document or in x-amz-grant-* headers; the group URI is the grantee.
    let rendered = params.to_string();
    if let Some(group) = PUBLIC_GROUPS.iter().find(|g| rendered.contains(*g)) {
        return ChangeKind::Alarm {
            alarm: "public-acl",
            detail: format!(
                "the ACL grants to {}",
                group.rsplit('/').next().unwrap_or(group)
            ),
        };
    }
    let has_grants = params.get("AccessControlPolicy").is_some()
        || params
            .as_object()
            .is_some_and(|o| o.keys().any(|k| k.starts_with("x-amz-grant-")));
    if canned.iter().any(|a| !a.is_empty()) || has_grants {
        ChangeKind::Safe {
            detail: "no grant to AllUsers or AuthenticatedUsers".into(),
        }
    } else {
        ChangeKind::Missing {
            reason: "no ACL in the record (x-amz-acl, x-amz-grant-*, AccessControlPolicy absent)"
                .into(),
        }
    }
}

fn public_access_block(record: &Value) -> ChangeKind {
    const FLAGS: [&str; 4] = [
        "BlockPublicAcls",
        "IgnorePublicAcls",
        "BlockPublicPolicy",
        "RestrictPublicBuckets",
    ];
    let config = at(record, "requestParameters.PublicAccessBlockConfiguration")
        .or_else(|| at(record, "requestParameters.publicAccessBlock"))
        .filter(|c| c.is_object());
    let Some(config) = config else {
        return ChangeKind::Alarm {
            alarm: "public-access-block-changed",
            detail: "the bucket's public-access block changed (configuration not in the record)"
                .into(),
        };
    };
    let off: Vec<&str> = FLAGS
        .iter()
        .filter(|f| {
            !matches!(config.get(**f), Some(Value::Bool(true)))
                && config.get(**f).and_then(Value::as_str) != Some("true")
        })
        .copied()
        .collect();
    if off.is_empty() {
        ChangeKind::Safe {
            detail: "every public-access block flag is on".into(),
        }
    } else {
        ChangeKind::Alarm {
            alarm: "public-access-block-weakened",
            detail: format!("public-access block flags off: {}", off.join(", ")),
        }
    }
}
