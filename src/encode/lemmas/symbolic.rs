//! Relations between templates that hold for every value of their variables.
//!
//! Per class of the keys a pair reads (each key single-valued or not), each template becomes
//! a glob: a single-valued key's variable is a [`Token::Hole`] (a symbol only a free `*` or
//! the same hole takes), any other key's variable its default text, or the template matches
//! nothing. If the first glob's language lies inside the second's, then for every value of
//! those keys the first template's language lies inside the second's (the hole is replaced
//! by the value in both; see `encodings/policy-variables.md`), which gives the lemma
//! `class ∧ first → second` with no refinement at all. Without holes the globs are exact, so
//! disjointness is kept too.

use super::readings::{holes_in_bounded_segments, read_template, Layout};
use crate::automata::word_equation::{common_string, Constraints, OneHole, Solution};
use crate::automata::{is_disjoint, is_subset};
use crate::encode::query::{Atom, AtomId, MatchMode, Query, StrPattern, StrVar};
use crate::encode::term::Term;
use crate::pattern::{fold_char, Glob, Template, TemplatePart, Token};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

/// Pairs reading more keys than this are left to the search (2^keys classes each).
const MAX_KEYS: usize = 3;

#[derive(Clone)]
pub(super) enum Side {
    Template(Template, MatchMode),
    Glob(Glob),
}

impl Side {
    pub(super) fn keys(&self) -> Vec<String> {
        match self {
            Side::Template(t, _) => t.variable_keys().map(str::to_string).collect(),
            Side::Glob(_) => vec![],
        }
    }

    /// `None`: no sound glob for this class (skip the pair); `Some(None)`: matches nothing.
    fn glob(&self, keys: &[String], single: &BTreeSet<usize>) -> Option<Option<Glob>> {
        match self {
            Side::Glob(g) => Some(Some(g.clone())),
            Side::Template(t, mode) => symbolic_glob(t, *mode, keys, single),
        }
    }
}

/// The template as a glob for one class of its keys (see the module comment): `None` for
/// ignore-case templates (they relate values up to case: `beyond.rs` reads them folded) and
/// for holes in an ARN's first five segments (a value's colons move segment bounds).
fn symbolic_glob(
    template: &Template,
    mode: MatchMode,
    keys: &[String],
    single: &BTreeSet<usize>,
) -> Option<Option<Glob>> {
    if mode == MatchMode::IgnoreCase {
        return None;
    }
    let glob = read_template(template, mode, keys, single, Layout::Own)?;
    if glob
        .as_ref()
        .is_some_and(|g| !holes_in_bounded_segments(g, Some(mode)).is_empty())
    {
        return None;
    }
    Some(glob)
}

/// A template reading only `key`, as a glob with that key's value as hole 0 (the key
/// single-valued); `None` when no sound hole reading exists (ignore-case, a hole inside an
/// ARN's first five segments, another key).
pub fn one_variable_glob(template: &Template, mode: MatchMode, key: &str) -> Option<Glob> {
    if template.variable_keys().any(|k| k != key) {
        return None;
    }
    symbolic_glob(template, mode, &[key.to_string()], &BTreeSet::from([0]))?
}

/// Lemmas relating each template atom to every other string atom on its variable.
pub(super) fn symbolic_template_lemmas(query: &mut Query, deadline: Option<Instant>) -> Vec<Term> {
    let mut by_var: BTreeMap<StrVar, Vec<(AtomId, Side)>> = BTreeMap::new();
    for (id, atom) in query.atoms.iter().enumerate() {
        let Atom::Str { var, pattern } = atom else {
            continue;
        };
        let side = match pattern {
            StrPattern::Glob(g) => Side::Glob(g.clone()),
            StrPattern::Template(t, mode) => Side::Template(t.clone(), *mode),
            StrPattern::IgnoreCase(text) => Side::Glob(Glob::ignore_case(text)),
        };
        by_var.entry(var.clone()).or_default().push((id, side));
    }
    let mut lemmas = Vec::new();
    for atoms in by_var.values() {
        if !atoms.iter().any(|(_, s)| matches!(s, Side::Template(..))) {
            continue;
        }
        for (i, (a, side_a)) in atoms.iter().enumerate() {
            for (b, side_b) in atoms.iter().skip(i + 1) {
                if matches!((side_a, side_b), (Side::Glob(_), Side::Glob(_))) {
                    continue;
                }
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    return lemmas;
                }
                relate_pair(query, (*a, side_a), (*b, side_b), &mut lemmas);
            }
        }
    }
    lemmas
}

