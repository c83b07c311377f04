//! The solver-free probe (`explain::probe_counterexamples`) that `scan` runs before the
//! search: what it finds is a replayed counterexample, it never answers a pass, and on the
//! baseline family it agrees with the full search.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::policy;
use keyaki::eval::{evaluate, Decision, PolicyType};
use keyaki::explain::{check_no_new_access, probe_counterexamples, CheckOptions, Verdict};
use keyaki::model::Policy;
use keyaki::request::Principal;

fn doc(statements: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)
}

fn options(counterexamples: usize) -> CheckOptions {
    CheckOptions {
        counterexamples,
        ..CheckOptions::default()
    }
}

/// Every counterexample the probe gives replays: Allow in the proposal, not in the baseline.
fn assert_replays(proposed: &Policy, baseline: &Policy, found: &[keyaki::explain::Counterexample]) {
    for c in found {
        let p = evaluate(proposed, &c.request, PolicyType::Identity);
        let b = evaluate(baseline, &c.request, PolicyType::Identity);
        assert_eq!(p.decision, Decision::Allow, "{:?}", c.request);
        assert_ne!(b.decision, Decision::Allow, "{:?}", c.request);
        assert_eq!(p, c.proposed);
        assert_eq!(b, c.baseline);
    }
}

#[test]
fn the_issue_repro_fails_without_the_solver() {
    // #10: the baseline never allows iam:ChangePassword; the search used to time out.
    let proposed = policy(&doc(
        r#"{"Effect":"Allow","Action":"iam:ChangePassword","Resource":["arn:aws:iam::*:user/${aws:username}","arn:aws:iam::*:user/*/${aws:username}"]}"#,
    ));
    let baseline = policy(&doc(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},
           {"Effect":"Deny","NotAction":"sts:*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}"#,
    ));
    // Template resources: the probe writes one value per variable into the statement (here the
    // caller's own user name) and the request carries the same caller.
    let found = probe_counterexamples(&proposed, &baseline, &options(1)).expect("a counterexample");
    assert_eq!(found[0].request.action, "iam:ChangePassword");
    let user = "arn:aws:iam::111122223333:user/example";
    assert_eq!(found[0].request.principal, Principal::Aws(user.to_string()));
    assert_eq!(found[0].request.resource.as_deref(), Some(user));
    assert_replays(&proposed, &baseline, &found);
    let plain = policy(&doc(
        r#"{"Effect":"Allow","Action":"iam:ChangePassword","Resource":"arn:aws:iam::*:user/*"}"#,
    ));
    let found = probe_counterexamples(&plain, &baseline, &options(1)).expect("a counterexample");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].request.action, "iam:ChangePassword");
    // A resource in the action's ARN format (an IAM user), with a 12-digit account.
    let resource = found[0].request.resource.clone().unwrap();
    assert!(
        resource.starts_with("arn:aws:iam::111122223333:user/"),
        "{resource}"
    );
    assert_replays(&plain, &baseline, &found);
}

