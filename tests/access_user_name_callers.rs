//! `aws:username` is set by AWS for IAM users only (`encodings/counterexample-realism.md`,
//! "Who carries aws:username"): in the access questions a role session, the root or a
//! federated user never carries it, on the prover's side (a lemma) and the replay's (the same
//! glob). A policy that grants a role only under a user name grants nothing; the same grant to
//! a user is a finding whose example is that user.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;

fn grant(principal: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{{"StringEquals":{{"aws:username":"alice"}}}}}}]}}"#
    )
}

/// `keyaki ARGS POLICY... --format json`: exit code and report.
fn run(args: &[&str]) -> (i32, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_keyaki"))
        .args(args)
        // An hour: the proof, not the machine's load, decides.
        .args(["--timeout", "3600", "--format", "json"])
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    (out.status.code().unwrap(), report)
}

#[test]
fn a_role_granted_only_under_a_user_name_is_granted_nothing() {
    for (name, caller) in [
        ("role.json", "arn:aws:iam::111122223333:role/ops"),
        (
            "session.json",
            "arn:aws:sts::111122223333:assumed-role/ops/s",
        ),
        (
            "federated.json",
            "arn:aws:sts::111122223333:federated-user/alice",
        ),
    ] {
        let file = common::scratch_file("user-name-callers", name, &grant(caller));
        let file = file.to_str().unwrap();
        let (code, report) = run(&[
            "check-access-not-granted",
            file,
            "--actions",
            "s3:GetObject",
        ]);
        assert_eq!(
            (code, &report["result"]),
            (0, &"pass".into()),
            "{caller}: {report}"
        );
        let (code, report) = run(&["access", file, "--trust-zone", "account:444455556666"]);
        assert_eq!(
            (code, &report["result"]),
            (0, &"pass".into()),
            "{caller}: {report}"
        );
    }
}

#[test]
fn a_user_granted_under_its_name_is_a_finding_with_that_user() {
    let user = "arn:aws:iam::111122223333:user/alice";
    let file = common::scratch_file("user-name-callers", "user.json", &grant(user));
    let file = file.to_str().unwrap();
    let (code, report) = run(&[
        "check-access-not-granted",
        file,
        "--actions",
        "s3:GetObject",
    ]);
    assert_eq!(code, 1, "{report}");
    let finding = &report["findings"][0];
    assert_eq!(finding["request"]["principal"]["AWS"], user, "{report}");
    // The user name the evaluator derives for the caller, or the same given.
    let given = &finding["request"]["context"]["aws:username"];
    assert!(given.is_null() || given == "alice", "{report}");
}
