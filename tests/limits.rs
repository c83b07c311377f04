//! Limits fail closed: the real binary, fed inputs over each limit, exits 2 (bad input) or 3
//! (unknown) with a message naming the limit — never 0, never a crash, never a hang.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_keyaki");

/// A scratch directory per test (no tempfile dependency): removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("keyaki-limits-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn file(&self, name: &str, content: &[u8]) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, content).unwrap();
        path.to_string_lossy().into_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(args: &[&str]) -> (Output, Duration) {
    let start = Instant::now();
    let output = Command::new(BIN).args(args).output().unwrap();
    (output, start.elapsed())
}

fn code(output: &Output) -> i32 {
    // A signal (crash) has no code: -1 never equals an expected exit code.
    output.status.code().unwrap_or(-1)
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

const SMALL: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;

fn policy_with_statements(n: usize) -> String {
    let statement = r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#;
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        vec![statement; n].join(",")
    )
}

#[test]
fn input_over_ten_mebibytes_is_refused() {
    let dir = Scratch::new("size");
    // Valid JSON padded with whitespace past the limit: the size check must come first.
    let limit = keyaki::query::MAX_INPUT_BYTES as usize;
    let mut big = SMALL.as_bytes().to_vec();
    big.resize(limit + 1, b' ');
    let big = dir.file("big.json", &big);
    let small = dir.file("small.json", SMALL.as_bytes());
    for args in [
        vec!["check", big.as_str(), "--baseline", small.as_str()],
        vec!["check", small.as_str(), "--baseline", big.as_str()],
        vec!["diff", small.as_str(), big.as_str()],
    ] {
        let (out, _) = run(&args);
        assert_eq!(code(&out), 2, "{args:?}: {}", text(&out));
        let message = text(&out);
        assert!(message.contains("big.json"), "names the file: {message}");
        assert!(
            message.contains(&limit.to_string()) && message.contains("limit"),
            "names the limit: {message}"
        );
    }
    let request = dir.file("request.json", &{
        let mut r = br#"{"principal":"anonymous","action":"s3:GetObject"}"#.to_vec();
        r.resize(limit + 1, b' ');
        r
    });
    let (out, _) = run(&["eval", small.as_str(), "--request", request.as_str()]);
    assert_eq!(code(&out), 2, "{}", text(&out));
}

/// Exactly at the limit the file is read (the limit is inclusive).
#[test]
fn input_at_the_limit_is_read() {
    let dir = Scratch::new("at-limit");
    let mut at = SMALL.as_bytes().to_vec();
    at.resize(keyaki::query::MAX_INPUT_BYTES as usize, b' ');
    let at = dir.file("at.json", &at);
    // An hour of time: the proof, not the machine's load, decides the answer.
    let (out, elapsed) = run(&[
        "check",
        at.as_str(),
        "--baseline",
        at.as_str(),
        "--timeout",
        "3600",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    // Not timed (a loaded machine is slow, not wrong): the time is printed.
    println!("took {elapsed:?}");
}

#[test]
fn deep_nesting_is_refused() {
    let dir = Scratch::new("depth");
    let depth = keyaki::parse::MAX_DEPTH + 10;
    let nested = format!("{}\"x\"{}", "[".repeat(depth), "]".repeat(depth));
    let doc = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{{"StringEquals":{{"aws:username":{nested}}}}}}}]}}"#
    );
    let file = dir.file("deep.json", doc.as_bytes());
    let small = dir.file("small.json", SMALL.as_bytes());
    let (out, _) = run(&["check", file.as_str(), "--baseline", small.as_str()]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    let message = text(&out);
    assert!(
        message.contains(&keyaki::parse::MAX_DEPTH.to_string()) && message.contains("MAX_DEPTH"),
        "names the limit: {message}"
    );
    // Far deeper than any stack would survive without the limit.
    let abyss = "[".repeat(1_000_000);
    let file = dir.file("abyss.json", abyss.as_bytes());
    let (out, _) = run(&["check", file.as_str(), "--baseline", small.as_str()]);
    assert_eq!(code(&out), 2, "{}", text(&out));
}

