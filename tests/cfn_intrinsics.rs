//! Every intrinsic the template reader resolves, each condition case, and each refusal: named
//! by logical id and path, never a crash and never a skip.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use keyaki::template::{to_value, ResolveOptions};
use serde_json::{json, Value};

mod common;

use common::template as read;

/// The first statement's `Resource` of the only policy of a one-policy template whose resource
/// value is `value` (YAML).
fn resource_of(value: &str, extra: &str, options: &ResolveOptions) -> Value {
    let template = format!(
        "{extra}\nResources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - Effect: Allow\n            Action: s3:GetObject\n            Resource: {value}\n"
    );
    let extraction = read(&template, options);
    assert!(
        extraction.refusals.is_empty(),
        "{value}: {:?}",
        extraction.refusals
    );
    to_value(&extraction.policies[0].document)["Statement"][0]["Resource"].clone()
}

fn resource(value: &str) -> Value {
    resource_of(value, "", &ResolveOptions::default())
}

const BUCKET_AND_ROLE: &str = r#"
Parameters:
  Env: { Type: String, Default: dev }
  Names: { Type: CommaDelimitedList, Default: "a,b,c" }
Mappings:
  ByRegion:
    us-east-1: { Bucket: east-bucket }
    eu-west-1: { Bucket: west-bucket }
"#;

fn resources_template(value: &str) -> Value {
    let extra = format!("{BUCKET_AND_ROLE}\n");
    let template = format!(
        "{extra}Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties: {{ BucketName: !Sub 'data-${{Env}}' }}\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: ops\n      Path: /team/\n      AssumeRolePolicyDocument: {{ Version: '2012-10-17', Statement: [{{ Effect: Allow, Principal: {{ Service: ec2.amazonaws.com }}, Action: sts:AssumeRole }}] }}\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - Effect: Allow\n            Action: s3:GetObject\n            Resource: {value}\n"
    );
    let extraction = read(&template, &ResolveOptions::default());
    assert!(
        extraction.refusals.is_empty(),
        "{value}: {:?}",
        extraction.refusals
    );
    let policy = extraction
        .policies
        .iter()
        .find(|p| p.origin == "P")
        .unwrap();
    to_value(&policy.document)["Statement"][0]["Resource"].clone()
}

#[test]
fn ref_parameters_pseudo_parameters_and_overrides() {
    assert_eq!(
        resources_template("!Sub 'arn:aws:s3:::${Env}'"),
        json!("arn:aws:s3:::dev")
    );
    let mut options = ResolveOptions::default();
    options.parameters.insert("Env".into(), "prod".into());
    assert_eq!(
        resource_of("!Sub 'arn:aws:s3:::${Env}'", BUCKET_AND_ROLE, &options),
        json!("arn:aws:s3:::prod")
    );
    assert_eq!(
        resource("!Sub 'arn:${AWS::Partition}:s3:${AWS::Region}:${AWS::AccountId}:x'"),
        json!("arn:aws:s3:us-east-1:123456789012:x")
    );
    let china = ResolveOptions {
        region: "cn-north-1".into(),
        account_id: "210987654321".into(),
        ..ResolveOptions::default()
    };
    assert_eq!(
        resource_of(
            "!Sub 'arn:${AWS::Partition}:s3:::${AWS::URLSuffix}/${AWS::AccountId}'",
            "",
            &china
        ),
        json!("arn:aws-cn:s3:::amazonaws.com.cn/210987654321")
    );
    // Long form, and a list parameter.
    assert_eq!(
        resources_template("{ \"Fn::Join\": [',', { Ref: Names }] }"),
        json!("a,b,c")
    );
}

#[test]
fn ref_and_getatt_of_resources_are_well_formed_arns() {
    assert_eq!(
        resources_template("!GetAtt Bucket.Arn"),
        json!("arn:aws:s3:::data-dev")
    );
    assert_eq!(
        resources_template("!Sub '${Bucket.Arn}/*'"),
        json!("arn:aws:s3:::data-dev/*")
    );
    assert_eq!(resources_template("!Ref Bucket"), json!("data-dev"));
    assert_eq!(
        resources_template("{ 'Fn::GetAtt': [Role, Arn] }"),
        json!("arn:aws:iam::123456789012:role/team/ops")
    );
}

