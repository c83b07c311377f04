//! The prover's side of the access universe: keys only AWS sets agree with the caller.
//!
//! Each lemma is a fact of every request `request::callers::caller_inconsistency` accepts
//! (the replay refuses the others), so a region is never entered by a request AWS would not
//! send. See `encodings/aws-set-keys.md` and `encodings/external-access.md`.

use super::zone;
use crate::encode::{PrincipalKindVar as K, Query, StrPattern, StrVar, Term};
use crate::pattern::Glob;
use crate::request::callers::{
    iam_user_glob, AWS_CALLER_KEYS, IS_SERVICE_KEY, SERVICE_CALLER_KEYS, SINGLE_VALUED_CALLER_KEYS,
    USER_ONLY_KEY,
};
use crate::request::Request;
use std::collections::BTreeSet;

/// Facts tying the free principal-derived keys to the caller: an anonymous caller has no
/// `aws:PrincipalArn`, an IAM user no `aws:SourceArn`, a caller in one account claims no other
/// in `aws:PrincipalAccount`, and `aws:PrincipalIsAWSService` is `true` exactly for services.
pub fn caller_lemmas(query: &mut Query, accounts: &BTreeSet<String>) -> Vec<Term> {
    let mut lemmas = Vec::new();
    let aws = query.kind(K::Aws);
    let service = query.kind(K::Service);
    for key in AWS_CALLER_KEYS {
        if query.keys.contains_key(key) {
            let present = query.present(key, 0);
            lemmas.push(Term::implies(present, aws.clone()));
        }
    }
    // aws:username only for IAM users (`request::callers::USER_ONLY_KEY`, the same glob).
    if query.keys.contains_key(USER_ONLY_KEY) {
        let present = query.present(USER_ONLY_KEY, 0);
        let user = query.str_atom(StrVar::Principal, StrPattern::Glob(iam_user_glob()));
        lemmas.push(Term::implies(present, Term::and([aws.clone(), user])));
    }
    for key in SERVICE_CALLER_KEYS {
        if query.keys.contains_key(key) {
            let present = query.present(key, 0);
            lemmas.push(Term::implies(present, service.clone()));
        }
    }
    for key in SINGLE_VALUED_CALLER_KEYS {
        if query.keys.get(key).is_some_and(|k| k.slots > 1) {
            let second = query.present(key, 1);
            lemmas.push(Term::not(second));
        }
    }
    lemmas.extend(is_service_lemmas(query));
    for account in accounts {
        let in_account = zone::principal_in_account(query, account);
        if query.keys.contains_key("aws:principalaccount") {
            let claimed = query.str_atom(
                StrVar::Context {
                    key: "aws:principalaccount".into(),
                    slot: 0,
                },
                StrPattern::Glob(Glob::literal(account)),
            );
            lemmas.push(Term::implies(
                aws.clone(),
                Term::and([
                    Term::implies(in_account.clone(), claimed.clone()),
                    Term::implies(claimed, in_account.clone()),
                ]),
            ));
        }
        if query.keys.contains_key("aws:principalarn") {
            let claimed = query.str_atom(
                StrVar::Context {
                    key: "aws:principalarn".into(),
                    slot: 0,
                },
                StrPattern::Glob(crate::encode::account_glob(account)),
            );
            lemmas.push(Term::implies(
                aws.clone(),
                Term::and([
                    Term::implies(in_account.clone(), claimed.clone()),
                    Term::implies(claimed, in_account),
                ]),
            ));
        }
    }
    lemmas
}

/// The concrete side of the account facts above, for the same accounts: an AWS caller is in
/// `account` (its ARN in it, or the bare id) iff `aws:PrincipalAccount`, when given, equals it
/// iff `aws:PrincipalArn`, when given, lies in it. The replay refuses what the lemmas exclude.
pub fn account_inconsistency(request: &Request, accounts: &BTreeSet<String>) -> Option<String> {
    let crate::request::Principal::Aws(caller) = &request.principal else {
        return None;
    };
    let ctx = crate::eval::effective_context(request);
    for account in accounts {
        let glob = crate::encode::account_glob(account);
        let inside = glob.matches(caller) || Glob::literal(account).matches(caller);
        if let Some([given]) = ctx.values("aws:principalaccount") {
            if Glob::literal(account).matches(given) != inside {
                return Some(format!(
                    "aws:PrincipalAccount {given:?} disagrees with the caller {caller:?} on account {account}"
                ));
            }
        }
        if let Some([given]) = ctx.values("aws:principalarn") {
            if glob.matches(given) != inside {
                return Some(format!(
                    "aws:PrincipalArn {given:?} disagrees with the caller {caller:?} on account {account}"
                ));
            }
        }
    }
    None
}

/// `aws:PrincipalIsAWSService`, when present, is one value: exactly `true` for a service
/// principal, exactly `false` for AWS, federated and canonical-user callers; an anonymous
/// request has none (`request::callers::is_service_value`).
fn is_service_lemmas(query: &mut Query) -> Vec<Term> {
    let Some(slots) = query.keys.get(IS_SERVICE_KEY).map(|k| k.slots) else {
        return Vec::new();
    };
    let mut lemmas = Vec::new();
    let present = query.present(IS_SERVICE_KEY, 0);
    if slots > 1 {
        let second = query.present(IS_SERVICE_KEY, 1);
        lemmas.push(Term::not(second));
    }
    let value = |query: &mut Query, text: &str| {
        query.str_atom(
            StrVar::Context {
                key: IS_SERVICE_KEY.into(),
                slot: 0,
            },
            StrPattern::Glob(Glob::literal(text)),
        )
    };
    let is_true = value(query, "true");
    let is_false = value(query, "false");
    let anonymous = query.kind(K::Anonymous);
    let service = query.kind(K::Service);
    lemmas.push(Term::implies(anonymous, Term::not(present.clone())));
    lemmas.push(Term::implies(
        Term::and([present.clone(), service.clone()]),
        is_true,
    ));
    lemmas.push(Term::implies(
        Term::and([present, Term::not(service)]),
        is_false,
    ));
    lemmas
}
