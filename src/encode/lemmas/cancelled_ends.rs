//! Two templates on one string with the same ends (or none): cancel the ends, and when what is
//! left of one side is a lone `${x}`, the other side's rest becomes an atom on `x` itself.
//!
//! `s = A[v]` exactly (A Exact, or Like without wildcards in its text: a value's characters
//! are literal) and `B` on the same `s` (Exact, Like or IgnoreCase). Write `A = t1·A'·t2` and
//! `B = t1·B'·t2`, where `t1`, `t2` are the longest common ends: characters literal on both
//! sides and equal, or the same `${key, default}` (read the same text on both sides, whatever
//! the key holds). Then `B(s) ⇔ A'[v] ~ B'[v]` in B's mode: literal ends cancel on both sides
//! of a glob concatenation, and folding maps one character to one, so it cancels under
//! IgnoreCase too. When `A' = ${x}` and `x` is single, `A'[v]` is `x`'s first value, so
//! `A ∧ x single → (B ↔ x ~ B')`. When `B' = ${y}` (y single), `y`'s characters are literal in
//! B, so `B ⇔ y = A'[v]` (folded when B ignores case): `A ∧ y single → (B ↔ y ~ A')`.
//!
//! `dept = ${team}k` and `dept = ${username, 'd'}` make `username = ${team}k`, an atom the
//! baseline's `username ≡ ${team}K` (ignoring case) contains (the symbolic inclusion lemma
//! on `username`); `prefix = ${username}K` and `prefix` like `${team}K` make `username =
//! ${team}`. Without the atom the concretizer refuted the model one value of `team` at a time.

use crate::encode::query::{Atom, AtomId, MatchMode, Query, StrPattern, StrVar};
use crate::encode::term::Term;
use crate::pattern::{chars_to_string, fold_char, Glob, Template, TemplatePart};

/// New atoms made at most (each is related to the key's other atoms by the later lemmas).
const MAX_NEW_ATOMS: usize = 16;

/// One character or variable of a template, in order.
#[derive(Clone, PartialEq, Eq)]
enum Elem {
    /// A character; `escaped` when written `${*}` (never a wildcard).
    Char { c: char, escaped: bool },
    Var {
        key: String,
        default: Option<String>,
    },
}

fn elems(t: &Template) -> Vec<Elem> {
    let mut out = Vec::new();
    for part in &t.parts {
        match part {
            TemplatePart::Text(text) => {
                out.extend(text.chars().map(|c| Elem::Char { c, escaped: false }))
            }
            TemplatePart::Escaped(c) => out.push(Elem::Char {
                c: *c,
                escaped: true,
            }),
            TemplatePart::Var {
                key_lower, default, ..
            } => out.push(Elem::Var {
                key: key_lower.clone(),
                default: default.clone(),
            }),
        }
    }
    out
}

/// Whether the element reads literally in `mode` (Exact and IgnoreCase have no wildcards).
fn literal(e: &Elem, mode: MatchMode) -> bool {
    match e {
        Elem::Char { c, escaped } => {
            *escaped || mode != MatchMode::Like || (*c != '*' && *c != '?')
        }
        Elem::Var { .. } => true,
    }
}

/// The same element at the same place on both sides, literal on both.
fn cancels(a: &Elem, b: &Elem, mode_b: MatchMode) -> bool {
    match (a, b) {
        (Elem::Char { c: x, .. }, Elem::Char { c: y, .. }) => {
            let same =
                x == y || (mode_b == MatchMode::IgnoreCase && fold_char(*x) == fold_char(*y));
            same && literal(b, mode_b)
        }
        (Elem::Var { .. }, Elem::Var { .. }) => a == b,
        _ => false,
    }
}

/// The template spelled by `elems` (escaped characters stay escaped).
fn template(elems: &[Elem]) -> Template {
    let mut parts = Vec::new();
    let mut text = String::new();
    for e in elems {
        match e {
            Elem::Char { c, escaped: false } => text.push(*c),
            Elem::Char { c, escaped: true } => {
                if !text.is_empty() {
                    parts.push(TemplatePart::Text(std::mem::take(&mut text)));
                }
                parts.push(TemplatePart::Escaped(*c));
            }
            Elem::Var { key, default } => {
                if !text.is_empty() {
                    parts.push(TemplatePart::Text(std::mem::take(&mut text)));
                }
                parts.push(TemplatePart::Var {
                    key: key.clone(),
                    key_lower: key.clone(),
                    default: default.clone(),
                });
            }
        }
    }
    if !text.is_empty() {
        parts.push(TemplatePart::Text(text));
    }
    Template { parts }
}

