//! Opening a catalog: the embedded one from the tables `build.rs` compiled in, another from
//! its JSON; and decoding a service's records on first use.

use super::tables::{self, Packed, ServiceRow, Tables};
use super::{
    raw, shape, AccessLevel, ActionInfo, ActionResource, Catalog, CatalogError, ResourceTypeInfo,
    ServiceInfo,
};
use std::borrow::Cow;
use std::sync::OnceLock;

/// The embedded catalog's tables, written by `build.rs` from `encodings/catalog/iam-catalog.json`
/// and `encodings/global-condition-keys.json`: `VERSION`, `SERVICES`, `ACTION_ORDER`, `KEYS`
/// and `KEY_TEMPLATES`.
mod embedded {
    use super::super::tables::{KeyRow, Packed, ServiceRow};
    use super::super::KeyType;
    use std::borrow::Cow;
    include!(concat!(env!("OUT_DIR"), "/catalog-tables.rs"));
}

impl Catalog {
    /// Builds a catalog from the generated `iam-catalog.json` and `global-condition-keys.json`
    /// texts, decoding and checking every service and action now.
    pub fn from_json(catalog_json: &str, global_keys_json: &str) -> Result<Catalog, CatalogError> {
        let catalog = Catalog::from_json_lazy(catalog_json, global_keys_json)?;
        for (i, row) in catalog.rows.iter().enumerate() {
            let service = ServiceInfo::decode(row)
                .map_err(|message| shape(format!("services[{}]", row.prefix), message))?;
            let actions = decode_actions(&service.prefix, &service.raw_actions)
                .map_err(|message| shape(format!("services[{}].actions", row.prefix), message))?;
            let _ = service.actions.set(actions);
            if let Some(cell) = catalog.services.get(i) {
                let _ = cell.set(service);
            }
        }
        Ok(catalog)
    }

    /// [`Catalog::from_json`] that decodes each service on first use; a malformed service or
    /// action list then reads as empty. (The embedded catalog is opened lazily too; a test
    /// decodes all of it eagerly, so its data is known to be well-formed.)
    pub fn from_json_lazy(
        catalog_json: &str,
        global_keys_json: &str,
    ) -> Result<Catalog, CatalogError> {
        let root: serde_json::Value = serde_json::from_str(catalog_json)?;
        let globals: serde_json::Value = serde_json::from_str(global_keys_json)?;
        let tables = tables::build(&root, &globals).map_err(|e| shape(e.path, e.message))?;
        Ok(Catalog::from_tables(tables))
    }

    fn from_tables(tables: Tables) -> Catalog {
        Catalog::with_rows(
            Cow::Owned(tables.version),
            Cow::Owned(tables.services),
            Cow::Owned(tables.action_order),
            Cow::Owned(tables.keys),
            Cow::Owned(tables.key_templates),
        )
    }

    /// The embedded catalog: its tables are static data; nothing is decoded yet.
    pub(super) fn embedded() -> Catalog {
        Catalog::with_rows(
            Cow::Borrowed(embedded::VERSION),
            Cow::Borrowed(embedded::SERVICES),
            Cow::Borrowed(embedded::ACTION_ORDER),
            Cow::Borrowed(embedded::KEYS),
            Cow::Borrowed(embedded::KEY_TEMPLATES),
        )
    }

    fn with_rows(
        version: Cow<'static, str>,
        rows: Cow<'static, [ServiceRow]>,
        action_order: Cow<'static, [u32]>,
        keys: Cow<'static, [tables::KeyRow]>,
        key_templates: Cow<'static, [tables::KeyRow]>,
    ) -> Catalog {
        Catalog {
            version,
            services: std::iter::repeat_with(OnceLock::new)
                .take(rows.len())
                .collect(),
            rows,
            action_order,
            key_infos: std::iter::repeat_with(OnceLock::new)
                .take(keys.len())
                .collect(),
            keys,
            key_templates,
            key_patterns: OnceLock::new(),
            load_error: None,
        }
    }
}

impl ServiceInfo {
    /// The service of a row; if its JSON were malformed, a service with no resource types,
    /// keys or actions.
    pub(super) fn lazy(row: &ServiceRow) -> ServiceInfo {
        ServiceInfo::decode(row).unwrap_or_else(|_| ServiceInfo {
            prefix: row.prefix.to_string(),
            name: String::new(),
            resource_types: Vec::new(),
            condition_keys: Vec::new(),
            action_names: Packed::default(),
            raw_actions: Packed::default(),
            looked_up: OnceLock::new(),
            actions: OnceLock::new(),
        })
    }

    pub(super) fn decode(row: &ServiceRow) -> Result<ServiceInfo, String> {
        let detail: raw::ServiceDetail =
            serde_json::from_str(&row.detail).map_err(|e| e.to_string())?;
        Ok(ServiceInfo {
            prefix: row.prefix.to_string(),
            name: detail.name.into_owned(),
            resource_types: detail
                .resources
                .into_iter()
                .map(|r| ResourceTypeInfo {
                    name: r.0.into_owned(),
                    arn_template: r.1.into_owned(),
                    condition_keys: owned(r.2),
                })
                .collect(),
            condition_keys: detail.keys.into_iter().map(|k| k.0.into_owned()).collect(),
            action_names: row.action_names.clone(),
            raw_actions: row.actions.clone(),
            looked_up: OnceLock::new(),
            actions: OnceLock::new(),
        })
    }
}

/// Decodes one service's actions (each one's catalog JSON, in the table's order: sorted by
/// lowercase name, which is checked).
pub(super) fn decode_actions(
    prefix: &str,
    raw_actions: &Packed,
) -> Result<Vec<ActionInfo>, String> {
    let actions = raw_actions
        .iter()
        .map(|json| decode_action(prefix, json))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(pair) = actions
        .windows(2)
        .find(|w| w[0].lower_name >= w[1].lower_name)
    {
        return Err(format!(
            "actions out of order or duplicate: {} then {}",
            pair[0].full_name, pair[1].full_name
        ));
    }
    Ok(actions)
}

/// Decodes one action's catalog JSON, `[name, level, resources, keys?]`.
pub(super) fn decode_action(prefix: &str, json: &str) -> Result<ActionInfo, String> {
    let raw: raw::Action = serde_json::from_str(json).map_err(|e| e.to_string())?;
    action_info(prefix, raw)
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
