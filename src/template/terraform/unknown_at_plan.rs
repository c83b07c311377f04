//! A policy attribute unknown at plan time (`after_unknown`): rendered from the
//! `aws_iam_policy_document` it reads when that is known (prior state, or constant
//! configuration), else refused as unknown, naming the references it waits for.

use super::{document, push, Plan};
use crate::parse::{Json, JsonKind, Span};
use crate::template::{Extraction, PolicyKind, Refusal};

/// An attribute absent from `values`: unknown until apply, or simply not set.
pub(super) fn unknown_attribute(
    plan: &Plan,
    extraction: &mut Extraction,
    address: &str,
    kind: &str,
    name: &str,
    policy_kind: PolicyKind,
    span: Span,
) {
    let after_unknown = plan
        .changes
        .get(address)
        .and_then(|c| c.get("change"))
        .and_then(|c| c.get("after_unknown"))
        .and_then(|u| u.get(name));
    let is_unknown = after_unknown.is_some_and(|u| !matches!(u.kind, JsonKind::Bool(false)));
    if !is_unknown {
        return;
    }
    let Some(expression) = configured(plan, address, name) else {
        extraction.notes.push(format!(
            "{address} {name} is computed by the provider (not set in the configuration)"
        ));
        return;
    };
    let references = references_of(expression);
    // The policy of a data source known in the prior state, or rendered from constants.
    for reference in &references {
        let data = reference.strip_suffix(".json").unwrap_or(reference);
        if !data.starts_with("data.aws_iam_policy_document.") {
            continue;
        }
        let data_address = module_prefix(address).to_string() + data;
        if let Some(text) = plan
            .prior_data
            .get(&data_address)
            .and_then(|d| d.get("values"))
            .and_then(|v| v.get("json"))
            .and_then(Json::as_str)
        {
            if let Ok(doc) = document(text, span) {
                push(
                    extraction,
                    address,
                    name,
                    kind,
                    policy_kind,
                    doc,
                    &Json {
                        kind: JsonKind::Null,
                        span,
                    },
                );
                return;
            }
        }
        // Not rendered in the plan: rendered here, its unknown parts as unknown values.
        let planned = plan.changes.get(data_address.as_str()).copied();
        let configured =
            configured_resource(plan, &data_address).and_then(|r| r.get("expressions"));
        if planned.is_none() && configured.is_none() {
            continue;
        }
        let rendered = crate::template::policy_document::render(&data_address, planned, configured)
            .and_then(|r| Ok((document(&r.document.to_string(), span)?, r.unknown_values)));
        match rendered {
            Ok((doc, unknown_values)) => {
                let null = Json {
                    kind: JsonKind::Null,
                    span,
                };
                push(extraction, address, name, kind, policy_kind, doc, &null);
                if let Some(policy) = extraction.policies.last_mut() {
                    policy.unknown_values = unknown_values;
                }
            }
            Err(reason) => extraction.refusals.push(Refusal {
                origin: address.into(),
                path: name.into(),
                resource_type: kind.into(),
                reason,
                span,
            }),
        }
        return;
    }
    let waits_for: Vec<&String> = references
        .iter()
        .filter(|r| !r.ends_with(".json"))
        .collect();
    let waits_for = if waits_for.is_empty() {
        references.iter().collect()
    } else {
        waits_for
    };
    let names: Vec<String> = waits_for.iter().map(|r| format!("`{r}`")).collect();
    extraction.refusals.push(Refusal {
        origin: address.into(),
        path: name.into(),
        resource_type: kind.into(),
        reason: format!(
            "unknown: the policy in `{name}` is known only after apply (it reads {}); no variable can stand for a whole policy",
            if names.is_empty() { "values computed at apply time".to_string() } else { names.join(", ") }
        ),
        span,
    });
}

/// `module.a.module.b.` of an address (empty at the root).
fn module_prefix(address: &str) -> &str {
    let mut end = 0;
    let mut rest = address;
    while let Some(after) = rest.strip_prefix("module.") {
        let name_end = after.find('.').unwrap_or(after.len());
        let consumed = "module.".len() + name_end + 1;
        if consumed > rest.len() {
            break;
        }
        end += consumed;
        rest = &rest[consumed..];
    }
    &address[..end.min(address.len())]
}

/// The configuration expression of an attribute, found through the module calls.
fn configured<'p>(plan: &Plan<'p>, address: &str, name: &str) -> Option<&'p Json> {
    configured_resource(plan, address)?
        .get("expressions")?
        .get(name)
}

/// The configuration block of a resource (or data source), found through the module calls.
fn configured_resource<'p>(plan: &Plan<'p>, address: &str) -> Option<&'p Json> {
    let mut module = plan.configuration?.get("root_module")?;
    let mut rest = address;
    while let Some(after) = rest.strip_prefix("module.") {
        let end = after.find('.')?;
        let call = after[..end].split('[').next()?;
        module = module.get("module_calls")?.get(call)?.get("module")?;
        rest = &after[end + 1..];
    }
    let local = rest.split('[').next()?;
    module
        .get("resources")?
        .as_array()?
        .iter()
        .find(|r| r.get("address").and_then(Json::as_str) == Some(local))
}

fn references_of(expression: &Json) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![expression];
    while let Some(value) = stack.pop() {
        match &value.kind {
            JsonKind::Object(members) => {
                for (key, _, v) in members {
                    if key == "references" {
                        out.extend(
                            v.as_array()
                                .unwrap_or_default()
                                .iter()
                                .filter_map(|r| r.as_str().map(str::to_string)),
                        );
                    } else {
                        stack.push(v);
                    }
                }
            }
            JsonKind::Array(items) => stack.extend(items.iter()),
            _ => {}
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::module_prefix;

    #[test]
    fn module_prefixes() {
        assert_eq!(module_prefix("aws_iam_role.r"), "");
        assert_eq!(
            module_prefix("module.poc.aws_iam_role.r[\"p1\"]"),
            "module.poc."
        );
        assert_eq!(
            module_prefix("module.a[0].module.b.aws_s3_bucket_policy.p"),
            "module.a[0].module.b."
        );
    }
}
