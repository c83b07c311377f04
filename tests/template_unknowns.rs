//! Values known only at deploy time: a pass holds for every value, a counterexample names the
//! value it needs (and replays through the evaluator), and an unknown where the prover has no
//! variable is `unknown` with the value named, never a pass.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use keyaki::eval::{evaluate, Decision, PolicyType};
use keyaki::explain::CheckOptions;
use keyaki::report::CheckResult;
use keyaki::template::analysis::{check_extracted, needs, prepare, NotCheckable};

mod common;

use common::only_policy;

const IMPORTED_RESOURCE: &str = r#"
Resources:
  ReadPolicy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: s3:GetObject
            Resource: !Join ['', [!ImportValue SharedBucketArn, '/*']]
"#;

fn options() -> CheckOptions {
    CheckOptions {
        policy_type: PolicyType::Identity,
        ..CheckOptions::default()
    }
}

#[test]
fn a_pass_holds_for_every_imported_value() {
    let policy = only_policy(IMPORTED_RESOURCE);
    assert_eq!(policy.unknown_values.len(), 1);
    assert_eq!(
        policy.unknown_values[0].source,
        "Fn::ImportValue SharedBucketArn"
    );
    let baseline = common::policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
    );
    let report = check_extracted(&policy, &baseline, &options()).unwrap();
    assert_eq!(report.result, CheckResult::Pass, "{:?}", report.reason);
}

#[test]
fn a_counterexample_names_the_value_it_needs_and_replays() {
    let policy = only_policy(IMPORTED_RESOURCE);
    let baseline = common::policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::safe/*"}]}"#,
    );
    let report = check_extracted(&policy, &baseline, &options()).unwrap();
    assert_eq!(report.result, CheckResult::Fail, "{:?}", report.reason);
    let proposed = prepare(&policy).unwrap();
    for counterexample in &report.counterexamples {
        let request = &counterexample.request;
        let needed = needs(request, &policy.unknown_values).unwrap();
        assert!(
            needed.starts_with("if Fn::ImportValue SharedBucketArn is `"),
            "{needed}"
        );
        let value = &request.context["keyaki:importvalue/sharedbucketarn"].values[0];
        let resource = request.resource.as_deref().unwrap();
        assert!(
            resource.starts_with(&format!("{value}/")),
            "{resource} vs {value}"
        );
        assert_eq!(
            evaluate(&proposed, request, PolicyType::Identity).decision,
            Decision::Allow
        );
        assert_ne!(
            evaluate(&baseline, request, PolicyType::Identity).decision,
            Decision::Allow
        );
    }
}

#[test]
fn a_denied_unknown_is_checked_for_every_value_too() {
    // Allow everything in the bucket except the imported prefix: a baseline that allows only
    // `safe/*` is violated whatever the import is, and the counterexample still gives it a value.
    let template = r#"
Resources:
  P:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: p
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: s3:GetObject
            Resource: arn:aws:s3:::b/*
          - Effect: Deny
            Action: s3:GetObject
            Resource: !Sub 'arn:aws:s3:::b/${Prefix}/*'
Parameters:
  Prefix:
    Type: String
"#;
    let policy = only_policy(template);
    assert_eq!(
        policy.unknown_values[0].source,
        "parameter Prefix (no value given)"
    );
    let baseline = common::policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#,
    );
    let report = check_extracted(&policy, &baseline, &options()).unwrap();
    assert_eq!(report.result, CheckResult::Pass, "{:?}", report.reason);
    let narrow = common::policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/safe/*"}]}"#,
    );
    let report = check_extracted(&policy, &narrow, &options()).unwrap();
    assert_eq!(report.result, CheckResult::Fail);
    for c in &report.counterexamples {
        assert!(
            c.request.context.contains_key("keyaki:ref/prefix"),
            "{:?}",
            c.request
        );
    }
}

#[test]
fn an_unknown_principal_is_unknown_naming_the_value() {
    let template = r#"
Resources:
  BP:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: b
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: { AWS: !ImportValue PartnerRoleArn }
            Action: s3:GetObject
            Resource: arn:aws:s3:::b/*
"#;
    let policy = only_policy(template);
    match prepare(&policy) {
        Err(NotCheckable::Unknown(reason)) => {
            assert!(
                reason.contains("Fn::ImportValue PartnerRoleArn") && reason.contains("Principal"),
                "{reason}"
            )
        }
        other => panic!("expected unknown, got {other:?}"),
    }
}

#[test]
fn free_text_used_twice_is_unknown_but_identifiers_are_checked() {
    let twice = r#"
Resources:
  P:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: s3:ListBucket
            Resource: !ImportValue Bucket
            Condition: { StringLike: { s3:prefix: !ImportValue Bucket } }
"#;
    let policy = only_policy(twice);
    assert!(matches!(prepare(&policy), Err(NotCheckable::Unknown(r)) if r.contains("2 times")));
    // A generated bucket name is an identifier (no wildcards): checked for every name.
    let generated = r#"
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  P:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: s3:GetObject
            Resource: [!GetAtt Bucket.Arn, !Sub '${Bucket.Arn}/*']
"#;
    let policy = only_policy(generated);
    assert_eq!(policy.unknown_values[0].variable, "keyaki:Ref/Bucket");
    let model = prepare(&policy).unwrap();
    assert_eq!(model.statements.len(), 1);
    let baseline = common::policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::*"}]}"#,
    );
    let report = check_extracted(&policy, &baseline, &options()).unwrap();
    assert_eq!(report.result, CheckResult::Pass, "{:?}", report.reason);
}
