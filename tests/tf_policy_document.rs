//! `data.aws_iam_policy_document` rendered from the plan when its `json` is known only after
//! apply: from the data source's planned arguments (each unknown element an unknown value), or
//! from the configuration's constants; a list of unknown length or merged documents are
//! `unknown`, naming what they wait for. Never guessed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::keyaki;
use keyaki::eval::{evaluate, Decision, PolicyType};
use keyaki::template::analysis::prepare;
use keyaki::template::{extract, to_value, Extraction, ResolveOptions};
use serde_json::{json, Value};

const PLAN: &str = "tests/fixtures/templates/policy-document.tfplan.json";

fn extraction() -> Extraction {
    let bytes = std::fs::read(PLAN).unwrap();
    extract(&bytes, PLAN, &ResolveOptions::default()).unwrap()
}

#[test]
fn planned_arguments_render_with_each_unknown_element_a_variable() {
    let extraction = extraction();
    let shared = extraction
        .policies
        .iter()
        .find(|p| p.origin == "aws_s3_bucket_policy.shared")
        .unwrap();
    let document = to_value(&shared.document);
    let statement = &document["Statement"][0];
    assert_eq!(document["Version"], "2012-10-17");
    assert_eq!(statement["Sid"], "ReadFromOrg");
    assert_eq!(statement["Effect"], "Allow");
    assert_eq!(statement["Action"], json!(["s3:GetObject"]));
    assert_eq!(
        statement["Principal"],
        json!({"AWS": ["arn:aws:iam::111122223333:root"]})
    );
    // The known element stays; the unknown one is a variable named by what it reads.
    assert_eq!(statement["Resource"][0], "arn:aws:s3:::known-bucket/*");
    assert_eq!(shared.unknown_values.len(), 2);
    let resource = &shared.unknown_values[0];
    assert_eq!(statement["Resource"][1], resource.marker());
    assert!(
        resource.source.contains("statement[0].resources[1]")
            && resource.source.contains("aws_s3_bucket.data.arn"),
        "{}",
        resource.source
    );
    let org = &shared.unknown_values[1];
    assert_eq!(
        statement["Condition"]["StringEquals"]["aws:PrincipalOrgID"][0],
        org.marker()
    );
    assert!(
        org.source.contains("aws_organizations_organization.org.id"),
        "{}",
        org.source
    );
    // Any text: each stands for one place only, and the policy is checkable.
    assert!(shared.unknown_values.iter().all(|u| !u.identifier));
    assert!(prepare(shared).is_ok());
}

#[test]
fn configuration_constants_render_as_the_provider_writes_them() {
    let extraction = extraction();
    let home = extraction
        .policies
        .iter()
        .find(|p| p.origin == "aws_iam_policy.home")
        .unwrap();
    assert!(home.unknown_values.is_empty());
    let document = to_value(&home.document);
    assert_eq!(
        document["Statement"],
        json!([
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": ["arn:aws:s3:::homes/${aws:username}/*"]},
            {"Effect": "Deny", "NotAction": ["s3:GetObject", "s3:PutObject"], "Resource": ["*"]}
        ])
    );
    // `&{aws:username}` became the policy variable: the user reaches only their own home.
    let run = keyaki(&[
        "check-access-not-granted",
        PLAN,
        "--resources",
        "arn:aws:s3:::homes/alice/*",
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let home = report["policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["origin"] == "aws_iam_policy.home")
        .unwrap();
    assert_eq!(home["result"], "fail", "{home}");
    let request = &home["findings"][0]["request"];
    // The request is alice's own (the username comes from the principal or the context).
    let principal = request["principal"]["AWS"].as_str().unwrap_or_default();
    assert!(
        principal.ends_with(":user/alice") || request["context"]["aws:username"] == "alice",
        "{request}"
    );
}

#[test]
fn unknown_lengths_and_merged_documents_are_unknown_naming_why() {
    let extraction = extraction();
    let refusal = |origin: &str| {
        extraction
            .refusals
            .iter()
            .find(|r| r.origin == origin)
            .unwrap_or_else(|| panic!("{origin}: {:?}", extraction.refusals))
    };
    let listed = refusal("aws_iam_policy.listed");
    assert!(
        listed.reason.starts_with("unknown: ")
            && listed.reason.contains("statement[0].resources")
            && listed.reason.contains("var.bucket_arns"),
        "{}",
        listed.reason
    );
    let merged = refusal("aws_iam_policy.merged");
    assert!(
        merged.reason.contains("source_policy_documents"),
        "{}",
        merged.reason
    );
    assert_eq!(extraction.policies.len(), 2);
}

#[test]
fn a_pass_holds_for_every_value_and_a_counterexample_needs_one() {
    // Every principal is in account 111122223333, whatever the unknown bucket and org are.
    let run = keyaki(&[
        "access",
        PLAN,
        "--trust-zone",
        "account:111122223333",
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let policy = |origin: &str| {
        report["policies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["origin"] == origin)
            .unwrap()
            .clone()
    };
    assert_eq!(policy("aws_s3_bucket_policy.shared")["result"], "pass");
    // The two policies that cannot be rendered decide the exit: unknown.
    assert_eq!(run.code, 3, "{}", run.stdout);
    assert_eq!(report["summary"]["unknown"], 2);
    // Against reads of the known bucket only, the unknown bucket needs a value.
    let dir = std::env::temp_dir().join(format!("keyaki-tf-document-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let baseline = dir.join("baseline.json");
    let baseline_text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::known-bucket/*"}]}"#;
    std::fs::write(&baseline, baseline_text).unwrap();
    let run = keyaki(&[
        "check",
        PLAN,
        "--baseline",
        baseline.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let shared = report["policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["origin"] == "aws_s3_bucket_policy.shared")
        .unwrap();
    assert_eq!(shared["result"], "fail");
    let example = &shared["counterexamples"][0];
    assert!(
        example["needs"]
            .as_str()
            .unwrap()
            .contains("statement[0].resources[1]"),
        "{example}"
    );
    // It replays through the evaluator with the value it needs.
    let extraction = extraction();
    let extracted = extraction
        .policies
        .iter()
        .find(|p| p.origin == "aws_s3_bucket_policy.shared")
        .unwrap();
    let model = prepare(extracted).unwrap();
    let request = common::request(&example["request"]);
    assert_eq!(
        evaluate(&model, &request, PolicyType::Resource).decision,
        Decision::Allow
    );
    let baseline = keyaki::parse::parse_policy(baseline_text.as_bytes(), "b").unwrap();
    assert_ne!(
        evaluate(&baseline, &request, PolicyType::Resource).decision,
        Decision::Allow
    );
}
