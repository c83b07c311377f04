//! Access findings show a caller AWS could send (encodings/counterexample-realism.md, "Access
//! findings"): a 12-digit account, a readable name, and the keys AWS derives from the caller
//! (`aws:PrincipalAccount`, `aws:username`, ...) agreeing with it, even when another key's
//! value was built from them. Every example replays through the evaluator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::policy;
use keyaki::access::{find, Finding, Target, TrustZone};
use keyaki::eval::{effective_context, evaluate, PolicyType};
use keyaki::explain::CheckOptions;
use keyaki::request::realism::{problems, CallerArn, Property};
use keyaki::request::{is_account_id, Principal};

const ZONE: &str = "account:111122223333";

fn findings(text: &str, target: Target) -> Vec<Finding> {
    let found = find(
        &policy(text),
        &target,
        &CheckOptions::default(),
        PolicyType::Resource,
    );
    assert_eq!(found.unknown, None, "{text}");
    found.findings
}

fn outside() -> Target {
    Target::Outside(TrustZone::parse(&[ZONE]).unwrap())
}

/// The example is allowed (decided), comes from outside the zone when asked, and its caller is
/// one AWS could send: realistic ARN, and the derived keys equal to the caller's.
fn assert_realistic_caller(text: &str, finding: &Finding, target: &Target) {
    let r = &finding.request;
    let evaluation = evaluate(&policy(text), r, PolicyType::Resource);
    assert_eq!(evaluation.allowed(), Some(true), "{text}: {r:?}");
    if let Target::Outside(zone) = target {
        assert!(!zone.contains(r), "{r:?}");
    }
    let Principal::Aws(arn) = &r.principal else {
        panic!("{text}: not an AWS caller: {r:?}");
    };
    let caller = CallerArn::parse(arn).unwrap_or_else(|| panic!("{arn} is not a caller ARN"));
    assert!(is_account_id(&caller.account), "{arn}");
    assert!(!caller.name().is_empty(), "{arn}");
    let caller_problems: Vec<_> = problems(r)
        .into_iter()
        .filter(|p| matches!(p.property, Property::Principal | Property::Account))
        .collect();
    assert!(
        caller_problems.is_empty(),
        "{text}: {r:?}: {caller_problems:?}"
    );
    // What the policy read: the keys AWS derives, as AWS derives them.
    let ctx = effective_context(r);
    assert_eq!(
        ctx.values("aws:principalaccount"),
        Some(&[caller.account.clone()][..]),
        "{r:?}"
    );
    if caller.kind == "user" {
        assert_eq!(
            ctx.values("aws:username"),
            Some(&[caller.name().to_string()][..]),
            "{r:?}"
        );
    }
}

/// Found by the guard-rail family (session 7, hunt): the example was a user in 444455556666
/// with `aws:PrincipalAccount` `example`, `aws:username` `[]` and `s3:prefix` `example/example`.
/// The consistent request exists (`s3:prefix` `444455556666/...`): the caller's keys pinned,
/// the prover finds it.
const PREFIX_FROM_ACCOUNT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
  "Principal":"*","NotAction":["s3:GetObject","s3:Get*"],
  "NotResource":["arn:aws:s3:::b/${aws:username}/*","arn:aws:s3:::b/${AWS:UserName}/*"],
  "Condition":{"StringLike":{"s3:prefix":["${aws:PrincipalAccount}/*"]}}}]}"#;

#[test]
fn a_key_built_from_the_callers_account_follows_the_caller() {
    for target in [outside(), Target::Public { extra_keys: vec![] }] {
        let found = findings(PREFIX_FROM_ACCOUNT, target.clone());
        assert!(!found.is_empty());
        for finding in &found {
            assert_realistic_caller(PREFIX_FROM_ACCOUNT, finding, &target);
            let prefix = finding.request.context.get("s3:prefix").unwrap();
            let Principal::Aws(arn) = &finding.request.principal else {
                unreachable!()
            };
            let account = CallerArn::parse(arn).unwrap().account;
            assert!(
                prefix.values[0].starts_with(&format!("{account}/")),
                "{:?}",
                finding.request
            );
        }
    }
}

#[test]
fn values_built_from_account_and_user_name_follow_the_caller() {
    let policies = [
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject",
            "Resource":"*","Condition":{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}}]}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject",
            "Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/owner":"${aws:PrincipalAccount}"}}}]}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject",
            "Resource":"arn:aws:s3:::b/${aws:PrincipalAccount}/${aws:username}/*"}]}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","NotAction":"s3:Get*",
            "Resource":"*","Condition":{"StringLike":{"s3:prefix":"${aws:PrincipalAccount}/${aws:username}"}}}]}"#,
    ];
    for text in policies {
        let target = outside();
        let found = findings(text, target.clone());
        assert_eq!(found.len(), 1, "{text}");
        assert_realistic_caller(text, &found[0], &target);
    }
}

/// No realistic caller meets `aws:PrincipalAccount` = `example`: the finding stays (the access
/// universe is wider than AWS's, never narrower), with the example it was found with, replayed.
#[test]
fn a_finding_only_an_unrealistic_caller_shows_is_kept() {
    let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject",
        "Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"example"}}}]}"#;
    let found = findings(text, outside());
    assert_eq!(found.len(), 1);
    let r = &found[0].request;
    assert_eq!(
        evaluate(&policy(text), r, PolicyType::Resource).allowed(),
        Some(true)
    );
    assert_eq!(
        effective_context(r).values("aws:principalaccount"),
        Some(&["example".to_string()][..])
    );
}
