//! `check` on hand-written pairs: proofs where nothing new is granted, replayed
//! counterexamples where something is. Every printed request is fed back through the
//! request parser and the evaluator, as a user would.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::policy;
use keyaki::eval::{evaluate, Decision, PolicyType};
use keyaki::explain::{check_no_new_access, CheckOptions, Counterexample, Verdict};
use keyaki::model::Policy;

fn options(policy_type: PolicyType) -> CheckOptions {
    CheckOptions {
        policy_type,
        ..CheckOptions::default()
    }
}

/// The counterexample's JSON parses back and shows the claimed decisions.
fn assert_replays(
    c: &Counterexample,
    proposed: &Policy,
    baseline: &Policy,
    policy_type: PolicyType,
) {
    let json = serde_json::to_vec(&c.request).unwrap();
    let request = keyaki::parse::parse_request(&json, "counterexample.json")
        .unwrap_or_else(|e| panic!("counterexample does not parse back: {e}"));
    assert_eq!(request, c.request, "request JSON does not round-trip");
    let p = evaluate(proposed, &request, policy_type);
    let b = evaluate(baseline, &request, policy_type);
    assert_eq!(
        p.decision,
        Decision::Allow,
        "proposed must allow {}",
        String::from_utf8_lossy(&json)
    );
    assert_ne!(
        b.decision,
        Decision::Allow,
        "baseline must not allow {}",
        String::from_utf8_lossy(&json)
    );
    assert_eq!(p, c.proposed);
    assert_eq!(b, c.baseline);
}

fn check(proposed: &str, baseline: &str, policy_type: PolicyType) -> Verdict {
    let (p, b) = (policy(proposed), policy(baseline));
    let verdict = check_no_new_access(&p, &b, &options(policy_type));
    if let Verdict::Violated(list) = &verdict {
        assert!(!list.is_empty());
        for c in list {
            assert_replays(c, &p, &b, policy_type);
        }
    }
    verdict
}

fn identity(statements: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)
}

