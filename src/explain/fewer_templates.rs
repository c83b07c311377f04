//! Models with as few true template atoms as the query allows.
//!
//! The search first asks for a model with every template atom false; when that leaves
//! nothing, z3 is free to make any template true, and it often makes one true that nothing
//! needs (`b/a${aws:username}` beside a needed `b/a${team}` on the resource): the concretizer
//! must then honour it (here: `username = team`), which can make a needed false template
//! impossible, and each round refutes one more value. Asking again with the true templates
//! assumed false one at a time (each kept false when the query stays satisfiable) gives a
//! model whose true templates are each needed given the others: fewer values to relate, and
//! keys that only false templates read, which a fresh character satisfies (`fresh.rs`).
//! Only a preference: the answer (proof or counterexample) is unchanged, every model is
//! still concretized and replayed.

use crate::encode::{AtomId, Query, Term};
use crate::solve::{Assignment, Backend, Outcome};
use std::time::Instant;

/// `assignment`, or a model of the same query and `base` assumptions in which a subset of
/// its true template atoms is true (stops at `deadline` or at a solver `unknown`).
pub(super) fn with_fewer_templates(
    backend: &mut dyn Backend,
    query: &Query,
    templates: &[AtomId],
    base: &[Term],
    mut assignment: Assignment,
    deadline: Instant,
) -> Assignment {
    let true_ones: Vec<AtomId> = templates
        .iter()
        .copied()
        .filter(|id| assignment.atom(*id))
        .collect();
    if true_ones.is_empty() {
        return assignment;
    }
    // Templates already false stay false, so each step only turns true ones false.
    let mut assumed: Vec<Term> = base.to_vec();
    assumed.extend(
        templates
            .iter()
            .filter(|id| !assignment.atom(**id))
            .map(|id| Term::not(Term::Atom(*id))),
    );
    for id in true_ones {
        if Instant::now() >= deadline {
            break;
        }
        if !assignment.atom(id) {
            continue;
        }
        assumed.push(Term::not(Term::Atom(id)));
        match backend.check_assuming(query, &assumed) {
            Outcome::Sat(model) => assignment = model,
            Outcome::Unsat => {
                assumed.pop();
            }
            Outcome::Unknown(_) => break,
        }
    }
    assignment
}
