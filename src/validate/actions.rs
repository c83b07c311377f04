//! Action / NotAction: unknown services and actions (catalog), typos with a suggestion,
//! wildcards in service names, redundant actions, SCP wildcards, iam:PassRole and
//! iam:CreateServiceLinkedRole on every resource, actions a resource type does not support.

use super::finding::{Finding, FindingType};
use super::tree::{Collector, Item, StatementView};
use super::PolicyKind;
use crate::automata::is_subset;
use crate::catalog::catalog;
use crate::parse::Json;
use crate::pattern::{Glob, Token};

pub fn check(c: &mut Collector, root: &Json) {
    for s in super::tree::statements(root) {
        let Some((element, items)) = s.actions() else {
            continue;
        };
        for item in &items {
            one_action(c, item);
        }
        redundant(c, &items);
        if s.is_allow() {
            sensitive(c, &s, element, &items);
        }
        if c.kind == PolicyKind::Resource {
            unsupported_for_resource_type(c, &items);
        }
    }
}

/// Discontinued AWS services whose action prefixes still appear in AWS managed policies and
/// that Access Analyzer still accepts; the catalog no longer lists them.
pub const RETIRED_SERVICES: [&str; 18] = [
    "applicationwizard",
    "catalog-admin",
    "catalog-user",
    "codestar",
    "crowd",
    "datazonecontrol",
    "deepcomposer",
    "deeplens",
    "deepracer",
    "ec2-reports",
    "evidently",
    "iot1click",
    "iotevents",
    "iotroborunner",
    "mobilehub",
    "sagemaker-groundtruth-synthetic",
    "sumerian",
    "zocalo",
];

/// Lowercase glob of an action pattern.
pub fn action_glob(text: &str) -> Glob {
    Glob::wildcard(&text.to_lowercase())
}

fn one_action(c: &mut Collector, item: &Item) {
    let text = item.text;
    if text == "*" || text.contains("${") {
        return;
    }
    let location = c.at(item.path.clone(), item.json);
    let Some((service, name)) = text.split_once(':') else {
        c.push(Finding::access_analyzer(
            "INVALID_ACTION",
            format!("The action {text} does not exist: actions are written service:ActionName."),
            vec![location],
        ));
        return;
    };
    if c.kind == PolicyKind::ServiceControlPolicy {
        if let Some(star) = text.find(['*', '?']) {
            if text[star..].len() > 1 || text[star..].starts_with('?') {
                c.report(
                    "SCP_SYNTAX_ERROR_ACTION_WILDCARD",
                    format!("SCPs support a wildcard only at the end of an action: {text}."),
                    location.clone(),
                );
            }
        }
    }
    if service.contains(['*', '?']) {
        c.report(
            "WILDCARD_IN_SERVICE_NAME",
            format!("Avoid wildcards in the service name of {text}: name the service."),
            location,
        );
        return;
    }
    let cat = catalog();
    let Some(info) = cat.service(service) else {
        if RETIRED_SERVICES.contains(&service.to_lowercase().as_str()) {
            c.push(Finding::keyaki("retired-service", FindingType::Suggestion, format!("The service of {text} has been retired by AWS and is not in the catalog: the action no longer grants anything. Remove it."), vec![location]).from_catalog());
            return;
        }
        c.push(
            Finding::access_analyzer(
                "INVALID_SERVICE_IN_ACTION",
                format!("The service {text} specified in the action does not exist."),
                vec![location],
            )
            .from_catalog(),
        );
        return;
    };
    if !super::memo::actions_matching(text).is_empty() {
        return;
    }
    c.push(
        Finding::access_analyzer(
            "INVALID_ACTION",
            format!("The action {text} does not exist."),
            vec![location.clone()],
        )
        .from_catalog(),
    );
    if name.contains(['*', '?']) {
        return;
    }
    let candidates: Vec<&str> = cat
        .service_actions(&info.prefix)
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    if let Some(suggestion) = crate::parse::suggest(name, &candidates) {
        c.push(
            Finding::keyaki(
                "action-typo",
                FindingType::Error,
                format!("{text} is not an action of {} in the catalog; did you mean {}:{suggestion}? (A service may have added the action after the catalog's date.)", info.prefix, info.prefix),
                vec![location],
            )
            .from_catalog(),
        );
    }
}

/// Access Analyzer's REDUNDANT_ACTION: one finding per action that covers others of the same
/// list (language inclusion of the globs; exact duplicates count).
fn redundant(c: &mut Collector, items: &[Item]) {
    let globs: Vec<Glob> = items.iter().map(|i| action_glob(i.text)).collect();
    let buckets: Vec<Option<String>> = items.iter().map(|i| action_bucket(i.text)).collect();
    let prefixes: Vec<String> = globs.iter().map(Glob::literal_prefix).collect();
    let groups = covering_groups(&globs, &buckets, &prefixes);
    push_redundant(c, items, groups, "REDUNDANT_ACTION", |size, example| {
        format!("The {size} action(s) are redundant because they provide similar permissions. Update the policy to remove the redundant action such as: {example}.")
    });
}