fn relate_pair(query: &mut Query, a: (AtomId, &Side), b: (AtomId, &Side), out: &mut Vec<Term>) {
    let mut keys: Vec<String> = a.1.keys();
    keys.extend(b.1.keys());
    keys.sort();
    keys.dedup();
    if keys.len() > MAX_KEYS {
        return;
    }
    for mask in 0u32..(1 << keys.len()) {
        let single: BTreeSet<usize> = (0..keys.len()).filter(|i| mask & (1 << i) != 0).collect();
        if same_in_class(a.1, b.1, &keys, &single) {
            // One text for every value (`${t}` and `${t, 'eng'}` with `t` single), whatever
            // the segments the value lands in: the atoms agree.
            let class = class_terms(query, &keys, &single);
            let (ta, tb) = (Term::Atom(a.0), Term::Atom(b.0));
            out.push(Term::implies(
                Term::and(class.iter().cloned().chain([ta.clone()])),
                tb.clone(),
            ));
            out.push(Term::implies(Term::and(class.into_iter().chain([tb])), ta));
            continue;
        }
        let (Some(ga), Some(gb)) = (a.1.glob(&keys, &single), b.1.glob(&keys, &single)) else {
            // Ignore-case templates, holes in an ARN's first five segments.
            super::beyond::relate_in_class(query, (a, b), &keys, &single, out);
            continue;
        };
        let (Some(ga), Some(gb)) = (ga, gb) else {
            // A side that matches nothing in this class: the other lemmas say so.
            continue;
        };
        let class = class_terms(query, &keys, &single);
        let (ta, tb) = (Term::Atom(a.0), Term::Atom(b.0));
        let holes = |g: &Glob| g.tokens().iter().any(|t| matches!(t, Token::Hole(_)));
        let disjoint = if holes(&ga) || holes(&gb) {
            disjoint_for_every_value(&ga, &gb)
        } else {
            is_disjoint(&ga, &gb)
        };
        if disjoint {
            out.push(Term::not(Term::and(
                class.iter().cloned().chain([ta.clone(), tb.clone()]),
            )));
            continue;
        }
        // A value filling a segment of one side that the other fixes (`pins.rs`).
        super::pins::push_pins(query, (a, &ga), (b.0, &gb), &keys, &class, out);
        super::pins::push_pins(query, (b, &gb), (a.0, &ga), &keys, &class, out);
        if is_subset(&ga, &gb) {
            out.push(Term::implies(
                Term::and(class.iter().cloned().chain([ta.clone()])),
                tb.clone(),
            ));
        }
        if is_subset(&gb, &ga) {
            out.push(Term::implies(
                Term::and(class.iter().cloned().chain([tb])),
                ta,
            ));
        }
    }
}

/// The class `single` of `keys` as literals (each key single-valued or not).
pub(super) fn class_terms(
    query: &mut Query,
    keys: &[String],
    single: &BTreeSet<usize>,
) -> Vec<Term> {
    keys.iter()
        .enumerate()
        .map(|(i, k)| {
            let s = query.single_valued(k);
            if single.contains(&i) {
                s
            } else {
                Term::not(s)
            }
        })
        .collect()
}

/// One character of a template read in a class: text (a wildcard in Like/ARN mode), a
/// literal, or a single-valued key's value.
#[derive(PartialEq, Eq)]
enum Read {
    Wild(char),
    Lit(char),
    Value(usize),
}

/// Two templates in one mode that read as the same sequence in this class: the same
/// pattern for every value of the keys.
fn same_in_class(a: &Side, b: &Side, keys: &[String], single: &BTreeSet<usize>) -> bool {
    let (Side::Template(ta, ma), Side::Template(tb, mb)) = (a, b) else {
        return false;
    };
    if ma != mb {
        return false;
    }
    let wild = matches!(ma, MatchMode::Like | MatchMode::Arn);
    // Ignoring case, text is compared folded (one fold function, shared with the evaluator).
    let lit = |c: char| {
        Read::Lit(if *ma == MatchMode::IgnoreCase {
            fold_char(c)
        } else {
            c
        })
    };
    let read = |t: &Template| -> Option<Vec<Read>> {
        let mut out = Vec::new();
        for part in &t.parts {
            match part {
                TemplatePart::Text(text) => out.extend(text.chars().map(|c| match c {
                    '*' | '?' if wild => Read::Wild(c),
                    c => lit(c),
                })),
                TemplatePart::Escaped(c) => out.push(lit(*c)),
                TemplatePart::Var {
                    key_lower, default, ..
                } => {
                    let index = keys.iter().position(|k| k == key_lower)?;
                    if single.contains(&index) {
                        out.push(Read::Value(index));
                    } else {
                        out.extend(default.as_ref()?.chars().map(lit));
                    }
                }
            }
        }
        Some(out)
    };
    matches!((read(ta), read(tb)), (Some(x), Some(y)) if x == y)
}