#[test]
fn sub_join_select_split_findinmap_base64() {
    assert_eq!(
        resource("!Sub ['arn:aws:s3:::${B}/${!aws:username}', { B: logs }]"),
        json!("arn:aws:s3:::logs/${aws:username}")
    );
    assert_eq!(
        resource("!Join ['', ['arn:aws:s3:::', 'x', '/*']]"),
        json!("arn:aws:s3:::x/*")
    );
    assert_eq!(
        resource("!Select [1, ['a', 'arn:aws:s3:::b']]"),
        json!("arn:aws:s3:::b")
    );
    assert_eq!(
        resource("!Select [2, !Split [',', 'a,b,arn:aws:s3:::c']]"),
        json!("arn:aws:s3:::c")
    );
    assert_eq!(
        resources_template(
            "!Sub ['arn:aws:s3:::${B}', { B: !FindInMap [ByRegion, !Ref 'AWS::Region', Bucket] }]"
        ),
        json!("arn:aws:s3:::east-bucket")
    );
    assert_eq!(
        resource("!Join ['', ['arn:aws:s3:::', !Base64 'hi']]"),
        json!("arn:aws:s3:::aGk=")
    );
    // Policy variables outside Fn::Sub stay literal.
    assert_eq!(
        resource("'arn:aws:s3:::b/${aws:username}/*'"),
        json!("arn:aws:s3:::b/${aws:username}/*")
    );
}

#[test]
fn import_value_is_a_named_unknown() {
    let template = "Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - { Effect: Allow, Action: s3:GetObject, Resource: !ImportValue Shared-Bucket }\n";
    let extraction = read(template, &ResolveOptions::default());
    let policy = &extraction.policies[0];
    assert_eq!(
        to_value(&policy.document)["Statement"][0]["Resource"],
        json!("${keyaki:ImportValue/Shared-Bucket}")
    );
    assert_eq!(
        policy.unknown_values[0].source,
        "Fn::ImportValue Shared-Bucket"
    );
    assert!(!policy.unknown_values[0].identifier);
}

const CONDITIONS: &str = r#"
Parameters:
  Env: { Type: String, Default: prod }
  Tier: { Type: String }
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  ProdOrDev: !Or [!Condition IsProd, !Condition IsDev]
  Both: !And [!Condition IsProd, !Equals ['1', 1]]
  IsGold: !Equals [!Ref Tier, gold]
Resources:
  P:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: s3:GetObject
            Resource: !If [Both, 'arn:aws:s3:::prod', 'arn:aws:s3:::dev']
          - !If [IsDev, { Effect: Allow, Action: '*', Resource: '*' }, !Ref AWS::NoValue]
          - !If [ProdOrDev, { Effect: Deny, Action: 's3:DeleteObject', Resource: '*' }, !Ref AWS::NoValue]
  Gold:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: s3:GetObject
            Resource: !If [IsGold, 'arn:aws:s3:::gold', 'arn:aws:s3:::plain']
  OnlyDev:
    Type: AWS::IAM::ManagedPolicy
    Condition: IsDev
    Properties:
      PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: Allow, Action: '*', Resource: '*' }] }
"#;

#[test]
fn conditions_decided_when_they_can_be_and_both_branches_otherwise() {
    let extraction = read(CONDITIONS, &ResolveOptions::default());
    assert!(extraction.refusals.is_empty(), "{:?}", extraction.refusals);
    let p = extraction
        .policies
        .iter()
        .find(|p| p.origin == "P")
        .unwrap();
    let statements = to_value(&p.document)["Statement"].clone();
    assert_eq!(statements.as_array().unwrap().len(), 2, "{statements}");
    assert_eq!(statements[0]["Resource"], json!("arn:aws:s3:::prod"));
    assert_eq!(statements[1]["Effect"], json!("Deny"));
    // Tier has no value: IsGold cannot be decided, so both branches are extracted.
    let gold: Vec<_> = extraction
        .policies
        .iter()
        .filter(|p| p.origin == "Gold")
        .collect();
    assert_eq!(gold.len(), 2);
    let resources: Vec<Value> = gold
        .iter()
        .map(|p| to_value(&p.document)["Statement"][0]["Resource"].clone())
        .collect();
    assert!(
        resources.contains(&json!("arn:aws:s3:::gold"))
            && resources.contains(&json!("arn:aws:s3:::plain"))
    );
    assert!(gold
        .iter()
        .all(|p| p.assumed_conditions.contains_key("IsGold")));
    // A resource whose condition is false is not created: noted, not extracted.
    assert!(extraction.policies.iter().all(|p| p.origin != "OnlyDev"));
    assert!(extraction.notes.iter().any(|n| n.starts_with("OnlyDev")));
    // With Env=dev the other branches apply.
    let mut options = ResolveOptions::default();
    options.parameters.insert("Env".into(), "dev".into());
    let dev = read(CONDITIONS, &options);
    let p = dev.policies.iter().find(|p| p.origin == "P").unwrap();
    assert_eq!(to_value(&p.document)["Statement"][1]["Action"], json!("*"));
    assert!(dev.policies.iter().any(|p| p.origin == "OnlyDev"));
}

