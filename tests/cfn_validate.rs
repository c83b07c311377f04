//! `keyaki cfn validate`: Access Analyzer's checks on the policies of a template, in the
//! validators' output shape and exit codes (0 nothing blocking, 2 blocking).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

fn cfn_validate(template: &str, extra: &[&str]) -> (i32, serde_json::Value) {
    let dir = std::env::temp_dir().join(format!("keyaki-cfn-validate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("t{}.yaml", template.len()));
    std::fs::write(&path, template).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_keyaki"))
        .args(["cfn", "validate", "--template-path"])
        .arg(&path)
        .args(["--region", "us-east-1"])
        .args(extra)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap_or(-1), json)
}

const PASS_ROLE_ON_STAR: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Deployer:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: { Service: lambda.amazonaws.com }
            Action: sts:AssumeRole
      Policies:
        - PolicyName: deploy
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: iam:PassRole
                Resource: "*"
"#;

#[test]
fn a_security_warning_blocks_with_the_validators_shape() {
    let (code, json) = cfn_validate(PASS_ROLE_ON_STAR, &[]);
    assert_eq!(code, 2, "{json}");
    let blocking = json["BlockingFindings"].as_array().unwrap();
    let pass_role = blocking
        .iter()
        .find(|f| f["code"] == "PASS_ROLE_WITH_STAR_IN_RESOURCE")
        .unwrap_or_else(|| panic!("{json}"));
    assert_eq!(pass_role["findingType"], "SECURITY_WARNING");
    assert_eq!(pass_role["resourceName"], "Deployer");
    assert_eq!(
        pass_role["details"]["issueCode"],
        "PASS_ROLE_WITH_STAR_IN_RESOURCE"
    );
    // Its location points into the template, at the resource line.
    assert!(pass_role["details"]["locations"][0]["span"]["start"]["line"].as_u64() > Some(10));
}

#[test]
fn blocking_types_and_ignores_work_as_in_the_validators() {
    let (code, json) = cfn_validate(
        PASS_ROLE_ON_STAR,
        &["--treat-finding-type-as-blocking", "ERROR"],
    );
    assert_eq!(code, 0, "{json}");
    assert!(json["NonBlockingFindings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "PASS_ROLE_WITH_STAR_IN_RESOURCE"));
    let (code, json) = cfn_validate(
        PASS_ROLE_ON_STAR,
        &[
            "--ignore-finding",
            "Deployer.PASS_ROLE_WITH_STAR_IN_RESOURCE",
        ],
    );
    assert!(
        !json.to_string().contains("PASS_ROLE_WITH_STAR_IN_RESOURCE"),
        "{json}"
    );
    assert_eq!(code, 0, "{json}");
}

#[test]
fn a_clean_template_passes() {
    let clean = PASS_ROLE_ON_STAR.replace(
        r#"Resource: "*""#,
        r#"Resource: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/app""#,
    );
    let (code, json) = cfn_validate(&clean, &[]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(
        json["BlockingFindings"].as_array().map(Vec::len),
        Some(0),
        "{json}"
    );
}
