//! The findings commands end to end: `access`, `check-no-public-access`,
//! `check-access-not-granted`, `check --spec`, `--accept`, exit codes and output shapes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use keyaki::access::{find, Target, TrustZone};
use keyaki::eval::{evaluate, Decision, PolicyType};
use keyaki::explain::CheckOptions;
use serde_json::Value;
use std::io::Write as _;

/// Runs the real binary; (exit code, stdout).
fn run_cli(args: &[&str]) -> (u8, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_keyaki"))
        .args(args)
        .output()
        .unwrap();
    let exit = output.status.code().map_or(255, |c| c as u8);
    (exit, String::from_utf8(output.stdout).unwrap())
}

fn json_of(args: &[&str]) -> (u8, Value) {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--format", "json"]);
    let (exit, text) = run_cli(&all);
    (exit, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn temp_file(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("keyaki-access-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    path.to_string_lossy().to_string()
}

const ORG_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Sid":"OrgRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject",
  "Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}}]}"#;

const MIXED_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Sid":"Partners","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::444455556666:root","arn:aws:iam::111122223333:role/app","arn:aws:iam::777788889999:role/r"]},
  "Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::b/*"},
 {"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/public/*"},
 {"Sid":"NoPartnerPuts","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::777788889999:role/r"},"Action":"s3:PutObject","Resource":"*"}]}"#;

#[test]
fn org_zone_trusts_the_org_and_account_zone_does_not() {
    let policy = temp_file("org.json", ORG_POLICY);
    let (exit, json) = json_of(&["access", &policy, "--trust-zone", "org:o-abc123"]);
    assert_eq!((exit, json["result"].as_str()), (0, Some("pass")));
    let (exit, json) = json_of(&["access", &policy, "--trust-zone", "account:111122223333"]);
    assert_eq!(exit, 1);
    let finding = &json["findings"][0];
    assert_eq!(finding["kind"], "cross-account");
    assert_eq!(finding["principal"], "*");
    assert_eq!(
        finding["conditions"]["StringEquals"]["aws:PrincipalOrgID"][0],
        "o-abc123"
    );
    // Not public: the organization is a fixed value of a pinning key.
    let (exit, _) = json_of(&["check-no-public-access", &policy]);
    assert_eq!(exit, 0);
}

#[test]
fn one_finding_per_external_region_each_replaying_from_outside() {
    let policy = keyaki::parse::parse_policy(MIXED_POLICY.as_bytes(), "mixed.json").unwrap();
    let zone = TrustZone::parse(&["account:111122223333"]).unwrap();
    let options = CheckOptions {
        policy_type: PolicyType::Resource,
        ..CheckOptions::default()
    };
    let result = find(
        &policy,
        &Target::Outside(zone.clone()),
        &options,
        PolicyType::Resource,
    );
    assert_eq!(result.unknown, None);
    let mut principals: Vec<String> = result
        .findings
        .iter()
        .map(|f| f.principal.to_string())
        .collect();
    principals.sort();
    assert_eq!(
        principals,
        vec![
            "\"*\"".to_string(),
            r#"{"AWS":"arn:aws:iam::444455556666:root"}"#.to_string(),
            r#"{"AWS":"arn:aws:iam::777788889999:role/r"}"#.to_string(),
        ]
    );
    for f in &result.findings {
        assert_eq!(
            evaluate(&policy, &f.request, PolicyType::Resource).decision,
            Decision::Allow
        );
        assert!(!zone.contains(&f.request));
    }
    let public = result.findings.iter().find(|f| f.principal == "*").unwrap();
    assert_eq!(public.kind.as_str(), "public");
    // The denied partner role can still read, so it is a finding — but its example cannot be a put.
    let partner = result
        .findings
        .iter()
        .find(|f| f.principal.to_string().contains("777788889999"))
        .unwrap();
    assert_eq!(partner.request.action.to_lowercase(), "s3:getobject");
}

#[test]
fn accepted_findings_are_listed_and_do_not_fail() {
    let policy = temp_file("mixed.json", MIXED_POLICY);
    let accept = temp_file(
        "accept.json",
        r#"[{"kind":"public","actions":["s3:Get*"],"resources":["arn:aws:s3:::b/public/*"]},
            {"principal":{"AWS":"arn:aws:iam::444455556666:root"}},
            {"principal":{"AWS":"arn:aws:iam::777788889999:role/r"}}]"#,
    );
    let (exit, json) = json_of(&[
        "access",
        &policy,
        "--trust-zone",
        "account:111122223333",
        "--accept",
        &accept,
    ]);
    assert_eq!(exit, 0, "{json}");
    assert_eq!(json["result"], "pass");
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 3);
    assert!(findings.iter().all(|f| f["accepted"] == true));
    // A narrower accept leaves the public finding open.
    let narrow = temp_file(
        "narrow.json",
        r#"[{"kind":"public","resources":["arn:aws:s3:::b/public/images/*"]}]"#,
    );
    let (exit, json) = json_of(&["check-no-public-access", &policy, "--accept", &narrow]);
    assert_eq!(exit, 1);
    assert!(json["findings"][0].get("accepted").is_none());
    // A previous run's output is an accept file too.
    let (_, previous) = json_of(&["check-no-public-access", &policy]);
    let previous = temp_file("previous.json", &previous.to_string());
    let (exit, _) = json_of(&["check-no-public-access", &policy, "--accept", &previous]);
    assert_eq!(exit, 0);
}