#[test]
fn a_pass_is_never_answered_by_the_probe() {
    let p = policy(&doc(
        r#"{"Effect":"Allow","Action":["s3:Get*","ec2:Describe*"],"Resource":"*"}"#,
    ));
    assert!(probe_counterexamples(&p, &p, &options(1)).is_none());
    let wider = policy(&doc(r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#));
    assert!(probe_counterexamples(&p, &wider, &options(3)).is_none());
    assert_eq!(check_no_new_access(&p, &wider, &options(1)), Verdict::Holds);
}

#[test]
fn a_deny_is_met_by_its_conditions_and_its_principal() {
    let proposed = policy(&doc(
        r#"{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}"#,
    ));
    // Only the root user is denied: the probe asks as the account root, a principal whose
    // derived aws:PrincipalArn meets the condition (no contradicting context key).
    let baseline = policy(&doc(r#"{"Effect":"Allow","Action":"*","Resource":"*"},
           {"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:root"}}}"#));
    let found = probe_counterexamples(&proposed, &baseline, &options(1)).expect("a counterexample");
    assert_eq!(
        found[0].request.principal,
        Principal::Aws("arn:aws:iam::111122223333:root".into())
    );
    assert!(found[0].request.context.is_empty());
    assert_replays(&proposed, &baseline, &found);
    // A context key for the TLS deny.
    let baseline = policy(&doc(r#"{"Effect":"Allow","Action":"*","Resource":"*"},
           {"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#));
    let found = probe_counterexamples(&proposed, &baseline, &options(1)).expect("a counterexample");
    assert_eq!(
        found[0].request.context_values("aws:securetransport"),
        Some(&["false".to_string()][..])
    );
    assert_replays(&proposed, &baseline, &found);
}

#[test]
fn several_counterexamples_have_distinct_actions_or_none_are_given() {
    let proposed = policy(&doc(
        r#"{"Effect":"Allow","Action":["sqs:SendMessage","sns:Publish","kms:Decrypt"],"Resource":"*"}"#,
    ));
    let baseline = policy(&doc(r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#));
    let found = probe_counterexamples(&proposed, &baseline, &options(3)).expect("three");
    let mut actions: Vec<&str> = found.iter().map(|c| c.request.action.as_str()).collect();
    actions.sort();
    assert_eq!(actions, ["kms:Decrypt", "sns:Publish", "sqs:SendMessage"]);
    assert_replays(&proposed, &baseline, &found);
    // Four asked for, three exist: the probe hands over to the search rather than give fewer.
    assert!(probe_counterexamples(&proposed, &baseline, &options(4)).is_none());
}

#[test]
fn resource_policies_are_left_to_the_search() {
    let p = policy(&doc(
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#,
    ));
    let empty = policy(&doc(""));
    let options = CheckOptions {
        policy_type: PolicyType::Resource,
        ..options(1)
    };
    assert!(probe_counterexamples(&p, &empty, &options).is_none());
}

/// On the baseline family, against a slice of the managed policies: whenever the probe finds
/// a counterexample, the full search does not prove the pair (and the counterexample replays).
#[test]
fn agrees_with_the_search_on_the_baseline_family() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let dir = corpus.join("aws-managed-policies/policies");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let baselines = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/baselines");
    let mut names: Vec<_> = std::fs::read_dir(&baselines)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    assert!(names.len() >= 9);
    let (mut probed, mut compared) = (0, 0);
    for b in &names {
        let baseline = policy(&std::fs::read_to_string(b).unwrap());
        for f in files.iter().step_by(97) {
            let Ok(proposed) = keyaki::parse::parse_policy(&std::fs::read(f).unwrap(), "p") else {
                continue;
            };
            compared += 1;
            let Some(found) = probe_counterexamples(&proposed, &baseline, &options(1)) else {
                continue;
            };
            probed += 1;
            assert_replays(&proposed, &baseline, &found);
            let verdict = check_no_new_access(&proposed, &baseline, &options(1));
            assert!(
                matches!(verdict, Verdict::Violated(_)),
                "{} vs {}: probe found {:?}, search says {verdict:?}",
                f.display(),
                b.display(),
                found[0].request
            );
        }
    }
    // The probe is the fast path for most failures, not a rarity.
    assert!(probed * 2 > compared, "{probed} of {compared}");
}

#[test]
fn in_the_catalog_universe_the_probe_gives_only_requests_the_universe_admits() {
    // A bucket ARN is no object for s3:GetObject: in the open universe the probe may use it,
    // in the catalog universe that request does not exist and must never be printed.
    let proposed = policy(&doc(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket"}"#,
    ));
    let baseline = policy(&doc(
        r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}"#,
    ));
    let open = probe_counterexamples(&proposed, &baseline, &options(1)).expect("open: found");
    assert_replays(&proposed, &baseline, &open);
    let catalog = CheckOptions {
        resource_universe: keyaki::explain::ResourceUniverse::Catalog,
        ..options(1)
    };
    for c in probe_counterexamples(&proposed, &baseline, &catalog).unwrap_or_default() {
        keyaki::request::universe::admits(catalog.resource_universe, &c.request)
            .expect("a catalog-mode counterexample inside the universe");
    }
}

#[test]
fn policy_variables_compared_with_each_other_get_one_value_each() {
    // SageMakerStudioBedrockChatAgentUserRolePolicy's shape: keys compared with the caller's
    // tags and account; against a bucket allow-list it needs the search's refinement loop
    // (generated baseline s1-3 timed out there), here one instance of the statement.
    let proposed = policy(&doc(r#"{"Effect":"Allow","Action":["s3:GetObject"],
            "Resource":"arn:aws:s3:::${aws:PrincipalTag/Bucket}/${aws:PrincipalTag/Domain}/${aws:PrincipalTag/Path}",
            "Condition":{"StringEquals":{"aws:ResourceAccount":"${aws:PrincipalAccount}",
                                         "aws:ResourceTag/Project":"${aws:PrincipalTag/Project}"},
                         "StringNotEquals":{"aws:PrincipalTag/Bucket":"","aws:PrincipalTag/Path":""}}}"#));
    let baseline = policy(&doc(r#"{"Effect":"Allow","Action":"*","Resource":"*"},
           {"Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::acme-*","arn:aws:s3:::acme-*/*"]}"#));
    let found = probe_counterexamples(&proposed, &baseline, &options(1)).expect("a counterexample");
    assert_replays(&proposed, &baseline, &found);
    let context = &found[0].request.context;
    let value = |key: &str| {
        context
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.values.clone())
    };
    // The compared keys carry the same values the templates read.
    assert_eq!(
        value("aws:ResourceTag/Project"),
        value("aws:PrincipalTag/Project")
    );
    // A variable the statement also conditions takes a value that condition accepts.
    let both_ways = policy(&doc(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::${aws:PrincipalTag/team}/*",
            "Condition":{"StringLike":{"aws:PrincipalTag/team":"eng-*"}}}"#,
    ));
    let found =
        probe_counterexamples(&both_ways, &baseline, &options(1)).expect("a counterexample");
    assert_replays(&both_ways, &baseline, &found);
    let resource = found[0].request.resource.clone().unwrap();
    assert!(resource.starts_with("arn:aws:s3:::eng-"), "{resource}");
}
