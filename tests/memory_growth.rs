//! Searches that grow without bound end at the memory budget (`unknown: memory budget of N MB
//! exceeded`, exit 3), and the process's peak resident memory stays under the level at the
//! search's start plus the budget. Not timed: each run has far more time than it needs, so
//! only the budget (or a proof, see below) can end it.
//!
//! The rows (`benches/memory.sh` measures the same):
//! - `owner-team-prefix` (session 8's guard-rail #11): a PASS by AWS's semantics, so no
//!   counterexample can end its search early; the search enumerates case variants of `team-`
//!   for the user name and grows ~60 MB per CPU second (1.5 GB in 9 s CPU with z3's cap and
//!   the watchdog off, session 9). The only answers are the budget or, once a lemma proves
//!   it, `pass`.
//! - `owner-team-account` (session 8's guard-rail case 06,
//!   `owner_team_dash_account_against_owner_team_dash_team_ignoring_case_fails`, still
//!   decided since session 10): HAS a counterexample (team `111122223333` in that account,
//!   owner `TEAM-111122223333`); before `explain/folded.rs` it reached 128 MB in 1.5 s CPU. It
//!   replaces `dept-prefix` (session 8's lemma-shape finding), a pass proved at once since
//!   session 10 (`lemmas/pins.rs`, `push_heads`).
//! - `granted-iam-user` (session 8's #00): HAS a counterexample; a run may find it before
//!   the budget (where z3's cap falls decides that), so a replayed fail is accepted too.
//!
//! A row that a later engine decides stops testing the budget. Since session 10 every row is
//! decided (`explain/folded.rs` decides owner-team-account, 0.04 s) and no known input grows:
//! the test checks each row's answer and the peak bound, and prints that the budget went
//! untested. The budget's reason stays asserted at 1 MB (`tests/limits.rs`) and in a long
//! process (`tests/memory_budget.rs`); a new growing input belongs here when one is found.
//!
//! The CLI runs in a child process under `/usr/bin/time -v` (skipped without it): the peak is
//! the child's whole life; the level at the search's start is the peak of the same command
//! under a 1 MB budget.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;

const OWNER_TEAM_PREFIX: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["111122223333"]},"Action":"s3:Get*","Resource":["arn:aws:iam::${AWS:UserName}:user/*"],"Condition":{"StringEqualsIgnoreCase":{"aws:ResourceTag/owner":["team-${aws:PrincipalTag/team, 'none'}"]},"StringLikeIfExists":{"aws:ResourceTag/owner":["${AWS:UserName}:*"]}}}]}"#;
const OWNER_TEAM_PREFIX_BASELINE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["111122223333"]},"Action":"s3:*","NotResource":["arn:aws:iam::111122223333:user/*"]}]}"#;

const OWNER_TEAM_ACCOUNT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["*"],"Condition":{"StringEqualsIgnoreCaseIfExists":{"aws:ResourceTag/owner":["team-${aws:PrincipalAccount}"]}}}]}"#;
const OWNER_TEAM_ACCOUNT_BASELINE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["*"]},{"Effect":"Deny","Action":"s3:GetObject","Condition":{"StringEqualsIgnoreCase":{"aws:ResourceTag/owner":["team-${aws:PrincipalTag/team,'eng'}"]}}}]}"#;

