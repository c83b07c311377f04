//! Findings name the baseline rule they break and the smallest edit that is proved to fix
//! them. Every remedy is re-checked here independently: its printed statement is spliced into
//! the original policy text, parsed afresh and proved with the plain prover.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use keyaki::eval::{evaluate, Decision, PolicyType};
use keyaki::explain::{check_no_new_access, CheckOptions, Verdict};
use keyaki::query::remedy::{Advice, BaselineRule, EditKind, Scope};
use serde_json::{json, Value};
use std::process::Command;

fn keyaki(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_keyaki"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run keyaki");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// The policy text with statement `index` replaced by `after` (removed when null).
fn splice(policy: &Value, index: usize, after: &Value) -> Value {
    let mut policy = policy.clone();
    let statements = match &policy["Statement"] {
        Value::Array(items) => items.clone(),
        single => vec![single.clone()],
    };
    let edited: Vec<Value> = statements
        .into_iter()
        .enumerate()
        .filter_map(|(i, s)| match i == index {
            true if after.is_null() => None,
            true => Some(after.clone()),
            false => Some(s),
        })
        .collect();
    policy["Statement"] = Value::Array(edited);
    policy
}

fn parse(policy: &Value) -> keyaki::model::Policy {
    keyaki::policy_from_value(policy, "edited.json").unwrap()
}

/// Re-proves an offered remedy from its printed statement alone: the edited policy passes the
/// check (scope policy), or allows nothing beyond the baseline for the finding's action.
fn reprove(original: &Value, baseline: &keyaki::model::Policy, advice: &Advice, ty: PolicyType) {
    let remedy = advice.remedy.as_ref().unwrap();
    assert!(remedy.proved);
    let after = remedy.statement_after.clone().unwrap_or(Value::Null);
    let mut edited = splice(original, remedy.statement, &after);
    if remedy.scope == Scope::Action {
        let mut only =
            json!({"Effect": "Deny", "NotAction": advice.breaks.action, "Resource": "*"});
        if ty == PolicyType::Resource {
            only["Principal"] = json!("*");
        }
        edited["Statement"].as_array_mut().unwrap().push(only);
    }
    let options = CheckOptions {
        policy_type: ty,
        ..CheckOptions::default()
    };
    let verdict = check_no_new_access(&parse(&edited), baseline, &options);
    assert_eq!(verdict, Verdict::Holds, "remedy {remedy:?} of {original}");
}

fn read(path: &str) -> Value {
    let dir = env!("CARGO_MANIFEST_DIR");
    serde_json::from_str(&std::fs::read_to_string(format!("{dir}/{path}")).unwrap()).unwrap()
}

