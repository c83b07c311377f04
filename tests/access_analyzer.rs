//! The 207 labelled Access Analyzer CheckNoNewAccess cases: PASS iff the candidate grants
//! nothing beyond the reference. Every verdict must agree, or the disagreement must be
//! listed (with the AWS rule behind it) in `encodings/access-analyzer-disagreements.json`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use keyaki::eval::PolicyType;
use keyaki::explain::{check_no_new_access, CheckOptions, Verdict};
use std::collections::BTreeMap;
use std::time::Duration;

#[test]
fn access_analyzer_check_no_new_access_cases_agree() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let dir = corpus.join("expectations/access-analyzer-check-no-new-access");
    let cases: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("cases.json")).unwrap()).unwrap();
    let explained: BTreeMap<String, String> = serde_json::from_str(include_str!(
        "../encodings/access-analyzer-disagreements.json"
    ))
    .unwrap();
    let mut agree = 0;
    let mut unexplained = Vec::new();
    let mut unknown = Vec::new();
    for case in cases["cases"].as_array().unwrap() {
        let reference = case["reference"].as_str().unwrap();
        let candidate = case["candidate"].as_str().unwrap();
        let expected = case["expected"].as_str().unwrap();
        let policy_type = match case["policy_type"].as_str().unwrap() {
            "RESOURCE_POLICY" => PolicyType::Resource,
            _ => PolicyType::Identity,
        };
        let load = |rel: &str| {
            let bytes = std::fs::read(dir.join(rel)).unwrap();
            keyaki::parse::parse_policy(&bytes, rel).unwrap_or_else(|e| panic!("{e}"))
        };
        let (reference_policy, candidate_policy) = (load(reference), load(candidate));
        let options = CheckOptions {
            policy_type,
            counterexamples: 1,
            timeout: Duration::from_secs(20),
            ..CheckOptions::default()
        };
        let verdict = check_no_new_access(&candidate_policy, &reference_policy, &options);
        let got = match &verdict {
            Verdict::Holds => "PASS",
            Verdict::Violated(_) => "FAIL",
            Verdict::Unknown(reason) => {
                unknown.push(format!("{candidate}: {reason}"));
                "UNKNOWN"
            }
        };
        if got == expected {
            agree += 1;
        } else if !explained.contains_key(candidate) {
            unexplained.push(format!(
                "{candidate}: expected {expected}, got {got} ({})",
                case["description"]
            ));
        }
    }
    println!(
        "access analyzer cases: {agree} agree, {} explained disagreements",
        explained.len()
    );
    assert!(
        unknown.is_empty(),
        "unknown verdicts:\n{}",
        unknown.join("\n")
    );
    assert!(
        unexplained.is_empty(),
        "unexplained disagreements:\n{}",
        unexplained.join("\n")
    );
}

/// The explained disagreements really are what the notes say: fix the sample's slip and the
/// verdict becomes the label.
#[test]
fn explained_disagreements_flip_when_the_sample_is_fixed() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let dir = corpus.join("expectations/access-analyzer-check-no-new-access");
    let read = |rel: &str| std::fs::read_to_string(dir.join(rel)).unwrap();
    let run = |candidate: &str, reference: &str, policy_type| {
        let c = keyaki::parse::parse_policy(candidate.as_bytes(), "candidate").unwrap();
        let r = keyaki::parse::parse_policy(reference.as_bytes(), "reference").unwrap();
        check_no_new_access(
            &c,
            &r,
            &CheckOptions {
                policy_type,
                ..CheckOptions::default()
            },
        )
    };
    for provider in ["oidc", "saml"] {
        let base =
            format!("resource-policies/role-trust-policies/allowlist-federated-access-{provider}");
        let reference =
            read(&format!("{base}/reference.json")).replace("<ACCOUNT ID>", "111111111111");
        let candidate = read(&format!("{base}/candidate-1.json"));
        assert_eq!(
            run(&candidate, &reference, PolicyType::Resource),
            Verdict::Holds,
            "{provider}"
        );
    }
    let base = "identity-policies/check-access-to-sensitive-resource/ec2-network-acl";
    let reference = read(&format!("{base}/reference.json")).replace("acl-sensitive", "acl-123456");
    let candidate = read(&format!("{base}/candidate-3.json"));
    assert!(matches!(
        run(&candidate, &reference, PolicyType::Identity),
        Verdict::Violated(_)
    ));
}
