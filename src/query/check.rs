//! `check`: does PROPOSED allow any request BASELINE does not?

use crate::explain::{CheckOptions, Verdict};
use crate::model::Policy;
use crate::query::remedy::Advisor;
use crate::report::{CheckReport, CheckResult};

/// A proof that `proposed` allows nothing `baseline` does not, or counterexample requests (each
/// replayed through the evaluator), each with the baseline rule it breaks and the smallest
/// proved edit that fixes it (see [`crate::query::remedy`]), or unknown with the reason.
pub fn check(proposed: &Policy, baseline: &Policy, options: &CheckOptions) -> CheckReport {
    // Probe first, then the search, then the probe again if the search gave up: a replayed
    // counterexample ends the check before any formula or z3 context is built.
    let verdict = crate::scan::check_deterministic(proposed, baseline, options);
    let mut report = check_report(verdict);
    add_advice(&mut report, proposed, baseline, options);
    report
}

/// Adds the rule each counterexample breaks and its proved remedy (extra proofs, all within
/// one more `options.timeout`).
pub fn add_advice(
    report: &mut CheckReport,
    proposed: &Policy,
    baseline: &Policy,
    options: &CheckOptions,
) {
    if report.counterexamples.is_empty() {
        return;
    }
    let mut advisor = Advisor::new(proposed, baseline, options);
    for c in &report.counterexamples {
        advisor.know(&c.request);
    }
    for c in &report.counterexamples {
        advisor.advise(&c.request, &c.proposed, &c.baseline);
    }
    report.advice = advisor.into_advice();
}

/// The report of a prover verdict (no advice: see [`add_advice`]).
pub fn check_report(verdict: Verdict) -> CheckReport {
    match verdict {
        Verdict::Holds => CheckReport {
            result: CheckResult::Pass,
            reason: None,
            counterexamples: vec![],
            advice: vec![],
        },
        Verdict::Violated(counterexamples) => CheckReport {
            result: CheckResult::Fail,
            reason: None,
            counterexamples,
            advice: vec![],
        },
        Verdict::Unknown(reason) => CheckReport {
            result: CheckResult::Unknown,
            reason: Some(reason.to_string()),
            counterexamples: vec![],
            advice: vec![],
        },
    }
}
