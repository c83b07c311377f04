//! The AWS documentation's example resource and trust policies: every one gets a decided
//! answer for `access` (trust zone `account:111122223333`, the account the examples use for
//! "your" account) and for `check-no-public-access`; every finding's example request replays
//! with Allow from outside the zone; a hand-checked sample is pinned with insta snapshots.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use keyaki::access::{find, Findings, Target, TrustZone};
use keyaki::eval::{evaluate, Decision, PolicyType};
use keyaki::explain::CheckOptions;
use keyaki::report::findings::FindingsReport;
use std::path::Path;
use std::time::Duration;

/// Documentation examples with placeholders the parser rightly rejects (see `encodings/parsing.md`).
const EXPECTED_REJECTIONS: [&str; 6] = [
    "amazon-s3-userguide/resource/olap-policies__0.json",
    "amazon-sns-developer-guide/resource/sns-vpc-endpoint-policy__0.json",
    "amazon-sqs-developer-guide/resource/sqs-internetwork-traffic-privacy__0.json",
    "iam-user-guide/trust/confused-deputy__0.json",
    "iam-user-guide/trust/id_credentials_mfa_configure-api-require__0.json",
    "iam-user-guide/trust/reference_policies_iam-condition-keys__10.json",
];

fn options() -> CheckOptions {
    CheckOptions {
        policy_type: PolicyType::Resource,
        timeout: Duration::from_secs(30),
        ..CheckOptions::default()
    }
}

fn zone() -> TrustZone {
    TrustZone::parse(&["account:111122223333"]).unwrap()
}

fn public() -> Target {
    Target::Public { extra_keys: vec![] }
}

fn policy_files(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for service in std::fs::read_dir(root).unwrap() {
        let service = service.unwrap().path();
        for kind in ["resource", "trust"] {
            let dir = service.join(kind);
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "json") {
                    let rel = path
                        .strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .to_string();
                    out.push(rel);
                }
            }
        }
    }
    out.sort();
    out
}

fn check_replays(
    rel: &str,
    policy: &keyaki::model::Policy,
    result: &Findings,
    zone: Option<&TrustZone>,
) {
    for f in &result.findings {
        let evaluation = evaluate(policy, &f.request, PolicyType::Resource);
        assert_eq!(
            evaluation.decision,
            Decision::Allow,
            "{rel}: example does not replay: {:?}",
            f.request
        );
        if let Some(zone) = zone {
            assert!(
                !zone.contains(&f.request),
                "{rel}: example caller is inside the zone: {:?}",
                f.request
            );
        }
        let index = f.statement.as_ref().unwrap().index;
        assert!(
            evaluation.statements.iter().any(|s| s.index == index),
            "{rel}: the finding's statement does not allow its example"
        );
    }
}

#[test]
fn every_documented_resource_and_trust_policy_is_decided() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let root = corpus.join("aws-docs-example-policies");
    let files = policy_files(&root);
    assert!(
        files.len() >= 200,
        "expected the documented policies, found {}",
        files.len()
    );
    let zone = zone();
    let mut decided = 0;
    let mut with_findings = 0;
    for rel in &files {
        let bytes = std::fs::read(root.join(rel)).unwrap();
        let policy = match keyaki::parse::parse_policy(&bytes, rel) {
            Ok(p) => p,
            Err(e) => {
                assert!(
                    EXPECTED_REJECTIONS.contains(&rel.as_str()),
                    "{rel} does not parse: {e}"
                );
                continue;
            }
        };
        assert!(
            !EXPECTED_REJECTIONS.contains(&rel.as_str()),
            "{rel} parses now: update the list"
        );
        let external = find(
            &policy,
            &Target::Outside(zone.clone()),
            &options(),
            PolicyType::Resource,
        );
        assert_eq!(external.unknown, None, "{rel}: access undecided");
        check_replays(rel, &policy, &external, Some(&zone));
        let public_result = find(&policy, &public(), &options(), PolicyType::Resource);
        assert_eq!(
            public_result.unknown, None,
            "{rel}: public access undecided"
        );
        check_replays(rel, &policy, &public_result, None);
        // Public access is access from outside, with one exception: S3's rule is about fixed
        // values, so a wildcard pattern confined to the zone's account (`aws:SourceArn`
        // `arn:aws:cloudwatch:us-east-2:111122223333:alarm:*`) is public without being
        // external. Then the public example must come from inside the zone, or the external
        // search missed it.
        for p in &public_result.findings {
            let external_too = external.findings.iter().any(|e| e.statement == p.statement);
            assert!(
                external_too || zone.contains(&p.request),
                "{rel}: public region of statement {:?} missing from the external findings",
                p.statement
            );
        }
        // Regions are distinct.
        let mut regions: Vec<_> = external
            .findings
            .iter()
            .map(|f| {
                (
                    f.statement.as_ref().map(|s| s.index),
                    f.principal.to_string(),
                )
            })
            .collect();
        let before = regions.len();
        regions.sort();
        regions.dedup();
        assert_eq!(before, regions.len(), "{rel}: duplicate findings");
        decided += 1;
        if !external.findings.is_empty() {
            with_findings += 1;
        }
    }
    println!("{decided} policies decided, {with_findings} with external findings");
    assert_eq!(decided + EXPECTED_REJECTIONS.len(), files.len());
}

/// Hand-checked: public, cross-account, restricted by organization, by source IP, by VPC
/// endpoint, by source ARN (see `encodings/external-access.md` for the reading of each).
#[test]
fn hand_checked_sample_is_pinned() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let root = corpus.join("aws-docs-example-policies");
    let samples = include_str!("access_corpus_samples.txt");
    let mut count = 0;
    for rel in samples.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let bytes = std::fs::read(root.join(rel)).unwrap();
        let policy = keyaki::parse::parse_policy(&bytes, rel).unwrap();
        let external = find(
            &policy,
            &Target::Outside(zone()),
            &options(),
            PolicyType::Resource,
        );
        let public_result = find(&policy, &public(), &options(), PolicyType::Resource);
        let json = serde_json::json!({
            "policy": rel,
            "access": FindingsReport::new(external.findings, external.unknown.into_iter().collect()).to_json(),
            "check-no-public-access": FindingsReport::new(public_result.findings, public_result.unknown.into_iter().collect()).to_json(),
        });
        let name = rel.replace(['/', '.'], "_");
        insta::assert_json_snapshot!(name, json);
        count += 1;
    }
    assert!(count >= 25, "only {count} samples");
}
