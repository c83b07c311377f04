//! A whole decision over evaluations that rest on statements AWS leaves undocumented (a policy
//! variable in a typed condition value): it is known only when every reading of those
//! statements gives the same decision (`encodings/typed-condition-variables.md`).

use super::decide::{PolicyVerdict, WholeDecision};
use crate::eval::undocumented::NOT_DOCUMENTED;
use crate::eval::Decision;
use std::collections::BTreeSet;

/// Undetermined statements tried in every combination (2^8 whole decisions); with more, the
/// decision is unknown without trying.
const MAX_OPEN_STATEMENTS: usize = 8;

/// Why `whole` is unknown, if it is: `decide` makes the whole decision from one reading of the
/// verdicts. Each undetermined statement is read as applying or not, independently.
pub fn unknown(
    whole: &WholeDecision,
    decide: impl Fn(Vec<PolicyVerdict>) -> Decision,
) -> Option<String> {
    let open: Vec<(usize, usize)> = whole
        .verdicts
        .iter()
        .enumerate()
        .flat_map(|(v, verdict)| {
            verdict
                .evaluation
                .undetermined
                .iter()
                .map(move |u| (v, u.statement.index))
        })
        .collect();
    if open.is_empty() {
        return None;
    }
    let because: Vec<String> = whole
        .verdicts
        .iter()
        .flat_map(|v| {
            v.evaluation.undetermined.iter().map(move |u| {
                format!(
                    "{} {} Statement[{}]: {}",
                    v.layer.as_str(),
                    v.policy,
                    u.statement.index,
                    u.reason
                )
            })
        })
        .collect();
    if open.len() > MAX_OPEN_STATEMENTS {
        return Some(format!(
            "unsupported: the decision depends on {} statements AWS leaves undocumented (more than {MAX_OPEN_STATEMENTS} to read every way): {}; {NOT_DOCUMENTED}",
            open.len(),
            because.join("; ")
        ));
    }
    let mut possible = BTreeSet::from([whole.decision]);
    for mask in 1u32..(1 << open.len()) {
        let verdicts = whole
            .verdicts
            .iter()
            .enumerate()
            .map(|(v, verdict)| {
                let applying: Vec<usize> = open
                    .iter()
                    .enumerate()
                    .filter(|(bit, (of, _))| *of == v && mask & (1 << bit) != 0)
                    .map(|(_, (_, index))| *index)
                    .collect();
                PolicyVerdict {
                    evaluation: verdict.evaluation.reading(&applying),
                    ..verdict.clone()
                }
            })
            .collect();
        possible.insert(decide(verdicts));
    }
    if possible.len() < 2 {
        return None;
    }
    let names: Vec<String> = possible.iter().map(|d| format!("{d:?}")).collect();
    Some(format!(
        "unsupported: the decision is {} depending on {}; {NOT_DOCUMENTED}",
        names.join(" or "),
        because.join("; ")
    ))
}
