//! Templates of two keys the model ties together: `x = ${k}` makes `${x}` read `k`'s text.
//!
//! A true atom `x = ${k}` (Exact, Like or ARN: a value's characters are literal in the
//! pattern, `Template::resolve`) with both keys single-valued says that `x`'s value *is*
//! `k`'s. Every template reading `x` then reads the same text as that template with `x`
//! renamed `k`, so two templates on one string, `A` true and `C` false, with the renamed
//! `A` inside the renamed `C` for every value of `k` (the inclusion of `encode/lemmas/
//! symbolic.rs`, holes as symbols) cannot hold together. Refuted value by value, the
//! concretizer chose `k` and `x` equal, built the string from `A`, met `C`, and learned a
//! lemma naming the two values, one of infinitely many; this lemma names atoms only
//! (`team` like `${aws:username}`, resource `b/${aws:username}/*` true and
//! `b/${team, 'none'}/*` false: one lemma).

use super::context::ContextBuilder;
use crate::automata::is_subset;
use crate::encode::{one_variable_glob, Atom, AtomId, MatchMode, StrPattern, StrVar, Term};
use crate::pattern::{Template, TemplatePart};

impl ContextBuilder<'_> {
    /// A lemma for the first true template inside a false one on the same string once the
    /// keys tied by a true equality are renamed; `None` when there is none.
    pub(super) fn tied_template_conflict(&mut self) -> Option<Vec<Term>> {
        for (equality, tied, key) in self.equalities() {
            let Some((a, c)) = self.inclusion_under(&tied, &key) else {
                continue;
            };
            let mut literals = vec![
                Term::Atom(equality),
                self.query.single_valued(&tied),
                self.query.single_valued(&key),
                Term::Atom(a),
                Term::not(Term::Atom(c)),
            ];
            literals.dedup();
            return Some(vec![Term::not(Term::and(literals))]);
        }
        None
    }

    /// True atoms `tied = ${key}` compared exactly (Exact, Like, ARN) on `tied`'s first
    /// value, both keys single-valued in the model.
    fn equalities(&self) -> Vec<(AtomId, String, String)> {
        let mut out = Vec::new();
        for (var, ids) in &self.str_atoms {
            let StrVar::Context { key: tied, slot: 0 } = var else {
                continue;
            };
            for &id in ids {
                let Atom::Str {
                    pattern: StrPattern::Template(t, mode),
                    ..
                } = &self.query.atoms[id]
                else {
                    continue;
                };
                let [TemplatePart::Var { key_lower, .. }] = t.parts.as_slice() else {
                    continue;
                };
                if *mode != MatchMode::IgnoreCase
                    && key_lower != tied
                    && self.a.atom(id)
                    && self.model_single(tied)
                    && self.model_single(key_lower)
                {
                    out.push((id, tied.clone(), key_lower.clone()));
                }
            }
        }
        out
    }

    /// A true template `A` and a false one `C` on one string, each reading `tied` or `key`
    /// (at least one of them `tied`), with `A` inside `C` once `tied` reads as `key`.
    fn inclusion_under(&self, tied: &str, key: &str) -> Option<(AtomId, AtomId)> {
        for ids in self.str_atoms.values() {
            let renamed: Vec<(AtomId, bool, crate::pattern::Glob)> = ids
                .iter()
                .filter_map(|&id| match &self.query.atoms[id] {
                    Atom::Str {
                        pattern: StrPattern::Template(t, mode),
                        ..
                    } if t.variable_keys().any(|k| k == tied)
                        || t.variable_keys().any(|k| k == key) =>
                    {
                        let glob = one_variable_glob(&rename(t, tied, key), *mode, key)?;
                        Some((id, t.variable_keys().any(|k| k == tied), glob))
                    }
                    _ => None,
                })
                .collect();
            for (a, a_tied, a_glob) in &renamed {
                if !self.a.atom(*a) {
                    continue;
                }
                for (c, c_tied, c_glob) in &renamed {
                    if self.a.atom(*c) || !(*a_tied || *c_tied) {
                        continue;
                    }
                    if is_subset(a_glob, c_glob) {
                        return Some((*a, *c));
                    }
                }
            }
        }
        None
    }
}

/// `t` with every variable `tied` read as `key`.
fn rename(t: &Template, tied: &str, key: &str) -> Template {
    let parts = t
        .parts
        .iter()
        .map(|part| match part {
            TemplatePart::Var {
                key_lower, default, ..
            } if key_lower == tied => TemplatePart::Var {
                key: key.to_string(),
                key_lower: key.to_string(),
                default: default.clone(),
            },
            other => other.clone(),
        })
        .collect();
    Template { parts }
}