#[test]
fn access_not_granted_reports_each_granted_item() {
    let policy = temp_file("mixed2.json", MIXED_POLICY);
    let (exit, json) = json_of(&[
        "check-access-not-granted",
        &policy,
        "--actions",
        "s3:DeleteBucket,s3:PutObject,iam:PassRole",
    ]);
    assert_eq!(exit, 1);
    let findings = json["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    assert!(findings
        .iter()
        .all(|f| f["kind"] == "granted" && f["actions"][0] == "s3:PutObject"));
    let (exit, json) = json_of(&[
        "check-access-not-granted",
        &policy,
        "--actions",
        "s3:DeleteBucket,iam:PassRole",
    ]);
    assert_eq!((exit, json["result"].as_str()), (0, Some("pass")));
    // Restricted to a resource the policy never grants puts on.
    let (exit, _) = json_of(&[
        "check-access-not-granted",
        &policy,
        "--actions",
        "s3:PutObject",
        "--resources",
        "arn:aws:s3:::other/*",
    ]);
    assert_eq!(exit, 0);
}

#[test]
fn specs_pass_and_fail_their_examples() {
    let root = env!("CARGO_MANIFEST_DIR");
    let cases = [
        ("s3-baseline.spec.json", "s3-pass-narrower.json", 0),
        ("s3-baseline.spec.json", "s3-fail-public-bucket.json", 1),
        ("s3-baseline.spec.json", "s3-fail-cross-account.json", 1),
        (
            "no-public-no-cross-account.spec.json",
            "npnca-pass-own-account.json",
            0,
        ),
        (
            "no-public-no-cross-account.spec.json",
            "npnca-fail-public-vpc-wildcard.json",
            1,
        ),
        (
            "no-public-no-cross-account.spec.json",
            "npnca-fail-cross-account-ip.json",
            1,
        ),
    ];
    for (spec, example, expected) in cases {
        let spec = format!("{root}/specs/{spec}");
        let example = format!("{root}/specs/examples/{example}");
        let (exit, json) = json_of(&["check", &example, "--spec", &spec]);
        assert_eq!(exit, expected, "{example} against {spec}: {json}");
        for f in json["findings"].as_array().unwrap() {
            assert!(f["request"].is_object());
        }
    }
    // The baseline's own public prefix is accepted; a public read elsewhere is not.
    let (_, json) = json_of(&[
        "check",
        &format!("{root}/specs/examples/s3-pass-narrower.json"),
        "--spec",
        &format!("{root}/specs/s3-baseline.spec.json"),
    ]);
    let findings = json["findings"].as_array().unwrap();
    assert!(findings
        .iter()
        .any(|f| f["kind"] == "public" && f["accepted"] == true));
}

#[test]
fn bad_input_exits_2() {
    let policy = temp_file("org2.json", ORG_POLICY);
    assert_eq!(run_cli(&["access", &policy, "--trust-zone", "acct:1"]).0, 2);
    assert_eq!(
        run_cli(&[
            "check-no-public-access",
            &policy,
            "--resource-type",
            "AWS::Nope"
        ])
        .0,
        2
    );
    let identity = temp_file(
        "identity.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
    );
    assert_eq!(
        run_cli(&["access", &identity, "--trust-zone", "account:111122223333"]).0,
        2
    );
    let bad_spec = temp_file(
        "bad.spec.json",
        r#"{"trust_zone": ["account:111122223333"], "colour": "red"}"#,
    );
    assert_eq!(run_cli(&["check", &policy, "--spec", &bad_spec]).0, 2);
}

#[test]
fn sarif_shares_the_finding_structure() {
    let policy = temp_file("mixed3.json", MIXED_POLICY);
    let (exit, text) = run_cli(&[
        "access",
        &policy,
        "--trust-zone",
        "account:111122223333",
        "--format",
        "sarif",
    ]);
    assert_eq!(exit, 1);
    let sarif: Value = serde_json::from_str(&text).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let rules: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"public-access") && rules.contains(&"external-access"));
    for r in results {
        let props = &r["properties"];
        for field in [
            "kind",
            "principal",
            "actions",
            "resources",
            "conditions",
            "request",
        ] {
            assert!(props.get(field).is_some(), "SARIF result lacks {field}");
        }
        assert!(
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
                > 0
        );
    }
}

#[test]
fn anonymous_callers_carry_no_principal_keys() {
    // Only principals of the zone account pass the PrincipalArn condition: no external region,
    // although nothing in the policy itself says an anonymous caller has no aws:PrincipalArn.
    let policy = keyaki::parse::parse_policy(
        br#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject",
          "Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/*"}}}]}"#,
        "t.json",
    )
    .unwrap();
    let zone = TrustZone::parse(&["account:111122223333"]).unwrap();
    let options = CheckOptions {
        policy_type: PolicyType::Resource,
        ..CheckOptions::default()
    };
    let result = find(
        &policy,
        &Target::Outside(zone),
        &options,
        PolicyType::Resource,
    );
    assert_eq!(result.unknown, None);
    assert!(result.findings.is_empty(), "{:?}", result.findings);
}
