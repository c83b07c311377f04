//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// `../shared/corpus` next to the project, if it is there.
pub fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("SKIPPED: ../shared/corpus not found; corpus tests need the shared corpus next to the project");
        None
    }
}

#[allow(
    clippy::panic,
    reason = "a test fixture that does not parse fails the test"
)]
pub fn policy(json: &str) -> keyaki::model::Policy {
    match keyaki::parse::parse_policy(json.as_bytes(), "test.json") {
        Ok(p) => p,
        Err(e) => panic!("test policy does not parse: {e}"),
    }
}

/// What one run of the `keyaki` binary gave.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the `keyaki` binary from the crate root (so fixture paths are relative to it).
#[allow(
    clippy::expect_used,
    reason = "a test that cannot start the binary fails"
)]
pub fn keyaki(args: &[&str]) -> Run {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_keyaki"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(std::process::Stdio::null())
        .output()
        .expect("the keyaki binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Every policy of a template given as text (`t.yaml`); a template that cannot be read fails.
#[allow(
    clippy::panic,
    reason = "a test template that cannot be read fails the test"
)]
pub fn template(
    text: &str,
    options: &keyaki::template::ResolveOptions,
) -> keyaki::template::Extraction {
    keyaki::template::extract(text.as_bytes(), "t.yaml", options).unwrap_or_else(|e| panic!("{e}"))
}

/// The one policy of a template given as text, read with the default options.
#[allow(clippy::panic, reason = "a test template must hold exactly one policy")]
pub fn only_policy(text: &str) -> keyaki::template::ExtractedPolicy {
    let extraction = template(text, &keyaki::template::ResolveOptions::default());
    assert!(extraction.refusals.is_empty(), "{:?}", extraction.refusals);
    assert_eq!(extraction.policies.len(), 1);
    match extraction.policies.into_iter().next() {
        Some(policy) => policy,
        None => panic!("no policy"),
    }
}

/// A request printed in a report (JSON), read back for a replay through the evaluator.
#[allow(
    clippy::panic,
    reason = "a printed request that does not parse fails the test"
)]
pub fn request(json: &serde_json::Value) -> keyaki::request::Request {
    let text = json.to_string();
    let parsed =
        keyaki::parse::parse_json(text.as_bytes(), "request").unwrap_or_else(|e| panic!("{e}"));
    keyaki::parse::request_from_json(&parsed, "request").unwrap_or_else(|e| panic!("{e}"))
}

/// The files of a corpus folder (`dir`, relative to the corpus), sorted.
#[allow(
    clippy::panic,
    reason = "a corpus folder that cannot be listed fails the test"
)]
pub fn corpus_files(corpus: &std::path::Path, dir: &str) -> Vec<PathBuf> {
    let mut files = std::fs::read_dir(corpus.join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("{dir}: {e}"));
    files.sort();
    files
}

/// The corpus's CloudFormation templates and Terraform plans (every file of their folders),
/// sorted.
pub fn corpus_templates_and_plans(corpus: &std::path::Path) -> Vec<PathBuf> {
    let mut files = corpus_files(corpus, "formats/cloudformation/templates");
    files.extend(corpus_files(corpus, "formats/terraform-plan/plans"));
    files.sort();
    files
}

/// A folder of its own for one test's files (`keyaki-NAME-PID` under the system temp folder).
#[allow(
    clippy::panic,
    reason = "a test that cannot make its scratch folder fails"
)]
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("keyaki-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

/// `contents` written to `file` in the scratch folder `name`; its path.
#[allow(clippy::panic, reason = "a test that cannot write its input fails")]
pub fn scratch_file(name: &str, file: &str, contents: &str) -> PathBuf {
    let path = scratch_dir(name).join(file);
    std::fs::write(&path, contents).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    path
}

/// The check of two identity policies (open universes, default timeout), with every
/// counterexample replayed through the evaluator after a round trip through the request parser.
#[allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "a test helper: a counterexample that does not replay fails the test"
)]
pub fn decide_identity(proposed: &str, baseline: &str) -> keyaki::explain::Verdict {
    let (p, b) = (policy(proposed), policy(baseline));
    let options = keyaki::explain::CheckOptions {
        policy_type: keyaki::eval::PolicyType::Identity,
        ..keyaki::explain::CheckOptions::default()
    };
    let verdict = keyaki::explain::check_no_new_access(&p, &b, &options);
    if let keyaki::explain::Verdict::Violated(list) = &verdict {
        assert!(!list.is_empty());
        for c in list {
            let json = serde_json::to_vec(&c.request).unwrap();
            let request = keyaki::parse::parse_request(&json, "counterexample.json")
                .unwrap_or_else(|e| panic!("counterexample does not parse back: {e}"));
            let ty = keyaki::eval::PolicyType::Identity;
            assert_eq!(
                keyaki::eval::evaluate(&p, &request, ty).decision,
                keyaki::eval::Decision::Allow
            );
            assert_ne!(
                keyaki::eval::evaluate(&b, &request, ty).decision,
                keyaki::eval::Decision::Allow
            );
        }
    }
    verdict
}
