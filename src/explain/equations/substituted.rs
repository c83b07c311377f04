//! Two keys coupled across strings through a string equal to one of them, with case
//! folding (`encodings/policy-variables.md`, "Session 11 (words)").
//!
//! `p = ${t}` (exactly or ignoring case), a template `A` reading `t` and a template `B`
//! reading `u` on another string `s`, a template `C` reading `u` on `p`: folded, `s` lies in
//! `A` with `t` replaced by `C` (`automata::word_equation::substituted`), a template reading
//! only `u`, so `A∘C` and `B` on `s` are a one-variable word equation, decided exactly. No
//! solution: no request meets the atoms, a lemma naming atoms only (finitely many).

use super::super::context::ContextBuilder;
use crate::automata::word_equation::{common_string, substituted, Constraints, OneHole, Solution};
use crate::encode::{fold_glob, is_case_closed, one_variable_glob, AtomId, MatchMode};
use crate::encode::{StrPattern, StrVar, Term};
use crate::pattern::{Glob, TemplatePart};

/// Questions asked per model before giving up (each is one small word equation).
const MAX_QUESTIONS: usize = 32;

/// A true template reading one key once, folded: its atom, the key, the split.
type Holed = (AtomId, String, OneHole);

impl ContextBuilder<'_> {
    /// The lemma `¬(t single ∧ u single ∧ p = ${t} ∧ A ∧ B ∧ C [∧ s's globs])` for the first
    /// such atoms the model makes true whose folded equation has no solution.
    pub(in crate::explain) fn substituted_keys_conflict(&mut self) -> Option<Vec<Term>> {
        let vars: Vec<StrVar> = self.str_atoms.keys().cloned().collect();
        let mut asked = 0;
        for p in vars.iter().filter(|v| matches!(v, StrVar::Context { .. })) {
            let on_p = self.single_key_holes(p);
            for (equal, t) in self.whole_equalities(p) {
                for s in vars.iter().filter(|s| *s != p) {
                    let on_s = self.single_key_holes(s);
                    for (a, _, outer) in on_s.iter().filter(|(_, k, _)| *k == t) {
                        for (c, u, inner) in on_p.iter().filter(|(_, k, _)| *k != t) {
                            if !self.model_single(u) {
                                continue;
                            }
                            let joined = substituted(outer, inner);
                            for (b, _, other) in on_s.iter().filter(|(_, k, _)| k == u) {
                                asked += 1;
                                if asked > MAX_QUESTIONS {
                                    return None;
                                }
                                let Some(globs) = self.no_common_string(s, &joined, other) else {
                                    continue;
                                };
                                let mut literals =
                                    vec![self.query.single_valued(&t), self.query.single_valued(u)];
                                literals.extend([equal, *a, *b, *c].map(Term::Atom));
                                literals.extend(globs);
                                return Some(vec![Term::not(Term::and(literals))]);
                            }
                        }
                    }
                }
            }
        }
        None
    }

    /// `Some(literals of s's globs asked)` when no value and string meet `joined` and
    /// `other` (with none of `s`'s fixed globs, then with all of them, folded).
    fn no_common_string(&self, s: &StrVar, joined: &OneHole, other: &OneHole) -> Option<Vec<Term>> {
        let ask = |pos: &[&Glob], neg: &[&Glob]| {
            let text = Constraints {
                positive: pos,
                negative: neg,
            };
            common_string(joined, other, Constraints::default(), text)
        };
        let answer = ask(&[], &[]);
        if std::env::var_os("KEYAKI_TRACE").is_some() {
            eprintln!(
                "keyaki: substituted equation on {s:?} ({} and {}): {answer:?}",
                joined.with_value("${}"),
                other.with_value("${}")
            );
        }
        match answer {
            Solution::Empty => return Some(Vec::new()),
            Solution::TooLarge => return None,
            Solution::Found { .. } => {}
        }
        // Positive globs as folded supersets, negative ones only where folding is exact.
        let mut literals = Vec::new();
        let (mut pos, mut neg) = (Vec::new(), Vec::new());
        for (id, pattern) in self.str_atoms_on(s) {
            let StrPattern::Glob(g) = pattern else {
                continue;
            };
            if self.a.atom(id) {
                pos.push(fold_glob(g));
                literals.push(Term::Atom(id));
            } else if is_case_closed(g) {
                neg.push(fold_glob(g));
                literals.push(Term::not(Term::Atom(id)));
            }
        }
        if literals.is_empty() {
            return None;
        }
        let (pos, neg): (Vec<&Glob>, Vec<&Glob>) = (pos.iter().collect(), neg.iter().collect());
        (ask(&pos, &neg) == Solution::Empty).then_some(literals)
    }

    /// The true atoms `p ~ ${t}` (the whole string is the value: Exact or Like, a value's
    /// characters literal where substituted, or IgnoreCase, equal folded) with `t` single,
    /// and `t`. ARN mode is left out, as in `tied.rs`.
    fn whole_equalities(&self, p: &StrVar) -> Vec<(AtomId, String)> {
        self.str_atoms_on(p)
            .filter(|(id, _)| self.a.atom(*id))
            .filter_map(|(id, pattern)| match pattern {
                StrPattern::Template(t, mode) if *mode != MatchMode::Arn => {
                    match t.parts.as_slice() {
                        [TemplatePart::Var { key_lower, .. }] if self.model_single(key_lower) => {
                            Some((id, key_lower.clone()))
                        }
                        _ => None,
                    }
                }
                _ => None,
            })
            .collect()
    }

    /// The true templates on `var` reading exactly one key, once, folded: ignore-case ones
    /// exactly (their text is literal, read as Exact), others as a superset.
    fn single_key_holes(&self, var: &StrVar) -> Vec<Holed> {
        let mut out = Vec::new();
        for (id, pattern) in self.str_atoms_on(var) {
            let StrPattern::Template(t, mode) = pattern else {
                continue;
            };
            let mut keys = t.variable_keys();
            let (Some(key), None) = (keys.next(), keys.next()) else {
                continue;
            };
            if !self.a.atom(id) {
                continue;
            }
            let read = match mode {
                MatchMode::IgnoreCase => MatchMode::Exact,
                other => *other,
            };
            let Some(hole) = one_variable_glob(t, read, key).and_then(|g| OneHole::split(&g))
            else {
                continue;
            };
            let folded = OneHole {
                before: fold_glob(&hole.before),
                after: fold_glob(&hole.after),
                hole: hole.hole,
            };
            out.push((id, key.to_string(), folded));
        }
        out
    }
}