#[test]
fn too_many_statements_are_refused() {
    let dir = Scratch::new("statements");
    let limit = keyaki::parse::MAX_STATEMENTS;
    let over = dir.file("over.json", policy_with_statements(limit + 1).as_bytes());
    let small = dir.file("small.json", SMALL.as_bytes());
    let (out, _) = run(&["check", over.as_str(), "--baseline", small.as_str()]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    let message = text(&out);
    assert!(
        message.contains("10000") && message.contains("MAX_STATEMENTS"),
        "names the limit: {message}"
    );
}

#[test]
fn too_many_condition_values_are_refused() {
    let dir = Scratch::new("values");
    let limit = keyaki::parse::MAX_VALUES_PER_CONDITION_KEY;
    let values: Vec<String> = (0..=limit).map(|i| format!("\"v{i}\"")).collect();
    let doc = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{{"StringEquals":{{"aws:username":[{}]}}}}}}]}}"#,
        values.join(",")
    );
    let file = dir.file("values.json", doc.as_bytes());
    let small = dir.file("small.json", SMALL.as_bytes());
    let (out, _) = run(&["check", file.as_str(), "--baseline", small.as_str()]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    assert!(text(&out).contains(&limit.to_string()), "{}", text(&out));
}

/// The issue asks that every limit message say how to raise the limit. Today the messages
/// name the limit (value and constant) but no flag or setting raises it: the constants are
/// compiled in. Reported to the lead.
#[test]
fn limit_messages_say_how_to_raise_them() {
    let dir = Scratch::new("howto");
    let small = dir.file("small.json", SMALL.as_bytes());
    let mut big = SMALL.as_bytes().to_vec();
    big.resize(keyaki::query::MAX_INPUT_BYTES as usize + 1, b' ');
    let big = dir.file("big.json", &big);
    let over = dir.file(
        "over.json",
        policy_with_statements(keyaki::parse::MAX_STATEMENTS + 1).as_bytes(),
    );
    for file in [big, over] {
        let (out, _) = run(&["check", file.as_str(), "--baseline", small.as_str()]);
        assert_eq!(code(&out), 2);
        // The scratch path is part of the message; look past it.
        let message = text(&out).replace(file.as_str(), "FILE");
        assert!(message.contains("raise"), "{message}");
    }
}

#[test]
fn tiny_timeout_is_unknown_never_pass() {
    let dir = Scratch::new("timeout");
    let proposed = dir.file(
        "p.json",
        br#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::b/*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"StringLike":{"s3:prefix":"home/*"}}}]}"#,
    );
    let baseline = dir.file("b.json", SMALL.as_bytes());
    for format in ["json", "text", "sarif"] {
        let (out, elapsed) = run(&[
            "check",
            proposed.as_str(),
            "--baseline",
            baseline.as_str(),
            "--timeout",
            "0.000001",
            "--format",
            format,
        ]);
        // The search gives up; `check` may still show a counterexample the solver-free probe
        // replayed (exit 1), but never a pass.
        assert!(matches!(code(&out), 1 | 3), "{format}: {}", text(&out));
        // Not timed (a loaded machine is slow, not wrong): the time is printed.
        println!("took {elapsed:?}");
        if format == "json" {
            let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            match report["result"].as_str() {
                Some("unknown") => assert!(
                    report["reason"]
                        .as_str()
                        .is_some_and(|r| r.contains("timeout")),
                    "{report}"
                ),
                Some("fail") => assert!(
                    report["counterexamples"]
                        .as_array()
                        .is_some_and(|c| !c.is_empty()),
                    "{report}"
                ),
                _ => panic!("neither unknown nor a counterexample: {report}"),
            }
        }
    }
    // Even a pair that passes quickly must not pass without finishing the proof.
    let (out, _) = run(&[
        "check",
        baseline.as_str(),
        "--baseline",
        baseline.as_str(),
        "--timeout",
        "0.000001",
        "--format",
        "json",
    ]);
    assert_ne!(code(&out), 0, "pass under a 1 µs timeout: {}", text(&out));
    // diff too.
    let (out, _) = run(&[
        "diff",
        baseline.as_str(),
        proposed.as_str(),
        "--timeout",
        "0.000001",
    ]);
    assert!(
        matches!(code(&out), 1 | 3),
        "diff under a 1 µs timeout: {}",
        text(&out)
    );
}

