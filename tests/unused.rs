//! `keyaki unused`: grants decided by the engine, the window measured from the activity, and
//! the three proofs of `--tighten` / `--as-deny` (which a wrong candidate fails).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use keyaki::activity::lastaccessed::parse_last_accessed;
use keyaki::activity::observed;
use keyaki::activity::tighten::{prove, tighten};
use keyaki::activity::unused::{granted, unused, Activity, Window, DAY_MS};
use keyaki::events::time::parse_event_time;
use keyaki::explain::CheckOptions;
use serde_json::{json, Value};

fn options() -> CheckOptions {
    CheckOptions {
        counterexamples: 1,
        ..CheckOptions::default()
    }
}

fn t(text: &str) -> i64 {
    parse_event_time(text).unwrap()
}

/// The API example: iam used on 2018-10-24, s3 never; the report completed 2018-10-24T19:47:35Z.
fn api_example_report() -> Value {
    json!([{"output": {"IsTruncated": false, "JobCompletionDate": "2018-10-24T19:47:35.241Z",
        "JobCreationDate": "2018-10-24T19:47:31.466Z", "JobStatus": "COMPLETED",
        "ServicesLastAccessed": [
            {"LastAuthenticated": "2018-10-24T19:11:00Z", "LastAuthenticatedEntity": "arn:aws:iam::123456789012:user/AWSExampleUser01",
             "ServiceName": "AWS Identity and Access Management", "ServiceNamespace": "iam", "TotalAuthenticatedEntities": 2},
            {"ServiceName": "Amazon Simple Storage Service", "ServiceNamespace": "s3", "TotalAuthenticatedEntities": 0}]}}])
}

const POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": ["s3:*", "iam:Get*"], "Resource": "*"},
  {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}]}"#;

#[test]
fn access_advisor_window_ends_at_the_report_not_the_clock() {
    let report = parse_last_accessed(&api_example_report(), "example").unwrap();
    assert_eq!(report.completed, Some(t("2018-10-24T19:47:35.241Z")));
    let activity = Activity::from_last_accessed(&report);
    let policy = common::policy(POLICY);
    let grants = granted(&policy, &options());
    assert!(
        grants.services.contains_key("s3")
            && grants.services.contains_key("iam")
            && grants.services.contains_key("ec2")
    );
    // s3:* on * grants every S3 action in the catalog; iam:Get* only IAM's Get actions.
    let s3 = &grants.services["s3"];
    assert_eq!(
        s3.len(),
        keyaki::catalog::catalog().service_actions("s3").len()
    );
    assert!(grants.services["iam"]
        .iter()
        .all(|a| a.starts_with("iam:Get")));

    let window = Window::new(&activity, 90, None).unwrap();
    assert_eq!(window.end, t("2018-10-24T19:47:35.241Z"));
    let result = unused(&grants, &activity, window);
    let unused_services: Vec<&str> = result.services.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(unused_services, ["s3"]);
    assert_eq!(result.used, ["iam"]);
    assert_eq!(
        result.no_data,
        ["ec2"],
        "a service the report does not list is kept"
    );
    assert!(
        result.actions.is_empty(),
        "service-level report: no action data"
    );

    // The same input measured from a later --as-of: iam falls out of the window too.
    let later = Window::new(&activity, 90, Some(t("2019-06-01T00:00:00Z"))).unwrap();
    let result = unused(&grants, &activity, later);
    let unused_services: Vec<&str> = result.services.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(unused_services, ["iam", "s3"]);
}

#[test]
fn the_corpus_reports_parse_in_every_wrapper() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let dir = corpus.join("formats/access-advisor");
    for file in [
        "botocore-examples/iam.GetServiceLastAccessedDetails.json",
        "c7n-placebo/test_iam_user_usage__iam.GetServiceLastAccessedDetails_2.json",
    ] {
        let value: Value = serde_json::from_slice(&std::fs::read(dir.join(file)).unwrap()).unwrap();
        let report = parse_last_accessed(&value, file).unwrap_or_else(|e| panic!("{e}"));
        assert!(!report.services.is_empty(), "{file}");
        assert!(
            report.completed.is_some() || report.services.iter().any(|s| s.last_used.is_some()),
            "{file}"
        );
    }
    let in_progress: Value = serde_json::from_slice(
        &std::fs::read(
            dir.join("c7n-placebo/test_iam_user_usage__iam.GetServiceLastAccessedDetails_1.json"),
        )
        .unwrap(),
    )
    .unwrap();
    if in_progress
        .pointer("/data/JobStatus")
        .and_then(Value::as_str)
        == Some("IN_PROGRESS")
    {
        assert!(parse_last_accessed(&in_progress, "p")
            .unwrap_err()
            .to_string()
            .contains("IN_PROGRESS"));
    }
}

#[test]
fn tighten_from_access_advisor_proves_all_three_and_as_deny_too() {
    let activity = Activity::from_last_accessed(
        &parse_last_accessed(&api_example_report(), "example").unwrap(),
    );
    let document: Value = serde_json::from_str(POLICY).unwrap();
    let policy = common::policy(POLICY);
    let window = Window::new(&activity, 90, None).unwrap();
    let report = unused(&granted(&policy, &options()), &activity, window);
    let tightened = tighten(&document, &policy, &report, &activity, false, &options()).unwrap();
    assert!(tightened.proved(), "{:?}", tightened.proofs);
    assert_eq!(tightened.proofs.len(), 3);
    let text = tightened.output.to_string();
    assert!(!text.contains("s3:"), "s3 removed: {text}");
    assert!(
        text.contains("iam:Get*") && text.contains("ec2:Describe*"),
        "{text}"
    );

    let deny = tighten(&document, &policy, &report, &activity, true, &options()).unwrap();
    assert!(deny.proved(), "{:?}", deny.proofs);
    assert_eq!(deny.output["Effect"], "Deny");
    assert_eq!(deny.output["Action"], json!(["s3:*"]));
}

