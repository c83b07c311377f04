//! The "one user per bucket" provisioning rule over a whole plan: the shipped passing plan
//! passes, the failing one fails for the reasons it was built with, each with evidence.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

fn rules(plan: &str) -> (i32, serde_json::Value) {
    let root = env!("CARGO_MANIFEST_DIR");
    let output = Command::new(env!("CARGO_BIN_EXE_keyaki"))
        .args([
            "rules",
            &format!("{root}/specs/plans/{plan}"),
            "--spec",
            &format!("{root}/specs/one-user-per-bucket.rules.json"),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    (output.status.code().unwrap(), report)
}

#[test]
fn the_passing_plan_passes_with_one_user_per_bucket() {
    let (code, report) = rules("one-user-per-bucket-pass.tfplan.json");
    assert_eq!(code, 0, "{report}");
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let users: Vec<&str> = results
        .iter()
        .map(|r| r["user"].as_str().unwrap())
        .collect();
    assert_eq!(users, ["team-a", "team-b"]);
    assert!(results.iter().all(|r| r["result"] == "pass"));
}

#[test]
fn the_failing_plan_fails_for_a_shared_bucket_and_a_reaching_user() {
    let (code, report) = rules("one-user-per-bucket-fail.tfplan.json");
    assert_eq!(code, 1, "{report}");
    let results = report["results"].as_array().unwrap();
    let a = results
        .iter()
        .find(|r| r["bucket"] == "team-a-data")
        .unwrap();
    let b = results
        .iter()
        .find(|r| r["bucket"] == "team-b-data")
        .unwrap();
    assert_eq!(b["result"], "fail");
    assert!(b["reasons"][0].as_str().unwrap().contains("2 users"), "{b}");
    assert_eq!(a["result"], "fail");
    let reasons: Vec<&str> = a["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("aws_iam_user_policy.a lets team-a reach another bucket")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("aws_s3_bucket_policy.b lets team-a reach bucket team-b-data")),
        "{reasons:?}"
    );
    // Evidence: requests the plan's policies allow.
    assert!(!a["counterexamples"].as_array().unwrap().is_empty());
}