#[test]
fn unresolvable_elements_are_refusals_naming_logical_id_and_path() {
    let cases = [
        (
            "!Cidr ['10.0.0.0/16', 2, 8]",
            "unsupported intrinsic function `Fn::Cidr`",
        ),
        ("!Ref Nowhere", "Ref to `Nowhere`"),
        ("!GetAtt Missing.Arn", "`Missing`, which is not a resource"),
        ("!Select [5, ['a']]", "not within the 1 values"),
        ("!FindInMap [M, a, b]", "no `M`"),
        (
            "!If [Undefined, a, b]",
            "condition `Undefined` is not defined",
        ),
        ("!GetAZs ''", "Availability Zones"),
        ("!Bogus x", "unknown YAML tag `!Bogus`"),
        ("'${keyaki:Ref/X}'", "reserved variable prefix"),
    ];
    for (value, message) in cases {
        let template = format!("Resources:\n  Pol:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - {{ Effect: Allow, Action: s3:GetObject, Resource: {value} }}\n");
        let extraction = read(&template, &ResolveOptions::default());
        assert!(extraction.policies.is_empty(), "{value}");
        let refusal = &extraction.refusals[0];
        assert_eq!(refusal.origin, "Pol");
        assert!(
            refusal.path.contains("PolicyDocument"),
            "{value}: {}",
            refusal.path
        );
        assert!(
            refusal.reason.contains(message),
            "{value}: {}",
            refusal.reason
        );
        assert!(refusal.span.line >= 1);
    }
}

#[test]
fn sam_and_transforms_are_refused_by_name() {
    let sam = "Transform: AWS::Serverless-2016-10-31\nResources:\n  F: { Type: AWS::Serverless::Function, Properties: { Policies: [AmazonS3ReadOnlyAccess] } }\n";
    let extraction = read(sam, &ResolveOptions::default());
    assert!(extraction.policies.is_empty());
    assert!(extraction.refusals[0].reason.contains("SAM template"));
    let macro_template = "Transform: [MyMacro]\nResources: {}\n";
    assert!(read(macro_template, &ResolveOptions::default()).refusals[0]
        .reason
        .contains("MyMacro"));
}

#[test]
fn formats_come_from_content_and_bad_input_is_located() {
    use keyaki::template::{read_tree, SourceFormat};
    let json_template = br#"{"Resources": {}}"#;
    assert_eq!(
        read_tree(json_template, "x.yaml").unwrap().0,
        SourceFormat::CloudFormationJson
    );
    assert_eq!(
        read_tree(b"Resources: {}\n", "x.json").unwrap().0,
        SourceFormat::CloudFormationYaml
    );
    assert_eq!(
        read_tree(br#"{"format_version": "1.2", "planned_values": {}}"#, "p")
            .unwrap()
            .0,
        SourceFormat::TerraformPlan
    );
    assert_eq!(
        read_tree(br#"{"Statement": []}"#, "p.yaml").unwrap().0,
        SourceFormat::Policy
    );
    let err = read_tree(b"Resources:\n  A: [\n", "bad.yaml").unwrap_err();
    assert_eq!(err.file, "bad.yaml");
    assert!(err.span.line >= 2, "{err}");
    let err = read_tree(
        b"AWSTemplateFormatVersion: 2010-09-09\nResources:\n  A: {Type: X}\n  A: {Type: Y}\n",
        "dup.yaml",
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("duplicate key `A`") && err.span.line == 4,
        "{err}"
    );
    assert!(read_tree(b"just text", "t")
        .unwrap_err()
        .message
        .contains("not a policy"));
    assert!(read_tree(&[0xff, 0xfe], "t")
        .unwrap_err()
        .message
        .contains("UTF-8"));
}

#[test]
fn lambda_permissions_become_resource_policies() {
    let template = "Resources:\n  Fn: { Type: AWS::Lambda::Function, Properties: { FunctionName: worker } }\n  Perm:\n    Type: AWS::Lambda::Permission\n    Properties:\n      Action: lambda:InvokeFunction\n      FunctionName: !GetAtt Fn.Arn\n      Principal: s3.amazonaws.com\n      SourceAccount: !Ref AWS::AccountId\n      SourceArn: arn:aws:s3:::uploads\n";
    let extraction = read(template, &ResolveOptions::default());
    let doc = to_value(&extraction.policies[0].document);
    assert_eq!(
        doc["Statement"][0]["Principal"],
        json!({"Service": "s3.amazonaws.com"})
    );
    assert_eq!(
        doc["Statement"][0]["Resource"],
        json!("arn:aws:lambda:us-east-1:123456789012:function:worker")
    );
    assert_eq!(
        doc["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"],
        json!("123456789012")
    );
    assert!(keyaki::parse::policy_from_json(&extraction.policies[0].document, "perm").is_ok());
}
