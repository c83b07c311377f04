//! Unknowns the baseline family found (issue #10), shrunk to minimal pairs (see
//! `encodings/baseline-unknowns.md` U1–U6 and `encodings/baselines.md`). Before the engine's #10 changes
//! each ran to the 10 s timeout; each is a plain failure: the proposal allows a request the
//! baseline does not. The tests assert the verdict and replay every counterexample, never a time.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use keyaki::eval::{evaluate, Decision, PolicyType};
use keyaki::explain::{CheckOptions, Verdict};

fn assert_fails(proposed: &str, baseline: &str) {
    let parse = |text: &str| keyaki::parse::parse_policy(text.as_bytes(), "pair.json").unwrap();
    let (proposed, baseline) = (parse(proposed), parse(baseline));
    let options = CheckOptions {
        counterexamples: 1,
        policy_type: PolicyType::Identity,
        ..CheckOptions::default()
    };
    match keyaki::scan::check_deterministic(&proposed, &baseline, &options) {
        Verdict::Violated(found) => {
            assert!(!found.is_empty());
            for c in found {
                let p = evaluate(&proposed, &c.request, PolicyType::Identity).decision;
                let b = evaluate(&baseline, &c.request, PolicyType::Identity).decision;
                assert_eq!(p, Decision::Allow, "{:?}", c.request);
                assert_ne!(b, Decision::Allow, "{:?}", c.request);
            }
        }
        other => panic!("expected a counterexample, got {other:?}"),
    }
}

#[test]
fn u1_two_username_templates_vs_no_allow() {
    assert_fails(
        r#"{"Version": "2012-10-17", "Statement": [{"Action": ["iam:ChangePassword"], "Resource": ["arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::*:user/*/${aws:username}"], "Effect": "Allow"}, {"Action": ["iam:GetAccountPasswordPolicy"], "Resource": "*", "Effect": "Allow"}]}"#,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "NotAction": ["iam:Get*"], "Resource": "*"}, {"Effect": "Deny", "NotAction": ["cloudformation:Get*"], "Resource": ["arn:aws:lambda:*:*:function:security-*", "arn:aws:logs:*:*:log-group:/security/*"]}]}"#,
    );
}

#[test]
fn u2_requested_region_bucket_templates() {
    assert_fails(
        r#"{"Version": "2012-10-17", "Statement": [{"Action": ["s3:ListBucket"], "Resource": "*", "Effect": "Allow"}, {"Action": ["s3:CreateBucket", "s3:GetBucketTagging", "s3:GetBucketPublicAccessBlock", "s3:GetEncryptionConfiguration", "s3:GetLifecycleConfiguration", "s3:GetBucketLocation", "s3:PutBucketPublicAccessBlock", "s3:PutBucketTagging"], "Resource": ["arn:aws:s3:::*-image-registry-${aws:RequestedRegion}-*", "arn:aws:s3:::*-image-registry-${aws:RequestedRegion}?", "arn:aws:s3:::*-image-registry-${aws:RequestedRegion}"], "Effect": "Allow"}]}"#,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::corp-shared-data"}]}"#,
    );
}

#[test]
fn u3_two_project_tag_object_templates() {
    assert_fails(
        r#"{"Version": "2012-10-17", "Statement": [{"Action": ["s3:Get*", "s3:List*", "s3:Describe*", "s3-object-lambda:Get*", "s3-object-lambda:List*"], "Resource": "*", "Effect": "Allow"}]}"#,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetBucketLocation"], "Resource": "*"}, {"Effect": "Allow", "Action": ["s3:GetObject*"], "Resource": ["arn:aws:s3:::proj-${aws:PrincipalTag/project}-*/*", "arn:aws:s3:::${aws:PrincipalTag/project}-artifacts/*"]}]}"#,
    );
}

#[test]
fn u4_service_variables_vs_no_allow() {
    assert_fails(
        r#"{"Version": "2012-10-17", "Statement": [{"Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"], "Resource": "arn:aws:bedrock:*:*:application-inference-profile/*", "Effect": "Allow", "Condition": {"StringEquals": {"aws:ResourceTag/AmazonDataZoneDomain": "${datazone:domainId}"}}}, {"Action": ["bedrock:ListFoundationModels"], "Resource": "*", "Effect": "Allow"}, {"Action": ["bedrock:CreateSession", "bedrock:TagResource"], "Resource": "arn:aws:bedrock:*:*:session/*", "Effect": "Allow", "Condition": {"ForAllValues:StringLike": {"aws:TagKeys": "AmazonDataZone*"}, "StringEquals": {"aws:RequestTag/AmazonDataZoneDomain": "${datazone:domainId}", "aws:ResourceAccount": "${aws:PrincipalAccount}"}, "StringNotEquals": {"aws:ResourceTag/AmazonDataZoneUser": "", "aws:ResourceTag/AmazonDataZoneDomain": "", "aws:RequestTag/AmazonDataZoneDomain": ""}, "Null": {"aws:ResourceTag/AmazonDataZoneProject": "true", "aws:RequestTag/AmazonDataZoneProject": "true"}}}, {"Action": ["bedrock:GetSession", "bedrock:UpdateSession", "bedrock:DeleteSession", "bedrock:EndSession", "bedrock:CreateInvocation", "bedrock:ListInvocations", "bedrock:PutInvocationStep", "bedrock:GetInvocationStep", "bedrock:ListInvocationSteps", "bedrock:ListTagsForResource"], "Resource": "arn:aws:bedrock:*:*:session/*", "Effect": "Allow", "Condition": {"StringEquals": {"aws:ResourceTag/AmazonDataZoneUser": "${datazone:userId}"}, "StringNotEquals": {"aws:ResourceTag/AmazonDataZoneDomain": ""}}}, {"Action": "bedrock:ListSessions", "Resource": "*", "Effect": "Allow"}]}"#,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": ["account:DeleteAlternateContact"], "Resource": "*"}]}"#,
    );
}

