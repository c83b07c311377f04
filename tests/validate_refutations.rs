//! The proof-based checks first look for a concrete request that answers "no" (satisfiable,
//! not redundant, not overridden) and ask the prover only when none is found. That must not
//! change any finding: on a slice of the managed policies, the findings with and without the
//! refutations are the same. The one allowed difference: a policy that ran out of its prover
//! query budget without refutations may get further with them (more findings, none lost).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use keyaki::parse::parse_json;
use keyaki::validate::{validate_json, validate_json_prover_only, ValidateOptions};
use std::time::Duration;

fn codes(findings: &[keyaki::validate::Finding]) -> Vec<String> {
    findings
        .iter()
        .map(|f| serde_json::to_string(f).unwrap())
        .collect()
}

#[test]
fn refutations_change_no_finding_on_the_managed_policies() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let files = common::corpus_files(&corpus, "aws-managed-policies/policies");
    let options = ValidateOptions {
        // Generous: a timeout in one run and not the other would be a difference of budget,
        // not of logic.
        proof_timeout: Duration::from_secs(5),
        ..ValidateOptions::default()
    };
    let mut compared = 0;
    let mut with_proof_findings = 0;
    // Every 5th policy (about 300) keeps the prover-only run short.
    for path in files.iter().step_by(5) {
        let bytes = std::fs::read(path).unwrap();
        let name = path.display().to_string();
        let json = parse_json(&bytes, &name).unwrap();
        let text = std::str::from_utf8(&bytes).ok();
        let fast = validate_json(&json, text, &name, &options);
        let slow = validate_json_prover_only(&json, text, &name, &options);
        let (fast, slow) = (codes(&fast.findings), codes(&slow.findings));
        let budget_ran_out = slow.iter().any(|f| f.contains("per-policy budget"));
        if budget_ran_out {
            for f in slow.iter().filter(|f| !f.contains("per-policy budget")) {
                assert!(fast.contains(f), "{name}: lost {f}");
            }
        } else {
            assert_eq!(fast, slow, "{name}");
        }
        compared += 1;
        if slow.iter().any(|f| {
            f.contains("redundant-statement")
                || f.contains("unsatisfiable-statement")
                || f.contains("allow-overridden-by-deny")
        }) {
            with_proof_findings += 1;
        }
    }
    assert!(compared > 250, "compared {compared}");
    // The slice holds proved findings, so the comparison covers the prover's "yes" answers too.
    assert!(with_proof_findings > 0);
}
