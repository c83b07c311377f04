//! A search that grows without bound ends at the memory budget (`unknown: memory budget of N MB
//! exceeded`, exit 3, or a fail with the counterexamples found first), and the process's peak
//! resident memory stays under the level at the search's start plus the budget. Not timed.
//!
//! The input (session 7's guard-rail family, 1k run, `old7/guard1k.txt`): "is `s3:Get*` on
//! `arn:aws:iam::111122223333:user/*` granted?" on a resource policy with ignore-case templates
//! over team, user name and account. With z3's cap and the watchdog off it grew to 4 GB in 60 s
//! (38 s CPU; `benches/memory.sh`).
//!
//! The CLI in a child process under `/usr/bin/time -v` (skipped without it), as
//! `benches/memory.sh` measures it: the peak is the child's whole life, the level at the
//! search's start is the peak of the same run under a 1 MB budget.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;

const GROWING: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:role/ops/deployer","arn:aws:iam::444455556666:user/bob"]},"Action":["s3:Get*","s3:GetObject"],"NotResource":["arn:aws:s3:::b/${aws:principaltag/TEAM}/*","arn:aws:s3:::b/${aws:PrincipalTag/team, 'none'}*"],"Condition":{"StringNotEqualsIgnoreCase":{"aws:ResourceTag/owner":["${aws:username}"]},"ForAllValues:StringEqualsIgnoreCaseIfExists":{"custom:labels":["${aws:PrincipalTag/team, 'none'}-*"]}}},{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/${AWS:UserName}*","arn:aws:iam::*:user/*/${aws:PrincipalTag/team,'eng'}"],"Condition":{"StringLikeIfExists":{"aws:PrincipalTag/team":"${aws:PrincipalAccount}"},"StringEqualsIgnoreCase":{"aws:ResourceAccount":"${aws:PrincipalAccount}"},"ForAnyValue:StringLike":{"aws:TagKeys":["${aws:principaltag/TEAM}"]}}},{"Effect":"Allow","Principal":"*","Action":["s3:GetObject"],"Resource":"arn:aws:iam::${aws:PrincipalAccount}:user/*","Condition":{"StringEqualsIgnoreCaseIfExists":{"aws:PrincipalTag/team":"ENG"},"StringLike":{"aws:PrincipalTag/team":["${aws:PrincipalAccount}","${AWS:UserName}"]}}}]}"#;

/// One run of `keyaki check-access-not-granted` under a budget: exit code, JSON report, peak
/// resident memory in MB.
fn run(policy: &str, budget_mb: u64) -> (i32, serde_json::Value, u64) {
    let out = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(env!("CARGO_BIN_EXE_keyaki"))
        .args([
            "check-access-not-granted",
            policy,
            "--actions",
            "s3:Get*",
            "--resources",
            "arn:aws:iam::111122223333:user/*",
            // Far more than the budget needs: the budget, not the time, must end it.
            "--timeout",
            "120",
            "--memory-budget",
            &budget_mb.to_string(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let peak_kb: u64 = stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak in {stderr}"));
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code().unwrap(), report, peak_kb.div_ceil(1024))
}

#[test]
fn a_growing_search_ends_at_the_budget_under_its_bound() {
    if std::env::var("KEYAKI_SOLVER_MEMORY_CAP").is_ok_and(|v| v.eq_ignore_ascii_case("off")) {
        // The watchdog alone wakes every 4 ms and overshoots (encodings/performance.md).
        println!("SKIPPED: KEYAKI_SOLVER_MEMORY_CAP=off");
        return;
    }
    if !std::path::Path::new("/usr/bin/time").exists() {
        println!("SKIPPED: /usr/bin/time not found");
        return;
    }
    let policy = common::scratch_file("memory-growth", "granted-iam-user.json", GROWING);
    let policy = policy.to_str().unwrap();
    // The level at the search's start: the peak of a run whose search stops at once.
    let (code, report, level_mb) = run(policy, 1);
    assert_eq!(code, 3, "{report}");
    for budget_mb in [32u64, 64, 128] {
        let (code, report, peak_mb) = run(policy, budget_mb);
        println!("budget {budget_mb} MB: level {level_mb} MB, peak {peak_mb} MB");
        // The budget ends the search either before any counterexample (unknown, exit 3) or
        // after one (fail, exit 1: a replayed counterexample stands whatever stopped the
        // search). Which one depends on where z3's cap falls (seen both at 32 MB, session 9).
        match code {
            3 => assert_eq!(report["result"], "unknown", "{report}"),
            1 => {
                assert_eq!(report["result"], "fail", "{report}");
                assert!(
                    report["findings"].as_array().is_some_and(|f| !f.is_empty()),
                    "{report}"
                );
            }
            _ => panic!("{budget_mb} MB: exit {code}: {report}"),
        }
        let reason = report["reason"].as_str().unwrap_or_default();
        assert!(
            reason.contains(&format!("memory budget of {budget_mb} MB exceeded")),
            "{budget_mb} MB: {reason}"
        );
        assert!(
            peak_mb <= level_mb + budget_mb,
            "budget {budget_mb} MB: peak {peak_mb} MB over the level {level_mb} MB + the budget"
        );
    }
}
