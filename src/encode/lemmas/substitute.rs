//! Two templates on one string, read through an equality on a third: `k ~ R` (any mode)
//! ties `k`'s value to the text of `R`, so a template reading `k` reads `R`'s text there.
//!
//! On folded strings (`encodings/ignore-case-templates.md`, "Through an equality"): with
//! `k` single-valued, `k ~ R[u]` gives `fold(k) ∈ F_R[fold u]` (every mode: `F_R` is `R`
//! folded with every wildcard free, exact for Exact and IgnoreCase, a superset for Like and
//! ARN), and a string `s` in `A[k]` has `fold(s) ∈ F_A[fold k]`. Replacing `A`'s hole for
//! `k` by `F_R`'s tokens gives a glob holding `fold(s)` for every value of `k` the equality
//! admits (glob tokens mean the same wherever they stand). If the two readings, each with
//! `k` replaced, are disjoint for every value of the other holes, no request makes `k ~ R`,
//! `A` and `B` true together in that class: the lemma `¬(class ∧ E ∧ A ∧ B)`. If `A`'s
//! replaced reading lies inside `B`'s and `B`'s is exact (`B` ignore-case or without cased
//! literals, and reading `k` only when `E` compares exactly or ignoring case, so that `F_R`
//! is `fold(k)` itself), then `class ∧ E ∧ A → B`: transitivity of equality ignoring case
//! (`team = ${acct}`, `u = ${team}` give `u = ${acct}`) is one such lemma.
//!
//! `b/${team}a` and `b/${u}/*` on the resource with `team = ${u}` ignoring case: `b/v·a`
//! against `b/v/*` for the one folded value `v`, no common string (the word equation).

use super::beyond::{disjoint_always, folded, push_relation, Relation};
use super::readings::unbounded;
use super::symbolic::{class_terms, Side};
use crate::automata::is_subset;
use crate::encode::query::{Atom, AtomId, MatchMode, Query, StrPattern, StrVar};
use crate::encode::term::Term;
use crate::pattern::{Glob, Template, Token};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

/// Pairs whose templates and equality read more keys than this are left to the search.
const MAX_KEYS: usize = 3;

/// Equalities related per string variable at most (each is tried against every pair of
/// atoms on every other variable that reads its key).
const MAX_EQUALITIES: usize = 16;

/// An atom `k ~ R` on `k`'s first value, `R` a template that does not read `k`.
struct Equality {
    id: AtomId,
    key: String,
    side: Side,
}

/// Lemmas for every equality and every pair of atoms on another variable that reads its key.
pub(super) fn substitution_lemmas(query: &mut Query, deadline: Option<Instant>) -> Vec<Term> {
    let mut by_var: BTreeMap<StrVar, Vec<(AtomId, Side)>> = BTreeMap::new();
    let mut equalities = Vec::new();
    for (id, atom) in query.atoms.iter().enumerate() {
        let Atom::Str { var, pattern } = atom else {
            continue;
        };
        let side = match pattern {
            StrPattern::Glob(g) => Side::Glob(g.clone()),
            StrPattern::Template(t, mode) => Side::Template(t.clone(), *mode),
            StrPattern::IgnoreCase(text) => Side::Glob(Glob::ignore_case(text)),
        };
        if let (StrVar::Context { key, slot: 0 }, Side::Template(t, _)) = (var, &side) {
            if !t.variable_keys().any(|k| k == key) && equalities.len() < MAX_EQUALITIES {
                equalities.push(Equality {
                    id,
                    key: key.clone(),
                    side: side.clone(),
                });
            }
        }
        by_var.entry(var.clone()).or_default().push((id, side));
    }
    let mut lemmas = Vec::new();
    for equality in &equalities {
        for (var, atoms) in &by_var {
            if matches!(var, StrVar::Context { key, .. } if *key == equality.key) {
                continue;
            }
            let reads_key = |s: &Side| matches!(s, Side::Template(t, _) if reads(t, &equality.key));
            if !atoms.iter().any(|(_, s)| reads_key(s)) {
                continue;
            }
            for (i, a) in atoms.iter().enumerate() {
                for b in atoms.iter().skip(i + 1) {
                    if !(reads_key(&a.1) || reads_key(&b.1)) {
                        continue;
                    }
                    if deadline.is_some_and(|d| Instant::now() >= d) {
                        return lemmas;
                    }
                    relate_through(query, equality, (a, b), &mut lemmas);
                }
            }
        }
    }
    lemmas
}

fn reads(template: &Template, key: &str) -> bool {
    template.variable_keys().any(|k| k == key)
}

/// The lemmas for one pair through one equality, in every class where its key is single.
fn relate_through(
    query: &mut Query,
    equality: &Equality,
    ((a, side_a), (b, side_b)): (&(AtomId, Side), &(AtomId, Side)),
    out: &mut Vec<Term>,
) {
    let mut keys: Vec<String> = side_a.keys();
    keys.extend(side_b.keys());
    keys.extend(equality.side.keys());
    keys.push(equality.key.clone());
    keys.sort();
    keys.dedup();
    if keys.len() > MAX_KEYS {
        return;
    }
    let Some(k) = keys.iter().position(|x| *x == equality.key) else {
        return;
    };
    for mask in 0u32..(1 << keys.len()) {
        let single: BTreeSet<usize> = (0..keys.len()).filter(|i| mask & (1 << i) != 0).collect();
        if !single.contains(&k) {
            continue;
        }
        let Some(relation) = relation_through(equality, (side_a, side_b), &keys, &single, k) else {
            continue;
        };
        if relation.proves_anything() {
            let mut class = class_terms(query, &keys, &single);
            class.push(Term::Atom(equality.id));
            push_relation((Term::Atom(*a), Term::Atom(*b)), &class, relation, out);
        }
    }
}

