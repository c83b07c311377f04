//! The effective request context: the request's own keys plus keys AWS derives from the principal.

use crate::arn::Arn;
use crate::request::{is_account_id, Principal, Request};
use std::collections::BTreeMap;

/// The context keys a policy sees: every key given in the request, plus the keys of
/// [`derived_principal_keys`] the request does not give. Keys are lowercased (condition key
/// names are case-insensitive); values keep their case.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct EffectiveContext {
    values: BTreeMap<String, Vec<String>>,
}

impl EffectiveContext {
    /// A context from lowercased-or-not key names and their values (names are lowercased here).
    pub fn from_pairs<K, I>(pairs: I) -> EffectiveContext
    where
        K: AsRef<str>,
        I: IntoIterator<Item = (K, Vec<String>)>,
    {
        EffectiveContext {
            values: pairs
                .into_iter()
                .map(|(k, v)| (k.as_ref().to_lowercase(), v))
                .collect(),
        }
    }

    /// The key's values, or None when the key is absent. A key given with an empty array
    /// counts as absent, so this never returns an empty slice.
    pub fn values(&self, key_lower: &str) -> Option<&[String]> {
        self.values
            .get(key_lower)
            .map(Vec::as_slice)
            .filter(|v| !v.is_empty())
    }

    pub fn is_present(&self, key_lower: &str) -> bool {
        self.values(key_lower).is_some()
    }

    /// The value a policy variable substitutes: present and single-valued, else None
    /// (a multi-valued key cannot be substituted).
    pub fn single_value(&self, key_lower: &str) -> Option<&str> {
        match self.values(key_lower)? {
            [only] => Some(only.as_str()),
            _ => None,
        }
    }

    /// Every key (lowercased) with its values, in key order; keys with no values included.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }
}

/// Builds the effective context of a request. Given keys win over derived ones, even a key
/// given with an empty array: the request then says explicitly that the key is absent.
pub fn effective_context(request: &Request) -> EffectiveContext {
    let mut values: BTreeMap<String, Vec<String>> = request
        .context
        .iter()
        .map(|(key_lower, given)| (key_lower.clone(), given.values.clone()))
        .collect();
    for (key_lower, value) in derived_principal_keys(&request.principal) {
        values
            .entry(key_lower.to_string())
            .or_insert_with(|| vec![value]);
    }
    EffectiveContext { values }
}

/// The derivation table: the context keys (lowercased names) AWS sets from the principal alone.
/// Documented in `encodings/eval-derived-keys.md`; `aws:userid` is not derivable from an ARN.
pub fn derived_principal_keys(principal: &Principal) -> Vec<(&'static str, String)> {
    const ARN: &str = "aws:principalarn";
    const ACCOUNT: &str = "aws:principalaccount";
    const TYPE: &str = "aws:principaltype";
    const USERNAME: &str = "aws:username";
    const SERVICE: &str = "aws:principalservicename";
    match principal {
        Principal::Anonymous => vec![(TYPE, "Anonymous".to_string())],
        Principal::Service(name) => vec![(SERVICE, name.clone())],
        Principal::Federated(_) | Principal::CanonicalUser(_) => vec![],
        Principal::Aws(text) if is_account_id(text) => vec![
            // A bare account id stands for the account root; AWS ARNs name their partition,
            // a bare id does not, so the commercial partition is assumed.
            (ARN, format!("arn:aws:iam::{text}:root")),
            (ACCOUNT, text.clone()),
            (TYPE, "Account".to_string()),
        ],
        Principal::Aws(arn) => {
            let Some(parts) = Arn::parse(arn) else {
                // Not an ARN we can read: it is still the caller's ARN, nothing more is known.
                return vec![(ARN, arn.clone())];
            };
            let mut keys = Vec::with_capacity(4);
            let account = parts.account.to_string();
            // `user/path/name` → `("user", "path/name")`.
            match (parts.service, parts.resource.split_once('/')) {
                ("iam", Some(("user", path_and_name))) => {
                    keys.push((ARN, arn.clone()));
                    keys.push((TYPE, "User".to_string()));
                    let name = path_and_name.rsplit('/').next().unwrap_or(path_and_name);
                    keys.push((USERNAME, name.to_string()));
                }
                ("iam", Some(("role", _))) => {
                    // A role acts only through its sessions: the request is a session's.
                    keys.push((ARN, arn.clone()));
                    keys.push((TYPE, "AssumedRole".to_string()));
                }
                ("iam", None) if parts.resource == "root" => {
                    keys.push((ARN, arn.clone()));
                    keys.push((TYPE, "Account".to_string()));
                }
                ("sts", Some(("assumed-role", role_and_session))) => {
                    // The session ARN drops the role's path, so the derived role ARN has none.
                    let role = role_and_session
                        .split_once('/')
                        .map_or(role_and_session, |(role, _session)| role);
                    keys.push((
                        ARN,
                        format!("arn:{}:iam::{}:role/{}", parts.partition, account, role),
                    ));
                    keys.push((TYPE, "AssumedRole".to_string()));
                }
                ("sts", Some(("federated-user", _))) => {
                    keys.push((ARN, arn.clone()));
                    keys.push((TYPE, "FederatedUser".to_string()));
                }
                _ => keys.push((ARN, arn.clone())),
            }
            if !account.is_empty() {
                keys.push((ACCOUNT, account));
            }
            keys
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn derived(principal: Principal) -> BTreeMap<&'static str, String> {
        derived_principal_keys(&principal).into_iter().collect()
    }

    #[test]
    fn user_keys_come_from_the_arn() {
        let keys = derived(Principal::Aws(
            "arn:aws:iam::111122223333:user/division/alice".into(),
        ));
        assert_eq!(keys["aws:username"], "alice");
        assert_eq!(keys["aws:principaltype"], "User");
        assert_eq!(keys["aws:principalaccount"], "111122223333");
        assert_eq!(
            keys["aws:principalarn"],
            "arn:aws:iam::111122223333:user/division/alice"
        );
        assert!(!keys.contains_key("aws:userid"));
    }

    #[test]
    fn session_arn_becomes_the_role_arn() {
        let keys = derived(Principal::Aws(
            "arn:aws-cn:sts::111122223333:assumed-role/Admin/bob@example.com".into(),
        ));
        assert_eq!(
            keys["aws:principalarn"],
            "arn:aws-cn:iam::111122223333:role/Admin"
        );
        assert_eq!(keys["aws:principaltype"], "AssumedRole");
        assert!(!keys.contains_key("aws:username"));
    }

    #[test]
    fn root_and_bare_account_are_account_type() {
        let root = derived(Principal::Aws("arn:aws:iam::111122223333:root".into()));
        let bare = derived(Principal::Aws("111122223333".into()));
        assert_eq!(root, bare);
        assert_eq!(root["aws:principaltype"], "Account");
    }

    #[test]
    fn given_keys_win_and_empty_means_absent() {
        let mut request = Request::new(
            Principal::Aws("arn:aws:iam::111122223333:user/alice".into()),
            "s3:GetObject",
            None,
        )
        .with_context("AWS:UserName", "mallory");
        request.set_context("aws:PrincipalType", vec![], true);
        let ctx = effective_context(&request);
        assert_eq!(ctx.single_value("aws:username"), Some("mallory"));
        assert!(!ctx.is_present("aws:principaltype"));
        assert_eq!(
            ctx.single_value("aws:principalaccount"),
            Some("111122223333")
        );
    }
}