#[test]
fn nonsense_timeouts_are_bad_input() {
    let dir = Scratch::new("timeout-values");
    let small = dir.file("small.json", SMALL.as_bytes());
    for t in ["0", "-1", "NaN", "inf", "abc"] {
        let (out, _) = run(&[
            "check",
            small.as_str(),
            "--baseline",
            small.as_str(),
            "--timeout",
            t,
        ]);
        assert_eq!(code(&out), 2, "--timeout {t}: {}", text(&out));
    }
}

/// Hundreds of `*` in one ARN: glob automata could blow up; the answer must come (or be
/// `unknown`) within bounded time.
#[test]
fn wildcard_heavy_patterns_finish_or_refuse() {
    let dir = Scratch::new("wildcards");
    let stars = |n: usize, sep: &str| format!("arn:aws:s3:::{}", vec!["*"; n].join(sep));
    let cases = [
        (stars(300, "a"), stars(300, "b")),
        (stars(500, "?"), format!("{}x", stars(499, "?"))),
        (stars(400, "a*b"), "arn:aws:s3:::*".to_string()),
    ];
    for (proposed, baseline) in cases {
        let doc = |resource: &str| {
            format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"{resource}","Condition":{{"StringLike":{{"s3:prefix":"{}"}}}}}}]}}"#,
                vec!["*"; 200].join("x")
            )
        };
        let p = dir.file("p.json", doc(&proposed).as_bytes());
        let b = dir.file("b.json", doc(&baseline).as_bytes());
        let (out, elapsed) = run(&[
            "check",
            p.as_str(),
            "--baseline",
            b.as_str(),
            "--timeout",
            "10",
            "--format",
            "json",
        ]);
        let c = code(&out);
        assert!(
            matches!(c, 0..=3),
            "crashed ({:?}): {}",
            out.status,
            text(&out)
        );
        // Not timed (a loaded machine is slow, not wrong): the time is printed.
        println!("took {elapsed:?}");
        if c == 1 {
            // A failure must come with a counterexample.
            let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert!(report["counterexamples"]
                .as_array()
                .is_some_and(|l| !l.is_empty()));
        }
    }
}

/// A policy just under 10 MB that parses: check finishes or gives up cleanly, in bounded time.
///
/// Bug: with 400,000 actions `keyaki check big.json --baseline small.json --timeout 10` runs
/// for over 15 minutes (killed). Stack samples (gdb) sit in `encode::pattern_relation_lemmas`,
/// called from `add_domain_lemmas` in `verify_no_new_access` — before the deadline exists —
/// and again from `explain::search` after each counterexample; it relates every pair of
/// string patterns, so time grows quadratically (2,000 actions 1 s, 8,000 2 s, 32,000 12 s).
/// Fix (engine): bound the pairwise work (index patterns by literal prefix / service, or cap
/// and fall back to refinement) and check the deadline inside encoding.
#[test]
fn ten_megabyte_policy_finishes_or_refuses() {
    let dir = Scratch::new("tenmb");
    // One statement with ~9.9 MB of distinct actions.
    let mut actions = Vec::new();
    let mut size = 0;
    let mut i = 0usize;
    while size < 9_900_000 {
        let a = format!("\"svc{}:Action{i}\"", i % 97);
        size += a.len() + 1;
        actions.push(a);
        i += 1;
    }
    let doc = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":[{}],"Resource":"*"}}]}}"#,
        actions.join(",")
    );
    assert!(doc.len() as u64 <= keyaki::query::MAX_INPUT_BYTES);
    let big = dir.file("big.json", doc.as_bytes());
    let small = dir.file("small.json", SMALL.as_bytes());
    let (out, elapsed) = run(&[
        "check",
        big.as_str(),
        "--baseline",
        small.as_str(),
        "--timeout",
        "10",
        "--format",
        "json",
    ]);
    let c = code(&out);
    assert!(matches!(c, 1..=3), "{:?}: {}", out.status, text(&out));
    // Not timed (a loaded machine is slow, not wrong): the time is printed.
    println!("took {elapsed:?}");
}

