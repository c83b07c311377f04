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

/// `assignment`, or a model of the same query and `base` assumptions with no more true
/// template atoms (stops at `deadline` or at a solver `unknown`).
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
    // First each true template is turned false with the false ones kept false.
    let held_false: Vec<Term> = templates
        .iter()
        .filter(|id| !assignment.atom(**id))
        .map(|id| Term::not(Term::Atom(*id)))
        .collect();
    let mut turned_false: Vec<Term> = Vec::new();
    for id in true_ones {
        if Instant::now() >= deadline {
            break;
        }
        if !assignment.atom(id) {
            continue;
        }
        let not_id = Term::not(Term::Atom(id));
        let assumed: Vec<Term> = base
            .iter()
            .chain(&held_false)
            .chain(&turned_false)
            .chain([&not_id])
            .cloned()
            .collect();
        match backend.check_assuming(query, &assumed) {
            Outcome::Sat(model) => {
                assignment = model;
                turned_false.push(not_id);
            }
            // Needed while the false ones stay false: a model may still do without it by
            // making a false one true instead, one more check, kept only if it holds no
            // more true templates. A model whose templates admit no request for any value
            // is refuted one value per round; the traded one often has a request at once
            // (two of the template family's 100k timeouts, tests/decided_two_strings.rs).
            Outcome::Unsat => {
                let swapped: Vec<Term> = base
                    .iter()
                    .chain(&turned_false)
                    .chain([&not_id])
                    .cloned()
                    .collect();
                let count = |a: &Assignment| templates.iter().filter(|t| a.atom(**t)).count();
                match backend.check_assuming(query, &swapped) {
                    Outcome::Sat(model) if count(&model) <= count(&assignment) => {
                        assignment = model;
                        turned_false.push(not_id);
                    }
                    Outcome::Unknown(_) => break,
                    _ => {}
                }
            }
            Outcome::Unknown(_) => break,
        }
    }
    assignment
}
