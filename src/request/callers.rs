//! Keys only AWS sets, consistent with the caller: the access universe
//! (`encodings/aws-set-keys.md`).
//!
//! A request may give any context key (`keyaki eval` lets "given values win"), but AWS sets
//! some keys itself from who calls. The access questions (external, public, granted against a
//! resource policy) ask about requests AWS could receive, so their universe leaves out the
//! requests these rules refuse; `access::callers::caller_lemmas` is the same rule for the
//! prover. Rules read the effective context (given keys, else derived ones).

use super::{Principal, Request};
use crate::eval::effective_context;

/// Keys only an authenticated AWS principal (user, role session, root, federated user) carries.
pub const AWS_CALLER_KEYS: [&str; 6] = [
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:userid",
    "aws:username",
];

/// Keys only a service principal carries (AWS sets them when a service calls on behalf of a
/// resource; `aws:PrincipalServiceName` names the calling service).
pub const SERVICE_CALLER_KEYS: [&str; 6] = [
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:principalservicename",
];

/// Keys that carry one value whatever the catalog says.
pub const SINGLE_VALUED_CALLER_KEYS: [&str; 3] = [
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalorgid",
];

/// `aws:username`: AWS sets it for IAM users only (not for role sessions, federated users or
/// the root user; `encodings/counterexample-realism.md`, "Who carries aws:username").
pub const USER_ONLY_KEY: &str = "aws:username";

/// The callers that may carry [`USER_ONLY_KEY`]: IAM user ARNs. One glob, read by this rule
/// and by the prover's lemma (`access::callers::caller_lemmas`), so both admit the same callers.
pub fn iam_user_glob() -> crate::pattern::Glob {
    crate::pattern::Glob::arn("arn:*:iam:*:*:user/*")
}

/// `aws:PrincipalIsAWSService`: `true` for a service principal, `false` for every other
/// signed request, absent for anonymous ones.
pub const IS_SERVICE_KEY: &str = "aws:principalisawsservice";

/// The value AWS gives `aws:PrincipalIsAWSService` for this caller (`None`: absent).
pub fn is_service_value(principal: &Principal) -> Option<&'static str> {
    match principal {
        Principal::Service(_) => Some("true"),
        Principal::Anonymous => None,
        Principal::Aws(_) | Principal::Federated(_) | Principal::CanonicalUser(_) => Some("false"),
    }
}

/// Why AWS would never send this request (a key only AWS sets disagrees with the caller), if so.
pub fn caller_inconsistency(request: &Request) -> Option<String> {
    let ctx = effective_context(request);
    let kind = match request.principal {
        Principal::Aws(_) => "an AWS principal",
        Principal::Service(_) => "a service principal",
        Principal::Federated(_) => "a federated principal",
        Principal::CanonicalUser(_) => "a canonical user",
        Principal::Anonymous => "an anonymous caller",
    };
    let name = |key: &str| {
        request
            .context
            .get(key)
            .map_or(key.to_string(), |c| c.name.clone())
    };
    for key in AWS_CALLER_KEYS {
        if ctx.is_present(key) && !matches!(request.principal, Principal::Aws(_)) {
            return Some(format!(
                "`{}` is set only for AWS principals; the caller is {kind}",
                name(key)
            ));
        }
    }
    if let Principal::Aws(caller) = &request.principal {
        if ctx.is_present(USER_ONLY_KEY) && !iam_user_glob().matches(caller) {
            return Some(format!(
                "`{}` is set only for IAM users; the caller is {caller:?}",
                name(USER_ONLY_KEY)
            ));
        }
    }
    for key in SERVICE_CALLER_KEYS {
        if ctx.is_present(key) && !matches!(request.principal, Principal::Service(_)) {
            return Some(format!(
                "`{}` is set only when a service principal calls; the caller is {kind}",
                name(key)
            ));
        }
    }
    for key in SINGLE_VALUED_CALLER_KEYS {
        if ctx.values(key).is_some_and(|v| v.len() > 1) {
            return Some(format!("`{}` carries one value", name(key)));
        }
    }
    let expected = is_service_value(&request.principal);
    match (ctx.values(IS_SERVICE_KEY), expected) {
        (None, _) => None,
        (Some([given]), Some(value)) if given == value => None,
        (Some(given), Some(value)) => Some(format!(
            "`{}` is `{value}` for {kind}, not {given:?}",
            name(IS_SERVICE_KEY)
        )),
        (Some(_), None) => Some(format!("`{}` is absent for {kind}", name(IS_SERVICE_KEY))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(principal: Principal) -> Request {
        Request::new(principal, "s3:GetObject", Some("arn:aws:s3:::b/k"))
    }

    #[test]
    fn is_aws_service_follows_the_caller() {
        let user = Principal::Aws("arn:aws:iam::111122223333:user/a".into());
        let service = Principal::Service("cloudtrail.amazonaws.com".into());
        let with = |p: Principal, v: &str| request(p).with_context("aws:PrincipalIsAWSService", v);
        assert_eq!(caller_inconsistency(&with(user.clone(), "false")), None);
        assert_eq!(caller_inconsistency(&with(service.clone(), "true")), None);
        assert!(caller_inconsistency(&with(user.clone(), "true")).is_some());
        assert!(caller_inconsistency(&with(user, "example")).is_some());
        assert!(caller_inconsistency(&with(service, "TRUE")).is_some());
        assert!(caller_inconsistency(&with(Principal::Anonymous, "false")).is_some());
        assert_eq!(caller_inconsistency(&request(Principal::Anonymous)), None);
    }

    #[test]
    fn caller_keys_follow_the_kind() {
        let anonymous =
            request(Principal::Anonymous).with_context("aws:PrincipalArn", "arn:aws:iam::1:root");
        assert!(caller_inconsistency(&anonymous).is_some());
        let user = request(Principal::Aws("arn:aws:iam::111122223333:user/a".into()));
        assert_eq!(caller_inconsistency(&user), None);
        let user_with_source = user.with_context("aws:SourceAccount", "111122223333");
        assert!(caller_inconsistency(&user_with_source).is_some());
    }

    #[test]
    fn only_iam_users_carry_a_user_name() {
        let with_name =
            |caller: &str| request(Principal::Aws(caller.into())).with_context("aws:username", "a");
        // The user's own name (derived) and a given one: the user rule says nothing.
        let user = "arn:aws:iam::111122223333:user/path/a";
        assert_eq!(
            caller_inconsistency(&request(Principal::Aws(user.into()))),
            None
        );
        assert_eq!(caller_inconsistency(&with_name(user)), None);
        for caller in [
            "arn:aws:sts::111122223333:assumed-role/r/s",
            "arn:aws:iam::111122223333:role/r",
            "arn:aws:sts::111122223333:federated-user/a",
            "arn:aws:iam::111122223333:root",
            "111122223333",
        ] {
            // Without a given name nothing is derived for these callers: consistent.
            assert_eq!(
                caller_inconsistency(&request(Principal::Aws(caller.into()))),
                None
            );
            let why = caller_inconsistency(&with_name(caller));
            assert!(why.is_some_and(|w| w.contains("IAM users")), "{caller}");
        }
        // An empty array says the key is absent.
        let mut session = request(Principal::Aws("arn:aws:sts::1:assumed-role/r/s".into()));
        session.set_context("aws:username", Vec::new(), true);
        assert_eq!(caller_inconsistency(&session), None);
    }
}