/// One `code` finding per group of [`covering_groups`], located at each item of the group;
/// `message(group size, a covered item)`.
pub(super) fn push_redundant(
    c: &mut Collector,
    items: &[Item],
    groups: Vec<(usize, Vec<usize>)>,
    code: &str,
    message: impl Fn(usize, &str) -> String,
) {
    for (a, covered) in groups {
        let mut group = covered.clone();
        group.push(a);
        group.sort_unstable();
        let locations = group
            .iter()
            .map(|&i| c.at(items[i].path.clone(), items[i].json))
            .collect();
        let details = message(group.len(), items[covered[0]].text);
        c.push(Finding::access_analyzer(code, details, locations));
    }
}

/// `L(a) ⊆ L(b)`, with the cheap cases first (most list entries are literals).
pub fn glob_within(a: &Glob, b: &Glob) -> bool {
    if a == b {
        return true;
    }
    match (a.as_literal(), b.is_literal()) {
        (Some(_), true) => false,
        (Some(text), false) => b.matches(&text),
        (None, true) => false,
        // A wildcard pattern's strings start with its literal prefix followed by almost any
        // character (and end likewise): `b` can hold them all only if its literal prefix and
        // suffix are a prefix and a suffix of `a`'s.
        (None, false) => {
            a.literal_prefix().starts_with(&b.literal_prefix())
                && literal_suffix(a).ends_with(&literal_suffix(b))
                && is_subset(a, b)
        }
    }
}

fn literal_suffix(glob: &Glob) -> String {
    let mut chars: Vec<char> = glob
        .tokens()
        .iter()
        .rev()
        .map_while(|t| match t {
            Token::Lit(c) => Some(*c),
            _ => None,
        })
        .collect();
    chars.reverse();
    chars.into_iter().collect()
}

/// For each glob that nothing else strictly covers (the first of equals): the others it covers.
/// `buckets[i]` (a service name) says which globs can relate at all: `None` relates to every
/// glob. `prefixes[i]` is a literal start of the part after the bucket: `a ⊆ b` needs
/// `prefixes[b]` to be a prefix of `prefixes[a]` (a cheap test before the automata).
pub fn covering_groups(
    globs: &[Glob],
    buckets: &[Option<String>],
    prefixes: &[String],
) -> Vec<(usize, Vec<usize>)> {
    let n = globs.len();
    let comparable = |a: usize, b: usize| {
        prefixes[a].starts_with(&prefixes[b])
            && match (&buckets[a], &buckets[b]) {
                (Some(x), Some(y)) => x == y,
                _ => true,
            }
    };
    let wildcards: Vec<usize> = (0..n).filter(|&i| !globs[i].is_literal()).collect();
    let within = |a: usize, b: usize| comparable(a, b) && glob_within(&globs[a], &globs[b]);
    let equal = |a: usize, b: usize| within(a, b) && within(b, a);
    // Only a wildcard or an equal literal can cover an entry.
    let coverers = |a: usize| {
        let literal_twins = (0..n).filter(move |&b| b != a && globs[b] == globs[a]);
        wildcards
            .iter()
            .copied()
            .filter(move |&b| b != a)
            .chain(literal_twins)
    };
    let dominated = |a: usize| coverers(a).any(|b| within(a, b) && (!equal(a, b) || b < a));
    let mut out = Vec::new();
    for a in 0..n {
        if dominated(a) {
            continue;
        }
        let covered: Vec<usize> = if globs[a].is_literal() {
            (0..n).filter(|&b| b != a && globs[b] == globs[a]).collect()
        } else {
            (0..n).filter(|&b| b != a && within(b, a)).collect()
        };
        if !covered.is_empty() {
            out.push((a, covered));
        }
    }
    out
}

/// The service part of an action (`s3`), unless it has a wildcard.
pub fn action_bucket(text: &str) -> Option<String> {
    let (service, _) = text.split_once(':')?;
    (!service.contains(['*', '?'])).then(|| service.to_lowercase())
}

const PASS_ROLE: &str = "iam:passrole";
const CREATE_SLR: &str = "iam:createservicelinkedrole";