const GRANTED_IAM_USER: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:role/ops/deployer","arn:aws:iam::444455556666:user/bob"]},"Action":["s3:Get*","s3:GetObject"],"NotResource":["arn:aws:s3:::b/${aws:principaltag/TEAM}/*","arn:aws:s3:::b/${aws:PrincipalTag/team, 'none'}*"],"Condition":{"StringNotEqualsIgnoreCase":{"aws:ResourceTag/owner":["${aws:username}"]},"ForAllValues:StringEqualsIgnoreCaseIfExists":{"custom:labels":["${aws:PrincipalTag/team, 'none'}-*"]}}},{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/${AWS:UserName}*","arn:aws:iam::*:user/*/${aws:PrincipalTag/team,'eng'}"],"Condition":{"StringLikeIfExists":{"aws:PrincipalTag/team":"${aws:PrincipalAccount}"},"StringEqualsIgnoreCase":{"aws:ResourceAccount":"${aws:PrincipalAccount}"},"ForAnyValue:StringLike":{"aws:TagKeys":["${aws:principaltag/TEAM}"]}}},{"Effect":"Allow","Principal":"*","Action":["s3:GetObject"],"Resource":"arn:aws:iam::${aws:PrincipalAccount}:user/*","Condition":{"StringEqualsIgnoreCaseIfExists":{"aws:PrincipalTag/team":"ENG"},"StringLike":{"aws:PrincipalTag/team":["${aws:PrincipalAccount}","${AWS:UserName}"]}}}]}"#;

/// What a row may answer besides the budget: a proof, or a replayed counterexample.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Decided {
    /// Exit 0, `pass`: the row has no counterexample (by hand).
    Pass,
    /// Exit 1 with findings: a counterexample the search found before the budget.
    Fail,
}

struct Row {
    label: &'static str,
    args: Vec<String>,
    /// The JSON field that lists a fail's counterexamples.
    findings: &'static str,
    decided: &'static [Decided],
}

/// One run under a budget: exit code, JSON report, peak resident memory in MB.
fn run(args: &[String], budget_mb: u64) -> (i32, serde_json::Value, u64) {
    let out = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(env!("CARGO_BIN_EXE_keyaki"))
        .args(args)
        // Far more than any row needs (a few CPU seconds): the budget, not the time, ends it.
        .args([
            "--timeout",
            "900",
            "--memory-budget",
            &budget_mb.to_string(),
        ])
        .args(["--format", "json"])
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

fn rows() -> Vec<Row> {
    let file = |name: &str, text: &str| {
        common::scratch_file("memory-growth", name, text)
            .to_str()
            .unwrap()
            .to_string()
    };
    let check = |p: String, b: String, ty: &str| {
        vec![
            "check".into(),
            p,
            "--baseline".into(),
            b,
            "--policy-type".into(),
            ty.into(),
        ]
    };
    vec![
        Row {
            label: "owner-team-prefix",
            args: check(
                file("owner-p.json", OWNER_TEAM_PREFIX),
                file("owner-b.json", OWNER_TEAM_PREFIX_BASELINE),
                "resource",
            ),
            findings: "counterexamples",
            decided: &[Decided::Pass],
        },
        Row {
            label: "owner-team-account",
            args: check(
                file("owner-account-p.json", OWNER_TEAM_ACCOUNT),
                file("owner-account-b.json", OWNER_TEAM_ACCOUNT_BASELINE),
                "identity",
            ),
            findings: "counterexamples",
            // A counterexample exists: a run may find it before the budget.
            decided: &[Decided::Fail],
        },
        Row {
            label: "granted-iam-user",
            args: [
                "check-access-not-granted",
                &file("granted-iam-user.json", GRANTED_IAM_USER),
                "--actions",
                "s3:Get*",
                "--resources",
                "arn:aws:iam::111122223333:user/*",
            ]
            .map(String::from)
            .to_vec(),
            findings: "findings",
            decided: &[Decided::Fail],
        },
    ]
}

/// Did the run end at its budget? Otherwise, which decided answer did it give (checked
/// against what the row allows)?
fn ended_at_budget(row: &Row, budget_mb: u64, code: i32, report: &serde_json::Value) -> bool {
    let label = row.label;
    match code {
        3 => {
            assert_eq!(report["result"], "unknown", "{label}: {report}");
            let reason = report["reason"].as_str().unwrap_or_default();
            assert!(
                reason.contains(&format!("memory budget of {budget_mb} MB exceeded")),
                "{label}, {budget_mb} MB: unknown for another reason: {reason}"
            );
            true
        }
        0 => {
            assert!(row.decided.contains(&Decided::Pass), "{label}: {report}");
            assert_eq!(report["result"], "pass", "{label}: {report}");
            false
        }
        1 => {
            assert!(row.decided.contains(&Decided::Fail), "{label}: {report}");
            assert_eq!(report["result"], "fail", "{label}: {report}");
            assert!(
                report[row.findings]
                    .as_array()
                    .is_some_and(|f| !f.is_empty()),
                "{label}: a fail without counterexamples: {report}"
            );
            false
        }
        _ => panic!("{label}, {budget_mb} MB: exit {code}: {report}"),
    }
}

#[test]
fn growing_searches_end_at_the_budget_under_their_bound() {
    if std::env::var("KEYAKI_SOLVER_MEMORY_CAP").is_ok_and(|v| v.eq_ignore_ascii_case("off")) {
        // The watchdog alone wakes every 4 ms and overshoots (encodings/performance.md).
        println!("SKIPPED: KEYAKI_SOLVER_MEMORY_CAP=off");
        return;
    }
    if !std::path::Path::new("/usr/bin/time").exists() {
        println!("SKIPPED: /usr/bin/time not found");
        return;
    }
    let rows = rows();
    // The level at each search's start: the peak of a run whose search stops at once.
    let levels: Vec<u64> = rows
        .iter()
        .map(|row| {
            let (code, report, level_mb) = run(&row.args, 1);
            // Stopped at once by the budget (or decided first: its peak is a level too).
            ended_at_budget(row, 1, code, &report);
            level_mb
        })
        .collect();
    for budget_mb in [32u64, 64, 128] {
        let mut at_budget = Vec::new();
        for (row, level_mb) in rows.iter().zip(&levels) {
            let (code, report, peak_mb) = run(&row.args, budget_mb);
            println!(
                "{} at {budget_mb} MB: exit {code}, level {level_mb} MB, peak {peak_mb} MB",
                row.label
            );
            if ended_at_budget(row, budget_mb, code, &report) {
                at_budget.push(row.label);
            }
            assert!(
                peak_mb <= level_mb + budget_mb,
                "{} at {budget_mb} MB: peak {peak_mb} MB over the level {level_mb} MB + the budget",
                row.label
            );
        }
        // Session 10 decided the last known input that grew (owner-team-account); the budget's
        // reason is still asserted at 1 MB (tests/limits.rs) and in a long process
        // (tests/memory_budget.rs). Say so loudly rather than fail on a decided row.
        if at_budget.is_empty() {
            println!(
                "{budget_mb} MB: every row was decided before the budget; add an input that \
                 still grows (benches/memory.sh) to test the bound on a growing search"
            );
        }
    }
}
