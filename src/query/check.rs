//! `check`: does PROPOSED allow any request BASELINE does not?

use crate::explain::{check_no_new_access, CheckOptions, Verdict};
use crate::model::Policy;
use crate::report::{CheckReport, CheckResult};

/// A proof that `proposed` allows nothing `baseline` does not, or counterexample requests (each
/// replayed through the evaluator), or unknown with the reason.
pub fn check(proposed: &Policy, baseline: &Policy, options: &CheckOptions) -> CheckReport {
    check_report(check_no_new_access(proposed, baseline, options))
}

/// The report of a prover verdict.
pub fn check_report(verdict: Verdict) -> CheckReport {
    match verdict {
        Verdict::Holds => CheckReport {
            result: CheckResult::Pass,
            reason: None,
            counterexamples: vec![],
        },
        Verdict::Violated(counterexamples) => CheckReport {
            result: CheckResult::Fail,
            reason: None,
            counterexamples,
        },
        Verdict::Unknown(reason) => CheckReport {
            result: CheckResult::Unknown,
            reason: Some(reason.to_string()),
            counterexamples: vec![],
        },
    }
}