#[test]
fn a_public_bucket_is_fixed_by_narrowing_the_resource() {
    let (code, out) = keyaki(&[
        "check",
        "specs/examples/s3-fail-public-bucket.json",
        "--baseline",
        "specs/s3-baseline.policy.json",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let report: Value = serde_json::from_str(&out).unwrap();
    let finding = &report["counterexamples"][0];
    // The rule it breaks names the baseline statements for the action.
    assert_eq!(finding["breaks"]["baseline"]["rule"], "allows-only");
    let text = finding["breaks"]["text"].as_str().unwrap();
    assert!(
        text.contains("baseline Statement[1] \"PublicReadsUnderPublicPrefix\" to \"*\" on arn:aws:s3:::example-bucket/public/*"),
        "{text}"
    );
    assert!(
        text.contains("proposed Statement[0] \"PublicRead\" grants it"),
        "{text}"
    );
    let remedy = &finding["remedy"];
    assert_eq!(remedy["edit"], "narrow-resource");
    assert_eq!(remedy["scope"], "policy");
    assert_eq!(
        remedy["change"]["resources"],
        json!(["arn:aws:s3:::example-bucket/public/*"])
    );

    // Independently: the spliced policy passes `keyaki check`, and the counterexample is gone.
    let original = read("specs/examples/s3-fail-public-bucket.json");
    let edited = splice(&original, 0, &remedy["statement_after"]);
    let dir = std::env::temp_dir().join(format!("keyaki-remedy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("edited.json");
    std::fs::write(&path, edited.to_string()).unwrap();
    let (code, out) = keyaki(&[
        "check",
        path.to_str().unwrap(),
        "--baseline",
        "specs/s3-baseline.policy.json",
    ]);
    assert_eq!(code, 0, "{out}");
    let request =
        keyaki::parse::parse_request(finding["request"].to_string().as_bytes(), "r").unwrap();
    let decision = evaluate(&parse(&edited), &request, PolicyType::Resource).decision;
    assert_ne!(decision, Decision::Allow);
}

#[test]
fn an_action_the_baseline_never_allows_is_dropped() {
    let proposed = read("specs/examples/s3-fail-cross-account.json");
    let baseline = keyaki::parse_policy(
        std::fs::read_to_string(format!(
            "{}/specs/s3-baseline.policy.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
        .as_bytes(),
        "baseline",
    )
    .unwrap();
    let options = CheckOptions {
        policy_type: PolicyType::Resource,
        ..CheckOptions::default()
    };
    let report = keyaki::check(&parse(&proposed), &baseline, &options);
    let acl = report
        .advice
        .iter()
        .find(|a| a.breaks.action == "s3:PutObjectAcl")
        .expect("a finding for s3:PutObjectAcl");
    assert_eq!(acl.breaks.baseline, BaselineRule::NeverAllows);
    let remedy = acl.remedy.as_ref().unwrap();
    assert_eq!(remedy.edit, EditKind::DropAction);
    assert_eq!(remedy.change.actions, ["s3:PutObjectAcl"]);
    reprove(&proposed, &baseline, acl, PolicyType::Resource);
    // The partner's PutObject: the principal is narrowed to the one the baseline names.
    let put = report
        .advice
        .iter()
        .find(|a| a.breaks.action == "s3:PutObject")
        .unwrap();
    assert_eq!(put.remedy.as_ref().unwrap().edit, EditKind::NarrowPrincipal);
    reprove(&proposed, &baseline, put, PolicyType::Resource);
}

#[test]
fn dropping_is_offered_when_narrowing_is_proved_not_to_fix_it() {
    let baseline = common::policy(
        r#"{"Version":"2012-10-17","Statement":[
        {"Sid":"PublicReads","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/public/*"},
        {"Sid":"NoSecrets","Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/public/secret/*"},
        {"Sid":"Writes","Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"}]}"#,
    );
    let original = json!({"Version":"2012-10-17","Statement":[
        {"Sid":"ReadWrite","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::b/*"}]});
    let report = keyaki::check(&parse(&original), &baseline, &CheckOptions::default());
    assert_eq!(report.advice.len(), 1, "{:?}", report.advice);
    let advice = &report.advice[0];
    let remedy = advice.remedy.as_ref().unwrap();
    assert_eq!(remedy.edit, EditKind::DropAction);
    assert_eq!(remedy.scope, Scope::Policy);
    assert_eq!(advice.tried.len(), 1);
    assert_eq!(advice.tried[0].edit, EditKind::NarrowResource);
    assert_eq!(advice.tried[0].outcome, "fails");
    reprove(&original, &baseline, advice, PolicyType::Identity);
}

#[test]
fn no_remedy_when_another_statement_grants_it_too() {
    let baseline = common::policy(
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"TlsReads","Effect":"Allow","Action":"s3:GetObject",
        "Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#,
    );
    let proposed = common::policy(
        r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},
        {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::*"}]}"#,
    );
    let report = keyaki::check(&proposed, &baseline, &CheckOptions::default());
    assert!(!report.advice.is_empty());
    for advice in &report.advice {
        assert_eq!(advice.breaks.granted_by.index, 0);
        // Statement[1] grants s3:GetObject on every S3 object, whatever Statement[0] becomes.
        assert!(advice.remedy.is_none(), "{advice:?}");
        let tried: Vec<EditKind> = advice.tried.iter().map(|t| t.edit).collect();
        assert_eq!(
            tried,
            [
                EditKind::NarrowResource,
                EditKind::AddCondition,
                EditKind::NarrowResourceAndAddCondition,
                EditKind::RemoveStatement
            ]
        );
        assert!(advice.tried.iter().all(|t| t.outcome == "fails"));
    }
    let text = keyaki::report::check_text(
        &report,
        &keyaki::PolicyFile {
            path: "p.json".into(),
            policy: proposed.clone(),
        },
        &keyaki::PolicyFile {
            path: "b.json".into(),
            policy: baseline.clone(),
        },
    );
    assert!(
        text.contains("fix: no single-statement edit proved (tried: narrow-resource fails"),
        "{text}"
    );
    assert!(text.contains("baseline Statement[0] \"TlsReads\" on arn:aws:s3:::b/* when {\"Bool\":{\"aws:SecureTransport\":[\"true\"]}}"), "{text}");
}

#[test]
fn a_baseline_deny_is_named() {
    let baseline = common::policy(
        r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"s3:*","Resource":"*"},
        {"Sid":"NoDelete","Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}"#,
    );
    let proposed = common::policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:DeleteBucket"],"Resource":"*"}]}"#,
    );
    let report = keyaki::check(&proposed, &baseline, &CheckOptions::default());
    let advice = &report.advice[0];
    match &advice.breaks.baseline {
        BaselineRule::DeniedBy { statements } => {
            assert_eq!(statements[0].index, 1);
            assert_eq!(statements[0].sid.as_deref(), Some("NoDelete"));
        }
        other => panic!("{other:?}"),
    }
    let text = keyaki::report::remedy::breaks_text(&advice.breaks);
    assert!(text.starts_with("the baseline denies it: baseline Statement[1] \"NoDelete\" denies s3:DeleteBucket on *"), "{text}");
    let remedy = advice.remedy.as_ref().unwrap();
    assert_eq!(remedy.edit, EditKind::RemoveStatement);
    assert_eq!(remedy.statement_after, None);
}

#[test]
fn sarif_messages_carry_the_rule_and_the_fix() {
    let (code, out) = keyaki(&[
        "check",
        "specs/examples/s3-fail-public-bucket.json",
        "--baseline",
        "specs/s3-baseline.policy.json",
        "--format",
        "sarif",
    ]);
    assert_eq!(code, 1);
    let log: Value = serde_json::from_str(&out).unwrap();
    let result = &log["runs"][0]["results"][0];
    let message = result["message"]["text"].as_str().unwrap();
    assert!(
        message.contains("Breaks: the baseline allows s3:GetObject only"),
        "{message}"
    );
    assert!(
        message.contains("Fix: narrow the Resource of Statement[0]"),
        "{message}"
    );
    assert_eq!(result["properties"]["remedy"]["edit"], "narrow-resource");
}

#[test]
fn spec_findings_carry_remedies() {
    let (code, out) = keyaki(&[
        "check",
        "specs/examples/s3-fail-public-bucket.json",
        "--spec",
        "specs/s3-baseline.spec.json",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let report: Value = serde_json::from_str(&out).unwrap();
    let findings = report["findings"].as_array().unwrap();
    for f in findings {
        match f["kind"].as_str() {
            Some("new-access") => assert_eq!(f["remedy"]["edit"], "narrow-resource", "{f}"),
            _ => assert!(f.get("remedy").is_none(), "{f}"),
        }
    }
}

/// Over managed-policy version pairs (the newer version checked against the older): every
/// offered remedy re-proves from its printed statement, and the finding's request is no
/// longer allowed.
#[test]
fn every_offered_remedy_reproves_on_version_pairs() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let mut dirs: Vec<_> = std::fs::read_dir(corpus.join("managed-policy-versions"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    dirs.sort();
    let (mut offered, mut findings) = (0, 0);
    for dir in dirs.iter().take(40) {
        let (Ok(old), Ok(new)) = (
            std::fs::read_to_string(dir.join("old.json")),
            std::fs::read_to_string(dir.join("new.json")),
        ) else {
            continue;
        };
        let original: Value = serde_json::from_str(&new).unwrap();
        let proposed = keyaki::parse_policy(new.as_bytes(), "new").unwrap();
        let baseline = keyaki::parse_policy(old.as_bytes(), "old").unwrap();
        let report = keyaki::check(&proposed, &baseline, &CheckOptions::default());
        for c in &report.counterexamples {
            let Some(advice) = report.advice_for(c) else {
                continue;
            };
            findings += 1;
            if advice.remedy.is_none() {
                continue;
            }
            offered += 1;
            reprove(&original, &baseline, advice, PolicyType::Identity);
            let remedy = advice.remedy.as_ref().unwrap();
            let after = remedy.statement_after.clone().unwrap_or(Value::Null);
            let edited = parse(&splice(&original, remedy.statement, &after));
            let decision = evaluate(&edited, &c.request, PolicyType::Identity).decision;
            assert_ne!(decision, Decision::Allow, "{}: {remedy:?}", dir.display());
        }
    }
    println!("{offered} remedies offered for {findings} findings");
    assert!(
        offered > 0,
        "no remedy offered at all: the test would be vacuous"
    );
}
