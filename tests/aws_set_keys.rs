//! Keys only AWS sets agree with the caller in the access questions (encodings/aws-set-keys.md):
//! findings that rest on a request AWS would never send disappear; real ones stay and replay.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::policy;
use keyaki::access::{find, Finding, Target, TrustZone};
use keyaki::eval::{evaluate, Decision, PolicyType};
use keyaki::explain::CheckOptions;
use keyaki::request::callers::caller_inconsistency;
use keyaki::request::{Principal, Request};

fn statement(condition: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject",
            "Resource":"arn:aws:s3:::b/*","Condition":{condition}}}]}}"#
    )
}

fn external(text: &str) -> Vec<Finding> {
    let zone = TrustZone::parse(&["account:111122223333"]).unwrap();
    let found = find(
        &policy(text),
        &Target::Outside(zone),
        &CheckOptions::default(),
        PolicyType::Resource,
    );
    assert_eq!(found.unknown, None, "{text}");
    found.findings
}

fn public(text: &str) -> Vec<Finding> {
    let found = find(
        &policy(text),
        &Target::Public { extra_keys: vec![] },
        &CheckOptions::default(),
        PolicyType::Resource,
    );
    assert_eq!(found.unknown, None, "{text}");
    found.findings
}

/// The example is allowed, AWS could send it, and it comes from outside the zone.
fn assert_replays(text: &str, finding: &Finding) {
    let r = &finding.request;
    assert_eq!(
        evaluate(&policy(text), r, PolicyType::Resource).decision,
        Decision::Allow
    );
    assert_eq!(caller_inconsistency(r), None, "{r:?}");
}

#[test]
fn only_services_are_aws_services() {
    // An outside user claiming `aws:PrincipalIsAWSService: true` is no request AWS sends:
    // the evaluator alone allows it, the access universe refuses it, and no finding remains
    // (service principals are inside the zone).
    let text = statement(r#"{"Bool":{"aws:PrincipalIsAWSService":"true"}}"#);
    let spurious = Request::new(
        Principal::Aws("arn:aws:iam::444455556666:user/x".into()),
        "s3:GetObject",
        Some("arn:aws:s3:::b/k"),
    )
    .with_context("aws:PrincipalIsAWSService", "true");
    assert_eq!(
        evaluate(&policy(&text), &spurious, PolicyType::Resource).decision,
        Decision::Allow
    );
    assert!(caller_inconsistency(&spurious).is_some());
    assert_eq!(external(&text), vec![]);
}

#[test]
fn callers_that_are_not_services_stay_findings() {
    let text = statement(r#"{"Bool":{"aws:PrincipalIsAWSService":"false"}}"#);
    let found = external(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_replays(&text, &found[0]);
    assert!(matches!(found[0].request.principal, Principal::Aws(_)));
}

#[test]
fn no_made_up_values() {
    // Only a value AWS never sets (`example`) meets `ex*`: nothing is granted.
    let text = statement(r#"{"StringLike":{"aws:PrincipalIsAWSService":"ex*"}}"#);
    assert_eq!(external(&text), vec![]);
    assert_eq!(public(&text), vec![]);
    // `StringNotEquals` also holds when the key is absent (anonymous): still public.
    let text = statement(r#"{"StringNotEquals":{"aws:PrincipalIsAWSService":["true","false"]}}"#);
    let found = public(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_replays(&text, &found[0]);
}

#[test]
fn anonymous_callers_have_no_principal_keys() {
    // `aws:PrincipalIsAWSService` absent-or-false lets an anonymous caller in: public.
    let text = statement(r#"{"BoolIfExists":{"aws:PrincipalIsAWSService":"false"}}"#);
    let found = public(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_replays(&text, &found[0]);
    // Requiring the key present excludes anonymous callers.
    let text = statement(r#"{"Null":{"aws:PrincipalIsAWSService":"false"}}"#);
    for finding in public(&text) {
        assert_replays(&text, &finding);
        assert_ne!(finding.request.principal, Principal::Anonymous);
    }
}
