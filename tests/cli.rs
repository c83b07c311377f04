//! The command-line contract: exit codes, and the JSON / SARIF / text output pinned with insta.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

/// The shared runner's result as (exit code, stdout, stderr).
fn keyaki(args: &[&str]) -> (i32, String, String) {
    let run = common::keyaki(args);
    (run.code, run.stdout, run.stderr)
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

#[test]
fn check_fail_json_has_replayable_counterexamples() {
    let (code, out, _) = keyaki(&[
        "check",
        "specs/examples/s3-fail-public-bucket.json",
        "--baseline",
        "specs/s3-baseline.policy.json",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let v = json(&out);
    assert_eq!(v["result"], "fail");
    insta::assert_snapshot!("check_fail_json", out);
    // Each request, written to a file, evaluates as claimed with `keyaki eval`.
    let dir = std::env::temp_dir().join(format!("keyaki-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (i, c) in v["counterexamples"].as_array().unwrap().iter().enumerate() {
        let path = dir.join(format!("request-{i}.json"));
        std::fs::write(&path, c["request"].to_string()).unwrap();
        let path = path.to_string_lossy().into_owned();
        for (policy, claimed) in [
            ("specs/examples/s3-fail-public-bucket.json", &c["proposed"]),
            ("specs/s3-baseline.policy.json", &c["baseline"]),
        ] {
            let (code, out, err) =
                keyaki(&["eval", policy, "--request", &path, "--format", "json"]);
            assert_eq!(code, 0, "{err}");
            assert_eq!(&json(&out), claimed);
        }
    }
}

#[test]
fn check_pass_and_sarif() {
    let (code, out, _) = keyaki(&[
        "check",
        "specs/examples/s3-pass-narrower.json",
        "--baseline",
        "specs/s3-baseline.policy.json",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("check_pass_json", out);
    let (code, out, _) = keyaki(&[
        "check",
        "specs/examples/s3-fail-cross-account.json",
        "--baseline",
        "specs/s3-baseline.policy.json",
        "--format",
        "sarif",
    ]);
    assert_eq!(code, 1);
    let v = json(&out);
    assert_eq!(v["version"], "2.1.0");
    assert!(v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["ruleId"] == "new-access"));
    insta::assert_snapshot!("check_fail_sarif", out);
}

#[test]
fn diff_reports_both_directions() {
    let (code, out, _) = keyaki(&[
        "diff",
        "tests/fixtures/identity-old.json",
        "tests/fixtures/identity-new.json",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "widened by default fails");
    let v = json(&out);
    assert_eq!(v["relation"], "incomparable");
    assert!(!v["widened"].as_array().unwrap().is_empty());
    assert!(!v["narrowed"].as_array().unwrap().is_empty());
    insta::assert_snapshot!("diff_json", out);
    let (code, text, _) = keyaki(&[
        "diff",
        "tests/fixtures/identity-old.json",
        "tests/fixtures/identity-new.json",
    ]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("diff_text", text);
    let (code, _, _) = keyaki(&[
        "diff",
        "tests/fixtures/identity-old.json",
        "tests/fixtures/identity-new.json",
        "--fail-on",
        "never",
    ]);
    assert_eq!(code, 0);
    let (code, out, _) = keyaki(&[
        "diff",
        "tests/fixtures/identity-old.json",
        "tests/fixtures/identity-old.json",
        "--format",
        "json",
        "--fail-on",
        "any",
    ]);
    assert_eq!(code, 0);
    assert_eq!(json(&out)["relation"], "equivalent");
}

#[test]
fn eval_json_and_text() {
    let (code, out, _) = keyaki(&[
        "eval",
        "tests/fixtures/identity-new.json",
        "--request",
        "tests/fixtures/request.json",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("eval_json", out);
    let (code, out, _) = keyaki(&[
        "eval",
        "tests/fixtures/identity-new.json",
        "--request",
        "tests/fixtures/request.json",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out.trim(), "Allow: Statement[0] \"ReadReports\" (Allow)");
}

#[test]
fn bad_input_exits_2_with_a_located_message() {
    let (code, out, err) = keyaki(&[
        "check",
        "tests/fixtures/bad-condition.json",
        "--baseline",
        "specs/s3-baseline.policy.json",
    ]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    insta::assert_snapshot!("bad_input_message", err);
    let (code, _, err) = keyaki(&[
        "check",
        "does-not-exist.json",
        "--baseline",
        "specs/s3-baseline.policy.json",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("does-not-exist.json"));
    let (code, _, _) = keyaki(&["check", "--bogus-flag"]);
    assert_eq!(code, 2);
}

#[test]
fn tiny_timeout_is_unknown_never_pass() {
    let (code, out, _) = keyaki(&[
        "check",
        "specs/examples/s3-pass-narrower.json",
        "--baseline",
        "specs/s3-baseline.policy.json",
        "--format",
        "json",
        "--timeout",
        "0.000001",
    ]);
    assert_eq!(code, 3, "{out}");
    let v = json(&out);
    assert_eq!(v["result"], "unknown");
    assert!(v["reason"].as_str().unwrap().contains("timeout"));
}
