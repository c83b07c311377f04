//! The organization baselines in `benches/baselines/` and the seeded generator of the corpus
//! runner: every baseline parses, says what its README line says on concrete requests, and the
//! generator is deterministic and only makes baselines that parse.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../examples/keyaki-corpus/generate.rs"]
#[allow(dead_code)]
mod generate;

use keyaki::eval::{evaluate, Decision, PolicyType};
use keyaki::model::Policy;
use std::path::Path;

fn baseline(name: &str) -> Policy {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("benches/baselines")
        .join(format!("{name}.json"));
    let bytes = std::fs::read(&path).unwrap();
    keyaki::parse::parse_policy(&bytes, &path.display().to_string()).unwrap()
}

/// The decision for a request written in the `keyaki eval` shape.
fn decide(policy: &Policy, request: &str) -> Decision {
    let request = keyaki::parse::parse_request(request.as_bytes(), "request.json").unwrap();
    evaluate(policy, &request, PolicyType::Identity).decision
}

const USER: &str = r#""principal":{"AWS":"arn:aws:iam::111122223333:user/alice"}"#;

#[test]
fn the_family_has_at_least_eight_baselines_and_each_has_a_readme_line() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/baselines");
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            assert!(
                readme.contains(&format!("`{name}`")),
                "{name} has no README line"
            );
            names.push(name.trim_end_matches(".json").to_string());
        }
    }
    assert!(names.len() >= 8, "only {} baselines", names.len());
    for name in names {
        baseline(&name);
    }
}

#[test]
fn the_data_perimeter_denies_outsiders_and_foreign_resources_and_networks() {
    let p = baseline("data-perimeter");
    let inside = r#""aws:PrincipalOrgID":"o-a1b2c3d4e5","aws:ResourceOrgID":"o-a1b2c3d4e5","aws:SourceIp":"198.51.100.7","aws:ViaAWSService":"false""#;
    let request = |context: &str| {
        format!(
            r#"{{{USER},"action":"s3:GetObject","resource":"arn:aws:s3:::b/k","context":{{{context}}}}}"#
        )
    };
    assert_eq!(decide(&p, &request(inside)), Decision::Allow);
    // Outside the organization: denied, unless the caller is in the baseline's own account.
    let other_org = inside.replace(
        r#""aws:PrincipalOrgID":"o-a1b2c3d4e5""#,
        r#""aws:PrincipalOrgID":"o-zzzzzzzzzz""#,
    );
    assert_eq!(decide(&p, &request(&other_org)), Decision::Allow);
    let stranger = format!(
        r#"{{"principal":{{"AWS":"arn:aws:iam::444455556666:user/mallory"}},"action":"s3:GetObject","resource":"arn:aws:s3:::b/k","context":{{{other_org}}}}}"#
    );
    assert_eq!(decide(&p, &stranger), Decision::ExplicitDeny);
    let other_resource = inside.replace(
        r#""aws:ResourceOrgID":"o-a1b2c3d4e5""#,
        r#""aws:ResourceOrgID":"o-zzzzzzzzzz""#,
    );
    assert_eq!(
        decide(&p, &request(&other_resource)),
        Decision::ExplicitDeny
    );
    let other_network = inside.replace("198.51.100.7", "192.0.2.1");
    assert_eq!(decide(&p, &request(&other_network)), Decision::ExplicitDeny);
    let v6 = inside.replace("198.51.100.7", "2001:db8:1234::1");
    assert_eq!(decide(&p, &request(&v6)), Decision::Allow);
}