/// The pattern `template` in `mode`, as the encoder writes it (no variables: a glob).
fn pattern(template: Template, mode: MatchMode) -> StrPattern {
    let Some(chars) = template.as_plain() else {
        return StrPattern::Template(template, mode);
    };
    let text = chars_to_string(&chars);
    StrPattern::Glob(match mode {
        MatchMode::Like => Glob::from_chars(&chars, false),
        MatchMode::Arn => Glob::from_chars(&chars, true),
        MatchMode::IgnoreCase => Glob::ignore_case(&text),
        MatchMode::Exact => Glob::literal(&text),
    })
}

/// A template atom: its variable, elements and mode.
struct Side {
    id: AtomId,
    var: StrVar,
    elems: Vec<Elem>,
    mode: MatchMode,
}

/// The query's template atoms that `keep` accepts, split into elements.
fn template_sides(query: &Query, keep: impl Fn(&Template, MatchMode) -> bool) -> Vec<Side> {
    query
        .atoms
        .iter()
        .enumerate()
        .filter_map(|(id, atom)| match atom {
            Atom::Str {
                var,
                pattern: StrPattern::Template(t, mode),
            } if keep(t, *mode) => Some(Side {
                id,
                var: var.clone(),
                elems: elems(t),
                mode: *mode,
            }),
            _ => None,
        })
        .collect()
}

/// `A` spells its string exactly: Exact, or Like with no wildcard in its text.
fn spells_exactly(side: &Side) -> bool {
    match side.mode {
        MatchMode::Exact => true,
        MatchMode::Like => side.elems.iter().all(|e| literal(e, MatchMode::Like)),
        MatchMode::Arn | MatchMode::IgnoreCase => false,
    }
}

/// The lone key of a rest, when the rest is exactly `${key}`.
fn lone(rest: &[Elem]) -> Option<&str> {
    match rest {
        [Elem::Var { key, .. }] => Some(key),
        _ => None,
    }
}

/// Lemmas for every pair of template atoms on one variable whose rests, after cancelling the
/// common ends, leave a lone key on one side.
pub(super) fn cancelled_end_lemmas(query: &mut Query) -> Vec<Term> {
    let sides = template_sides(query, |_, mode| mode != MatchMode::Arn);
    let mut lemmas = Vec::new();
    let mut made = 0usize;
    // Keys a lemma may make empty, with the atom saying so.
    let mut emptied: Vec<(String, Term)> = Vec::new();
    for a in sides.iter().filter(|s| spells_exactly(s)) {
        for b in &sides {
            if made >= MAX_NEW_ATOMS {
                break;
            }
            if a.id == b.id || a.var != b.var {
                continue;
            }
            // With no common end this is the plain transfer `s = ${x}`, `s ~ B` → `x ~ B`.
            let (rest_a, rest_b) = cancel_ends(&a.elems, &b.elems, b.mode);
            // `x ~ B'` in B's mode, and `y ~ A'` exactly (folded when B ignores case).
            let mut targets = Vec::new();
            if let Some(x) = lone(rest_a) {
                targets.push((x.to_string(), template(rest_b), b.mode));
            }
            if let Some(y) = lone(rest_b) {
                let mode = if b.mode == MatchMode::IgnoreCase {
                    MatchMode::IgnoreCase
                } else {
                    MatchMode::Exact
                };
                targets.push((y.to_string(), template(rest_a), mode));
            }
            let exact_or_folded = if b.mode == MatchMode::IgnoreCase {
                MatchMode::IgnoreCase
            } else {
                MatchMode::Exact
            };
            if ends_differ(rest_a, rest_b, b.mode) {
                // No string is in both: `¬(A ∧ B)`.
                lemmas.push(Term::not(Term::and([Term::Atom(a.id), Term::Atom(b.id)])));
                continue;
            }
            if let Some((key, rotations)) = conjugate(rest_a, rest_b, b.mode) {
                let on = StrVar::Context {
                    key: key.to_string(),
                    slot: 0,
                };
                if on != a.var && query.keys.get(key).is_some_and(|k| k.slots == 1) {
                    let single = query.single_valued(key);
                    let choices: Vec<Term> = rotations
                        .into_iter()
                        .map(|r| query.str_atom(on.clone(), pattern(template(&r), exact_or_folded)))
                        .collect();
                    lemmas.push(Term::implies(
                        Term::and([Term::Atom(a.id), Term::Atom(b.id), single]),
                        Term::or(choices),
                    ));
                    made += 1;
                }
            }
            for (key, rest, mode) in targets {
                let on = StrVar::Context {
                    key: key.clone(),
                    slot: 0,
                };
                // A key with more value slots gained cycles the concretizer refuted value by
                // value (see `chained.rs`); the atom on the same variable says nothing new.
                if on == a.var || query.keys.get(&key).is_none_or(|k| k.slots != 1) {
                    continue;
                }
                let empty = rest.parts.is_empty();
                let new = query.str_atom(on, pattern(rest, mode));
                if empty {
                    emptied.push((key.clone(), new.clone()));
                }
                let single = query.single_valued(&key);
                let premise = Term::and([Term::Atom(a.id), single]);
                lemmas.push(Term::implies(
                    Term::and([premise.clone(), Term::Atom(b.id)]),
                    new.clone(),
                ));
                lemmas.push(Term::implies(Term::and([premise, new]), Term::Atom(b.id)));
                made += 1;
            }
        }
    }
    // Cycles of templates adding no length make keys empty too (`length_cycles.rs`): made
    // here, before the template lemmas, so their atoms are related like these.
    let (tight, tight_emptied) = super::length_cycles::tight_cycle_lemmas(query);
    lemmas.extend(tight);
    emptied.extend(tight_emptied);
    for (key, empty) in emptied {
        lemmas.extend(without_empty_key(query, &key, &empty));
    }
    lemmas
}