/// What holds of the two sides' folded readings with `k`'s hole (number `k`) replaced by
/// the equality's folded reading, for every value of the other holes. `None`: a side has no
/// reading in this class (no claim).
fn relation_through(
    equality: &Equality,
    (side_a, side_b): (&Side, &Side),
    keys: &[String],
    single: &BTreeSet<usize>,
    k: usize,
) -> Option<Relation> {
    let hole = u8::try_from(k).ok()?;
    let Some(value) = folded(&equality.side, keys, single)? else {
        // The equality matches nothing in this class: other lemmas say so.
        return None;
    };
    let value = unbounded(&value.glob);
    let (Some(ra), Some(rb)) = (folded(side_a, keys, single)?, folded(side_b, keys, single)?)
    else {
        return None;
    };
    let (ga, gb) = (
        replace(&ra.glob, hole, &value),
        replace(&rb.glob, hole, &value),
    );
    if disjoint_always(&ga, &gb) {
        return Some(Relation::DISJOINT);
    }
    // `F_R` is `fold(k)` itself only for the equality operators (no wildcard in `R`).
    let equal = matches!(
        &equality.side,
        Side::Template(_, MatchMode::Exact | MatchMode::IgnoreCase)
    );
    let exact = |side: &Side, exact: bool| exact && (equal || !side.keys().contains(&keys[k]));
    Some(Relation {
        disjoint: false,
        a_in_b: exact(side_b, rb.exact) && is_subset(&ga, &gb),
        b_in_a: exact(side_a, ra.exact) && is_subset(&gb, &ga),
    })
}

/// `glob` with every `Hole(hole)` replaced by `value`'s tokens.
fn replace(glob: &Glob, hole: u8, value: &Glob) -> Glob {
    let mut tokens = Vec::with_capacity(glob.tokens().len() + value.tokens().len());
    for t in glob.tokens() {
        if *t == Token::Hole(hole) {
            tokens.extend_from_slice(value.tokens());
        } else {
            tokens.push(*t);
        }
    }
    Glob::from_tokens(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(text: &str, mode: MatchMode) -> Side {
        Side::Template(Template::parse(text, true).unwrap(), mode)
    }

    fn relation(equality: (&str, MatchMode), a: &Side, b: &Side) -> Relation {
        let equality = Equality {
            id: 0,
            key: "team".into(),
            side: template(equality.0, equality.1),
        };
        let keys = vec!["team".to_string(), "u".to_string()];
        relation_through(&equality, (a, b), &keys, &BTreeSet::from([0, 1]), 0).unwrap()
    }

    fn disjoint(equality: (&str, MatchMode), a: &Side, b: &Side) -> Option<bool> {
        Some(relation(equality, a, b).disjoint)
    }

    #[test]
    fn a_team_equal_to_the_user_cannot_sit_inside_the_users_folder() {
        let a = template("arn:aws:s3:::b/${team}a", MatchMode::Arn);
        let b = template("arn:aws:s3:::b/${u}/*", MatchMode::Arn);
        for mode in [MatchMode::IgnoreCase, MatchMode::Exact, MatchMode::Like] {
            assert_eq!(disjoint(("${u}", mode), &a, &b), Some(true));
        }
        // Only where the equality ties `team` to `u`: a team `u/x` does sit inside (the
        // resource `b/u/xa`), and so does a team like `${u}*`.
        assert_eq!(disjoint(("${u}/x", MatchMode::Exact), &a, &b), Some(false));
        assert_eq!(disjoint(("${u}*", MatchMode::Like), &a, &b), Some(false));
    }

    #[test]
    fn case_is_read_folded_on_both_sides() {
        // `team = ${u}-X` ignoring case and the resource `b/${team}` against `b/${u}-x`
        // exactly: `team = u-x` meets both; `team = ${u}-Y` never does.
        let a = template("b/${team}", MatchMode::Like);
        let b = template("b/${u}-x", MatchMode::Like);
        assert_eq!(
            disjoint(("${u}-X", MatchMode::IgnoreCase), &a, &b),
            Some(false)
        );
        assert_eq!(
            disjoint(("${u}-Y", MatchMode::IgnoreCase), &a, &b),
            Some(true)
        );
    }

    /// `team = ${u}` and `x = ${team}` give `x = ${u}` (ignoring case: folded equality is
    /// transitive), not conversely for Like, and never an exact `x = ${u}` from folding.
    #[test]
    fn equality_is_transitive_through_the_tied_key() {
        let x_team = template("${team}", MatchMode::IgnoreCase);
        let x_u = template("${u}", MatchMode::IgnoreCase);
        let both = Relation {
            disjoint: false,
            a_in_b: true,
            b_in_a: true,
        };
        for mode in [MatchMode::IgnoreCase, MatchMode::Exact] {
            assert_eq!(relation(("${u}", mode), &x_team, &x_u), both);
        }
        // `team like ${u}*`: `x = ${team}` does not give `x = ${u}` (team `u-1`), and
        // `x = ${u}` does not give `x = ${team}` (the Like reading of `team` is a superset).
        assert!(!relation(("${u}*", MatchMode::Like), &x_team, &x_u).proves_anything());
        // Exact `x = ${u}` is not implied by `x = ${team}` ignoring case (case variants).
        let exact_x_u = template("${u}", MatchMode::Exact);
        let r = relation(("${u}", MatchMode::Exact), &x_team, &exact_x_u);
        assert!(!r.a_in_b, "{r:?}");
        // The converse holds: `x = u` exactly and `team = u` give `x = team` ignoring case.
        assert!(r.b_in_a, "{r:?}");
    }
}
