//! Keys a true template pins to finitely many values, before any value is guessed.
//!
//! A variable `x` the model makes equal to a literal `l` (a true glob atom without
//! wildcards) and a true template `T` on `x` reading only `key` (single-valued): the value
//! `v` of `key` satisfies `l ∈ T[v]`. A value's characters are literal where it is
//! substituted (`Template::resolve`), and folding maps one character to one, so `v` (folded,
//! when `T` ignores case) is a substring of `l`: a finite set `U`, found by trying every
//! substring (`cycle.rs`, `values_holding`). The lemma `x ~ l ∧ T ∧ key single → ⋁ key ~ u`
//! (`u ∈ U`; no `u` at all: the premise is false) is sound for every request and names atoms
//! only, one per (x, l, T): finitely many. Once learned the solver chooses the value among
//! `U`, so a lemma that later names the key's value names one of finitely many. Before, the
//! key's value came from the word equation of another string (`b/${team}a` on the resource
//! gave `/`, `3`, `b`, ...) and each broke `ForAllValues` tag key `cost*` like `${team}*`:
//! one lemma per guessed value, without end (`encodings/policy-variables.md`, "Session 9").

use super::context::ContextBuilder;
use crate::encode::{pattern_relation_lemmas, Atom, AtomId, MatchMode, StrPattern, StrVar, Term};
use crate::pattern::{Glob, Template};

/// Sets larger than this are left to the word equations (the disjunction would cost more
/// than it saves).
const MAX_FINITE_VALUES: usize = 64;

/// What the finite sets ask of a key's first value.
pub(super) enum Finite {
    /// Every set holds: the values the model already gives the key, as hints.
    Holds(Vec<String>),
    /// A set the model ignores: the lemma (with the relation lemmas of new atoms).
    Learn(Vec<Term>),
}

impl ContextBuilder<'_> {
    /// The finite sets the model's literals and true templates put on `key`'s first value.
    pub(super) fn finite_values(&mut self, key: &str) -> Finite {
        let mut hints = Vec::new();
        if !self.model_single(key) {
            return Finite::Holds(hints);
        }
        let mut pairs: Vec<(AtomId, String, AtomId, Template, MatchMode)> = Vec::new();
        for (var, ids) in &self.str_atoms {
            if matches!(var, StrVar::Context { key: k, .. } if k == key) {
                continue;
            }
            let mut literals = Vec::new();
            let mut templates = Vec::new();
            for &id in ids {
                if !self.a.atom(id) {
                    continue;
                }
                match &self.query.atoms[id] {
                    Atom::Str {
                        pattern: StrPattern::Glob(g),
                        ..
                    } => literals.extend(g.as_literal().map(|l| (id, l))),
                    Atom::Str {
                        pattern: StrPattern::Template(t, mode),
                        ..
                    } if t.variable_keys().any(|k| k == key)
                        && t.variable_keys().all(|k| k == key) =>
                    {
                        templates.push((id, t.clone(), *mode))
                    }
                    _ => {}
                }
            }
            for (lit_id, literal) in &literals {
                for (t_id, t, mode) in &templates {
                    pairs.push((*lit_id, literal.clone(), *t_id, t.clone(), *mode));
                }
            }
        }
        for (lit_id, literal, t_id, t, mode) in pairs {
            let Some(values) = self.values_holding(&t, mode, key, &literal) else {
                continue;
            };
            if values.len() > MAX_FINITE_VALUES {
                continue;
            }
            let glob = |u: &String| match mode {
                MatchMode::IgnoreCase => Glob::ignore_case(u),
                _ => Glob::literal(u),
            };
            let own = StrVar::Context {
                key: key.to_string(),
                slot: 0,
            };
            let held = values.iter().find(|u| {
                let atom = Atom::Str {
                    var: own.clone(),
                    pattern: StrPattern::Glob(glob(u)),
                };
                self.query.atom_id(&atom).is_some_and(|id| self.a.atom(id))
            });
            if let Some(u) = held {
                if !hints.contains(u) {
                    hints.push(u.clone());
                }
                continue;
            }
            let before = self.query.atoms.len();
            let one_of: Vec<Term> = values
                .iter()
                .map(|u| self.query.str_atom(own.clone(), StrPattern::Glob(glob(u))))
                .collect();
            let premise = Term::and(vec![
                Term::Atom(lit_id),
                Term::Atom(t_id),
                self.query.single_valued(key),
            ]);
            if std::env::var_os("KEYAKI_TRACE").is_some() {
                eprintln!(
                    "keyaki: {key} is one of {values:?} (`{literal}` in `{}`)",
                    t.display_text()
                );
            }
            let mut lemmas = pattern_relation_lemmas(self.query, before, None);
            lemmas.push(Term::implies(premise, Term::or(one_of)));
            return Finite::Learn(lemmas);
        }
        Finite::Holds(hints)
    }
}