/// A key whose value is empty reads nothing: `x single ∧ x ~ "" → (T ↔ T without ${x})` for
/// every template `T` reading `x` (any default: a single `x` is read, not its default). The
/// user name forced empty by `dept = ${username}${team}` and `dept ≡ ${team}` makes the first
/// `dept = ${team}`, the atom the baseline's equality is related to.
fn without_empty_key(query: &mut Query, key: &str, empty: &Term) -> Vec<Term> {
    let readers = template_sides(query, |t, _| t.variable_keys().any(|k| k == key));
    let mut lemmas = Vec::new();
    for Side {
        id,
        var,
        elems,
        mode,
    } in readers.into_iter().take(MAX_NEW_ATOMS)
    {
        let kept: Vec<Elem> = elems
            .into_iter()
            .filter(|e| !matches!(e, Elem::Var { key: k, .. } if k == key))
            .collect();
        // Only where the string itself is present: an atom on an absent slot is false, while
        // `without` may fold to true (`*${x}` without `x` is `*`).
        let present = string_present(query, &var);
        let without = query.str_atom(var, pattern(template(&kept), mode));
        let premise = Term::and([empty.clone(), query.single_valued(key), present]);
        lemmas.push(Term::implies(
            Term::and([premise.clone(), Term::Atom(id)]),
            without.clone(),
        ));
        lemmas.push(Term::implies(Term::and([premise, without]), Term::Atom(id)));
    }
    lemmas
}

/// The string a lemma speaks of is there: a context slot present; other variables always are.
fn string_present(query: &mut Query, var: &StrVar) -> Term {
    match var {
        StrVar::Context { key, slot } => query.present(key, *slot),
        _ => Term::tt(),
    }
}

/// Whether the rests cannot meet: a first (or last) character literal on both sides that
/// differs (folded, ignoring case), or one rest empty and the other holding a literal
/// character (every string the other side spells is then non-empty).
fn ends_differ(a: &[Elem], b: &[Elem], mode_b: MatchMode) -> bool {
    let chars_differ = |x: Option<&Elem>, y: Option<&Elem>| match (x, y) {
        (Some(x @ Elem::Char { .. }), Some(y @ Elem::Char { .. })) => {
            literal(y, mode_b) && !cancels(x, y, mode_b)
        }
        _ => false,
    };
    let mandatory = |rest: &[Elem], mode: MatchMode| {
        rest.iter()
            .any(|e| matches!(e, Elem::Char { .. }) && literal(e, mode))
    };
    chars_differ(a.first(), b.first())
        || chars_differ(a.last(), b.last())
        || (a.is_empty() && mandatory(b, mode_b))
        || (b.is_empty() && mandatory(a, MatchMode::Exact))
}

/// `x·y = y·w` (or `y·x = w·y`, either side first), `w` literal text: by Lyndon and
/// Schützenberger (`x·z = z·w'` iff `x = r·s`, `w' = s·r`, `z = (r·s)^k·r`), `x` is a rotation
/// of `w` (folded when B ignores case: folding is a morphism). The key `x` and the rotations.
fn conjugate<'e>(
    a: &'e [Elem],
    b: &'e [Elem],
    mode_b: MatchMode,
) -> Option<(&'e str, Vec<Vec<Elem>>)> {
    // The two keys on B's side (all of B' is then literal: values are) or on A's.
    conjugate_form(a, b, mode_b).or_else(|| conjugate_form(b, a, MatchMode::Exact))
}

