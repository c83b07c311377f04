//! Pruning (`encode::prune`): what it may remove, what it must keep, and that verdicts are
//! the same with and without it on the corpus.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::policy;
use keyaki::encode::prune::{relevant_to_allows, without_covered, Pruned};
use keyaki::eval::PolicyType;
use keyaki::explain::{check_no_new_access, CheckOptions, Verdict};

fn doc(statements: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)
}

fn pruned(proposed: &str, baseline: &str, ty: PolicyType) -> (Vec<Vec<String>>, Pruned) {
    let (reduced, counts) = without_covered(&policy(&doc(proposed)), &policy(&doc(baseline)), ty);
    let kept = reduced
        .statements
        .iter()
        .map(|s| s.action.patterns().iter().map(|a| a.text.clone()).collect())
        .collect();
    (kept, counts)
}

const READ: &str =
    r#"{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"arn:aws:s3:::b/*"}"#;

#[test]
fn a_statement_against_itself_is_removed() {
    let (kept, counts) = pruned(READ, READ, PolicyType::Identity);
    assert!(kept.is_empty(), "{kept:?}");
    assert_eq!(counts.statements, 1);
}

#[test]
fn only_the_uncovered_action_stays() {
    let proposed = r#"{"Effect":"Allow","Action":["s3:GetObject","s3:DeleteObject"],"Resource":"arn:aws:s3:::b/x/*"}"#;
    let baseline = r#"{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::b/*"}"#;
    let (kept, counts) = pruned(proposed, baseline, PolicyType::Identity);
    assert_eq!(kept, vec![vec!["s3:DeleteObject".to_string()]]);
    assert_eq!(counts.actions, 1);
}

#[test]
fn a_wider_resource_or_missing_condition_is_kept() {
    let baseline = r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}"#;
    // Wider resource.
    let wide = r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}"#;
    assert_eq!(pruned(wide, baseline, PolicyType::Identity).0.len(), 1);
    // The baseline's condition is missing.
    let bare = r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/k"}"#;
    assert_eq!(pruned(bare, baseline, PolicyType::Identity).0.len(), 1);
    // The baseline's condition plus one more: narrower, removed.
    let narrower = r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/k","Condition":{"Bool":{"aws:SecureTransport":"true"},"StringEquals":{"aws:PrincipalAccount":"111122223333"}}}"#;
    assert!(pruned(narrower, baseline, PolicyType::Identity)
        .0
        .is_empty());
}

#[test]
fn a_baseline_deny_the_proposal_lacks_keeps_what_it_touches() {
    let proposed = r#"{"Effect":"Allow","Action":["s3:GetObject","iam:PassRole"],"Resource":"*"}"#;
    let baseline = r#"{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"*"}"#;
    let (kept, _) = pruned(proposed, baseline, PolicyType::Identity);
    assert_eq!(kept, vec![vec!["iam:PassRole".to_string()]]);
    // With the same Deny in the proposal, the Deny applies to both: all is covered.
    let with_deny = format!(r#"{proposed},{{"Effect":"Deny","Action":"iam:*","Resource":"*"}}"#);
    let (kept, _) = pruned(&with_deny, baseline, PolicyType::Identity);
    assert_eq!(kept, vec![vec!["iam:*".to_string()]], "only the Deny stays");
}

/// `*` matches requests without a resource; `arn:*` does not.
#[test]
fn resourceless_requests_are_respected() {
    let proposed = r#"{"Effect":"Allow","Action":"sts:GetCallerIdentity","Resource":"*"}"#;
    let baseline = r#"{"Effect":"Allow","Action":"sts:*","Resource":"arn:*"}"#;
    assert_eq!(pruned(proposed, baseline, PolicyType::Identity).0.len(), 1);
    let p = policy(&doc(proposed));
    let b = policy(&doc(baseline));
    let verdict = check_no_new_access(&p, &b, &CheckOptions::default());
    let Verdict::Violated(list) = verdict else {
        panic!("expected a counterexample, got {verdict:?}");
    };
    // Without a resource, or with one outside `arn:*`.
    let resource = list[0].request.resource.clone().unwrap_or_default();
    assert!(!resource.starts_with("arn:"), "{resource}");
}

#[test]
fn resource_policies_compare_principals() {
    let baseline = r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}"#;
    let same = r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#;
    let public = r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#;
    assert!(pruned(same, baseline, PolicyType::Resource).0.is_empty());
    assert_eq!(pruned(public, baseline, PolicyType::Resource).0.len(), 1);
    // Identity policies ignore the Principal element, as the evaluator does.
    assert!(pruned(public, baseline, PolicyType::Identity).0.is_empty());
}

#[test]
fn not_action_is_covered_only_by_a_superset() {
    let proposed = r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#;
    let wider = r#"{"Effect":"Allow","NotAction":"iam:Create*","Resource":"*"}"#;
    let narrower = r#"{"Effect":"Allow","NotAction":["iam:*","s3:*"],"Resource":"*"}"#;
    assert!(pruned(proposed, wider, PolicyType::Identity).0.is_empty());
    assert_eq!(pruned(proposed, narrower, PolicyType::Identity).0.len(), 1);
}

#[test]
fn slicing_drops_actions_no_allowed_request_can_have() {
    let proposed = policy(&doc(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#,
    ));
    let baseline = policy(&doc(
        r#"{"Effect":"Allow","Action":["ec2:*","s3:Get*","sqs:SendMessage"],"Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"*"}"#,
    ));
    let sliced = relevant_to_allows(&proposed, &[&baseline]).unwrap();
    let kept: Vec<Vec<&str>> = sliced[1]
        .statements
        .iter()
        .map(|s| {
            s.action
                .patterns()
                .iter()
                .map(|a| a.text.as_str())
                .collect()
        })
        .collect();
    assert_eq!(kept, vec![vec!["s3:Get*"]]);
    // A NotAction or `*` Allow in the proposal reaches every action: nothing is sliced.
    let open = policy(&doc(
        r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#,
    ));
    assert!(relevant_to_allows(&open, &[&baseline]).is_none());
}

/// The version pairs both ways: the same verdict with and without pruning.
#[test]
fn corpus_version_pairs_keep_their_verdicts() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let dir = corpus.join("managed-policy-versions");
    let mut pairs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    pairs.sort();
    let load = |p: std::path::PathBuf| {
        keyaki::parse::parse_policy(&std::fs::read(&p).unwrap(), &p.to_string_lossy()).ok()
    };
    let mut compared = 0;
    for pair in pairs {
        let (Some(old), Some(new)) = (load(pair.join("old.json")), load(pair.join("new.json")))
        else {
            continue;
        };
        for (p, b) in [(&new, &old), (&old, &new)] {
            let ty = keyaki::query::resolve_policy_type(None, &[p, b]);
            let options = CheckOptions {
                policy_type: ty,
                counterexamples: 1,
                ..CheckOptions::default()
            };
            let with = check_no_new_access(p, b, &options);
            let without = check_no_new_access(
                p,
                b,
                &CheckOptions {
                    prune: false,
                    ..options
                },
            );
            let kind = |v: &Verdict| match v {
                Verdict::Holds => "pass",
                Verdict::Violated(_) => "fail",
                Verdict::Unknown(_) => "unknown",
            };
            assert_eq!(kind(&with), kind(&without), "{}", pair.display());
            assert_ne!(kind(&with), "unknown", "{}", pair.display());
            compared += 1;
        }
    }
    assert!(compared >= 150, "only {compared} comparisons");
}