/// Proves `A[u] ∩ B[u] = ∅` for every value `u` of the holes, from parts that do not depend
/// on the values: ARN segments before the free last one that are disjoint, or lengths that
/// cannot agree. With each hole occurring equally often in both, `|A[u]| = a + k·|u|` and
/// `|B[u]| = b + k·|u|`, so the values' lengths cancel and `a = b` is needed; if the ranges
/// of `a` and `b` (the text around the holes) do not meet, no string is in both. This
/// decides the common "same variable at two offsets" pairs (`user/${u}` against
/// `user/*/${u}`); everything else is left to the search.
pub(super) fn disjoint_for_every_value(a: &Glob, b: &Glob) -> bool {
    if let Some(exact) = one_hole_disjoint(a, b) {
        return exact;
    }
    if let (Some(sa), Some(sb)) = (value_free_split(a), value_free_split(b)) {
        for (x, y) in sa.iter().zip(&sb).take(5) {
            if is_disjoint(x, y) {
                return true;
            }
        }
        if let (Some(x), Some(y)) = (sa.last(), sb.last()) {
            return lengths_apart(x.tokens(), y.tokens());
        }
    }
    lengths_apart(a.tokens(), b.tokens())
}

/// Exact for one variable read once on each side (or on one side only), `None` otherwise.
///
/// ARN-shaped globs first split at their first five colons (holes sit in the last part, so
/// the split does not depend on the value): disjoint first parts settle it, else the last
/// parts decide. Then: with a hole on one side only, `α·u·β` meets the fixed glob `G` for
/// some `u` exactly when `α*β` (the hole read as a free star) meets `G`; with the same hole
/// once on each side, it is the one-variable word equation `α·u·β = γ·u·δ`, decided by
/// [`common_string`] (see `encodings/policy-variables.md`).
fn one_hole_disjoint(a: &Glob, b: &Glob) -> Option<bool> {
    let (a, b) = match (value_free_split(a), value_free_split(b)) {
        (Some(sa), Some(sb)) => {
            for (x, y) in sa.iter().zip(&sb).take(5) {
                if is_disjoint(x, y) {
                    return Some(true);
                }
            }
            (sa.last()?.clone(), sb.last()?.clone())
        }
        _ => (a.clone(), b.clone()),
    };
    let holes = |g: &Glob| {
        g.tokens()
            .iter()
            .filter(|t| matches!(t, Token::Hole(_)))
            .count()
    };
    let as_star = |h: &OneHole| {
        let mut tokens = h.before.tokens().to_vec();
        tokens.push(Token::AnyStr);
        tokens.extend_from_slice(h.after.tokens());
        Glob::from_tokens(tokens)
    };
    match (holes(&a), holes(&b)) {
        (1, 0) => Some(is_disjoint(&as_star(&OneHole::split(&a)?), &b)),
        (0, 1) => Some(is_disjoint(&a, &as_star(&OneHole::split(&b)?))),
        (1, 1) => {
            let (ha, hb) = (OneHole::split(&a)?, OneHole::split(&b)?);
            if ha.hole != hb.hole {
                return None;
            }
            match common_string(&ha, &hb, Constraints::default(), Constraints::default()) {
                Solution::Empty => Some(true),
                Solution::Found { .. } => Some(false),
                Solution::TooLarge => None,
            }
        }
        _ => None,
    }
}

/// An ARN-shaped glob's six parts when every hole sits in the last one: only then does the
/// split at the first five colons not depend on the values (a value with colons read in an
/// earlier part moves the bounds; a Like pattern `a:b:c:d:${u}:f` holds `a:b:c:d:x:y:f`).
fn value_free_split(glob: &Glob) -> Option<Vec<Glob>> {
    let parts = super::arn_segments(glob)?;
    let holes = |g: &Glob| g.tokens().iter().any(|t| matches!(t, Token::Hole(_)));
    (!parts[..5].iter().any(holes)).then_some(parts)
}

/// The holes occur equally often in both, and the lengths of the rest cannot be equal.
fn lengths_apart(a: &[Token], b: &[Token]) -> bool {
    let holes = |tokens: &[Token]| {
        let mut counts = BTreeMap::new();
        for t in tokens {
            if let Token::Hole(n) = t {
                *counts.entry(*n).or_insert(0usize) += 1;
            }
        }
        counts
    };
    if holes(a) != holes(b) {
        return false;
    }
    let range = |tokens: &[Token]| {
        let fixed = tokens
            .iter()
            .filter(|t| !t.is_star() && !matches!(t, Token::Hole(_)))
            .count();
        let unbounded = tokens.iter().any(|t| t.is_star());
        (fixed, (!unbounded).then_some(fixed))
    };
    let ((min_a, max_a), (min_b, max_b)) = (range(a), range(b));
    max_a.is_some_and(|m| m < min_b) || max_b.is_some_and(|m| m < min_a)
}