/// PASS_ROLE_* and CREATE_SLR_* findings of an Allow statement.
fn sensitive(c: &mut Collector, s: &StatementView, element: &str, items: &[Item]) {
    let resources = s.resources();
    let not_resource = matches!(resources, Some(("NotResource", _)));
    let star_resource = s.resource_star();
    if !not_resource && star_resource.is_none() {
        return;
    }
    let resource_location = match (&star_resource, s.get("Resource"), s.get("NotResource")) {
        (Some(item), _, _) => c.at(item.path.clone(), item.json),
        (None, _, Some(v)) => c.at(super::tree::with_value(&s.path, "NotResource"), v),
        (None, Some(v), None) => c.at(super::tree::with_value(&s.path, "Resource"), v),
        (None, None, None) => return,
    };
    for (action, prefix, mitigating_key) in [
        (
            PASS_ROLE,
            "PASS_ROLE",
            &["iam:passedtoservice", "iam:associatedresourcearn"][..],
        ),
        (CREATE_SLR, "CREATE_SLR", &["iam:awsservicename"][..]),
    ] {
        if mitigating_key.iter().any(|k| pins_key(s, k)) {
            continue;
        }
        let (code, action_location) = if element == "NotAction" {
            if items.iter().any(|i| action_glob(i.text).matches(action)) {
                continue;
            }
            let shape = if not_resource {
                "WITH_NOT_ACTION_AND_NOT_RESOURCE"
            } else {
                "WITH_STAR_IN_RESOURCE_AND_NOT_ACTION"
            };
            (
                format!("{prefix}_{shape}"),
                s.get("NotAction")
                    .map(|v| c.at(super::tree::with_value(&s.path, "NotAction"), v)),
            )
        } else {
            let Some(item) = items.iter().find(|i| action_glob(i.text).matches(action)) else {
                continue;
            };
            let wildcard = item.text.contains(['*', '?']);
            let shape = match (wildcard, not_resource) {
                (true, true) => "WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
                (true, false) => "WITH_STAR_IN_ACTION_AND_RESOURCE",
                (false, true) => "WITH_NOT_RESOURCE",
                (false, false) => "WITH_STAR_IN_RESOURCE",
            };
            (
                format!("{prefix}_{shape}"),
                Some(c.at(item.path.clone(), item.json)),
            )
        };
        let name = if action == PASS_ROLE {
            "iam:PassRole"
        } else {
            "iam:CreateServiceLinkedRole"
        };
        let advice = if action == PASS_ROLE {
            "We recommend that you specify resource ARNs or add the iam:PassedToService condition key to your statement."
        } else {
            "We recommend that you specify resource ARNs instead."
        };
        let mut locations: Vec<_> = action_location.into_iter().collect();
        locations.push(resource_location.clone());
        c.push(Finding::access_analyzer(
            &code,
            format!("The statement allows {name} on every resource it does not exclude (wildcards or NotResource/NotAction), which can be overly permissive. {advice}"),
            locations,
        ));
    }
}

/// Does the statement require `key` to be present and match values with a literal start?
/// (`...IfExists`, negated operators and values starting with a wildcard leave the action
/// open, and Access Analyzer still reports it; `ec2.amazonaws.com*` pins the service.)
fn pins_key(s: &StatementView, key: &str) -> bool {
    let Some(blocks) = s.get("Condition").and_then(Json::as_object) else {
        return false;
    };
    blocks.iter().any(|(operator, _, block)| {
        let Ok(op) = crate::parse::parse_operator(operator) else {
            return false;
        };
        !op.if_exists
            && !op.negated
            && op.set != crate::model::SetQualifier::ForAllValues
            && block
                .as_object()
                .unwrap_or_default()
                .iter()
                .any(|(k, _, values)| {
                    k.eq_ignore_ascii_case(key)
                        && super::tree::string_items(values, &[])
                            .iter()
                            .all(|v| !v.text.is_empty() && !v.text.starts_with(['*', '?']))
                })
    })
}

/// The service whose actions a resource policy attached to `resource_type` can grant.
pub fn resource_type_service(resource_type: &str) -> Option<&'static str> {
    Some(match resource_type.to_ascii_lowercase().as_str() {
        "aws::s3::bucket"
        | "aws::s3::bucketpolicy"
        | "aws::s3::accesspoint"
        | "aws::s3::multiregionaccesspoint" => "s3",
        "aws::kms::key" => "kms",
        "aws::sqs::queue" | "aws::sqs::queuepolicy" => "sqs",
        "aws::sns::topic" | "aws::sns::topicpolicy" => "sns",
        "aws::secretsmanager::secret" | "aws::secretsmanager::resourcepolicy" => "secretsmanager",
        "aws::lambda::function" | "aws::lambda::permission" => "lambda",
        "aws::ecr::repository" => "ecr",
        "aws::iam::assumerolepolicydocument" | "aws::iam::role" => "sts",
        "aws::glacier::vault" => "glacier",
        "aws::efs::filesystem" => "elasticfilesystem",
        "aws::backup::backupvault" => "backup",
        "aws::apigateway::restapi" => "execute-api",
        "aws::dynamodb::table" => "dynamodb",
        "aws::s3express::directorybucket" => "s3express",
        _ => return None,
    })
}

fn unsupported_for_resource_type(c: &mut Collector, items: &[Item]) {
    let Some(resource_type) = c.options.resource_type.clone() else {
        return;
    };
    let Some(service) = resource_type_service(&resource_type) else {
        return;
    };
    for item in items {
        let Some((prefix, _)) = item.text.split_once(':') else {
            continue;
        };
        if prefix.contains(['*', '?']) || prefix.eq_ignore_ascii_case(service) {
            continue;
        }
        let location = c.at(item.path.clone(), item.json);
        c.report("UNSUPPORTED_ACTION_IN_POLICY", format!("The action {} is not supported for the resource type {resource_type}: a policy attached to it can grant only {service} actions.", item.text), location);
    }
}
