//! The catalog's lookup tables, computed from the catalog JSON.
//!
//! `build.rs` includes this file and writes the tables of the embedded catalog out as static
//! arrays, so a `keyaki` process starts without decoding or sorting anything;
//! `Catalog::from_json` computes the same tables at run time. One file serves both, so the
//! two cannot disagree. Plain `std` and `serde_json` only.

use super::key_type::KeyType;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// One service: its lowercase prefix, and its JSON in parts, each decoded on first use.
#[derive(Debug, Clone)]
pub struct ServiceRow {
    pub prefix: Cow<'static, str>,
    /// `{"name": …, "resources": […], "keys": […]}`.
    pub detail: Cow<'static, str>,
    /// Each action's lowercase `prefix:name`, sorted: a lookup finds an action (or the
    /// actions a glob's literal prefix allows) without decoding any.
    pub action_names: Packed,
    /// Each action's JSON, `[name, level, resources, keys?]`, in the order of `action_names`:
    /// most of the catalog.
    pub actions: Packed,
}

/// A list of strings as one text and the end of each (offsets, not pointers: a static table
/// of them needs no relocation when the binary is loaded).
#[derive(Debug, Clone, Default)]
pub struct Packed {
    pub text: Cow<'static, str>,
    pub ends: Cow<'static, [u32]>,
}

impl Packed {
    pub fn new<'a>(items: impl IntoIterator<Item = &'a str>) -> Packed {
        let mut text = String::new();
        let mut ends = Vec::new();
        for item in items {
            text.push_str(item);
            ends.push(text.len() as u32);
        }
        Packed {
            text: Cow::Owned(text),
            ends: Cow::Owned(ends),
        }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn get(&self, i: usize) -> Option<&str> {
        let start = match i.checked_sub(1) {
            Some(before) => *self.ends.get(before)? as usize,
            None => 0,
        };
        self.text.get(start..*self.ends.get(i)? as usize)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

/// One condition key: lowercase name, canonical name, declared type.
#[derive(Debug, Clone)]
pub struct KeyRow {
    pub lower: Cow<'static, str>,
    pub name: Cow<'static, str>,
    pub key_type: KeyType,
}

#[derive(Debug, Clone, Default)]
pub struct Tables {
    pub version: String,
    /// Sorted by prefix.
    pub services: Vec<ServiceRow>,
    /// Indexes into `services` sorted by `prefix:`, the order of lowercase action names.
    pub action_order: Vec<u32>,
    /// Keys without placeholders, sorted by lowercase name.
    pub keys: Vec<KeyRow>,
    /// Keys with a `${...}` or `<...>` placeholder, sorted by lowercase name.
    pub key_templates: Vec<KeyRow>,
}

/// Where the catalog data has the wrong shape.
#[derive(Debug)]
pub struct TableError {
    pub path: String,
    pub message: String,
}

fn error(path: impl Into<String>, message: impl Into<String>) -> TableError {
    TableError {
        path: path.into(),
        message: message.into(),
    }
}

fn string<'a>(value: Option<&'a Value>, path: &str) -> Result<&'a str, TableError> {
    value
        .and_then(Value::as_str)
        .ok_or_else(|| error(path, "expected a string"))
}

fn array<'a>(value: Option<&'a Value>, path: &str) -> Result<&'a Vec<Value>, TableError> {
    value
        .and_then(Value::as_array)
        .ok_or_else(|| error(path, "expected an array"))
}

fn key_type(text: &str, path: &str) -> Result<KeyType, TableError> {
    KeyType::parse(text).ok_or_else(|| error(path, format!("unknown key type `{text}`")))
}

/// The name has a `${...}` or `<...>` placeholder and stands for a family of keys.
pub fn is_templated(key: &str) -> bool {
    key.contains("${") || (key.contains('<') && key.contains('>'))
}

/// Text before the first `:` (the service prefix of a key or action).
pub fn key_prefix(lower: &str) -> &str {
    lower.split(':').next().unwrap_or_default()
}

