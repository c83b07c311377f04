//! `keyaki validate` end to end: exit codes, JSON / JSONL / SARIF shapes, blocking types and
//! ignore rules.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn keyaki(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_keyaki"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

const CLEAN: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}"#;
const PASS_ROLE: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}"#;
const SUGGESTION_ONLY: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "s3:GetObject"], "Resource": "arn:aws:s3:::b/*"}]}"#;

fn scratch(name: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("keyaki-validate-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn exit_codes_follow_blocking_findings_and_bad_input() {
    let dir = scratch("exit");
    let clean = write(&dir, "clean.json", CLEAN);
    let pass_role = write(&dir, "pass-role.json", PASS_ROLE);
    assert_eq!(keyaki(&["validate", &clean], None).status.code(), Some(0));
    let out = keyaki(&["validate", &pass_role], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("PASS_ROLE_WITH_STAR_IN_RESOURCE (blocking)")
    );
    // Not blocking when only errors block, or when the finding is ignored (by code or by file);
    // suggestions block only when asked.
    let suggestion = write(&dir, "suggestion.json", SUGGESTION_ONLY);
    let blocking = "--treat-finding-type-as-blocking";
    let ignore = "--ignore-finding";
    for (file, options, code) in [
        (&pass_role, [blocking, "ERROR"], 0),
        (&pass_role, [ignore, "PASS_ROLE_WITH_STAR_IN_RESOURCE"], 0),
        (
            &pass_role,
            [ignore, "pass-role.PASS_ROLE_WITH_STAR_IN_RESOURCE"],
            0,
        ),
        (
            &pass_role,
            [ignore, "clean.PASS_ROLE_WITH_STAR_IN_RESOURCE"],
            1,
        ),
        (&suggestion, [blocking, "ERROR"], 0),
        (&suggestion, [blocking, "SUGGESTION"], 1),
    ] {
        let args = [&["validate", file.as_str()][..], &options[..]].concat();
        assert_eq!(keyaki(&args, None).status.code(), Some(code), "{args:?}");
    }
    assert_eq!(
        keyaki(&["validate", &suggestion], None).status.code(),
        Some(0)
    );
    // Bad input: a missing file, a document that is not JSON, a bad option value.
    assert_eq!(
        keyaki(
            &["validate", &dir.join("missing.json").display().to_string()],
            None
        )
        .status
        .code(),
        Some(2)
    );
    let broken = write(&dir, "broken.json", "{\"Version\": ");
    let out = keyaki(&["validate", &broken, "--format", "json"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("JSON_SYNTAX_ERROR"));
    assert_eq!(
        keyaki(
            &[
                "validate",
                &clean,
                "--treat-finding-type-as-blocking",
                "FATAL"
            ],
            None
        )
        .status
        .code(),
        Some(2)
    );
}

#[test]
fn json_for_one_input_is_access_analyzers_shape() {
    let out = keyaki(&["validate", "-", "--format", "json"], Some(PASS_ROLE));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let finding = &value["findings"][0];
    assert_eq!(finding["issueCode"], "PASS_ROLE_WITH_STAR_IN_RESOURCE");
    assert_eq!(finding["findingType"], "SECURITY_WARNING");
    assert!(finding["learnMoreLink"].as_str().unwrap().ends_with(
        "#access-analyzer-reference-policy-checks-security-warning-pass-role-with-star-in-resource"
    ));
    let location = &finding["locations"][0];
    assert_eq!(location["path"][0]["value"], "Statement");
    assert_eq!(location["path"][1]["index"], 0);
    let (start, end) = (&location["span"]["start"], &location["span"]["end"]);
    // `"iam:PassRole"` on line 1: 0-based columns, the end just past the closing quote.
    assert_eq!(start["line"], 1);
    assert_eq!(
        end["offset"].as_u64().unwrap() - start["offset"].as_u64().unwrap(),
        "\"iam:PassRole\"".len() as u64
    );
    assert_eq!(
        &PASS_ROLE[start["offset"].as_u64().unwrap() as usize..][..14],
        "\"iam:PassRole\""
    );
    assert_eq!(value["catalogDate"].as_str().unwrap().len(), 10);
}

#[test]
fn several_inputs_give_jsonl_and_one_sarif_log() {
    let dir = scratch("many");
    let a = write(&dir, "a.json", CLEAN);
    let b = write(&dir, "b.json", PASS_ROLE);
    let out = keyaki(&["validate", &a, &b, "--format", "json"], None);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["origin"], a.as_str());
    assert_eq!(lines[0]["findings"].as_array().unwrap().len(), 0);
    assert_eq!(lines[1]["blockingFindings"], 1);
    let out = keyaki(&["validate", &a, &b, "--format", "sarif"], None);
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "PASS_ROLE_WITH_STAR_IN_RESOURCE");
    assert_eq!(results[0]["level"], "error");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        b.as_str()
    );
}

#[test]
fn the_new_users_three_mistakes_are_all_reported() {
    // From issue 13: a typo, iam:PassRole on *, s3:ListBucket on an object ARN, an <ACCOUNT ID> placeholder.
    let policy = r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObjects", "s3:ListBucket"], "Resource": "arn:aws:s3:::my-bucket/*"},
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:<ACCOUNT ID>:queue"}]}"#;
    let out = keyaki(&["validate", "-"], Some(policy));
    let text = String::from_utf8_lossy(&out.stdout);
    for code in [
        "INVALID_ACTION",
        "action-typo",
        "action-matches-no-resource",
        "PASS_ROLE_WITH_STAR_IN_RESOURCE",
        "INVALID_ARN_ACCOUNT",
    ] {
        assert!(text.contains(code), "{code} missing from\n{text}");
    }
    assert_eq!(out.status.code(), Some(1));
    let old = r#"{"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}/*"}]}"#;
    let out = keyaki(&["validate", "-"], Some(old));
    assert!(String::from_utf8_lossy(&out.stdout).contains("VARIABLE_UNSUPPORTED_IN_VERSION"));
}
