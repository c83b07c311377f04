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