#[test]
fn u5_service_variables_vs_no_allow_regression() {
    assert_fails(
        r#"{"Version": "2012-10-17", "Statement": [{"Action": ["bedrock:InvokeModelWithResponseStream"], "Resource": "arn:aws:bedrock:*:*:application-inference-profile/*", "Effect": "Allow", "Condition": {"StringEquals": {"aws:ResourceTag/AmazonDataZoneDomain": "${datazone:domainId}", "aws:ResourceAccount": "${aws:PrincipalAccount}"}}}, {"Action": ["bedrock:ListFoundationModels"], "Resource": "*", "Effect": "Allow"}, {"Action": ["bedrock:CreateSession", "bedrock:TagResource"], "Resource": "arn:aws:bedrock:*:*:session/*", "Effect": "Allow", "Condition": {"ForAllValues:StringLike": {"aws:TagKeys": "AmazonDataZone*"}, "StringEquals": {"aws:RequestTag/AmazonDataZoneUser": "${datazone:userId}", "aws:RequestTag/AmazonDataZoneDomain": "${datazone:domainId}"}, "StringNotEquals": {"aws:RequestTag/AmazonDataZoneUser": "", "aws:RequestTag/AmazonDataZoneDomain": ""}}}, {"Action": ["bedrock:GetSession", "bedrock:UpdateSession", "bedrock:DeleteSession", "bedrock:EndSession", "bedrock:CreateInvocation", "bedrock:ListInvocations", "bedrock:PutInvocationStep", "bedrock:GetInvocationStep", "bedrock:ListInvocationSteps", "bedrock:ListTagsForResource"], "Resource": "arn:aws:bedrock:*:*:session/*", "Effect": "Allow", "Condition": {"Null": {"aws:ResourceTag/AmazonDataZoneProject": "true"}, "StringEquals": {"aws:ResourceTag/AmazonDataZoneUser": "${datazone:userId}"}, "StringNotEquals": {"aws:ResourceTag/AmazonDataZoneUser": "", "aws:ResourceTag/AmazonDataZoneDomain": ""}}}, {"Action": "bedrock:ListSessions", "Resource": "*", "Effect": "Allow"}]}"#,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": ["s3:PutObjectTagging"], "Resource": "*"}]}"#,
    );
}

#[test]
fn u6_chained_principal_tag_templates_vs_no_allow_regression() {
    assert_fails(
        r#"{"Version": "2012-10-17", "Statement": [{"Action": "s3:GetObject", "Resource": ["arn:aws:s3:::default-env-blueprint-*/*", "arn:aws:s3:*:*:accesspoint/env-blueprint-accesspoint*"], "Effect": "Allow"}, {"Action": "s3:GetObject", "Resource": "arn:aws:s3:::${aws:PrincipalTag/DomainBucketName}/${aws:PrincipalTag/AmazonDataZoneDomain}/${aws:PrincipalTag/AmazonDataZoneProject}/${aws:PrincipalTag/AmazonDataZoneScopeName}/sys/emr/bootstrap-script/*", "Effect": "Allow"}, {"Action": "s3:PutObject", "Resource": "arn:aws:s3:::${aws:PrincipalTag/DomainBucketName}/${aws:PrincipalTag/AmazonDataZoneDomain}/${aws:PrincipalTag/AmazonDataZoneProject}/${aws:PrincipalTag/AmazonDataZoneScopeName}/sys/emr/*", "Effect": "Allow", "Condition": {"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}, "StringNotEquals": {"aws:PrincipalTag/AmazonDataZoneProject": "", "aws:PrincipalTag/AmazonDataZoneScopeName": "", "aws:PrincipalTag/AmazonDataZoneDomain": ""}}}]}"#,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "NotAction": ["sts:*"], "Resource": "*"}]}"#,
    );
}
