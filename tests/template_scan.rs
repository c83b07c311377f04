//! `keyaki scan` over templates: YAML files are read by content, each policy is a result named
//! by its origin, a failure decides the exit code, and no path is printed twice.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

fn scan(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_keyaki"))
        .arg("scan")
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn templates_are_scanned_policy_by_policy() {
    let dir = std::env::temp_dir().join(format!("keyaki-template-scan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let template = "Resources:\n  Wide:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Version: '2012-10-17'\n        Statement: [{Effect: Allow, Action: 's3:*', Resource: !Sub 'arn:${AWS::Partition}:s3:::*'}]\n  Narrow:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Version: '2012-10-17'\n        Statement: [{Effect: Allow, Action: s3:GetObject, Resource: !Join ['', [!ImportValue Bucket, '/*']]}]\n";
    std::fs::write(dir.join("stack.yaml"), template).unwrap();
    std::fs::write(dir.join("broken.json"), "{").unwrap();
    let baseline = dir.join("baseline.policy");
    std::fs::write(&baseline, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#).unwrap();
    let (code, stdout) = scan(&[
        dir.to_str().unwrap(),
        "--baseline",
        baseline.to_str().unwrap(),
        "--format",
        "jsonl",
    ]);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let of = |origin: &str| {
        lines
            .iter()
            .find(|l| l["origin"].as_str().is_some_and(|o| o.starts_with(origin)))
            .unwrap()
    };
    assert_eq!(of("Wide")["result"], "fail", "{stdout}");
    assert_eq!(of("Narrow")["result"], "pass", "{stdout}");
    assert!(lines
        .iter()
        .any(|l| l["result"] == "invalid" && l["file"].as_str().unwrap().ends_with("broken.json")));
    // A failure decides the exit code even with an invalid file next to it.
    assert_eq!(code, 1);
    let (_, text) = scan(&[
        dir.to_str().unwrap(),
        "--baseline",
        baseline.to_str().unwrap(),
    ]);
    let broken = text.lines().find(|l| l.starts_with("invalid")).unwrap();
    assert_eq!(broken.matches("broken.json").count(), 1, "{broken}");
    assert!(
        text.contains("stack.yaml: Wide Properties.PolicyDocument"),
        "{text}"
    );
    // SARIF names the policy and points into the template.
    let (_, sarif) = scan(&[
        dir.to_str().unwrap(),
        "--baseline",
        baseline.to_str().unwrap(),
        "--format",
        "sarif",
    ]);
    let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let result = &sarif["runs"][0]["results"][0];
    assert!(
        result["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Wide "),
        "{result}"
    );
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 7, "{result}");
    std::fs::remove_dir_all(&dir).unwrap();
}
