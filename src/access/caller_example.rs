//! A realistic caller for an access finding's example (`encodings/counterexample-realism.md`,
//! "Access findings").
//!
//! The access universe ties the keys AWS sets to the caller only for the accounts a question
//! names (`encodings/aws-set-keys.md`), so the prover may pair a caller in `444455556666` with
//! `aws:PrincipalAccount` `example` and an empty `aws:username`. Polishing edits one value at a
//! time and cannot move a value another key was built from (`s3:prefix` `example/x` under
//! `${aws:PrincipalAccount}/*`). So when the polished example's caller is still unrealistic, the
//! prover is asked once more, inside the finding's region, with a realistic caller and the keys
//! AWS derives from it pinned: the other keys then follow the caller. The answer is replayed by
//! the access replay in the same region and kept only when it has fewer realism problems; when
//! none is found the example stays as it was (the finding itself does not change).

use super::pin::{pin_fixed_atoms, pin_key_values, Fixed};
use super::{build_query, confirm, region_of, Region, Target, EXTERNAL_EXAMPLE_ACCOUNT};
use crate::encode::{Query, PRINCIPAL_DERIVED_KEYS};
use crate::eval::PolicyType;
use crate::explain::{search, CheckOptions, Search};
use crate::model::Policy;
use crate::request::realism::{is_readable, problems, CallerArn, Property, PARTITIONS};
use crate::request::{is_account_id, Principal, Request};
use std::time::Duration;

/// The example polished towards a request AWS could receive
/// (`encodings/counterexample-realism.md`), kept in the same region and still confirmed.
pub(super) fn realistic(
    policy: &Policy,
    target: &Target,
    policy_type: PolicyType,
    region: &Region,
    example: Request,
) -> Request {
    let replay = |r: &Request| {
        let confirmed = confirm(policy, target, policy_type, r)?;
        (region_of(policy, policy_type, &confirmed).as_ref() == Some(region)).then_some(confirmed)
    };
    match replay(&example) {
        Some(confirmed) => crate::explain::polished(example, confirmed, &[policy], &replay).1,
        None => example,
    }
}

/// Callers tried per finding (one search each).
const MAX_CALLERS: usize = 2;
/// Each search's time: a give-up only leaves the example as found.
const SEARCH_TIMEOUT: Duration = Duration::from_secs(2);

/// The example with a realistic caller, when the prover finds one in the region.
pub(super) fn with_realistic_caller(
    policy: &Policy,
    target: &Target,
    policy_type: PolicyType,
    region: &Region,
    example: Request,
    options: &CheckOptions,
) -> Request {
    if !caller_is_unrealistic(&example) {
        return example;
    }
    let options = CheckOptions {
        counterexamples: 1,
        timeout: options.timeout.min(SEARCH_TIMEOUT),
        ..options.clone()
    };
    let before = problems(&example).len();
    for caller in callers(&example).into_iter().take(MAX_CALLERS) {
        let fixed = Request::new(caller.clone(), "keyaki:free", None);
        let Ok(query) = build_query(policy, target, policy_type, &[], Some((region, &fixed)))
        else {
            continue;
        };
        let replay = |found: &Request| {
            // The caller put back, and the keys AWS derives from it left to the evaluator,
            // which derives exactly AWS's values (the pins made the model agree with them).
            let mut request = found.clone();
            request.principal = caller.clone();
            for key in PRINCIPAL_DERIVED_KEYS {
                request.context.remove(key);
            }
            let confirmed = confirm(policy, target, policy_type, &request)?;
            (region_of(policy, policy_type, &confirmed).as_ref() == Some(region))
                .then_some(confirmed)
        };
        if let Search::Found(mut found) = search(query, &options, &replay) {
            let Some((_, request)) = found.pop() else {
                continue;
            };
            let request = realistic(policy, target, policy_type, region, request);
            if problems(&request).len() < before {
                return request;
            }
        }
    }
    example
}

/// An AWS caller whose own ARN or whose keys AWS sets disagree with what AWS would send.
fn caller_is_unrealistic(request: &Request) -> bool {
    matches!(request.principal, Principal::Aws(_))
        && problems(request)
            .iter()
            .any(|p| matches!(p.property, Property::Principal | Property::Account))
}

/// Realistic callers to try: the example's own when its ARN is one, else a user named like it
/// in its account (or an outside example account).
fn callers(example: &Request) -> Vec<Principal> {
    let Principal::Aws(text) = &example.principal else {
        return Vec::new();
    };
    let current = CallerArn::parse(text);
    let mut out = Vec::new();
    if let Some(c) = current.as_ref().filter(|c| realistic_arn(c)) {
        out.push(Principal::Aws(c.to_arn()));
    }
    let account = current
        .as_ref()
        .map(|c| c.account.clone())
        .or_else(|| is_account_id(text).then(|| text.clone()))
        .filter(|a| is_account_id(a))
        .unwrap_or_else(|| EXTERNAL_EXAMPLE_ACCOUNT.to_string());
    let name = current
        .as_ref()
        .map(|c| c.name().to_string())
        .filter(|n| is_readable(n) && !n.contains(['/', ':']))
        .unwrap_or_else(|| "example".to_string());
    let user = Principal::Aws(format!("arn:aws:iam::{account}:user/{name}"));
    if !out.contains(&user) {
        out.push(user);
    }
    out
}

/// A caller ARN AWS could send: a real partition, a 12-digit account, a readable name.
fn realistic_arn(c: &CallerArn) -> bool {
    PARTITIONS.contains(&c.partition.as_str())
        && is_account_id(&c.account)
        && (c.kind == "root" || is_readable(c.name()))
}

/// Pins the caller of `fixed` and the keys AWS derives from it: before the domain lemmas.
pub(super) fn pin_caller_values(query: &mut Query, fixed: &Request) {
    pin_key_values(query, &Fixed::caller(fixed));
}

/// ... and after them, every atom that reads only the caller.
pub(super) fn pin_caller_atoms(query: &mut Query, fixed: &Request) {
    pin_fixed_atoms(query, &Fixed::caller(fixed));
}
