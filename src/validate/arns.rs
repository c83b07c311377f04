//! ARN shapes from the catalog: the ARN service names, which of them carry a Region or an
//! account, and resource-type templates compiled to globs comparable with policy ARNs.

use crate::catalog::{catalog, ActionInfo};
use crate::pattern::{Glob, Token};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// One resource type's ARN template as a glob, with its service and name.
#[derive(Debug)]
pub struct TemplateGlob {
    /// The ARN's service field (`s3`).
    pub service: String,
    /// The literal start of the resource part (`accesspoint/`), for a cheap disjointness test.
    pub resource_prefix: String,
    /// `${BucketName}` never holds a `/` (for Keyaki's resource/action check).
    pub strict: Glob,
}

/// What the catalog says about the ARNs of one ARN service name (`s3`, `execute-api`, ...).
#[derive(Debug, Default)]
pub struct ArnService {
    pub region: bool,
    pub no_region: bool,
    pub account: bool,
    pub no_account: bool,
    pub templates: Vec<usize>,
}

pub struct ArnIndex {
    pub services: BTreeMap<String, ArnService>,
    pub templates: Vec<TemplateGlob>,
    /// (action service prefix, resource type name lowercase) → template index.
    by_type: BTreeMap<(String, String), usize>,
}

pub fn index() -> &'static ArnIndex {
    static INDEX: OnceLock<ArnIndex> = OnceLock::new();
    INDEX.get_or_init(build)
}

fn build() -> ArnIndex {
    let mut services: BTreeMap<String, ArnService> = BTreeMap::new();
    let mut templates = Vec::new();
    let mut by_type = BTreeMap::new();
    for service in catalog().services() {
        services.entry(service.prefix.clone()).or_default();
        for rt in &service.resource_types {
            let Some(template) = crate::arn::Arn::split(&rt.arn_template) else {
                continue;
            };
            let arn_service = template.service.to_string();
            let entry = services.entry(arn_service.clone()).or_default();
            if template.region.is_empty() {
                entry.no_region = true;
            } else {
                entry.region = true;
            }
            if template.account.is_empty() {
                entry.no_account = true;
            } else {
                entry.account = true;
            }
            entry.templates.push(templates.len());
            by_type.insert(
                (service.prefix.clone(), rt.name.to_lowercase()),
                templates.len(),
            );
            templates.push(TemplateGlob {
                service: arn_service,
                resource_prefix: resource_prefix(&rt.arn_template),
                strict: template_glob(&rt.arn_template, true),
            });
        }
    }
    ArnIndex {
        services,
        templates,
        by_type,
    }
}

impl ArnIndex {
    /// The templates of the resource types an action takes.
    pub fn action_templates(&self, action: &ActionInfo) -> Vec<&TemplateGlob> {
        action
            .resource_types
            .iter()
            .filter_map(|r| {
                self.by_type
                    .get(&(action.service.clone(), r.name.to_lowercase()))
            })
            .filter_map(|&i| self.templates.get(i))
            .collect()
    }
}

/// The resource part of an ARN (after the fifth `:`) up to its first wildcard or placeholder.
pub fn resource_prefix(arn: &str) -> String {
    let resource = crate::arn::resource_of(arn).unwrap_or_default();
    let end = resource.find(['*', '?', '$']).unwrap_or(resource.len());
    resource[..end].to_string()
}

impl TemplateGlob {
    /// Can a policy ARN with this resource-part prefix match the template at all?
    pub fn prefix_compatible(&self, policy_prefix: &str) -> bool {
        policy_prefix.starts_with(&self.resource_prefix)
            || self.resource_prefix.starts_with(policy_prefix)
    }
}

/// In the resource part (after the fifth `:`) `/` and `:` trade places, so that the
/// segment-bounded star (`SegStr`, never `:`) can stand for "never `/`" there. Both sides
/// of every comparison are swapped the same way.
fn swap(c: char) -> char {
    match c {
        '/' => ':',
        ':' => '/',
        other => other,
    }
}

/// A template such as `arn:${Partition}:s3:::${BucketName}/${ObjectName}` as a glob:
/// placeholders are stars (segment-bounded before the resource part).
fn template_glob(template: &str, strict: bool) -> Glob {
    let mut tokens = Vec::new();
    let mut colons = 0usize;
    let mut rest = template;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("${") {
            let end = after.find('}').unwrap_or(after.len());
            let name = &after[..end];
            tokens.push(if colons < 5 || (strict && name == "BucketName") {
                Token::SegStr
            } else {
                Token::AnyStr
            });
            rest = after.get(end + 1..).unwrap_or_default();
            continue;
        }
        let mut chars = rest.chars();
        let Some(c) = chars.next() else { break };
        if c == ':' && colons < 5 {
            colons += 1;
            tokens.push(Token::Lit(':'));
        } else if colons >= 5 {
            tokens.push(Token::Lit(swap(c)));
        } else {
            tokens.push(Token::Lit(c));
        }
        rest = chars.as_str();
    }
    Glob::from_tokens(tokens)
}

/// A policy ARN as a glob in the same swapped form; policy variables become stars.
pub fn policy_arn_glob(text: &str) -> Glob {
    arn_tokens(&replace_variables(text))
}

/// Like [`policy_arn_glob`], but a policy variable is literal text (one unknown value).
pub fn policy_arn_glob_literal_variables(text: &str) -> Glob {
    arn_tokens(
        &text
            .replace("${*}", "\u{1}")
            .replace("${?}", "\u{2}")
            .replace("${$}", "$"),
    )
}

fn arn_tokens(plain: &str) -> Glob {
    let mut tokens = Vec::with_capacity(plain.len());
    let mut colons = 0usize;
    for c in plain.chars() {
        let resource_part = colons >= 5;
        tokens.push(match c {
            '*' if resource_part => Token::AnyStr,
            '*' => Token::SegStr,
            '?' if resource_part => Token::AnyChar,
            '?' => Token::SegChar,
            ':' if !resource_part => {
                colons += 1;
                Token::Lit(':')
            }
            other if resource_part => Token::Lit(swap(other)),
            other => Token::Lit(other),
        });
    }
    Glob::from_tokens(tokens)
}

/// `${aws:username}` → `*` (any value), escapes `${*}` `${?}` `${$}` → the literal character
/// replaced by `*` too (a superset, which only ever avoids a finding).
pub fn replace_variables(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                out.push('*');
                rest = &rest[start + end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

pub const PARTITIONS: [&str; 8] = [
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// `us-east-1`, `us-gov-west-1`, `us-iso-east-1`, `eusc-de-east-1`, ...: the Region shape.
pub fn is_region_format(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() >= 3
        && parts
            .last()
            .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
}
