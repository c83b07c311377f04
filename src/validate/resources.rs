//! Resource / NotResource: ARN format (prefix, fields, partition, service, Region, account,
//! resource part), redundant resources, ARNs a resource policy cannot name, and Keyaki's
//! `resource-matches-no-action` (an ARN no action of its statement can act on).

use super::actions::{covering_groups, push_redundant, resource_type_service};
use super::arns::{
    index, is_region_format, policy_arn_glob_literal_variables, replace_variables, TemplateGlob,
    PARTITIONS,
};
use super::finding::{Finding, FindingType};
use super::memo::arn_disjoint_from;
use super::tree::{Collector, Item, StatementView};
use super::PolicyKind;
use crate::catalog::catalog;
use crate::parse::Json;

/// Statements whose actions expand to more catalog actions than this are not checked by
/// `resource-matches-no-action` (a broad statement is not what that check is for).
const MAX_ACTIONS_FOR_RESOURCE_CHECK: usize = 400;

pub fn check(c: &mut Collector, root: &Json) {
    for s in super::tree::statements(root) {
        let Some((element, items)) = s.resources() else {
            continue;
        };
        for item in &items {
            arn(c, item);
        }
        redundant(c, &items);
        if element == "Resource" {
            resource_matches_no_action(c, &s, &items);
            action_matches_no_resource(c, &s, &items);
        }
    }
}

/// The service field of an ARN (`s3`), unless it has a wildcard or a variable.
fn arn_service(text: &str) -> Option<String> {
    let service = text.split(':').nth(2)?;
    (!service.contains(['*', '?', '$'])).then(|| service.to_string())
}

fn has_wildcard(text: &str) -> bool {
    text.contains(['*', '?'])
}

fn arn(c: &mut Collector, item: &Item) {
    let text = item.text;
    if text == "*" {
        return;
    }
    let location = c.at(item.path.clone(), item.json);
    let plain = replace_variables(text);
    if !plain.starts_with("arn:") {
        if !has_wildcard(plain.get(..4).unwrap_or(&plain)) {
            c.report(
                "INVALID_ARN_PREFIX",
                format!("The resource {text} must start with the prefix arn:."),
                location,
            );
        }
        return;
    }
    let Some(arn) = crate::arn::Arn::split(&plain) else {
        if !plain.ends_with('*') {
            c.report("MISSING_ARN_FIELD", format!("The resource {text} has fewer fields than an ARN: arn:partition:service:region:account:resource."), location);
        }
        return;
    };
    let (partition, service, region, account) =
        (arn.partition, arn.service, arn.region, arn.account);
    if !has_wildcard(partition) && !PARTITIONS.contains(&partition) {
        c.report("INVALID_PARTITION", format!("The partition {partition} in {text} is not valid. Use aws, aws-cn or aws-us-gov, ..."), location.clone());
    }
    if service.chars().any(|ch| ch.is_ascii_uppercase()) {
        c.report(
            "INVALID_ARN_SERVICE_CASE",
            format!("The service {service} in {text} must be lowercase."),
            location,
        );
        return;
    }
    if has_wildcard(service) || service.is_empty() {
        return;
    }
    let Some(shape) = index().services.get(service) else {
        if super::actions::RETIRED_SERVICES.contains(&service) {
            return;
        }
        c.push(
            Finding::access_analyzer(
                "INVALID_SERVICE",
                format!("The service {service} does not exist. Use a valid service name."),
                vec![location],
            )
            .from_catalog(),
        );
        return;
    };
    if shape.templates.is_empty() {
        return;
    }
    if !region.is_empty() && !has_wildcard(region) {
        if !shape.region {
            c.push(Finding::access_analyzer("ARN_REGION_NOT_ALLOWED", format!("The service {service} does not use a Region in its ARNs: remove {region} from {text}."), vec![location.clone()]).from_catalog());
        } else if !is_region_format(region) {
            c.report(
                "INVALID_ARN_REGION",
                format!("The Region {region} in {text} is not valid."),
                location.clone(),
            );
        }
    } else if region.is_empty() && !shape.no_region {
        c.push(
            Finding::access_analyzer(
                "MISSING_ARN_REGION",
                format!("The ARN {text} needs a Region for the service {service}."),
                vec![location.clone()],
            )
            .from_catalog(),
        );
    }
    if !account.is_empty() && !has_wildcard(account) {
        if !shape.account {
            c.push(Finding::access_analyzer("ARN_ACCOUNT_NOT_ALLOWED", format!("The service {service} does not use an account ID in its ARNs: remove {account} from {text}."), vec![location.clone()]).from_catalog());
        } else if !(account.len() == 12 && account.chars().all(|ch| ch.is_ascii_digit()))
            && account != "aws"
        {
            c.report(
                "INVALID_ARN_ACCOUNT",
                format!(
                    "The account ID {account} in {text} is not valid: use a 12-digit account ID."
                ),
                location.clone(),
            );
        }
    }
    if c.kind == PolicyKind::Resource {
        if let Some(owner) = c
            .options
            .resource_type
            .as_deref()
            .and_then(resource_type_service)
        {
            if owner != service && !c.options.is_trust_policy() {
                c.report("UNSUPPORTED_RESOURCE_ARN_IN_POLICY", format!("The resource {text} is not valid in a policy attached to {}: name {owner} resources.", c.options.resource_type.clone().unwrap_or_default()), location);
            }
        }
    }
}