/// A service's actions as (lowercase `prefix:name`, JSON), sorted by name; two actions
/// whose names differ only in case are an error.
fn sorted_actions(
    prefix: &str,
    actions: &[Value],
    path: &str,
) -> Result<Vec<(String, String)>, TableError> {
    let mut rows = Vec::with_capacity(actions.len());
    for (j, action) in actions.iter().enumerate() {
        let name = string(action.get(0), &format!("{path}[{j}][0]"))?;
        rows.push((
            format!("{prefix}:{name}").to_lowercase(),
            action.to_string(),
        ));
    }
    rows.sort();
    if let Some(pair) = rows.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(error(path, format!("duplicate action {}", pair[1].0)));
    }
    Ok(rows)
}

/// The tables of `iam-catalog.json` and `global-condition-keys.json` (both parsed).
pub fn build(catalog: &Value, global_keys: &Value) -> Result<Tables, TableError> {
    let version = catalog
        .get("version")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut services = Vec::new();
    // Service keys: lowercase name → (row, defined by the owning service?).
    let mut service_keys: BTreeMap<String, (KeyRow, bool)> = BTreeMap::new();
    for (i, service) in array(catalog.get("services"), "services")?
        .iter()
        .enumerate()
    {
        let path = format!("services[{i}]");
        let prefix = string(service.get("prefix"), &format!("{path}.prefix"))?.to_lowercase();
        let name = string(service.get("name"), &format!("{path}.name"))?;
        let actions = sorted_actions(
            &prefix,
            array(service.get("actions"), &format!("{path}.actions"))?,
            &format!("{path}.actions"),
        )?;
        let resources = array(service.get("resources"), &format!("{path}.resources"))?;
        let keys = array(service.get("keys"), &format!("{path}.keys"))?;
        for (j, key) in keys.iter().enumerate() {
            let name = string(key.get(0), &format!("{path}.keys[{j}][0]"))?;
            let type_path = format!("{path}.keys[{j}][1]");
            let key_type = key_type(string(key.get(1), &type_path)?, &type_path)?;
            let lower = name.to_lowercase();
            // The owning service (`identitystore` for `identitystore:UserId`) decides the
            // type when services disagree; otherwise the first service in catalog order.
            let owned_by_service = key_prefix(&lower) == prefix;
            let replace = match service_keys.get(&lower) {
                None => true,
                Some((_, existing_owned)) => owned_by_service && !existing_owned,
            };
            if replace {
                let row = KeyRow {
                    lower: Cow::Owned(lower.clone()),
                    name: Cow::Owned(name.to_string()),
                    key_type,
                };
                service_keys.insert(lower, (row, owned_by_service));
            }
        }
        let mut detail = Map::new();
        detail.insert("name".into(), Value::from(name));
        detail.insert("resources".into(), Value::Array(resources.clone()));
        detail.insert("keys".into(), Value::Array(keys.clone()));
        services.push(ServiceRow {
            prefix: Cow::Owned(prefix),
            detail: Cow::Owned(Value::Object(detail).to_string()),
            action_names: Packed::new(actions.iter().map(|a| a.0.as_str())),
            actions: Packed::new(actions.iter().map(|a| a.1.as_str())),
        });
    }
    services.sort_by(|a, b| a.prefix.cmp(&b.prefix));
    if let Some(pair) = services.windows(2).find(|w| w[0].prefix == w[1].prefix) {
        return Err(error(
            "services",
            format!("duplicate service {}", pair[1].prefix),
        ));
    }
    let mut action_order: Vec<u32> = (0..services.len() as u32).collect();
    action_order.sort_by_cached_key(|&i| format!("{}:", services[i as usize].prefix));

    // Global keys win over what services list for `aws:` keys: they describe the request
    // context itself.
    let mut all_keys: BTreeMap<String, KeyRow> = service_keys
        .into_iter()
        .map(|(lower, (row, _))| (lower, row))
        .collect();
    for (i, global) in array(global_keys.get("keys"), "keys")?.iter().enumerate() {
        let name = string(global.get("key"), &format!("keys[{i}].key"))?;
        let type_path = format!("keys[{i}].type");
        let key_type = key_type(string(global.get("type"), &type_path)?, &type_path)?;
        let lower = name.to_lowercase();
        let row = KeyRow {
            lower: Cow::Owned(lower.clone()),
            name: Cow::Owned(name.to_string()),
            key_type,
        };
        all_keys.insert(lower, row);
    }
    let (key_templates, keys) = all_keys
        .into_values()
        .partition(|row| is_templated(&row.name));
    Ok(Tables {
        version,
        services,
        action_order,
        keys,
        key_templates,
    })
}