fn ct(id: &str, time: &str, source: &str, name: &str, params: Value) -> Value {
    json!({"eventID": id, "eventTime": time, "eventSource": source, "eventName": name,
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice"},
        "sourceIPAddress": "203.0.113.7", "requestParameters": params})
}

fn trail() -> Vec<Value> {
    vec![
        ct(
            "1",
            "2024-03-01T00:00:00Z",
            "s3.amazonaws.com",
            "GetObject",
            json!({"bucketName": "b", "key": "k"}),
        ),
        ct(
            "2",
            "2024-03-02T00:00:00Z",
            "s3.amazonaws.com",
            "ListBuckets",
            json!({}),
        ),
        ct(
            "3",
            "2023-06-01T00:00:00Z",
            "iam.amazonaws.com",
            "GetUser",
            json!({}),
        ),
        {
            let mut failed = ct(
                "4",
                "2024-03-03T00:00:00Z",
                "s3.amazonaws.com",
                "DeleteBucket",
                json!({"bucketName": "b"}),
            );
            failed["errorCode"] = json!("AccessDenied");
            failed
        },
    ]
}

const BROAD: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": ["s3:*", "iam:*", "sqs:*"], "Resource": "*"}]}"#;

#[test]
fn tighten_from_cloudtrail_keeps_exactly_the_used_actions_and_proves_it() {
    let activity = Activity::from_observed(trail().iter().filter_map(observed));
    assert_eq!(
        activity.requests.len(),
        3,
        "the failed call is not activity"
    );
    let window = Window::new(&activity, 90, None).unwrap();
    assert_eq!(window.end, t("2024-03-02T00:00:00Z"), "the newest record");
    let document: Value = serde_json::from_str(BROAD).unwrap();
    let policy = common::policy(BROAD);
    let report = unused(&granted(&policy, &options()), &activity, window);
    let services: Vec<&str> = report.services.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        services,
        ["iam", "sqs"],
        "iam last used 2023-06-01, outside 90 days"
    );
    assert!(report.actions.iter().any(|(a, _)| a == "s3:DeleteBucket"));
    assert!(!report
        .actions
        .iter()
        .any(|(a, _)| a == "s3:GetObject" || a == "s3:ListAllMyBuckets"));

    let tightened = tighten(&document, &policy, &report, &activity, false, &options()).unwrap();
    assert!(tightened.proved(), "{:?}", tightened.proofs);
    assert_eq!(
        tightened.output["Statement"][0]["Action"],
        json!(["s3:GetObject", "s3:ListAllMyBuckets"])
    );
    assert!(
        tightened.proofs[1]
            .detail
            .starts_with("2 observed requests"),
        "{}",
        tightened.proofs[1].detail
    );

    // A longer window keeps iam.
    let year = Window {
        start: window.end - 400 * DAY_MS,
        end: window.end,
    };
    let report = unused(&granted(&policy, &options()), &activity, year);
    assert!(report.used.contains(&"iam".to_string()));
}

#[test]
fn each_proof_rejects_a_wrong_candidate() {
    let activity = Activity::from_observed(trail().iter().filter_map(observed));
    let window = Window::new(&activity, 90, None).unwrap();
    let policy = common::policy(BROAD);
    let report = unused(&granted(&policy, &options()), &activity, window);
    let holds = |candidate: Value| -> Vec<Option<bool>> {
        prove(&candidate, &policy, &report, &activity, &options())
            .unwrap()
            .iter()
            .map(|p| p.holds)
            .collect()
    };
    // Wider than the original (ec2 added): proof 1 fails.
    let wider = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListAllMyBuckets", "ec2:*"], "Resource": "*"}]});
    assert_eq!(holds(wider)[0], Some(false));
    // Drops an observed request: proof 2 fails.
    let breaks = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]});
    assert_eq!(holds(breaks), [Some(true), Some(false), Some(true)]);
    // Still grants a removed service: proof 3 fails.
    let keeps = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListAllMyBuckets", "sqs:SendMessage"], "Resource": "*"}]});
    assert_eq!(holds(keeps), [Some(true), Some(true), Some(false)]);
}

#[test]
fn replay_lists_what_a_proposal_would_deny() {
    let dir = std::env::temp_dir().join(format!("keyaki-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("trail.json");
    std::fs::write(&path, json!({"Records": trail()}).to_string()).unwrap();
    let proposal = common::policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#,
    );
    let summary = keyaki::activity::replay::replay(
        &proposal,
        &[path.to_string_lossy().to_string()],
        keyaki::eval::PolicyType::Identity,
    )
    .unwrap();
    assert_eq!(
        (
            summary.records,
            summary.failed_calls,
            summary.allowed,
            summary.denied
        ),
        (4, 1, 1, 2)
    );
    let denied: Vec<&str> = summary
        .denied_requests
        .iter()
        .map(|(r, _, _)| r["action"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(denied, ["s3:ListAllMyBuckets", "iam:GetUser"]);
    let _ = std::fs::remove_dir_all(&dir);
}
