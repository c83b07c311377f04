//! Principal and NotPrincipal: format, keys, wildcards, unique-id references, service
//! principals, and the role-trust-policy rules (federation, GitHub OIDC, Roles Anywhere).

use super::tree::{string_items, with_value, Collector, Item, StatementView};
use super::PolicyKind;
use crate::parse::{Json, JsonKind};

const PRINCIPAL_KEYS: [&str; 4] = ["AWS", "Service", "Federated", "CanonicalUser"];
/// Keys that tie a service principal's request to the resource or account it acts for.
const SERVICE_SOURCE_KEYS: [&str; 4] = [
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
];
const GITHUB_PROVIDER: &str = "token.actions.githubusercontent.com";

/// `name.amazonaws.com`, `name.amazon.com` or `name.amazonaws.com.cn`, lowercase, one label.
pub fn is_service_principal_format(text: &str) -> bool {
    let Some((name, suffix)) = text.split_once('.') else {
        return false;
    };
    matches!(suffix, "amazonaws.com" | "amazon.com" | "amazonaws.com.cn")
        && !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

pub fn check(c: &mut Collector, root: &Json) {
    let statements = super::tree::statements(root);
    for s in &statements {
        for element in ["Principal", "NotPrincipal"] {
            if let Some(value) = s.get(element) {
                principal(c, s, element, value);
            }
        }
        if s.is_allow() {
            if let Some(value) = s.get("NotPrincipal") {
                let location = c.at(with_value(&s.path, "NotPrincipal"), value);
                c.report("ALLOW_WITH_NOT_PRINCIPAL", "Using Allow with NotPrincipal can be overly permissive: it allows every principal that is not listed, including anonymous ones. Use Principal instead.".to_string(), location);
            }
        }
        if c.kind == PolicyKind::Resource && !c.options.is_trust_policy() && s.is_allow() {
            service_principal_conditions(c, s);
        }
        if c.options.is_trust_policy() {
            trust(c, s);
        }
    }
}

/// The entries of a Principal element: `(key, item)`; `"*"` alone is `("*", item)`.
pub fn entries<'j>(s: &StatementView<'j>, element: &str) -> Vec<(String, Item<'j>)> {
    let Some(value) = s.get(element) else {
        return Vec::new();
    };
    let path = with_value(&s.path, element);
    match &value.kind {
        JsonKind::String(text) => vec![(
            "*".to_string(),
            Item {
                text,
                json: value,
                path,
            },
        )],
        JsonKind::Object(members) => members
            .iter()
            .flat_map(|(k, _, v)| {
                string_items(v, &with_value(&path, k))
                    .into_iter()
                    .map(move |item| (k.clone(), item))
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn principal(c: &mut Collector, s: &StatementView, element: &str, value: &Json) {
    let path = with_value(&s.path, element);
    match &value.kind {
        JsonKind::String(text) if text == "*" => {}
        JsonKind::Object(members) => {
            for (key, span, v) in members {
                if !PRINCIPAL_KEYS.contains(&key.as_str()) {
                    let location = c.at_key(&path, key, *span);
                    c.report("INVALID_PRINCIPAL_KEY", format!("The principal key {key} is not valid. Use AWS, Service, Federated or CanonicalUser."), location);
                    continue;
                }
                let ok = match &v.kind {
                    JsonKind::String(_) => true,
                    JsonKind::Array(items) => {
                        items.iter().all(|i| matches!(i.kind, JsonKind::String(_)))
                    }
                    _ => false,
                };
                if !ok {
                    let location = c.at(with_value(&path, key), v);
                    c.report("INVALID_PRINCIPAL_FORMAT", format!("The value of the principal key {key} must be a string or an array of strings."), location);
                }
            }
        }
        _ => {
            if !value.as_array().is_some_and(<[Json]>::is_empty) {
                let location = c.at(path.clone(), value);
                c.report("INVALID_PRINCIPAL_FORMAT", format!("The {element} element must be \"*\" or an object such as {{\"AWS\": \"arn:aws:iam::111122223333:root\"}}."), location);
            }
        }
    }
    for (key, item) in entries(s, element) {
        entry(c, &key, &item);
    }
}

fn entry(c: &mut Collector, key: &str, item: &Item) {
    let text = item.text;
    let location = c.at(item.path.clone(), item.json);
    let wildcard = text.contains('*') || text.contains('?');
    let trust = c.options.is_trust_policy();
    match key {
        "*" | "AWS" if text == "*" && trust => {
            c.report(
                    "ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
                    "Role trust policies do not support the \"*\" principal: name the principals that may assume the role.".to_string(),
                    location,
                );
        }
        "*" | "AWS" if text == "*" => {}
        "*" => {}
        "AWS" => {
            if wildcard {
                c.report("UNSUPPORTED_WILDCARD_IN_PRINCIPAL", format!("Wildcards are not supported in the principal {text}: use \"*\" alone, or a condition on aws:PrincipalArn."), location);
            } else if text.starts_with("AROA") {
                c.report(
                    "INVALID_ROLE_REFERENCE",
                    format!("{text} looks like a role's unique id: use the role's ARN."),
                    location,
                );
            } else if text.starts_with("AIDA") {
                c.report(
                    "INVALID_USER_REFERENCE",
                    format!("{text} looks like a user's unique id: use the user's ARN."),
                    location,
                );
            }
        }
        "Service" => {
            if wildcard {
                c.report(
                    "UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
                    format!("Wildcards are not supported in the service principal {text}."),
                    location,
                );
            } else if !is_service_principal_format(text) {
                c.report("INVALID_SERVICE_PRINCIPAL_FORMAT", "The service principal does not match the expected format. Use the format service.amazonaws.com, or use one of the following suffixes: .amazon.com, .amazonaws.com.cn with all lowercase letters.".to_string(), location);
            }
        }
        "Federated" => {
            if wildcard {
                c.report(
                    "UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
                    format!("Wildcards are not supported in the federated principal {text}."),
                    location,
                );
            } else if c.kind == PolicyKind::Resource && !trust && c.options.resource_type.is_some()
            {
                c.report(
                    "FEDERATED_PRINCIPAL_NOT_SUPPORTED",
                    "Federated principals are supported only in role trust policies.".to_string(),
                    location,
                );
            } else if trust
                && !(text.starts_with("arn:")
                    && (text.contains(":saml-provider/") || text.contains(":oidc-provider/")))
                && !text.contains('.')
            {
                c.report("INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY", format!("The federated principal {text} is neither a domain name nor a SAML or OIDC provider ARN."), location);
            }
        }
        "CanonicalUser" if wildcard => {
            c.report(
                "UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
                format!("Wildcards are not supported in the canonical user {text}."),
                location,
            );
        }
        _ => {}
    }
}

/// Lowercased condition keys used anywhere in a statement's Condition block.
pub fn condition_keys(s: &StatementView) -> Vec<String> {
    s.get("Condition")
        .and_then(Json::as_object)
        .unwrap_or_default()
        .iter()
        .flat_map(|(_, _, block)| {
            block
                .as_object()
                .unwrap_or_default()
                .iter()
                .map(|(k, _, _)| k.to_lowercase())
        })
        .collect()
}

fn service_principal_conditions(c: &mut Collector, s: &StatementView) {
    let services: Vec<(String, Item)> = entries(s, "Principal")
        .into_iter()
        .filter(|(k, _)| k == "Service")
        .collect();
    let Some((_, first)) = services.first() else {
        return;
    };
    let keys = condition_keys(s);
    if keys
        .iter()
        .any(|k| SERVICE_SOURCE_KEYS.contains(&k.as_str()))
    {
        return;
    }
    let location = c.at(first.path.clone(), first.json);
    if keys.is_empty() {
        c.report("RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL", "Granting access to a service principal without aws:SourceArn, aws:SourceAccount, aws:SourceOrgID or aws:SourceOrgPaths lets the service act on behalf of any account (confused deputy). Add one of these condition keys.".to_string(), location);
    } else {
        c.report("RECOMMENDED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL", "For a service principal we recommend aws:SourceArn, aws:SourceAccount, aws:SourceOrgID or aws:SourceOrgPaths as the condition keys.".to_string(), location);
    }
}

fn actions_lower(s: &StatementView) -> Vec<String> {
    match s.actions() {
        Some(("Action", items)) => items.iter().map(|i| i.text.to_lowercase()).collect(),
        _ => Vec::new(),
    }
}

fn trust(c: &mut Collector, s: &StatementView) {
    let actions = actions_lower(s);
    let has = |a: &str| actions.iter().any(|x| x == a || x == "sts:*" || x == "*");
    let keys = condition_keys(s);
    let principals = entries(s, "Principal");
    for (key, item) in &principals {
        let location = c.at(item.path.clone(), item.json);
        if key == "Federated" {
            let oidc = item.text.contains(":oidc-provider/");
            let saml = item.text.contains(":saml-provider/");
            if (saml
                && actions.iter().any(|a| a == "sts:assumerolewithwebidentity")
                && !has("sts:assumerolewithsaml"))
                || (oidc
                    && actions.iter().any(|a| a == "sts:assumerolewithsaml")
                    && !has("sts:assumerolewithwebidentity"))
            {
                c.report("MISMATCHED_ACTION_FOR_PRINCIPAL", format!("The action does not match the kind of the federated principal {}: use sts:AssumeRoleWithSAML for SAML providers and sts:AssumeRoleWithWebIdentity for OIDC providers.", item.text), location.clone());
            }
            if oidc {
                let provider = item
                    .text
                    .split(":oidc-provider/")
                    .nth(1)
                    .unwrap_or_default()
                    .to_lowercase();
                let provider_keys = keys.iter().any(|k| k.starts_with(&format!("{provider}:")));
                if provider == GITHUB_PROVIDER {
                    if !keys
                        .iter()
                        .any(|k| k == "token.actions.githubusercontent.com:sub")
                    {
                        c.report("MISSING_GITHUB_REPO_CONDITION_KEY", "Trusting GitHub Actions without a condition on token.actions.githubusercontent.com:sub lets every GitHub repository assume the role. Add the sub condition key with your repository.".to_string(), location.clone());
                    }
                } else if !provider_keys {
                    c.report("MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL", format!("Trusting the OIDC provider {provider} without a condition on its claims (aud, sub, ...) can let any of its identities assume the role."), location.clone());
                }
            }
        }
        if key == "Service" && item.text == "rolesanywhere.amazonaws.com" {
            let missing: Vec<&str> = ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]
                .into_iter()
                .filter(|a| !has(&a.to_lowercase()))
                .collect();
            if !missing.is_empty() {
                c.report("MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY", format!("Trust for rolesanywhere.amazonaws.com needs sts:AssumeRole, sts:SetSourceIdentity and sts:TagSession; add {}.", missing.join(", ")), location);
            }
        }
    }
    redundant_trust_principals(c, &principals);
    github_and_audience(c, s);
}

fn redundant_trust_principals(c: &mut Collector, principals: &[(String, Item)]) {
    let roles: Vec<(String, String)> = principals
        .iter()
        .filter(|(k, _)| k == "AWS")
        .filter_map(|(_, i)| {
            let rest = i.text.strip_prefix("arn:aws:iam::")?;
            let (account, resource) = rest.split_once(':')?;
            let name = resource.strip_prefix("role/")?.rsplit('/').next()?;
            Some((account.to_string(), name.to_string()))
        })
        .collect();
    for (key, item) in principals {
        if key != "AWS" {
            continue;
        }
        let Some(rest) = item.text.strip_prefix("arn:aws:sts::") else {
            continue;
        };
        let Some((account, resource)) = rest.split_once(':') else {
            continue;
        };
        let Some(role) = resource
            .strip_prefix("assumed-role/")
            .and_then(|r| r.split('/').next())
        else {
            continue;
        };
        if roles.iter().any(|(a, n)| a == account && n == role) {
            let location = c.at(item.path.clone(), item.json);
            c.report(
                "REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY",
                format!(
                    "The assumed-role session principal {} is redundant: its role is also listed.",
                    item.text
                ),
                location,
            );
        }
    }
}

fn github_and_audience(c: &mut Collector, s: &StatementView) {
    let Some(blocks) = s.get("Condition").and_then(Json::as_object) else {
        return;
    };
    for (operator, _, block) in blocks {
        for (key, span, values) in block.as_object().unwrap_or_default() {
            let lower = key.to_lowercase();
            let path = with_value(&with_value(&s.path, "Condition"), operator);
            if lower == "token.actions.githubusercontent.com:sub" {
                for item in string_items(values, &with_value(&path, key)) {
                    if broad_github_subject(item.text) {
                        let location = c.at(item.path.clone(), item.json);
                        c.report("SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED", format!("The subject {} matches more than one repository or branch: name the repository and branch.", item.text), location);
                    }
                }
            }
            if lower.ends_with(":aud")
                && lower != "aws:aud"
                && !operator.starts_with("ForAnyValue:")
                && !operator.starts_with("ForAllValues:")
                && lower.starts_with("cognito-identity.amazonaws.com")
            {
                let location = c.at_key(&path, key, *span);
                c.report("CONFIRM_AUDIENCE_CLAIM_TYPE", format!("Confirm whether the audience claim {key} is single- or multi-valued and choose the operator (with or without a set qualifier) accordingly."), location);
            }
        }
    }
}

/// `repo:org/*`, `*`, `repo:*`: wider than one repository and branch (or environment, tag, PR).
fn broad_github_subject(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("repo:") else {
        return text.contains('*');
    };
    let mut parts = rest.splitn(2, ':');
    let repo = parts.next().unwrap_or_default();
    let qualifier = parts.next().unwrap_or("*");
    repo.contains('*') || repo.contains('?') || qualifier == "*"
}
