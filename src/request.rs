//! A concrete request: the shape `keyaki eval` reads and every counterexample is printed in.
//!
//! ```json
//! {"principal": {"AWS": "arn:aws:iam::111122223333:user/alice"},
//!  "action": "s3:GetObject",
//!  "resource": "arn:aws:s3:::bucket/key",
//!  "context": {"aws:SourceIp": "203.0.113.7", "aws:TagKeys": ["env", "team"]}}
//! ```

pub mod callers;
pub mod realism;
pub mod universe;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use std::collections::BTreeMap;

/// Who makes the request.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Principal {
    /// An IAM user, role, assumed-role session, federated user or account root ARN.
    Aws(String),
    Service(String),
    Federated(String),
    CanonicalUser(String),
    /// An unauthenticated caller: written `"anonymous"`.
    Anonymous,
}

impl Principal {
    /// The account id of an AWS principal ARN (`arn:PARTITION:SERVICE::ACCOUNT:...`) or a bare account id.
    pub fn account(&self) -> Option<&str> {
        match self {
            Principal::Aws(arn) => aws_account_of(arn),
            _ => None,
        }
    }
}

/// The account segment of an IAM/STS ARN, or the text itself when it is a 12-digit account id.
pub fn aws_account_of(arn_or_account: &str) -> Option<&str> {
    if is_account_id(arn_or_account) {
        return Some(arn_or_account);
    }
    crate::arn::Arn::parse(arn_or_account)
        .map(|arn| arn.account)
        .filter(|account| !account.is_empty())
}

pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// One context key as given: a key with several values is multi-valued.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContextValue {
    /// The key's name as written (for output).
    pub name: String,
    pub values: Vec<String>,
    /// Written as a JSON array (even with one element): printed back the same way.
    pub is_array: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Request {
    pub principal: Principal,
    pub action: String,
    /// None for requests with no resource (e.g. sts:AssumeRole against a trust policy).
    pub resource: Option<String>,
    /// Keyed by the lowercased key name: condition keys are case-insensitive.
    pub context: BTreeMap<String, ContextValue>,
}

impl Request {
    pub fn new(principal: Principal, action: &str, resource: Option<&str>) -> Request {
        Request {
            principal,
            action: action.to_string(),
            resource: resource.map(str::to_string),
            context: BTreeMap::new(),
        }
    }

    /// Adds (or replaces) a single-valued context key.
    pub fn with_context(mut self, key: &str, value: &str) -> Request {
        self.set_context(key, vec![value.to_string()], false);
        self
    }

    pub fn set_context(&mut self, key: &str, mut values: Vec<String>, is_array: bool) {
        // A key the catalog types single-valued holds one value: the same value given twice is
        // that one value (the prover gives such a key one slot, so "present" means "single").
        if values.len() > 1 && crate::catalog::catalog().is_multivalued(key) == Some(false) {
            let mut seen = std::collections::BTreeSet::new();
            values.retain(|v| seen.insert(v.clone()));
        }
        self.context.insert(
            key.to_lowercase(),
            ContextValue {
                name: key.to_string(),
                values,
                is_array,
            },
        );
    }

    /// The values given for a key (case-insensitive), if any.
    pub fn context_values(&self, key_lower: &str) -> Option<&[String]> {
        self.context.get(key_lower).map(|c| c.values.as_slice())
    }
}

impl Serialize for Principal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (kind, value) = match self {
            Principal::Anonymous => return serializer.serialize_str("anonymous"),
            Principal::Aws(v) => ("AWS", v),
            Principal::Service(v) => ("Service", v),
            Principal::Federated(v) => ("Federated", v),
            Principal::CanonicalUser(v) => ("CanonicalUser", v),
        };
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(kind, value)?;
        map.end()
    }
}

impl Serialize for Request {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("principal", &self.principal)?;
        map.serialize_entry("action", &self.action)?;
        if let Some(resource) = &self.resource {
            map.serialize_entry("resource", resource)?;
        }
        let context: BTreeMap<&str, serde_json::Value> = self
            .context
            .values()
            .map(|c| {
                let value = if c.is_array || c.values.len() != 1 {
                    serde_json::Value::Array(
                        c.values
                            .iter()
                            .cloned()
                            .map(serde_json::Value::String)
                            .collect(),
                    )
                } else {
                    serde_json::Value::String(c.values[0].clone())
                };
                (c.name.as_str(), value)
            })
            .collect();
        map.serialize_entry("context", &context)?;
        map.end()
    }
}
