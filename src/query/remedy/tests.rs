#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::candidates::candidates;
use super::{EditKind, Scope};
use crate::model::{Policy, Statement};

fn policy(text: &str) -> Policy {
    crate::parse::parse_policy(text.as_bytes(), "t").unwrap()
}

fn allow(statements: &str) -> Policy {
    policy(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#
    ))
}

fn kinds(statement: &Statement, action: &str, baseline: &Policy, resource: bool) -> Vec<EditKind> {
    let allowing: Vec<&Statement> = super::breaks::allowing_statements(baseline, action).collect();
    candidates(statement, action, &allowing, resource)
        .iter()
        .map(|c| c.edit)
        .collect()
}

#[test]
fn resources_narrow_to_the_intersection_only() {
    let proposed = allow(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::a/*","arn:aws:s3:::c/x"]}"#,
    );
    let baseline = allow(
        r#"{"Effect":"Allow","Action":"s3:Get*","Resource":["arn:aws:s3:::a/public/*","arn:aws:s3:::b/*","arn:aws:s3:::c/*"]}"#,
    );
    let allowing: Vec<&Statement> =
        super::breaks::allowing_statements(&baseline, "s3:GetObject").collect();
    let all = candidates(&proposed.statements[0], "s3:GetObject", &allowing, false);
    let narrow = all
        .iter()
        .find(|c| c.edit == EditKind::NarrowResource)
        .unwrap();
    // b/* is outside the statement (it would widen it); c/x is kept whole (inside c/*).
    assert_eq!(
        narrow.change.resources.as_deref().unwrap(),
        ["arn:aws:s3:::a/public/*", "arn:aws:s3:::c/x"]
    );
    assert_eq!(all.last().unwrap().edit, EditKind::RemoveStatement);
}

#[test]
fn nothing_to_narrow_when_the_baseline_covers_the_resource() {
    let proposed =
        allow(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::a/x"}"#);
    let baseline =
        allow(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::a/*"}"#);
    assert_eq!(
        kinds(&proposed.statements[0], "s3:GetObject", &baseline, false),
        [EditKind::RemoveStatement]
    );
}

#[test]
fn conditions_are_added_unless_they_would_overwrite_one() {
    let proposed = allow(
        r#"{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-1"}}}"#,
    );
    let same_key = allow(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-2"}}}"#,
    );
    assert_eq!(
        kinds(&proposed.statements[0], "s3:GetObject", &same_key, false),
        [EditKind::DropAction]
    );
    let other_key = allow(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}"#,
    );
    assert_eq!(
        kinds(&proposed.statements[0], "s3:GetObject", &other_key, false),
        [EditKind::AddCondition, EditKind::DropAction]
    );
}

#[test]
fn principals_narrow_to_those_the_baseline_names() {
    let proposed = allow(
        r#"{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:role/app","arn:aws:iam::444455556666:root"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::a/*"}"#,
    );
    let baseline = allow(
        r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::a/*"}"#,
    );
    let allowing: Vec<&Statement> =
        super::breaks::allowing_statements(&baseline, "s3:GetObject").collect();
    let all = candidates(&proposed.statements[0], "s3:GetObject", &allowing, true);
    assert_eq!(all[0].edit, EditKind::NarrowPrincipal);
    assert_eq!(
        all[0].change.principal,
        Some(serde_json::json!({"AWS": "arn:aws:iam::111122223333:role/app"}))
    );
    // Not for identity policies.
    assert_eq!(
        kinds(&proposed.statements[0], "s3:GetObject", &baseline, false),
        [EditKind::RemoveStatement]
    );
}

#[test]
fn not_action_statements_exclude_the_action() {
    let proposed = allow(r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#);
    let baseline = allow(r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#);
    let report = crate::query::check(&proposed, &baseline, &Default::default());
    let advice = &report.advice[0];
    let remedy = advice.remedy.as_ref().unwrap();
    assert_eq!(remedy.edit, EditKind::ExcludeAction);
    assert_eq!(remedy.scope, Scope::Action);
    let action = &advice.breaks.action;
    assert!(remedy.statement_after.as_ref().unwrap()["NotAction"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == action.as_str()));
}

#[test]
fn the_scoping_statement_keeps_only_the_action() {
    let proposed = allow(r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#);
    let scoped =
        super::only_action(&proposed, "s3:GetObject", crate::eval::PolicyType::Identity).unwrap();
    let decision = |action: &str| {
        let request = crate::request::Request::new(
            crate::request::Principal::Anonymous,
            action,
            Some("arn:aws:s3:::b/k"),
        );
        crate::eval::evaluate(&scoped, &request, crate::eval::PolicyType::Identity).decision
    };
    assert_eq!(decision("S3:getobject"), crate::eval::Decision::Allow);
    assert_eq!(
        decision("s3:PutObject"),
        crate::eval::Decision::ExplicitDeny
    );
    assert!(super::only_action(&proposed, "s3:Get*", crate::eval::PolicyType::Identity).is_none());
}
