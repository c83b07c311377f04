//! `check`: does PROPOSED allow any request BASELINE does not?

use crate::explain::{check_no_new_access, CheckOptions, Verdict};
use crate::model::Policy;
use crate::query::remedy::Advisor;
use crate::report::{CheckReport, CheckResult};

/// A proof that `proposed` allows nothing `baseline` does not, or counterexample requests (each
/// replayed through the evaluator), each with the baseline rule it breaks and the smallest
/// proved edit that fixes it (see [`crate::query::remedy`]), or unknown with the reason.
pub fn check(proposed: &Policy, baseline: &Policy, options: &CheckOptions) -> CheckReport {
    let verdict = match check_no_new_access(proposed, baseline, options) {
        // The search gave up: the solver-free probe's candidate requests (each replayed
        // through the evaluator) may still show a counterexample. Never a pass.
        // The probe returns only once it has as many as asked for: ask for one.
        Verdict::Unknown(reason) => match crate::explain::probe_counterexamples(
            proposed,
            baseline,
            &CheckOptions {
                counterexamples: 1,
                ..options.clone()
            },
        ) {
            Some(found) => Verdict::Violated(crate::explain::polish_counterexamples(
                found, proposed, baseline, options,
            )),
            None => Verdict::Unknown(reason),
        },
        decided => decided,
    };
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
