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
