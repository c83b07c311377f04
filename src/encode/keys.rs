//! Key planning: per context key, its typed view and how many value slots it needs.

use super::query::{KeyShape, Query, ValueView};
use super::{EncodeError, MAX_SLOTS};
use crate::catalog;
use crate::eval::PolicyType;
use crate::model::{ConditionValue, OperatorKind, Policy, ResourceClause, SetQualifier};
use crate::pattern::Template;
use std::collections::{BTreeMap, BTreeSet};

/// Which operator family reads a key's values, for the typed view.
fn view_of(kind: OperatorKind) -> Option<(ValueView, &'static str)> {
    match kind {
        OperatorKind::Numeric(_) => Some((ValueView::Number, "Numeric")),
        OperatorKind::Date(_) => Some((ValueView::Date, "Date")),
        OperatorKind::Ip => Some((ValueView::Ip, "IpAddress")),
        _ => None,
    }
}

fn family_name(kind: OperatorKind) -> &'static str {
    match kind {
        OperatorKind::String(_) => "String",
        OperatorKind::Numeric(_) => "Numeric",
        OperatorKind::Date(_) => "Date",
        OperatorKind::Bool => "Bool",
        OperatorKind::Binary => "Binary",
        OperatorKind::Ip => "IpAddress",
        OperatorKind::Arn => "Arn",
        OperatorKind::Null => "Null",
    }
}

/// Decides, per context key, its typed view, whether it is multi-valued and how many slots it needs.
///
/// A multi-valued key needs one slot per condition that quantifies over it (each existential
/// after polarity needs at most one witness value) — see `encodings/multivalued-keys.md`.
pub(super) fn plan_keys(
    query: &mut Query,
    policies: &[&Policy],
    _policy_type: PolicyType,
) -> Result<(), EncodeError> {
    struct Usage {
        name: String,
        view: Option<(ValueView, &'static str)>,
        string_family: Option<&'static str>,
        quantified: BTreeSet<String>,
        scale: u32,
        read_by_template: bool,
    }
    let mut usage: BTreeMap<String, Usage> = BTreeMap::new();
    let mut touch = |key_lower: &str, name: &str| -> () {
        usage.entry(key_lower.to_string()).or_insert_with(|| Usage {
            name: name.to_string(),
            view: None,
            string_family: None,
            quantified: BTreeSet::new(),
            scale: 0,
            read_by_template: false,
        });
    };
    let mut template_keys: BTreeSet<String> = BTreeSet::new();
    for policy in policies {
        for statement in &policy.statements {
            let mut templates: Vec<&Template> = Vec::new();
            if let ResourceClause::Resource(p) | ResourceClause::NotResource(p) =
                &statement.resource
            {
                templates.extend(p.iter().map(|p| &p.template));
            }
            for condition in &statement.conditions {
                touch(&condition.key_lower, &condition.key);
                for v in &condition.values {
                    if let ConditionValue::Text(t) = v {
                        templates.push(t);
                    }
                }
            }
            for t in templates {
                for part in &t.parts {
                    if let crate::pattern::TemplatePart::Var { key, key_lower, .. } = part {
                        touch(key_lower, key);
                        template_keys.insert(key_lower.clone());
                    }
                }
            }
        }
    }
    for policy in policies {
        for statement in &policy.statements {
            for condition in &statement.conditions {
                let Some(u) = usage.get_mut(&condition.key_lower) else {
                    continue;
                };
                let kind = condition.operator.kind;
                if kind != OperatorKind::Null {
                    u.quantified.insert(format!(
                        "{}|{:?}",
                        condition.operator.text, condition.values
                    ));
                }
                if condition.operator.set != SetQualifier::Single {
                    // Set operators also ask whether the values are a null data set (all
                    // empty): keeping one non-empty value of a satisfying set keeps that answer,
                    // so one more slot per key suffices (encodings/multivalued-keys.md).
                    u.quantified.insert("non-empty witness".to_string());
                }
                match view_of(kind) {
                    Some(v) => {
                        if let Some(existing) = u.view {
                            if existing.0 != v.0 {
                                return Err(EncodeError::MixedKeyTypes {
                                    key: u.name.clone(),
                                    first: existing.1,
                                    second: v.1,
                                });
                            }
                        }
                        if let Some(s) = u.string_family {
                            return Err(EncodeError::MixedKeyTypes {
                                key: u.name.clone(),
                                first: s,
                                second: v.1,
                            });
                        }
                        u.view = Some(v);
                    }
                    None if kind != OperatorKind::Null => {
                        if let Some(existing) = u.view {
                            return Err(EncodeError::MixedKeyTypes {
                                key: u.name.clone(),
                                first: existing.1,
                                second: family_name(kind),
                            });
                        }
                        u.string_family.get_or_insert(family_name(kind));
                    }
                    None => {}
                }
                for v in &condition.values {
                    if let ConditionValue::Number(n) = v {
                        u.scale = u.scale.max(n.scale + 1);
                    }
                }
            }
        }
    }
    for key in &template_keys {
        if let Some(u) = usage.get_mut(key) {
            u.read_by_template = true;
        }
    }
    for (key, u) in usage {
        // Exactly the requests the evaluator accepts: a key the catalog types single-valued
        // carries one value (the request parser refuses more), whatever operator a policy
        // applies to it; a key the catalog does not know may carry several.
        let multivalued = catalog::catalog().is_multivalued(&key).unwrap_or(true);
        let slots = if multivalued && u.read_by_template {
            // A policy variable reads a key only when it holds exactly one value: two or more
            // make `${k}` read its default (or not resolve) while the conditions still see the
            // values. Keeping each condition's witness plus one more of the request's values
            // keeps both, so two slots at least (encodings/multivalued-keys.md).
            u.quantified.len().max(2)
        } else if multivalued {
            u.quantified.len().max(1)
        } else {
            1
        };
        if slots > MAX_SLOTS {
            return Err(EncodeError::TooManySlots {
                key: u.name,
                needed: slots,
                limit: MAX_SLOTS,
            });
        }
        query.keys.insert(
            key,
            KeyShape {
                name: u.name,
                slots,
                multivalued,
                view: u.view.map(|v| v.0),
                scale: u.scale,
            },
        );
    }
    Ok(())
}
