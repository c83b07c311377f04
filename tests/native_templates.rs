//! The native commands (`check`, `diff`, `access`, `check-no-public-access`,
//! `check-access-not-granted`, `check --spec`) read CloudFormation templates and Terraform plans
//! wherever they read a policy: one result per policy, named by logical id / address and
//! property path, exit the worst across them; unknown values hold for every value, and a
//! counterexample names the value it needs (and replays with it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{keyaki, Run};
use keyaki::eval::{evaluate, Decision, PolicyType};
use keyaki::template::analysis::prepare;
use keyaki::template::{extract, ResolveOptions};
use serde_json::Value;

const STACK: &str = "tests/fixtures/templates/stack.yaml";
const STACK_V2: &str = "tests/fixtures/templates/stack-v2.yaml";
const UNRESOLVABLE: &str = "tests/fixtures/templates/unresolvable.yaml";
/// s3:GetObject and sts:AssumeRole on anything.
const BASELINE: &str = "tests/fixtures/templates/baseline.json";
/// s3:GetObject on `reports-*` buckets only.
const REPORTS_ONLY: &str = "tests/fixtures/templates/baseline-reports.json";

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

fn policy<'v>(report: &'v Value, origin: &str, path: &str) -> &'v Value {
    report["policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["origin"] == origin && p["path"].as_str().unwrap().starts_with(path))
        .unwrap_or_else(|| panic!("no {origin} {path} in {report}"))
}