#[test]
fn same_policy_passes() {
    let p = identity(r#"{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::b/*"}"#);
    assert_eq!(check(&p, &p, PolicyType::Identity), Verdict::Holds);
}

#[test]
fn narrower_action_passes_and_wider_fails() {
    let narrow =
        identity(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#);
    let wide = identity(r#"{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::b/*"}"#);
    assert_eq!(check(&narrow, &wide, PolicyType::Identity), Verdict::Holds);
    let Verdict::Violated(list) = check(&wide, &narrow, PolicyType::Identity) else {
        panic!("expected fail")
    };
    for c in &list {
        assert!(c.request.action.to_lowercase().starts_with("s3:get"));
        assert_ne!(c.request.action.to_lowercase(), "s3:getobject");
    }
    // Several counterexamples, each with a different action.
    let mut actions: Vec<_> = list
        .iter()
        .map(|c| c.request.action.to_lowercase())
        .collect();
    actions.dedup();
    assert_eq!(actions.len(), list.len());
}

#[test]
fn actions_are_case_insensitive_resources_are_not() {
    let a = identity(r#"{"Effect":"Allow","Action":"S3:GETOBJECT","Resource":"arn:aws:s3:::b/*"}"#);
    let b = identity(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#);
    assert_eq!(check(&a, &b, PolicyType::Identity), Verdict::Holds);
    let upper =
        identity(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::B/*"}"#);
    assert!(matches!(
        check(&upper, &b, PolicyType::Identity),
        Verdict::Violated(_)
    ));
}

#[test]
fn explicit_deny_removes_access() {
    let with_deny = identity(
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"},
           {"Effect":"Deny","Action":"s3:Delete*","Resource":"*"}"#,
    );
    let baseline = identity(r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#);
    assert_eq!(
        check(&with_deny, &baseline, PolicyType::Identity),
        Verdict::Holds
    );
    let Verdict::Violated(list) = check(&baseline, &with_deny, PolicyType::Identity) else {
        panic!()
    };
    assert!(list
        .iter()
        .all(|c| c.request.action.to_lowercase().starts_with("s3:delete")));
    assert!(list
        .iter()
        .all(|c| c.baseline.decision == Decision::ExplicitDeny));
}

#[test]
fn conditions_narrow_access() {
    let conditioned = identity(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
            "Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"},"Bool":{"aws:SecureTransport":"true"}}}"#,
    );
    let plain = identity(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#);
    assert_eq!(
        check(&conditioned, &plain, PolicyType::Identity),
        Verdict::Holds
    );
    let Verdict::Violated(list) = check(&plain, &conditioned, PolicyType::Identity) else {
        panic!()
    };
    assert!(!list.is_empty());
}

#[test]
fn ip_ranges_nest() {
    let small = identity(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.1.2.0/24"}}}"#,
    );
    let big = identity(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]}}}"#,
    );
    assert_eq!(check(&small, &big, PolicyType::Identity), Verdict::Holds);
    let Verdict::Violated(list) = check(&big, &small, PolicyType::Identity) else {
        panic!()
    };
    assert!(!list.is_empty());
}

#[test]
fn numeric_and_date_bounds() {
    let tight = identity(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{
            "NumericLessThan":{"s3:max-keys":"10"},
            "DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}"#,
    );
    let loose = identity(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{
            "NumericLessThanEquals":{"s3:max-keys":"10.5"},
            "DateLessThan":{"aws:CurrentTime":"2031-01-01"}}}"#,
    );
    assert_eq!(check(&tight, &loose, PolicyType::Identity), Verdict::Holds);
    let Verdict::Violated(list) = check(&loose, &tight, PolicyType::Identity) else {
        panic!()
    };
    assert!(!list.is_empty());
}

#[test]
fn for_all_values_is_vacuous_on_absent_keys() {
    // ForAllValues holds when aws:TagKeys is absent, so it grants more than ForAnyValue.
    let all = identity(
        r#"{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}}"#,
    );
    let any = identity(
        r#"{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}}}"#,
    );
    let Verdict::Violated(list) = check(&all, &any, PolicyType::Identity) else {
        panic!()
    };
    assert!(!list.is_empty());
    let Verdict::Violated(list) = check(&any, &all, PolicyType::Identity) else {
        panic!()
    };
    // ForAnyValue allows a request with one listed and one unlisted tag key.
    assert!(list
        .iter()
        .all(|c| c.request.context.contains_key("aws:tagkeys")));
}

#[test]
fn policy_variables_stay_inside_their_wildcard() {
    let home = identity(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/home/${aws:username}/*"}"#,
    );
    let all_homes = identity(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/home/*"}"#,
    );
    assert_eq!(
        check(&home, &all_homes, PolicyType::Identity),
        Verdict::Holds
    );
    assert_eq!(check(&home, &home, PolicyType::Identity), Verdict::Holds);
    assert!(matches!(
        check(&all_homes, &home, PolicyType::Identity),
        Verdict::Violated(_)
    ));
}

#[test]
fn resource_policy_principals() {
    let account = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;
    let role = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/R"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;
    let public = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;
    assert_eq!(check(role, account, PolicyType::Resource), Verdict::Holds);
    assert_eq!(check(account, public, PolicyType::Resource), Verdict::Holds);
    assert!(matches!(
        check(account, role, PolicyType::Resource),
        Verdict::Violated(_)
    ));
    let Verdict::Violated(list) = check(public, account, PolicyType::Resource) else {
        panic!()
    };
    assert!(list
        .iter()
        .all(|c| c.request.principal.account() != Some("111122223333")));
}

#[test]
fn not_action_and_not_resource() {
    let not_iam = identity(r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#);
    let everything = identity(r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#);
    assert_eq!(
        check(&not_iam, &everything, PolicyType::Identity),
        Verdict::Holds
    );
    let Verdict::Violated(list) = check(&everything, &not_iam, PolicyType::Identity) else {
        panic!()
    };
    assert!(list
        .iter()
        .all(|c| c.request.action.to_lowercase().starts_with("iam:")));
    let not_secret = identity(
        r#"{"Effect":"Allow","Action":"s3:GetObject","NotResource":"arn:aws:s3:::secret/*"}"#,
    );
    let Verdict::Violated(list) = check(
        &not_secret,
        &identity(
            r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::public/*"}"#,
        ),
        PolicyType::Identity,
    ) else {
        panic!()
    };
    assert!(list.iter().all(|c| !c
        .request
        .resource
        .as_deref()
        .unwrap_or("")
        .starts_with("arn:aws:s3:::secret/")));
}

#[test]
fn null_and_if_exists() {
    let if_exists = identity(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:SourceVpc":"vpc-1"}}}"#,
    );
    let with_null = identity(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-1"}}},
           {"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"Null":{"aws:SourceVpc":"true"}}}"#,
    );
    assert_eq!(
        check(&if_exists, &with_null, PolicyType::Identity),
        Verdict::Holds
    );
    assert_eq!(
        check(&with_null, &if_exists, PolicyType::Identity),
        Verdict::Holds
    );
}

#[test]
fn ignore_case_templates_are_wider_than_exact_ones() {
    let ci = identity(
        r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"StringEqualsIgnoreCase":{"s3:prefix":"home/${aws:username}"}}}"#,
    );
    let exact = identity(
        r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"StringEquals":{"s3:prefix":"home/${aws:username}"}}}"#,
    );
    assert_eq!(check(&exact, &ci, PolicyType::Identity), Verdict::Holds);
    assert_eq!(check(&ci, &ci, PolicyType::Identity), Verdict::Holds);
    let Verdict::Violated(list) = check(&ci, &exact, PolicyType::Identity) else {
        panic!("a case-insensitive match must be wider than an exact one")
    };
    assert!(!list.is_empty());
}
