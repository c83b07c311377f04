//! The `Principal` and `NotPrincipal` elements.

use super::super::json::{Json, JsonKind};
use super::super::{did_you_mean, JsonPath, ParseError};
use super::*;
use crate::arn::Arn;
use crate::model::{PrincipalEntry, PrincipalSet};
use crate::request::is_account_id;

impl Converter<'_> {
    pub(super) fn principals(
        &self,
        value: &Json,
        path: &JsonPath,
        element: &str,
    ) -> Result<PrincipalSet, ParseError> {
        let members = match &value.kind {
            JsonKind::String(text) if text == "*" => {
                return Ok(PrincipalSet {
                    everyone: true,
                    entries: Vec::new(),
                })
            }
            JsonKind::String(text) => {
                return Err(self.error(
                    path,
                    value.span,
                    format!(
                        "`{element}` must be \"*\" or an object such as {{\"AWS\": \"arn:aws:iam::111122223333:root\"}}, found the string `{text}`"
                    ),
                ))
            }
            JsonKind::Object(members) if members.is_empty() => {
                return Err(self.error(path, value.span, format!("`{element}` must not be an empty object")))
            }
            JsonKind::Object(members) => members,
            _ => {
                return Err(wrong_type(
                    self.file,
                    path,
                    value,
                    element,
                    "\"*\" or an object of principal types",
                ))
            }
        };
        let mut set = PrincipalSet::default();
        for (principal_type, key_span, values) in members {
            let type_path = path.key(principal_type);
            if !PRINCIPAL_TYPES.contains(&principal_type.as_str()) {
                return Err(self.error(
                    &type_path,
                    *key_span,
                    format!(
                        "unknown principal type `{principal_type}` (expected AWS, Service, Federated or CanonicalUser){}",
                        did_you_mean(principal_type, &PRINCIPAL_TYPES)
                    ),
                ));
            }
            for item in self.string_list(values, &type_path, principal_type)? {
                if item.text.contains("${") {
                    return Err(self.error(&item.path, item.span, format!(
                        "policy variables are not allowed in `{element}` (`{}`): AWS documents them only in Resource and in Condition string values, and no principal AWS accepts contains `$`, `{{` or `}}` (see encodings/principal-variables.md)",
                        item.text
                    )));
                }
                let entry = match principal_type.as_str() {
                    "AWS" if item.text == "*" => {
                        set.everyone = true;
                        continue;
                    }
                    "AWS" => aws_principal(item.text)
                        .map_err(|message| self.error(&item.path, item.span, message))?,
                    "Service" => PrincipalEntry::Service(item.text.to_string()),
                    "Federated" => PrincipalEntry::Federated(item.text.to_string()),
                    _ => PrincipalEntry::CanonicalUser(item.text.to_string()),
                };
                set.entries.push(entry);
            }
        }
        Ok(set)
    }
}

/// Classifies an `AWS` principal value other than `*`.
fn aws_principal(text: &str) -> Result<PrincipalEntry, String> {
    if is_account_id(text) {
        return Ok(PrincipalEntry::Account {
            account: text.to_string(),
            text: text.to_string(),
        });
    }
    if text.trim() != text {
        return Err(format!(
            "AWS principal `{text}` has leading or trailing whitespace"
        ));
    }
    if text.contains(['*', '?']) {
        return Err(format!(
            "wildcards are not allowed in AWS principals other than a lone \"*\" (`{text}`); use \"*\" with a condition on aws:PrincipalArn"
        ));
    }
    let Some(Arn {
        service,
        region,
        account,
        resource,
        ..
    }) = Arn::parse(text)
        .filter(|a| !a.partition.is_empty() && !a.service.is_empty() && !a.resource.is_empty())
    else {
        return Err(format!(
            "AWS principal `{text}` is neither \"*\", a 12-digit account id nor an ARN"
        ));
    };
    if service == "iam" && region.is_empty() && is_account_id(account) {
        if resource == "root" {
            return Ok(PrincipalEntry::Account {
                account: account.to_string(),
                text: text.to_string(),
            });
        }
        if let Some(role_path) = resource.strip_prefix("role/") {
            // The role name is the last path component: `role/path/to/Name`.
            let name = role_path.rsplit('/').next().unwrap_or(role_path);
            if !name.is_empty() {
                return Ok(PrincipalEntry::Role {
                    arn: text.to_string(),
                    account: account.to_string(),
                    name: name.to_string(),
                });
            }
        }
    }
    Ok(PrincipalEntry::AwsArn {
        arn: text.to_string(),
    })
}
