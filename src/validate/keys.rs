//! Tag condition keys against the actions of a statement: an action whose service does not
//! populate `aws:ResourceTag/...` is never allowed by an Allow scoped on it, and escapes a
//! Deny scoped on it (catalog-dated).

use super::actions::action_glob;
use super::finding::Finding;
use super::tree::{with_value, Collector, StatementView};
use crate::catalog::catalog;
use crate::parse::Json;

/// An action supporting any of these reads tags: Access Analyzer does not report it.
const TAG_KEYS: [&str; 3] = [
    "aws:resourcetag/${tagkey}",
    "aws:requesttag/${tagkey}",
    "aws:tagkeys",
];

/// The `aws:ResourceTag/...` keys of a statement with where they are (non-Null operators).
fn resource_tag_keys(c: &Collector, s: &StatementView) -> Vec<(String, super::Location)> {
    let mut out = Vec::new();
    let cpath = with_value(&s.path, "Condition");
    for (operator, _, block) in s
        .get("Condition")
        .and_then(Json::as_object)
        .unwrap_or_default()
    {
        if operator.starts_with("Null") {
            continue;
        }
        for (key, span, _) in block.as_object().unwrap_or_default() {
            if key.to_lowercase().starts_with("aws:resourcetag/") {
                out.push((
                    key.clone(),
                    c.at_key(&with_value(&cpath, operator), key, *span),
                ));
            }
        }
    }
    out
}

pub fn tag_support(c: &mut Collector, s: &StatementView) {
    let keys = resource_tag_keys(c, s);
    if keys.is_empty() {
        return;
    }
    let allow = s.is_allow();
    let (element, items) = match s.actions() {
        Some(x) => x,
        None => return,
    };
    for (key, key_location) in keys {
        if element == "NotAction" {
            let code = if allow {
                "ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE"
            } else {
                "DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE"
            };
            c.push(Finding::access_analyzer(code, format!("With NotAction and the condition key {key}, the actions of services that do not populate the key are {} by this statement.", if allow { "never allowed" } else { "not denied" }), vec![key_location]).from_catalog());
            continue;
        }
        let cat = catalog();
        let mut unsupported = Vec::new();
        let mut prefixes: Vec<String> = Vec::new();
        for item in &items {
            if item.text.contains(['*', '?']) {
                continue;
            }
            let Some(action) = cat
                .actions_matching(&action_glob(item.text))
                .into_iter()
                .next()
            else {
                continue;
            };
            let supported = cat
                .action_condition_keys(action)
                .iter()
                .any(|k| TAG_KEYS.contains(&k.to_lowercase().as_str()));
            if !supported {
                unsupported.push(c.at(item.path.clone(), item.json));
                if !prefixes.contains(&action.service) {
                    prefixes.push(action.service.clone());
                }
            }
        }
        if unsupported.is_empty() {
            continue;
        }
        let code = if allow {
            "ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE"
        } else {
            "DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE"
        };
        let effect = if allow { "Allow" } else { "Deny" };
        unsupported.push(key_location);
        c.push(
            Finding::access_analyzer(
                code,
                format!("Using the effect {effect} with the condition key {key} and actions for services with the following prefixes does not affect the policy: {}. The actions for the listed service are not {} by this statement. We recommend that you move these actions to a different statement without this condition key.", prefixes.join(", "), if allow { "allowed" } else { "denied" }),
                unsupported,
            )
            .from_catalog(),
        );
    }
}
