//! `keyaki scan` through the real binary: counts, exit codes, JSONL shape, shards.
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn keyaki(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_keyaki"))
        .args(args)
        // No progress indicator in captured output whatever the terminal.
        .env("CI", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn jsonl(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// A fresh directory of generated policies: `n` S3 grants of which every third is too broad
/// for the baseline (it grants s3:DeleteObject), nested in subdirectories, plus one invalid
/// file and one non-JSON file that must be ignored.
struct Estate {
    dir: PathBuf,
    baseline: PathBuf,
    broad: usize,
    narrow: usize,
}

impl Estate {
    fn new(name: &str, n: usize) -> Estate {
        let dir = std::env::temp_dir().join(format!("keyaki-scan-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("policies/team-a/nested")).unwrap();
        std::fs::create_dir_all(dir.join("policies/team-b")).unwrap();
        let baseline = dir.join("baseline.json");
        std::fs::write(
            &baseline,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::data-*/*"}]}"#,
        )
        .unwrap();
        let (mut broad, mut narrow) = (0, 0);
        for i in 0..n {
            let sub = ["team-a", "team-a/nested", "team-b"][i % 3];
            let action = if i % 3 == 1 {
                broad += 1;
                "s3:DeleteObject"
            } else {
                narrow += 1;
                "s3:GetObject"
            };
            std::fs::write(
                dir.join(format!("policies/{sub}/p{i:03}.json")),
                format!(
                    r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"arn:aws:s3:::data-{i}/*"}}]}}"#
                ),
            )
            .unwrap();
        }
        std::fs::write(
            dir.join("policies/team-b/broken.json"),
            r#"{"Statement": ["#,
        )
        .unwrap();
        std::fs::write(dir.join("policies/team-b/notes.txt"), "not a policy").unwrap();
        Estate {
            dir,
            baseline,
            broad,
            narrow,
        }
    }

    fn policies(&self) -> String {
        path(&self.dir.join("policies"))
    }

    fn baseline(&self) -> String {
        path(&self.baseline)
    }
}

impl Drop for Estate {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn path(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

#[test]
fn scan_counts_every_result_and_goes_on_after_an_invalid_file() {
    let estate = Estate::new("counts", 9);
    let (policies, baseline) = (estate.policies(), estate.baseline());
    let (code, stdout, _) = keyaki(&[
        "scan",
        &policies,
        "--baseline",
        &baseline,
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let summary = &report["summary"];
    assert_eq!(summary["total"], 10, "{stdout}");
    assert_eq!(summary["pass"], estate.narrow);
    assert_eq!(summary["fail"], estate.broad);
    assert_eq!(summary["unknown"], 0);
    assert_eq!(summary["invalid"], 1);
    // Failures decide the exit code (1); the invalid file is still counted and listed, and
    // alone it would fail the scan with 2.
    assert_eq!(code, 1);
    // Without the invalid file: failures → 1.
    let team_a = path(&estate.dir.join("policies/team-a"));
    let (code, stdout, _) = keyaki(&["scan", &team_a, "--baseline", &baseline]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("fail "), "{stdout}");
    let last = stdout.lines().last().unwrap();
    assert!(
        last.starts_with("6 files: 3 pass, 3 fail, 0 unknown, 0 invalid"),
        "{last}"
    );
}

#[test]
fn scan_passes_with_exit_0_when_everything_is_within_the_baseline() {
    let estate = Estate::new("pass", 3);
    let (code, stdout, _) = keyaki(&[
        "scan",
        &path(&estate.dir.join("policies/team-a/p000.json")),
        &path(&estate.dir.join("policies/team-b/p002.json")),
        "--baseline",
        &estate.baseline(),
    ]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("2 files: 2 pass, 0 fail"), "{stdout}");
}

#[test]
fn jsonl_has_one_sorted_line_per_file_with_checks_fields() {
    let estate = Estate::new("jsonl", 6);
    let (policies, baseline) = (estate.policies(), estate.baseline());
    let (_, stdout, _) = keyaki(&[
        "scan",
        &policies,
        "--baseline",
        &baseline,
        "--format",
        "jsonl",
    ]);
    let lines = jsonl(&stdout);
    assert_eq!(lines.len(), 7);
    let files: Vec<&str> = lines.iter().map(|l| l["file"].as_str().unwrap()).collect();
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted, "input order is the sorted path order");
    assert!(files.iter().all(|f| f.ends_with(".json")), "{files:?}");
    for line in &lines {
        let result = line["result"].as_str().unwrap();
        assert!(line["counterexamples"].is_array(), "{line}");
        assert!(line.get("reason").is_some(), "{line}");
        let file = line["file"].as_str().unwrap();
        match result {
            "invalid" => {
                assert!(file.ends_with("broken.json"));
                assert!(line["reason"].as_str().unwrap().contains("broken.json"));
            }
            "fail" => {
                let cx = &line["counterexamples"][0];
                assert_eq!(cx["request"]["action"], "s3:DeleteObject", "{line}");
                assert_eq!(cx["proposed"]["decision"], "Allow", "{line}");
            }
            "pass" => assert_eq!(line["counterexamples"].as_array().unwrap().len(), 0),
            other => panic!("unexpected result {other}: {line}"),
        }
    }
}

/// The JSONL lines of shards 1/3, 2/3, 3/3 sorted by file equal one whole run.
/// `against` is `["--baseline", FILE]` or `["--spec", FILE]`.
fn assert_shards_union_to_whole(paths: &[&str], against: [&str; 2], expect_at_least: usize) {
    let mut args = vec!["scan"];
    args.extend_from_slice(paths);
    args.extend_from_slice(&against);
    args.extend_from_slice(&["--format", "jsonl", "--counterexamples", "1"]);
    let (whole_code, whole, _) = keyaki(&args);
    let whole = jsonl(&whole);
    assert!(
        whole.len() >= expect_at_least,
        "only {} results",
        whole.len()
    );
    let mut union = Vec::new();
    let mut worst = 0;
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let mut shard_args = args.clone();
        shard_args.extend_from_slice(&["--shard", &shard, "--jobs", "1"]);
        let (code, stdout, stderr) = keyaki(&shard_args);
        let lines = jsonl(&stdout);
        assert!(
            lines.len().abs_diff(whole.len() / 3) <= 1,
            "shard {shard} has {} of {} ({stderr})",
            lines.len(),
            whole.len()
        );
        // Exit codes combine by the same worst-first order.
        worst = [worst, code]
            .into_iter()
            .max_by_key(|c| [0, 1, 3, 2].iter().position(|x| x == c))
            .unwrap();
        union.extend(lines);
    }
    union.sort_by(|a, b| a["file"].as_str().cmp(&b["file"].as_str()));
    assert_eq!(union, whole);
    assert_eq!(worst, whole_code);
}

#[test]
fn shards_union_equals_the_whole_generated_estate() {
    let estate = Estate::new("shards", 13);
    assert_shards_union_to_whole(
        &[&estate.policies()],
        ["--baseline", &estate.baseline()],
        14,
    );
}

#[test]
fn shards_union_equals_the_whole_on_specs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let examples = path(&root.join("specs/examples"));
    let baseline = path(&root.join("specs/s3-baseline.policy.json"));
    assert_shards_union_to_whole(&[&examples], ["--baseline", &baseline], 3);
    for spec in [
        "specs/s3-baseline.spec.json",
        "specs/no-public-no-cross-account.spec.json",
    ] {
        assert_shards_union_to_whole(&[&examples], ["--spec", &path(&root.join(spec))], 3);
    }
}

#[test]
fn shards_union_equals_the_whole_on_managed_policies() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    // A slice of the real estate keeps the debug-build test quick; the corpus runner covers all.
    let dir = corpus.join("aws-managed-policies/policies");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| path(&e.unwrap().path()))
        .collect();
    names.sort();
    let picked: Vec<&str> = names.iter().step_by(50).map(String::as_str).collect();
    let baseline =
        path(&Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/s3-baseline.policy.json"));
    assert_shards_union_to_whole(&picked, ["--baseline", &baseline], picked.len());
}

#[test]
fn bad_usage_is_exit_2_with_a_message() {
    let estate = Estate::new("usage", 1);
    let (policies, baseline) = (estate.policies(), estate.baseline());
    for (extra, needle) in [
        (vec!["--shard", "4/3"], "--shard"),
        (vec!["--shard", "x"], "--shard"),
        (vec!["--jobs", "0"], "--jobs"),
        (vec!["--timeout", "0"], "--timeout"),
    ] {
        let mut args = vec!["scan", policies.as_str(), "--baseline", baseline.as_str()];
        args.extend(extra);
        let (code, _, stderr) = keyaki(&args);
        assert_eq!(code, 2, "{args:?}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
    let missing = path(&estate.dir.join("no-such-dir"));
    let (code, _, stderr) = keyaki(&["scan", &missing, "--baseline", &baseline]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no-such-dir"), "{stderr}");
    // A policy given as a spec is named, with the flag it belongs to.
    let (code, _, stderr) = keyaki(&["scan", &policies, "--spec", &baseline]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(&baseline) && stderr.contains("--baseline"),
        "{stderr}"
    );
    let (code, _, stderr) = keyaki(&["scan", &policies]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--baseline") && stderr.contains("--spec"),
        "{stderr}"
    );
}

#[test]
fn sarif_lists_failures_and_invalid_files() {
    let estate = Estate::new("sarif", 3);
    let (code, stdout, _) = keyaki(&[
        "scan",
        &estate.policies(),
        "--baseline",
        &estate.baseline(),
        "--format",
        "sarif",
    ]);
    // Failures decide the exit code; the invalid file is a notification.
    assert_eq!(code, 1);
    let sarif: Value = serde_json::from_str(&stdout).unwrap();
    let run = &sarif["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), estate.broad, "{stdout}");
    assert!(results.iter().all(|r| r["ruleId"] == "new-access"));
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);
}

/// Each line of `scan --spec` carries what `check FILE --spec` reports for that file, and the
/// exit code is the worst of theirs.
#[test]
fn scan_spec_agrees_with_check_spec_file_by_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let examples = path(&root.join("specs/examples"));
    for spec in [
        "specs/s3-baseline.spec.json",
        "specs/no-public-no-cross-account.spec.json",
    ] {
        let spec = path(&root.join(spec));
        let (code, stdout, stderr) =
            keyaki(&["scan", &examples, "--spec", &spec, "--format", "jsonl"]);
        let lines = jsonl(&stdout);
        assert!(lines.len() >= 6, "{stderr}");
        let mut worst = 0;
        let mut seen = std::collections::BTreeSet::new();
        for line in &lines {
            let file = line["file"].as_str().unwrap();
            let (one_code, one, _) = keyaki(&[
                "check",
                file,
                "--spec",
                &spec,
                "--format",
                "json",
                // scan shows one counterexample per file unless told.
                "--counterexamples",
                "1",
            ]);
            let mut one: Value = serde_json::from_str(&one).unwrap();
            one["file"] = file.into();
            // `check` adds the rule each finding breaks and its proved remedy (extra proofs
            // that scan leaves out to keep estate scans fast; encodings/remedies.md).
            for finding in one["findings"].as_array_mut().unwrap() {
                if let Some(finding) = finding.as_object_mut() {
                    for key in ["breaks", "remedy", "tried"] {
                        finding.remove(key);
                    }
                }
            }
            assert_eq!(line, &one, "{file} against {spec}");
            assert!(line["findings"].is_array(), "{line}");
            seen.insert(line["result"].as_str().unwrap().to_string());
            worst = worst.max(one_code);
        }
        // Both examples of passing and failing files exist for each spec.
        assert!(
            seen.contains("pass") && seen.contains("fail"),
            "{spec}: {seen:?}"
        );
        assert_eq!(code, worst, "{spec}");
    }
}

#[test]
fn scan_spec_text_and_sarif_name_the_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let examples = path(&root.join("specs/examples"));
    let spec = path(&root.join("specs/no-public-no-cross-account.spec.json"));
    let (code, text, _) = keyaki(&["scan", &examples, "--spec", &spec]);
    assert_eq!(code, 1);
    assert!(
        text.contains("pass     ") && text.contains("npnca-pass-own-account.json"),
        "{text}"
    );
    assert!(
        text.contains("finding") && text.contains("against spec no-public-no-cross-account"),
        "{text}"
    );
    assert!(
        text.contains("files: 1 pass, 5 fail, 0 unknown, 0 invalid"),
        "{text}"
    );
    let (code, sarif, _) = keyaki(&["scan", &examples, "--spec", &spec, "--format", "sarif"]);
    assert_eq!(code, 1);
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let rules: std::collections::BTreeSet<&str> = results
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    assert!(
        rules.contains("public-access") && rules.contains("external-access"),
        "{rules:?}"
    );
    // Every result points into the file it is about.
    for r in results {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(uri.contains("examples/") && uri.ends_with(".json"), "{r}");
    }
}

#[test]
fn scan_takes_a_memory_budget_like_check_and_diff() {
    let estate = Estate::new("memory-budget", 6);
    let (policies, baseline) = (estate.policies(), estate.baseline());
    let jsonl = |extra: &[&str]| {
        let mut args = vec![
            "scan",
            &policies,
            "--baseline",
            &baseline,
            "--format",
            "jsonl",
        ];
        args.extend_from_slice(extra);
        keyaki(&args)
    };
    let (code, default_budget, _) = jsonl(&[]);
    let (code_64, budget_64, _) = jsonl(&["--memory-budget", "64"]);
    // A budget these small checks stay under changes no verdict.
    assert_eq!((code, default_budget), (code_64, budget_64));
    let (code, _, stderr) = jsonl(&["--memory-budget", "lots"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--memory-budget"), "{stderr}");
}
