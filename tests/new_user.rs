//! What a new user hit (issue #12's list), each as the user ran it: the real binary, its exit
//! code and what it printed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::Duration;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn keyaki_with_stdin(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_keyaki"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(bytes).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn keyaki(args: &[&str]) -> Run {
    keyaki_with_stdin(args, None)
}

fn temp(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("keyaki-new-user-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

const S3_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
const S3_GET: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;

#[test]
fn an_unknown_action_is_refused_with_a_suggestion_not_proved_absent() {
    let policy = temp("all.json", S3_ALL);
    let run = keyaki(&[
        "check-access-not-granted",
        &policy,
        "--actions",
        "s3:DeleteBuckets",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("did you mean s3:DeleteBucket?"),
        "{}",
        run.stderr
    );
    // Opting in decides it (s3:* on * grants any s3 action name).
    let run = keyaki(&[
        "check-access-not-granted",
        &policy,
        "--actions",
        "s3:DeleteBuckets",
        "--allow-unknown-actions",
    ]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
}

#[test]
fn resources_alone_ask_whether_any_action_is_granted_on_them() {
    let policy = temp("get.json", S3_GET);
    let run = keyaki(&[
        "check-access-not-granted",
        &policy,
        "--resources",
        "arn:aws:s3:::secret/*",
    ]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("arn:aws:s3:::secret/*"),
        "{}",
        run.stdout
    );
    // Identity-policy findings do not print a null principal.
    assert!(!run.stdout.contains("principal: null"), "{}", run.stdout);
    let narrow = temp(
        "narrow.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::public/*"}]}"#,
    );
    let run = keyaki(&[
        "check-access-not-granted",
        &narrow,
        "--resources",
        "arn:aws:s3:::secret/*",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn zero_counterexamples_prints_the_verdict_only() {
    let wide = temp("wide.json", S3_ALL);
    let narrow = temp("narrow-get.json", S3_GET);
    let run = keyaki(&[
        "check",
        &wide,
        "--baseline",
        &narrow,
        "--counterexamples",
        "0",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["result"], "fail");
    assert_eq!(v["counterexamples"].as_array().map(Vec::len), Some(0));
    let run = keyaki(&["diff", &narrow, &wide, "--counterexamples", "0"]);
    assert_eq!(run.code, 1, "widened still fails: {}", run.stdout);
}

#[test]
fn eval_batch_with_bad_lines_exits_2_after_deciding_the_rest() {
    let good = r#"{"policy":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]},"request":{"principal":"anonymous","action":"s3:GetObject","resource":"arn:aws:s3:::b/k"},"policy_type":"identity"}"#;
    let batch = temp("batch.jsonl", &format!("{good}\nnot json\n{good}\n"));
    let run = keyaki(&["eval", "--batch", &batch]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0].contains("Allow") && lines[2].contains("Allow"));
    assert!(lines[1].contains("\"error\""));
    let all_good = temp("good.jsonl", &format!("{good}\n{good}\n"));
    assert_eq!(keyaki(&["eval", "--batch", &all_good]).code, 0);
}

#[test]
fn endless_inputs_are_refused_at_the_limit_not_slurped() {
    let narrow = temp("n.json", S3_GET);
    // /dev/zero has no size in its metadata: only a bounded reader stops it.
    for args in [
        vec!["check", "/dev/zero", "--baseline", narrow.as_str()],
        vec!["eval", narrow.as_str(), "--request", "/dev/zero"],
        vec!["eval", "--batch", "/dev/zero"],
    ] {
        let start = std::time::Instant::now();
        let run = keyaki(&args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("limit") || run.stdout.contains("limit"),
            "{args:?}: names the limit: {}",
            run.stderr
        );
        // Not a timing assertion on speed: a generous bound that only a hang would break.
        assert!(start.elapsed() < Duration::from_secs(120), "{args:?}");
    }
}

#[test]
fn a_dash_reads_the_policy_from_stdin() {
    let narrow = temp("stdin-base.json", S3_GET);
    let run = keyaki_with_stdin(
        &["check", "-", "--baseline", &narrow],
        Some(S3_GET.as_bytes()),
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let run = keyaki_with_stdin(
        &["check", "-", "--baseline", &narrow],
        Some(S3_ALL.as_bytes()),
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
}

#[test]
fn eval_has_no_sarif_format() {
    let narrow = temp("e.json", S3_GET);
    let run = keyaki(&["eval", &narrow, "--request", &narrow, "--format", "sarif"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("possible values: text, json"),
        "{}",
        run.stderr
    );
}

#[test]
fn diff_ignores_action_case_and_names_condition_values() {
    let old = temp(
        "old.json",
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":["s3:getobject"],"Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"red"}}}]}"#,
    );
    let new = temp(
        "new.json",
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":["s3:GetObject"],"Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":["red","blue"]}}}]}"#,
    );
    let run = keyaki(&["diff", &old, &new]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(!run.stdout.contains("Action added"), "{}", run.stdout);
    assert!(!run.stdout.contains("Action removed"), "{}", run.stdout);
    assert!(
        run.stdout.contains(r#"["red"] → ["red", "blue"]"#),
        "{}",
        run.stdout
    );
}

#[test]
fn arguments_have_help_text() {
    let run = keyaki(&["eval", "--help"]);
    assert!(
        run.stdout.contains("The request to decide"),
        "{}",
        run.stdout
    );
    let run = keyaki(&["check-access-not-granted", "--help"]);
    assert!(run.stdout.contains("must not be granted"), "{}", run.stdout);
    assert!(
        run.stdout.contains("--allow-unknown-actions"),
        "{}",
        run.stdout
    );
    let run = keyaki(&["access", "--help"]);
    assert!(
        run.stdout.contains("reviewed and accepted"),
        "{}",
        run.stdout
    );
}
