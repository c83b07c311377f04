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
use crate::encode::query::{Atom, AtomId, MatchMode, Query, StrPattern, StrVar};
use crate::encode::term::Term;
use crate::pattern::{Glob, Template, TemplatePart};

/// Template atoms on keys' first values taken into cycles of three at most (`n³` triples).
const MAX_EDGES: usize = 48;

/// New atoms made at most by the cycles of length zero.
const MAX_NEW_ATOMS: usize = 16;

/// One atom: on `owner`'s first value, reading `reads` (not `owner`), with `mandatory`
/// characters every match needs besides the holes.
#[derive(Clone)]
struct Edge {
    id: AtomId,
    owner: String,
    reads: Vec<String>,
    mandatory: usize,
    template: Template,
    mode: MatchMode,
}

/// The cycles of two or three edges, each edge reading the next one's owner (the last
/// reads the first's); none when there are more than `MAX_EDGES` template atoms.
fn cycles(query: &Query) -> Vec<Vec<Edge>> {
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
            template: t.clone(),
            mode: *mode,
        });
    }
    if edges.len() > MAX_EDGES {
        return Vec::new();
    }
    let follows = |a: &Edge, b: &Edge| a.reads.contains(&b.owner);
    let mut cycles: Vec<Vec<Edge>> = Vec::new();
    for (i, a) in edges.iter().enumerate() {
        for (j, b) in edges.iter().enumerate() {
            if j <= i || a.owner == b.owner {
                continue;
            }
            if follows(a, b) && follows(b, a) {
                cycles.push(vec![a.clone(), b.clone()]);
            }
            for c in edges.iter().skip(j + 1) {
                if c.owner == a.owner || c.owner == b.owner {
                    continue;
                }
                // Either direction around the three keys, kept in reading order.
                if follows(a, b) && follows(b, c) && follows(c, a) {
                    cycles.push(vec![a.clone(), b.clone(), c.clone()]);
                } else if follows(a, c) && follows(c, b) && follows(b, a) {
                    cycles.push(vec![a.clone(), c.clone(), b.clone()]);
                }
            }
        }
    }
    cycles
}

/// The atoms of a cycle true together with every owner single.
fn together(query: &mut Query, cycle: &[Edge]) -> Term {
    let mut terms: Vec<Term> = cycle.iter().map(|e| Term::Atom(e.id)).collect();
    for edge in cycle {
        terms.push(query.single_valued(&edge.owner));
    }
    Term::and(terms)
}

/// `¬(A1 ∧ … ∧ An ∧ every key single)` for each cycle of two or three atoms whose mandatory
/// characters add up to more than zero.
pub(super) fn length_cycle_lemmas(query: &mut Query) -> Vec<Term> {
    let mut lemmas = Vec::new();
    for cycle in cycles(query) {
        if cycle.iter().map(|e| e.mandatory).sum::<usize>() == 0 {
            continue;
        }
        lemmas.push(Term::not(together(query, &cycle)));
    }
    lemmas
}

/// Lemmas of the cycles whose mandatory characters add up to zero, and the keys they make
/// empty (with the atom saying so) for the caller's rewriting of the templates reading them.
///
/// Around such a cycle every `≥` is an equality: `|k1| ≥ |k2| + Σ other holes ≥ … ≥ |k1| +
/// Σ other holes`, so every hole of an edge other than its one read of the next owner reads
/// nothing, and every Like `*` matches nothing. A key `r` outside the cycle read by an edge,
/// single (its value is what the hole reads, not its default), is empty: `cycle ∧ r single →
/// r = ""`. An edge reading only the next owner (once) and such keys spells its string as
/// that owner: `cycle ∧ others single → k ~ ${next}`, exactly (ignoring case when the edge
/// does). (`prefix = ${team}${dept}`, `dept` like `${prefix}*`: `team` is empty and `dept =
/// ${prefix}`; before, the concretizer chose a team and no prefix fitted it.)
pub(super) fn tight_cycle_lemmas(query: &mut Query) -> (Vec<Term>, Vec<(String, Term)>) {
    let mut lemmas = Vec::new();
    let mut emptied: Vec<(String, Term)> = Vec::new();
    let mut made = 0usize;
    for cycle in cycles(query) {
        if made >= MAX_NEW_ATOMS || cycle.iter().map(|e| e.mandatory).sum::<usize>() != 0 {
            continue;
        }
        let owners: Vec<&String> = cycle.iter().map(|e| &e.owner).collect();
        let premise = together(query, &cycle);
        for (i, edge) in cycle.iter().enumerate() {
            let next = &cycle[(i + 1) % cycle.len()].owner;
            let others: Vec<String> = edge
                .reads
                .iter()
                .filter(|k| !owners.contains(k))
                .cloned()
                .collect();
            // Only keys with one value slot gain atoms (as in `cancelled_ends.rs`).
            if others
                .iter()
                .any(|k| query.keys.get(k).is_none_or(|s| s.slots != 1))
            {
                continue;
            }
            let mut others_single = Vec::new();
            for other in &others {
                let single = query.single_valued(other);
                others_single.push(single.clone());
                let empty = query.str_atom(
                    StrVar::Context {
                        key: other.clone(),
                        slot: 0,
                    },
                    StrPattern::Glob(Glob::literal("")),
                );
                if !emptied.iter().any(|(k, _)| k == other) {
                    emptied.push((other.clone(), empty.clone()));
                }
                lemmas.push(Term::implies(Term::and([premise.clone(), single]), empty));
                made += 1;
            }
            // The edge reads one owner of the cycle, the next, once: it spells it.
            let cycle_reads = edge.reads.iter().filter(|k| owners.contains(k)).count();
            if cycle_reads != 1 || edge.mode == MatchMode::Arn {
                continue;
            }
            let Some(read) =
                edge.template.parts.iter().find(
                    |p| matches!(p, TemplatePart::Var { key_lower, .. } if key_lower == next),
                )
            else {
                continue;
            };
            let mode = if edge.mode == MatchMode::IgnoreCase {
                MatchMode::IgnoreCase
            } else {
                MatchMode::Exact
            };
            let spelled = Template {
                parts: vec![read.clone()],
            };
            let on = StrVar::Context {
                key: edge.owner.clone(),
                slot: 0,
            };
            let new = query.str_atom(on, StrPattern::Template(spelled, mode));
            others_single.push(premise.clone());
            lemmas.push(Term::implies(Term::and(others_single), new));
            made += 1;
        }
    }
    (lemmas, emptied)
}