#[test]
fn check_reads_a_template_policy_by_policy() {
    let run = keyaki(&["check", STACK, "--baseline", BASELINE, "--format", "json"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let report = json(&run);
    assert_eq!(report["format"], "cloudformation-yaml");
    assert_eq!(report["result"], "fail");
    assert_eq!(report["summary"]["total"], 5);
    assert_eq!(
        policy(&report, "Wide", "Properties.PolicyDocument")["result"],
        "fail"
    );
    for (origin, path) in [
        ("Narrow", "Properties.PolicyDocument"),
        ("Worker", "Properties.AssumeRolePolicyDocument"),
        ("Worker", "Properties.Policies[0].PolicyDocument"),
        ("ReportsPolicy", "Properties.PolicyDocument"),
    ] {
        assert_eq!(
            policy(&report, origin, path)["result"],
            "pass",
            "{origin} {path}"
        );
    }
    // The policies keep their kind: the trust policy is a resource policy.
    assert_eq!(
        policy(&report, "Worker", "Properties.AssumeRolePolicyDocument")["policy_type"],
        "resource"
    );
    let text = keyaki(&["check", STACK, "--baseline", BASELINE]);
    assert_eq!(text.code, 1);
    assert!(
        text.stdout.contains(
            "fail: tests/fixtures/templates/stack.yaml: Wide Properties.PolicyDocument allows"
        ),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("5 policies: 4 pass, 1 fail, 0 unknown, 0 invalid"),
        "{}",
        text.stdout
    );
}

#[test]
fn an_unknown_value_passes_for_every_value_and_a_counterexample_needs_one() {
    // Against s3:GetObject on anything, the imported bucket passes whatever it is.
    let run = keyaki(&["check", STACK, "--baseline", BASELINE, "--format", "json"]);
    let narrow = policy(&json(&run), "Narrow", "Properties.PolicyDocument").clone();
    assert_eq!(narrow["result"], "pass");
    assert_eq!(
        narrow["unknown_values"][0]["source"],
        "Fn::ImportValue SharedBucketArn"
    );
    // Against `reports-*` buckets only, it needs the import to be some other bucket.
    let run = keyaki(&[
        "check",
        STACK,
        "--baseline",
        REPORTS_ONLY,
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1);
    let narrow = policy(&json(&run), "Narrow", "Properties.PolicyDocument").clone();
    assert_eq!(narrow["result"], "fail");
    let example = &narrow["counterexamples"][0];
    let value = example["unknown_values"]["Fn::ImportValue SharedBucketArn"]
        .as_str()
        .unwrap();
    assert!(
        example["needs"]
            .as_str()
            .unwrap()
            .contains(&format!("Fn::ImportValue SharedBucketArn is `{value}`")),
        "{example}"
    );
    // The printed request replays: the template's policy allows it, the baseline does not.
    let bytes = std::fs::read(STACK).unwrap();
    let extraction = extract(&bytes, STACK, &ResolveOptions::default()).unwrap();
    let extracted = extraction
        .policies
        .iter()
        .find(|p| p.origin == "Narrow")
        .unwrap();
    let model = prepare(extracted).unwrap();
    let request = common::request(&example["request"]);
    assert_eq!(
        evaluate(&model, &request, PolicyType::Identity).decision,
        Decision::Allow
    );
    let baseline = keyaki::parse::parse_policy(&std::fs::read(REPORTS_ONLY).unwrap(), "b").unwrap();
    assert_ne!(
        evaluate(&baseline, &request, PolicyType::Identity).decision,
        Decision::Allow
    );
    let text = keyaki(&["check", STACK, "--baseline", REPORTS_ONLY]);
    assert!(
        text.stdout
            .contains("needs: if Fn::ImportValue SharedBucketArn is `"),
        "{}",
        text.stdout
    );
}

#[test]
fn an_unresolvable_element_is_exit_2_naming_logical_id_and_path() {
    let run = keyaki(&["check", UNRESOLVABLE, "--baseline", BASELINE]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("invalid: "))
        .unwrap();
    assert!(
        line.contains("Odd ") && line.contains("PolicyDocument") && line.contains("Fn::Cidr"),
        "{line}"
    );
    assert!(
        run.stdout
            .contains("pass: tests/fixtures/templates/unresolvable.yaml: Fine "),
        "{}",
        run.stdout
    );
    // A proved violation elsewhere decides the exit code; the refusal is still reported.
    let narrow = keyaki(&[
        "check",
        UNRESOLVABLE,
        "--baseline",
        REPORTS_ONLY,
        "--format",
        "json",
    ]);
    let report = json(&narrow);
    assert_eq!(policy(&report, "Odd", "Resources.Odd")["result"], "invalid");
    assert_eq!(policy(&report, "Fine", "Properties")["result"], "fail");
    assert_eq!(narrow.code, 1);
    assert_eq!(report["summary"]["invalid"], 1);
    // SARIF places the refusal at its line in the template.
    let sarif = json(&keyaki(&[
        "check",
        UNRESOLVABLE,
        "--baseline",
        BASELINE,
        "--format",
        "sarif",
    ]));
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "invalid-template-policy");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        15
    );
}

#[test]
fn an_unknown_where_no_variable_can_stand_is_exit_3_naming_it() {
    let template = common::scratch_file(
        "native-unknown",
        "principal.yaml",
        "Resources:\n  Q:\n    Type: AWS::SQS::QueuePolicy\n    Properties:\n      Queues: [q]\n      PolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - { Effect: Allow, Principal: { AWS: !ImportValue Partner }, Action: sqs:SendMessage, Resource: '*' }\n",
    );
    let run = keyaki(&[
        "check-access-not-granted",
        template.to_str().unwrap(),
        "--actions",
        "sqs:DeleteQueue",
    ]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("unknown: ") && run.stdout.contains("Q "),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Partner"), "{}", run.stdout);
}

#[test]
fn sarif_regions_point_into_the_template() {
    let run = keyaki(&[
        "check",
        STACK,
        "--baseline",
        REPORTS_ONLY,
        "--format",
        "sarif",
        "--counterexamples",
        "1",
    ]);
    assert_eq!(run.code, 1);
    let sarif = json(&run);
    let lines: Vec<&str> = include_str!("fixtures/templates/stack.yaml")
        .lines()
        .collect();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 5, "one counterexample per failing policy");
    for result in results {
        let location = &result["locations"][0];
        assert_eq!(
            location["physicalLocation"]["artifactLocation"]["uri"],
            STACK
        );
        let line = location["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .unwrap() as usize;
        assert!(
            lines[line - 1].trim_start().starts_with("- Effect: Allow"),
            "line {line}: {}",
            lines[line - 1]
        );
        let name = location["logicalLocations"][0]["fullyQualifiedName"]
            .as_str()
            .unwrap();
        let message = result["message"]["text"].as_str().unwrap();
        let origin = name.split('.').next().unwrap();
        assert!(message.starts_with(&format!("{origin} ")), "{message}");
        assert!(name.ends_with(".Statement[0]"), "{name}");
    }
    let narrow = results
        .iter()
        .find(|r| {
            r["message"]["text"]
                .as_str()
                .unwrap()
                .starts_with("Narrow ")
        })
        .unwrap();
    assert!(
        narrow["properties"]["needs"]
            .as_str()
            .unwrap()
            .contains("SharedBucketArn"),
        "{narrow}"
    );
}

#[test]
fn diff_pairs_policies_by_origin_with_added_and_removed() {
    let run = keyaki(&["diff", STACK, STACK_V2, "--format", "json"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let report = json(&run);
    let added = policy(&report, "Deployer", "Properties.PolicyDocument");
    assert_eq!(added["change"], "added");
    assert_eq!(added["relation"], "more-permissive");
    assert!(
        added["widened"][0]["needs"]
            .as_str()
            .unwrap()
            .contains("SharedBucketArn"),
        "{added}"
    );
    let removed = policy(&report, "Narrow", "Properties.PolicyDocument");
    assert_eq!(removed["change"], "removed");
    assert_eq!(removed["relation"], "less-permissive");
    assert_eq!(
        policy(&report, "Wide", "Properties")["relation"],
        "less-permissive"
    );
    assert_eq!(policy(&report, "Wide", "Properties")["change"], "paired");
    assert_eq!(
        policy(&report, "ReportsPolicy", "Properties")["relation"],
        "more-permissive"
    );
    assert_eq!(
        policy(&report, "Worker", "Properties.AssumeRole")["relation"],
        "equivalent"
    );
    assert_eq!(report["summary"]["total"], 6);
    // Only narrowing: exit 0 under the default --fail-on widened... and the same template
    // against itself is equivalent everywhere.
    let same = keyaki(&["diff", STACK, STACK, "--format", "json"]);
    assert_eq!(same.code, 0, "{}", same.stdout);
    for p in json(&same)["policies"].as_array().unwrap() {
        assert_eq!(p["relation"], "equivalent", "{p}");
    }
    let text = keyaki(&["diff", STACK, STACK_V2]);
    assert!(
        text.stdout
            .contains("Deployer Properties.PolicyDocument (added) is more permissive than"),
        "{}",
        text.stdout
    );
}

#[test]
fn a_policy_against_a_template_of_one_policy_is_paired() {
    let template = common::scratch_file(
        "native-single",
        "one.json",
        r#"{"Resources":{"P":{"Type":"AWS::IAM::ManagedPolicy","Properties":{"PolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"*"}]}}}}}"#,
    );
    let run = keyaki(&[
        "diff",
        BASELINE,
        template.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let report = json(&run);
    assert_eq!(report["summary"]["total"], 1, "{report}");
    assert_eq!(report["policies"][0]["relation"], "incomparable");
    // A template as the baseline: fine with one policy, refused with several.
    let ok = keyaki(&["check", BASELINE, "--baseline", template.to_str().unwrap()]);
    assert_eq!(ok.code, 1, "{}{}", ok.stdout, ok.stderr);
    let refused = keyaki(&["check", BASELINE, "--baseline", STACK]);
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("a reference must be one policy"),
        "{}",
        refused.stderr
    );
    let refused = keyaki(&["diff", BASELINE, STACK]);
    assert_eq!(refused.code, 2);
}

#[test]
fn findings_commands_read_templates() {
    let run = keyaki(&["check-no-public-access", STACK, "--format", "json"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let report = json(&run);
    let bucket = policy(&report, "ReportsPolicy", "Properties.PolicyDocument");
    assert_eq!(bucket["result"], "fail");
    assert_eq!(bucket["findings"][0]["kind"], "public");
    assert_eq!(
        policy(&report, "Wide", "Properties")["result"],
        "not-applicable"
    );
    assert_eq!(
        policy(&report, "Worker", "Properties.AssumeRole")["result"],
        "pass"
    );
    let run = keyaki(&[
        "access",
        STACK,
        "--trust-zone",
        "account:123456789012",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1);
    assert_eq!(
        policy(&json(&run), "ReportsPolicy", "Properties")["result"],
        "fail"
    );
    let run = keyaki(&[
        "check-access-not-granted",
        STACK,
        "--actions",
        "s3:PutObject",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1);
    let report = json(&run);
    assert_eq!(policy(&report, "Wide", "Properties")["result"], "fail");
    assert_eq!(policy(&report, "Narrow", "Properties")["result"], "pass");
    assert_eq!(report["summary"]["not_applicable"], 0);
    // A typo is refused even when the template would answer pass.
    let typo = keyaki(&[
        "check-access-not-granted",
        STACK,
        "--actions",
        "s3:PutObjects",
    ]);
    assert_eq!(typo.code, 2);
    assert!(
        typo.stderr.contains("did you mean s3:PutObject"),
        "{}",
        typo.stderr
    );
    let spec = keyaki(&[
        "check",
        STACK,
        "--spec",
        "specs/no-public-no-cross-account.spec.json",
        "--format",
        "json",
    ]);
    assert_eq!(spec.code, 1, "{}{}", spec.stdout, spec.stderr);
    assert_eq!(
        policy(&json(&spec), "ReportsPolicy", "Properties")["result"],
        "fail"
    );
}

#[test]
fn a_policy_file_is_read_as_before() {
    let run = keyaki(&[
        "check",
        "tests/fixtures/identity-new.json",
        "--baseline",
        "tests/fixtures/identity-old.json",
        "--format",
        "json",
    ]);
    let report = json(&run);
    assert!(report.get("policies").is_none(), "{report}");
    assert!(report.get("counterexamples").is_some(), "{report}");
    // Neither a policy nor a template: the policy parser's located error.
    let bad = keyaki(&[
        "check",
        "tests/fixtures/bad-condition.json",
        "--baseline",
        BASELINE,
    ]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("bad-condition.json"), "{}", bad.stderr);
}

/// Every template and plan of the corpus: each policy is a result (or a named refusal), the
/// counts match what `parse` extracts, and nothing crashes.
#[test]
fn corpus_templates_and_plans_give_one_result_per_policy() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let files = common::corpus_templates_and_plans(&corpus);
    assert!(files.len() >= 30, "{}", files.len());
    for file in files {
        let path = file.to_str().unwrap();
        let parsed = json(&keyaki(&["parse", path, "--format", "json"]));
        let run = keyaki(&[
            "check-access-not-granted",
            path,
            "--actions",
            "iam:PassRole",
            "--format",
            "json",
        ]);
        assert!([0, 1, 2, 3].contains(&run.code), "{path}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{path}: {}", run.stderr);
        let report = json(&run);
        let expected = parsed["policies"].as_array().unwrap().len()
            + parsed["refusals"].as_array().unwrap().len();
        assert_eq!(report["summary"]["total"], expected, "{path}");
        for p in report["policies"].as_array().unwrap() {
            assert!(!p["origin"].as_str().unwrap().is_empty(), "{path}: {p}");
        }
    }
}
