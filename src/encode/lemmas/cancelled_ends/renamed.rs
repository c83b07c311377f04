//! A key equal to another reads the same text: `p = ${u}` (Exact, or Like: a value is
//! literal) with both single makes `p`'s value `u`'s, so every template reading `p` resolves
//! to the same text with `${u}` in its place, whatever string it is on and in any mode:
//! `E ∧ p single ∧ u single → (T ↔ T[p := u])`. Ignoring case (`p ≡ ${u}`) the two values
//! fold alike (folding maps one character to one), so only templates compared ignoring
//! case are renamed. (`team = ${prefix}${username}` and `team ≢ ${username}${prefix}` with
//! `prefix` like `${username}`: both become `${username}${username}`, the symbolic lemmas
//! relate them, and the pair passes; before, the concretizer refuted one team at a time.)

use crate::encode::query::{Atom, AtomId, MatchMode, Query, StrPattern, StrVar};
use crate::encode::term::Term;
use crate::pattern::{Template, TemplatePart};

/// New atoms made at most.
const MAX_NEW_ATOMS: usize = 16;

/// An atom `p ~ ${u}` on `p`'s first value: `p`, `u`, and whether it ignores case.
struct Equality {
    id: AtomId,
    key: String,
    read: String,
    ignore_case: bool,
}

fn equality(id: AtomId, atom: &Atom) -> Option<Equality> {
    let Atom::Str {
        var: StrVar::Context { key, slot: 0 },
        pattern: StrPattern::Template(t, mode),
    } = atom
    else {
        return None;
    };
    let [TemplatePart::Var { key_lower, .. }] = t.parts.as_slice() else {
        return None;
    };
    let ignore_case = match mode {
        MatchMode::Exact | MatchMode::Like => false,
        MatchMode::IgnoreCase => true,
        MatchMode::Arn => return None,
    };
    (key_lower != key).then(|| Equality {
        id,
        key: key.clone(),
        read: key_lower.clone(),
        ignore_case,
    })
}

/// `t` with every read of `from` reading `to` (the default kept: a single key is read, not
/// its default).
fn renamed(t: &Template, from: &str, to: &str) -> Template {
    let parts = t
        .parts
        .iter()
        .map(|part| match part {
            TemplatePart::Var {
                key_lower, default, ..
            } if key_lower == from => TemplatePart::Var {
                key: to.to_string(),
                key_lower: to.to_string(),
                default: default.clone(),
            },
            other => other.clone(),
        })
        .collect();
    Template { parts }
}

/// Lemmas renaming, in every template atom reading `p`, `p` to the key it equals.
pub(super) fn renamed_key_lemmas(query: &mut Query) -> Vec<Term> {
    let one_slot = |query: &Query, key: &str| query.keys.get(key).is_some_and(|k| k.slots == 1);
    let equalities: Vec<Equality> = query
        .atoms
        .iter()
        .enumerate()
        .filter_map(|(id, atom)| equality(id, atom))
        .filter(|e| one_slot(query, &e.key) && one_slot(query, &e.read))
        .collect();
    let readers: Vec<(AtomId, StrVar, Template, MatchMode)> = query
        .atoms
        .iter()
        .enumerate()
        .filter_map(|(id, atom)| match atom {
            Atom::Str {
                var,
                pattern: StrPattern::Template(t, mode),
            } => Some((id, var.clone(), t.clone(), *mode)),
            _ => None,
        })
        .collect();
    let mut lemmas = Vec::new();
    let mut made = 0usize;
    for e in &equalities {
        for (id, var, t, mode) in &readers {
            if made >= MAX_NEW_ATOMS {
                return lemmas;
            }
            if *id == e.id
                || (e.ignore_case && *mode != MatchMode::IgnoreCase)
                || !t.variable_keys().any(|k| k == e.key)
            {
                continue;
            }
            let new = query.str_atom(
                var.clone(),
                StrPattern::Template(renamed(t, &e.key, &e.read), *mode),
            );
            let premise = Term::and([
                Term::Atom(e.id),
                query.single_valued(&e.key),
                query.single_valued(&e.read),
            ]);
            lemmas.push(Term::implies(
                Term::and([premise.clone(), Term::Atom(*id)]),
                new.clone(),
            ));
            lemmas.push(Term::implies(Term::and([premise, new]), Term::Atom(*id)));
            made += 1;
        }
    }
    lemmas
}
