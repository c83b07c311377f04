//! Keys whose templates read each other around a cycle with text that lengthens the value.
//!
//! A true template atom `A` on `k`'s first value that reads `w` (another key, single) matches
//! only strings at least as long as `w`'s value and `A`'s mandatory characters together
//! (`mandatory_chars`: substituted text is literal, folding maps one character to one, a
//! Like `*` may match nothing, every other hole reads at least nothing). Around a cycle of
//! such atoms `k1 → k2 → … → k1`, every key single, `|k1| ≥ |k2| + m1 ≥ … ≥ |k1| + Σ m`, so
//! when `Σ m > 0` the atoms are never true together: lemma `¬(A1 ∧ … ∧ An ∧ all single)`.
//! (`username = *${team}`, `team = ${username}*`: `|u| = |t| + 1 = |u| + 2`.) Before, the
//! concretizer broke the cycle at one key and no value of the other fitted it (the cycle
//! give-up), on models no request meets. Cycles of two and three keys are looked for.

use super::templates::mandatory_chars;
use crate::encode::query::{Atom, AtomId, Query, StrPattern, StrVar};
use crate::encode::term::Term;

/// Template atoms on keys' first values taken into cycles of three at most (`n³` triples).
const MAX_EDGES: usize = 48;

/// One atom: on `owner`'s first value, reading `reads` (not `owner`), with `mandatory`
/// characters every match needs besides the holes.
struct Edge {
    id: AtomId,
    owner: String,
    reads: Vec<String>,
    mandatory: usize,
}

/// `¬(A1 ∧ … ∧ An ∧ every key single)` for each cycle of two or three atoms whose mandatory
/// characters add up to more than zero.
pub(super) fn length_cycle_lemmas(query: &mut Query) -> Vec<Term> {
    let mut edges = Vec::new();
    for (id, atom) in query.atoms.iter().enumerate() {
        let Atom::Str {
            var: StrVar::Context { key, slot: 0 },
            pattern: StrPattern::Template(t, mode),
        } = atom
        else {
            continue;
        };
        let reads: Vec<String> = t.variable_keys().map(str::to_string).collect();
        if reads.is_empty() || reads.iter().any(|k| k == key) {
            continue;
        }
        edges.push(Edge {
            id,
            owner: key.clone(),
            reads,
            mandatory: mandatory_chars(t, *mode),
        });
    }
    if edges.len() > MAX_EDGES {
        return Vec::new();
    }
    let follows = |a: &Edge, b: &Edge| a.reads.contains(&b.owner);
    let mut cycles: Vec<Vec<&Edge>> = Vec::new();
    for (i, a) in edges.iter().enumerate() {
        for (j, b) in edges.iter().enumerate() {
            if j <= i || a.owner == b.owner {
                continue;
            }
            if follows(a, b) && follows(b, a) {
                cycles.push(vec![a, b]);
            }
            for c in edges.iter().skip(j + 1) {
                if c.owner == a.owner || c.owner == b.owner {
                    continue;
                }
                // Either direction around the three keys.
                if (follows(a, b) && follows(b, c) && follows(c, a))
                    || (follows(a, c) && follows(c, b) && follows(b, a))
                {
                    cycles.push(vec![a, b, c]);
                }
            }
        }
    }
    let mut lemmas = Vec::new();
    for cycle in cycles {
        if cycle.iter().map(|e| e.mandatory).sum::<usize>() == 0 {
            continue;
        }
        let mut together: Vec<Term> = cycle.iter().map(|e| Term::Atom(e.id)).collect();
        for edge in &cycle {
            together.push(query.single_valued(&edge.owner));
        }
        lemmas.push(Term::not(Term::and(together)));
    }
    lemmas
}