/// `pair` is two keys; `other` is one of them and literal text (in `other_mode`).
fn conjugate_form<'e>(
    pair: &'e [Elem],
    other: &'e [Elem],
    other_mode: MatchMode,
) -> Option<(&'e str, Vec<Vec<Elem>>)> {
    let [p, q] = pair else {
        return None;
    };
    let (Elem::Var { key: first, .. }, Elem::Var { key: second, .. }) = (p, q) else {
        return None;
    };
    if first == second || other.len() < 2 || other.len() > MAX_ROTATED + 1 {
        return None;
    }
    let text = |rest: &[Elem]| {
        rest.iter()
            .all(|e| matches!(e, Elem::Char { .. }) && literal(e, other_mode))
    };
    // `x·y` against `y·w` (x = p), or `y·x` against `w·y` (x = q); y is read alike on both.
    let (x, w) = if other.first() == Some(q) && text(&other[1..]) {
        (first, &other[1..])
    } else if other.last() == Some(p) && text(&other[..other.len() - 1]) {
        (second, &other[..other.len() - 1])
    } else {
        return None;
    };
    let rotations = (0..w.len())
        .map(|i| w[i..].iter().chain(&w[..i]).cloned().collect())
        .collect();
    Some((x.as_str(), rotations))
}

/// Rotations of a literal text tried at most (one atom each).
const MAX_ROTATED: usize = 8;

/// The rests of `a` and `b` after their longest common ends (not overlapping).
fn cancel_ends<'e>(a: &'e [Elem], b: &'e [Elem], mode_b: MatchMode) -> (&'e [Elem], &'e [Elem]) {
    let head = a
        .iter()
        .zip(b)
        .take_while(|(x, y)| cancels(x, y, mode_b))
        .count();
    let (a, b) = (&a[head..], &b[head..]);
    let tail = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| cancels(x, y, mode_b))
        .count();
    (&a[..a.len() - tail], &b[..b.len() - tail])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(key: &str) -> Elem {
        Elem::Var {
            key: key.into(),
            default: None,
        }
    }

    fn ch(c: char) -> Elem {
        Elem::Char { c, escaped: false }
    }

    #[test]
    fn common_suffix_leaves_two_lone_keys() {
        let a = [var("u"), ch('K')];
        let b = [var("t"), ch('K')];
        let (ra, rb) = cancel_ends(&a, &b, MatchMode::Like);
        assert_eq!(lone(ra), Some("u"));
        assert_eq!(lone(rb), Some("t"));
    }

    #[test]
    fn a_wildcard_end_does_not_cancel() {
        let a = [var("u"), ch('*')];
        let b = [var("t"), ch('*')];
        let (ra, rb) = cancel_ends(&a, &b, MatchMode::Like);
        assert_eq!((ra.len(), rb.len()), (2, 2));
        let (ra, _) = cancel_ends(&a, &b, MatchMode::Exact);
        assert_eq!(ra.len(), 1);
    }

    #[test]
    fn different_defaults_do_not_cancel() {
        let a = [var("u"), var("t")];
        let b = [
            var("t"),
            Elem::Var {
                key: "t".into(),
                default: Some("d".into()),
            },
        ];
        let (ra, rb) = cancel_ends(&a, &b, MatchMode::Exact);
        assert_eq!((ra.len(), rb.len()), (2, 2));
    }

    #[test]
    fn a_key_before_another_against_it_before_text_is_a_rotation() {
        let a = [var("u"), var("p")];
        let b = [var("p"), ch('a'), ch('b')];
        let (x, rotations) = conjugate(&a, &b, MatchMode::Exact).expect("conjugate");
        assert_eq!(x, "u");
        assert!(rotations == vec![vec![ch('a'), ch('b')], vec![ch('b'), ch('a')]]);
        // Mirrored, and with the pair on B's side.
        let (text_first, keys) = ([ch('k'), var("p")], [var("p"), var("u")]);
        let (x, _) = conjugate(&text_first, &keys, MatchMode::Like).expect("mirrored");
        assert_eq!(x, "u");
        assert!(conjugate(&a, &[var("p"), ch('*')], MatchMode::Like).is_none());
    }

    #[test]
    fn differing_first_characters_are_disjoint() {
        let a = [ch('-'), ch('K')];
        let b = [ch(':'), var("t")];
        assert!(ends_differ(&a, &b, MatchMode::Exact));
        assert!(!ends_differ(&[ch('k')], &[ch('K')], MatchMode::IgnoreCase));
        assert!(!ends_differ(&[ch('k')], &[ch('?')], MatchMode::Like));
        assert!(ends_differ(&[], &[var("t"), ch('x')], MatchMode::Exact));
    }

    #[test]
    fn overlapping_ends_are_cancelled_once() {
        let a = [ch('a')];
        let b = [ch('a'), ch('a')];
        let (ra, rb) = cancel_ends(&a, &b, MatchMode::Exact);
        assert_eq!((ra.len(), rb.len()), (0, 1));
    }
}