/// The moderate version of the above stays bounded today (a guard against regressions).
#[test]
fn many_actions_finish_in_bounded_time() {
    let dir = Scratch::new("many-actions");
    let actions: Vec<String> = (0..4_000)
        .map(|i| format!("\"svc{}:Action{i}\"", i % 97))
        .collect();
    let doc = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":[{}],"Resource":"*"}}]}}"#,
        actions.join(",")
    );
    let big = dir.file("many.json", doc.as_bytes());
    let small = dir.file("small.json", SMALL.as_bytes());
    let (out, elapsed) = run(&[
        "check",
        big.as_str(),
        "--baseline",
        small.as_str(),
        "--timeout",
        "5",
    ]);
    assert!(matches!(code(&out), 1 | 3), "{}", text(&out));
    // Not timed (a loaded machine is slow, not wrong): the time is printed.
    println!("took {elapsed:?}");
}

/// Generated baseline 3 of seed 1 (`keyaki-corpus --seed 1 --print-generated 3`), against which
/// `keyaki check` (no solver-free probe) of SageMakerStudioBedrockChatAgentUserRolePolicy ran
/// refinement rounds to the timeout, growing by megabytes per second.
const GENERATED_S1_3: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Sid":"FullAWSAccess","Effect":"Allow","Action":"*","Resource":"*"},
 {"Sid":"Template0","Effect":"Allow","Action":["dynamodb:Query","secretsmanager:GetSecretValue","logs:PutLogEvents","s3:ListBucket"],
  "Resource":["arn:aws:s3:::corp-${aws:userid}-*","arn:aws:s3:::corp-data/${aws:userid}/*"]},
 {"Sid":"NoDeletes1","Effect":"Deny","Action":["sns:Delete*","kms:Delete*"],"Resource":"*",
  "Condition":{"StringNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/breakglass-*"}}},
 {"Sid":"Number2","Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"NumericGreaterThan":{"s3:max-keys":"1000"}}},
 {"Sid":"RegionLock3","Effect":"Deny","NotAction":["iam:*","sts:*","organizations:*","route53:*","cloudfront:*","support:*","health:*","waf:*","shield:*","globalaccelerator:*","kms:*"],
  "Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-west-2"]},"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/platform-*"}}},
 {"Sid":"Number4","Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"s3:TlsVersion":"1.2"}}},
 {"Sid":"OnlyOwnBuckets5","Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::acme-*","arn:aws:s3:::acme-*/*"]}]}"#;

/// The SageMaker policy of the corpus, if the corpus is there.
fn sagemaker_policy() -> Option<PathBuf> {
    let policy = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(
        "../shared/corpus/aws-managed-policies/policies/SageMakerStudioBedrockChatAgentUserRolePolicy.json",
    );
    if policy.is_file() {
        Some(policy)
    } else {
        println!("SKIPPED: ../shared/corpus not found");
        None
    }
}