fn redundant(c: &mut Collector, items: &[Item]) {
    // A variable is one value, not a wildcard: `user/${aws:username}` does not cover `user/*/${aws:username}`.
    let globs: Vec<_> = items
        .iter()
        .map(|i| policy_arn_glob_literal_variables(i.text))
        .collect();
    let buckets: Vec<Option<String>> = items.iter().map(|i| arn_service(i.text)).collect();
    let prefixes: Vec<String> = items
        .iter()
        .map(|i| super::arns::resource_prefix(i.text))
        .collect();
    let groups = covering_groups(&globs, &buckets, &prefixes);
    push_redundant(c, items, groups, "REDUNDANT_RESOURCE", |size, example| {
        format!("The {size} resource ARN(s) are redundant because they reference the same resource. Review the use of wildcards (*), or remove the resource {example} to remove the redundancy.")
    });
}

/// An ARN in `Resource` that no resource type of any action of the statement can match:
/// the statement grants nothing on it (decided on glob automata; catalog-dated).
fn resource_matches_no_action(c: &mut Collector, s: &StatementView, items: &[Item]) {
    let Some(("Action", actions)) = s.actions() else {
        return;
    };
    let mut infos = Vec::new();
    for a in &actions {
        if a.text.contains("${") {
            return;
        }
        let found = super::memo::actions_matching(a.text);
        // An action the catalog does not know may take any resource: no claim.
        if found.is_empty() {
            return;
        }
        infos.extend(found.iter().copied());
        if infos.len() > MAX_ACTIONS_FOR_RESOURCE_CHECK {
            return;
        }
    }
    let mut templates: Vec<&TemplateGlob> = Vec::new();
    for a in &infos {
        templates.extend(super::memo::action_templates(a).iter().copied());
    }
    templates.sort_by_key(|t| std::ptr::from_ref(*t) as usize);
    templates.dedup_by_key(|t| std::ptr::from_ref(*t) as usize);
    for item in items {
        if item.text == "*" || !item.text.starts_with("arn:") {
            continue;
        }
        let service = arn_service(item.text);
        let prefix = super::arns::resource_prefix(item.text);
        let templates: Vec<_> = templates
            .iter()
            .filter(|t| service.as_ref().is_none_or(|s| *s == t.service))
            .collect();
        if templates
            .iter()
            .any(|t| t.prefix_compatible(&prefix) && !arn_disjoint_from(item.text, t))
        {
            continue;
        }
        let names: Vec<&str> = actions.iter().map(|a| a.text).take(5).collect();
        let location = c.at(item.path.clone(), item.json);
        c.push(
            Finding::keyaki(
                "resource-matches-no-action",
                FindingType::Warning,
                format!("No action of the statement ({}) acts on a resource that {} matches, so the statement grants nothing on it. Check the resource type each action takes.", names.join(", "), item.text),
                vec![location],
            )
            .from_catalog(),
        );
    }
}

/// A catalog action that takes resource types, none of which any `Resource` entry of its
/// statement can match (`s3:ListBucket` on `arn:aws:s3:::bucket/*`): the statement never
/// grants that action (glob automata; catalog-dated).
fn action_matches_no_resource(c: &mut Collector, s: &StatementView, items: &[Item]) {
    if items.is_empty()
        || items
            .iter()
            .any(|i| i.text == "*" || !i.text.starts_with("arn:") || i.text.contains("${"))
    {
        return;
    }
    let Some(("Action", actions)) = s.actions() else {
        return;
    };
    let cat = catalog();
    let resources: Vec<_> = items
        .iter()
        .map(|i| {
            (
                arn_service(i.text),
                super::arns::resource_prefix(i.text),
                i.text,
            )
        })
        .collect();
    for a in &actions {
        if a.text.contains(['*', '?']) {
            continue;
        }
        let Some(info) = cat.action(a.text) else {
            continue;
        };
        let templates = super::memo::action_templates(info);
        if templates.is_empty() || templates.len() < info.resource_types.len() {
            continue;
        }
        let reachable = resources.iter().any(|(service, prefix, text)| {
            templates.iter().any(|t| {
                service.as_ref().is_none_or(|x| *x == t.service)
                    && t.prefix_compatible(prefix)
                    && !arn_disjoint_from(text, t)
            })
        });
        if reachable {
            continue;
        }
        let types: Vec<&str> = info
            .resource_types
            .iter()
            .map(|r| r.name.as_str())
            .collect();
        let location = c.at(a.path.clone(), a.json);
        c.push(
            Finding::keyaki(
                "action-matches-no-resource",
                FindingType::Warning,
                format!("{} acts on {} resources, and no Resource of the statement matches one, so the statement never grants {}.", info.full_name, types.join(" / "), info.full_name),
                vec![location],
            )
            .from_catalog(),
        );
    }
}
