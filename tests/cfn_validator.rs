//! `keyaki cfn ...` on the cfn-policy-validator test templates of the shared corpus: the
//! parameter file forms it accepts, blocking findings named by logical id, and exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;

fn cfn(args: &[&str]) -> (i32, serde_json::Value, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_keyaki"))
        .arg("cfn")
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let report = serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null);
    (output.status.code().unwrap(), report, stderr)
}

fn names(report: &serde_json::Value, key: &str) -> Vec<(String, String)> {
    report[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["resourceName"].as_str().unwrap().to_string(),
                f["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn every_parameter_form_resolves_the_same_policies() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let dir = corpus.join("formats/cloudformation");
    let template = dir
        .join("templates/validator__test_file_2.yml")
        .display()
        .to_string();
    let reference = dir
        .join(
            "../terraform-plan/validator-expected/identity_policies/identity_reference_policy.json",
        )
        .display()
        .to_string();
    let base = [
        "check-no-new-access",
        "--template-path",
        &template,
        "--region",
        "us-east-1",
        "--reference-policy",
        &reference,
        "--reference-policy-type",
        "resource",
    ];
    let cfn_style = dir
        .join("parameters/validator__parameters_cfn_style.json")
        .display()
        .to_string();
    let key_values = dir
        .join("parameters/validator__parameters_key_value_strings.json")
        .display()
        .to_string();
    let configuration = dir
        .join("parameters/validator__template_configuration_file.json")
        .display()
        .to_string();
    let mut reports = Vec::new();
    for extra in [
        vec![
            "--parameters",
            "EnvironmentName=test",
            "CodestarConnectionArn=fakearn",
        ],
        vec!["--parameters", cfn_style.as_str()],
        vec!["--parameters", key_values.as_str()],
        vec!["--template-configuration-file", configuration.as_str()],
    ] {
        let mut args: Vec<&str> = base.to_vec();
        args.extend(extra);
        let (code, report, stderr) = cfn(&args);
        assert_eq!(code, 2, "{stderr} {report}");
        reports.push(names(&report, "BlockingFindings"));
    }
    assert!(reports.windows(2).all(|w| w[0] == w[1]), "{reports:?}");
    assert!(
        reports[0]
            .iter()
            .any(|(name, code)| name == "ArtifactBucketPolicy"
                && code == "policy-analysis-CheckNoNewAccess"),
        "{:?}",
        reports[0]
    );
    // Without parameters EnvironmentName is a variable: the finding's counterexample names the
    // value it needs, and it replays with that value in the request.
    let (code, report, _) = cfn(&base);
    assert_eq!(code, 2);
    let finding = report["BlockingFindings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["resourceName"] == "ArtifactBucketPolicy")
        .unwrap();
    assert_eq!(finding["code"], "policy-analysis-CheckNoNewAccess");
    let counterexample = &finding["details"]["counterexamples"][0];
    let needs = counterexample["needs"].as_str().unwrap();
    assert!(
        needs.starts_with("if parameter EnvironmentName (no value given) is `"),
        "{needs}"
    );
    let value = counterexample["request"]["context"]["keyaki:Ref/EnvironmentName"]
        .as_str()
        .unwrap();
    assert!(counterexample["request"]["resource"]
        .as_str()
        .unwrap()
        .starts_with(&format!("arn:aws:s3:::{value}-app-artifacts/")));
}

#[test]
fn public_access_is_blocking_by_logical_id_and_profile_is_ignored() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let template = corpus
        .join("formats/cloudformation/templates/validator__bad_template.json")
        .display()
        .to_string();
    let (code, report, stderr) = cfn(&[
        "check-no-public-access",
        "--template-path",
        &template,
        "--region",
        "us-east-1",
        "--profile",
        "dev",
    ]);
    assert!(stderr.contains("--profile is ignored"), "{stderr}");
    assert_eq!(code, 2, "{report}");
    let blocking = names(&report, "BlockingFindings");
    assert!(
        blocking.iter().any(|(name, _)| name == "MyQueuePolicy"),
        "{blocking:?}"
    );
    // Non-blocking when told so, except what Keyaki could not decide.
    let (code, report, _) = cfn(&[
        "check-no-public-access",
        "--template-path",
        &template,
        "--treat-findings-as-non-blocking",
    ]);
    let still_blocking = names(&report, "BlockingFindings");
    assert!(
        still_blocking
            .iter()
            .all(|(_, code)| code.starts_with("keyaki-")),
        "{still_blocking:?}"
    );
    assert_eq!(code, if still_blocking.is_empty() { 0 } else { 2 });
    // Ignoring the resource drops its findings.
    let (_, report, _) = cfn(&[
        "check-no-public-access",
        "--template-path",
        &template,
        "--ignore-finding",
        "MyQueuePolicy",
    ]);
    assert!(names(&report, "BlockingFindings")
        .iter()
        .all(|(name, code)| name != "MyQueuePolicy" || code.starts_with("keyaki-")));
    // A missing template is an error: exit 1.
    let (code, _, stderr) = cfn(&[
        "check-no-public-access",
        "--template-path",
        "/nonexistent.yaml",
    ]);
    assert_eq!(code, 1);
    assert!(stderr.contains("nonexistent"));
}