#[test]
fn tiny_memory_budget_ends_unknown_with_the_budget_reason() {
    let Some(policy) = sagemaker_policy() else {
        return;
    };
    let dir = Scratch::new("memory-budget");
    let baseline = dir.file("baseline.json", GENERATED_S1_3.as_bytes());
    let policy = policy.to_string_lossy().into_owned();
    // `diff` runs the search on the widening direction (check's probe answers this pair before
    // any search; see below). A minute of time: without the budget enforced inside the search,
    // this pair ends with the timeout's reason, never the budget's.
    let (out, elapsed) = run(&[
        "diff",
        &baseline,
        &policy,
        "--timeout",
        "60",
        "--memory-budget",
        "1",
        "--format",
        "json",
    ]);
    println!("ended in {elapsed:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    match code(&out) {
        // A counterexample found before the budget ran out is still an answer (replayed).
        1 => assert!(
            report["widened"].as_array().is_some_and(|w| !w.is_empty()),
            "{report}"
        ),
        3 => assert!(
            text(&out).contains("memory budget of 1 MB exceeded"),
            "{report}"
        ),
        other => panic!("exit {other}: {}", text(&out)),
    }
    // `check` tries the solver-free probe first: a replayed counterexample ends it at once,
    // without a formula or a z3 context, so no budget is reached (it used to search first and
    // answer only after its timeout).
    let (out, _) = run(&[
        "check",
        &policy,
        "--baseline",
        &baseline,
        "--timeout",
        "3600",
        "--memory-budget",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["result"], "fail", "{report}");
    assert_eq!(report["counterexamples"].as_array().map(Vec::len), Some(3));
}

#[test]
fn the_search_past_its_budget_is_unknown_with_the_budget_reason_in_the_library() {
    use keyaki::explain::{check_no_new_access, CheckOptions, UnknownReason, Verdict};
    let Some(policy) = sagemaker_policy() else {
        return;
    };
    let proposed = keyaki::parse::parse_policy(&std::fs::read(&policy).unwrap(), "p").unwrap();
    let baseline = keyaki::parse::parse_policy(GENERATED_S1_3.as_bytes(), "b").unwrap();
    // The search alone (no probe), with an hour of time: only the budget (the watchdog's
    // resident-memory samples or z3's own allocation cap, whichever comes first) can end it
    // unknown; a crash of z3 past its cap would end the test.
    let options = CheckOptions {
        timeout: Duration::from_secs(3600),
        memory_budget_mb: 1,
        counterexamples: 3,
        ..CheckOptions::default()
    };
    match check_no_new_access(&proposed, &baseline, &options) {
        Verdict::Unknown(reason) => assert_eq!(reason, UnknownReason::Memory { limit_mb: 1 }),
        // Counterexamples found before the budget ran out are an answer (replayed).
        Verdict::Violated(found) => assert!(!found.is_empty()),
        Verdict::Holds => panic!("pass without a proof"),
    }
    // With a budget it does not reach, the same search answers (the reason above was the budget).
    let roomy = CheckOptions {
        timeout: Duration::from_secs(2),
        ..options
    };
    let roomy = CheckOptions {
        memory_budget_mb: 4096,
        ..roomy
    };
    assert!(
        !matches!(
            check_no_new_access(&proposed, &baseline, &roomy),
            Verdict::Unknown(UnknownReason::Memory { .. })
        ),
        "the default budget is far from reached"
    );
}

/// A pair whose search grew without bound until session 7 (hunt's s-c13ace1b: a template in
/// the account segment of a NotResource, 92 MB at a 64 MB budget, 145 MB at 128; a pass by
/// AWS's semantics). icase's account-segment lemmas prove it now: with an hour of time and a
/// 16 MB budget it must be a proof, not a search that the budget ends.
#[test]
fn the_account_segment_pair_that_grew_is_proved_within_a_small_budget() {
    let dir = Scratch::new("growing");
    let proposed = dir.file(
        "p.json",
        br#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["s3:Get*"],"NotResource":["arn:aws:iam::${aws:principaltag/TEAM}:user*"]}]}"#,
    );
    let baseline = dir.file(
        "b.json",
        br#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["s3:Get*"],"NotResource":["arn:aws:iam::${aws:principaltag/TEAM}:user/*"]}]}"#,
    );
    let (out, elapsed) = run(&[
        "check",
        &proposed,
        "--baseline",
        &baseline,
        "--timeout",
        "3600",
        "--memory-budget",
        "16",
    ]);
    println!("ended in {elapsed:?}");
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(text(&out).contains("(proved)"), "{}", text(&out));
}