#[test]
fn abac_and_per_project_templates_follow_the_principals_tags() {
    let abac = baseline("abac-team-tags");
    let object = |key: &str| {
        format!(
            r#"{{{USER},"action":"s3:GetObject","resource":"arn:aws:s3:::corp-shared-data/{key}","context":{{"aws:PrincipalTag/team":"red"}}}}"#
        )
    };
    assert_eq!(decide(&abac, &object("red/report.csv")), Decision::Allow);
    assert_eq!(
        decide(&abac, &object("blue/report.csv")),
        Decision::ImplicitDeny
    );
    let projects = baseline("per-project-buckets");
    let password = |user: &str| {
        format!(
            r#"{{"principal":{{"AWS":"arn:aws:iam::111122223333:user/alice"}},"action":"iam:ChangePassword","resource":"arn:aws:iam::111122223333:user/{user}","context":{{"aws:username":"alice"}}}}"#
        )
    };
    assert_eq!(decide(&projects, &password("alice")), Decision::Allow);
    assert_eq!(decide(&projects, &password("ops/alice")), Decision::Allow);
    assert_eq!(decide(&projects, &password("bob")), Decision::ImplicitDeny);
}

#[test]
fn region_mfa_number_and_case_guardrails_bite() {
    let region = baseline("region-lock-mfa");
    let run = |region_name: &str| {
        format!(
            r#"{{{USER},"action":"ec2:DescribeInstances","resource":"*","context":{{"aws:RequestedRegion":"{region_name}","aws:MultiFactorAuthPresent":"true","aws:PrincipalArn":"arn:aws:iam::111122223333:user/alice"}}}}"#
        )
    };
    assert_eq!(decide(&region, &run("eu-west-1")), Decision::Allow);
    assert_eq!(decide(&region, &run("us-east-1")), Decision::ExplicitDeny);
    let numbers = baseline("number-conditions");
    let tls = |version: &str| {
        format!(
            r#"{{{USER},"action":"s3:GetObject","resource":"arn:aws:s3:::b/k","context":{{"s3:TlsVersion":"{version}"}}}}"#
        )
    };
    assert_eq!(decide(&numbers, &tls("1.3")), Decision::Allow);
    assert_eq!(decide(&numbers, &tls("1.1")), Decision::ExplicitDeny);
    let case = baseline("ignore-case");
    let put = |sse: &str| {
        format!(
            r#"{{{USER},"action":"s3:PutObject","resource":"arn:aws:s3:::b/k","context":{{"aws:SecureTransport":"true","s3:x-amz-server-side-encryption":"{sse}"}}}}"#
        )
    };
    assert_eq!(decide(&case, &put("AWS:KMS")), Decision::Allow);
    assert_eq!(decide(&case, &put("AES256")), Decision::ExplicitDeny);
}

#[test]
fn not_action_and_not_resource_denies_leave_only_the_approved_corner() {
    let p = baseline("notaction-notresource");
    let call = |action: &str, resource: &str| {
        format!(r#"{{{USER},"action":"{action}","resource":"{resource}"}}"#)
    };
    assert_eq!(
        decide(&p, &call("s3:GetObject", "arn:aws:s3:::corp-data/k")),
        Decision::Allow
    );
    assert_eq!(
        decide(&p, &call("s3:GetObject", "arn:aws:s3:::other/k")),
        Decision::ExplicitDeny
    );
    assert_eq!(
        decide(&p, &call("redshift:CreateCluster", "*")),
        Decision::ExplicitDeny
    );
    let read_mostly = baseline("read-mostly");
    let from = |ip: &str| {
        format!(
            r#"{{{USER},"action":"ec2:DescribeInstances","resource":"*","context":{{"aws:SourceIp":"{ip}","aws:ViaAWSService":"false"}}}}"#
        )
    };
    assert_eq!(decide(&read_mostly, &from("192.0.2.10")), Decision::Allow);
    assert_eq!(
        decide(&read_mostly, &from("203.0.113.10")),
        Decision::ExplicitDeny
    );
}

#[test]
fn the_generator_is_deterministic_and_its_baselines_parse() {
    let mut distinct = std::collections::BTreeSet::new();
    for seed in 0..8 {
        for index in 0..8 {
            let (name, text) = generate::baseline(seed, index);
            assert_eq!(
                (name.clone(), text.clone()),
                generate::baseline(seed, index)
            );
            let policy = keyaki::parse::parse_policy(text.as_bytes(), &name)
                .unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
            assert!((3..=7).contains(&policy.statements.len()), "{name}");
            distinct.insert(text);
        }
    }
    assert!(
        distinct.len() >= 60,
        "only {} distinct baselines",
        distinct.len()
    );
}
