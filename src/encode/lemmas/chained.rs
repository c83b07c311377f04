//! Two keys equal to one string: `o = ${a}` and `o = ${t}` (one of them ignoring case) make
//! `t` equal to `${a}`, in the weaker of the two modes.
//!
//! Both atoms are on `o`'s first value: with `a` and `t` single, `${a}` reads `a`'s value
//! (or `a`'s default, the same text in both places) and `${t}` reads `t`'s, which is `t`'s
//! first value; a value's characters are literal (`Template::resolve`), so a Like or ARN
//! reading is an exact one; folding maps one character to one and is the same on both
//! sides. So `t ≡ ${a}` ignoring case (exactly, when neither ignores case). `${t}` carries
//! no default (an empty `t` would read it; without one the template is unresolvable and
//! false). The atom made names `t`'s own value: the concretizer, choosing `a` first in a
//! cycle, then meets `t`'s globs too (owner equal to the account and, ignoring case, to the
//! team: the team's globs were met one account at a time).

use crate::encode::query::{Atom, MatchMode, Query, StrPattern, StrVar};
use crate::encode::term::Term;
use crate::pattern::{Template, TemplatePart};

/// `o = ${a} ∧ o ≡ ${t} ∧ a single ∧ t single → t ≡ ${a}`, for `t`'s first value already in
/// the query (a key with no atoms of its own gains nothing). The atom goes on the key read
/// ignoring case (either one when both are read alike), so the other is read only.
pub(super) fn chained_equality_lemmas(query: &mut Query) -> Vec<Term> {
    let reads: Vec<(usize, StrVar, LoneRead)> = query
        .atoms
        .iter()
        .enumerate()
        .filter_map(|(id, atom)| lone_read(atom).map(|(var, read)| (id, var.clone(), read)))
        .collect();
    let mut pairs = Vec::new();
    for (n, (i, var, left)) in reads.iter().enumerate() {
        for (j, other, right) in reads.iter().skip(n + 1) {
            // Only on a key with one value slot: on a multivalued key (`ForAnyValue` on
            // `aws:TagKeys`) the new atom gave the concretizer a cycle it refuted value by
            // value (the guard-rail finding `user_equal_to_team_against_tag_key_equal_to_
            // either_ignoring_case_is_decided`: 0.02 s -> the timeout). Fewer lemmas: sound.
            if other != var || left.key == right.key || !one_slot(query, var) {
                continue;
            }
            // The key read ignoring case gains the atom: the pair is (read, gains).
            if left.mode == MatchMode::IgnoreCase && right.mode != MatchMode::IgnoreCase {
                pairs.push(((*j, right.clone()), (*i, left.clone())));
            } else {
                pairs.push(((*i, left.clone()), (*j, right.clone())));
            }
        }
    }
    let mut lemmas = Vec::new();
    for ((read_id, read), (on_id, on)) in pairs {
        if on.default.is_some() {
            continue;
        }
        let on_var = StrVar::Context {
            key: on.key.clone(),
            slot: 0,
        };
        let has_atoms = query
            .atoms
            .iter()
            .any(|a| matches!(a, Atom::Str { var, .. } if *var == on_var));
        if !has_atoms {
            continue;
        }
        let exact = |m: MatchMode| m != MatchMode::IgnoreCase;
        let mode = if exact(read.mode) && exact(on.mode) {
            MatchMode::Exact
        } else {
            MatchMode::IgnoreCase
        };
        let template = Template {
            parts: vec![TemplatePart::Var {
                key: read.key.clone(),
                key_lower: read.key.clone(),
                default: read.default.clone(),
            }],
        };
        let chained = query.str_atom(on_var, StrPattern::Template(template, mode));
        let premise = Term::and([
            Term::Atom(read_id),
            Term::Atom(on_id),
            query.single_valued(&read.key),
            query.single_valued(&on.key),
        ]);
        lemmas.push(Term::implies(premise, chained));
    }
    lemmas
}

/// Whether the key of `var` has a single value slot in the query.
fn one_slot(query: &Query, var: &StrVar) -> bool {
    let StrVar::Context { key, .. } = var else {
        return false;
    };
    query.keys.get(key).is_some_and(|k| k.slots == 1)
}

/// A key read as a whole template on some key's first value.
#[derive(Clone)]
struct LoneRead {
    key: String,
    default: Option<String>,
    mode: MatchMode,
}

/// `var = ${key}` (any mode, with or without a default) on a key's first value.
fn lone_read(atom: &Atom) -> Option<(&StrVar, LoneRead)> {
    let Atom::Str {
        var: var @ StrVar::Context {
            key: owner,
            slot: 0,
        },
        pattern: StrPattern::Template(t, mode),
    } = atom
    else {
        return None;
    };
    let [TemplatePart::Var {
        key_lower, default, ..
    }] = t.parts.as_slice()
    else {
        return None;
    };
    (key_lower != owner).then(|| {
        (
            var,
            LoneRead {
                key: key_lower.clone(),
                default: default.clone(),
                mode: *mode,
            },
        )
    })
}
