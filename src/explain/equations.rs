//! Values for a policy variable that two templates read at different offsets of one string.
//!
//! When a model wants two templates true on one variable, each reading the value of one
//! single-valued key once, the value and the string solve a one-variable word equation
//! (`a${v}` against `${v}a`: `v ∈ a*`). Guessing values one at a time may never end; the
//! exact procedure ([`common_string`]) either gives a value that works, or proves that none
//! does, and then the lemma it teaches names atoms only, not values: finitely many such
//! lemmas exist, so this refinement ends.

use super::concretize::Step;
use super::context::ContextBuilder;
use crate::automata::word_equation::{common_string, Constraints, OneHole, Solution};
use crate::automata::{witness, Witness};
use crate::encode::{one_variable_glob, AtomId, MatchMode, StrPattern, StrVar, Term};
use crate::pattern::{chars_to_string, Glob};
use std::collections::BTreeSet;

/// Text globs taken into one question (each adds to the size of what is explored).
const MAX_TEXT_GLOBS: usize = 8;

impl ContextBuilder<'_> {
    /// A value for `key` from a word equation in the model, or a lemma when it has none.
    ///
    /// Templates it cannot take (a false one, a value read twice) are left out: that asks
    /// less, so "no value" stays a proof, and a value found is only a candidate that the
    /// caller checks against every atom. `hints` (readable values) are tried first.
    pub(super) fn word_equation(&mut self, key: &str, hints: &[String]) -> Option<Step<String>> {
        let own = StrVar::Context {
            key: key.to_string(),
            slot: 0,
        };
        let (value_pos, value_neg, _) = self.fixed_sides(&own, key)?;
        let vars: Vec<StrVar> = self.str_atoms.keys().cloned().collect();
        for var in vars.iter().filter(|v| **v != own) {
            let mut templates: Vec<(AtomId, OneHole)> = Vec::new();
            for (id, pattern) in self.str_atoms_on(var) {
                let StrPattern::Template(t, mode) = pattern else {
                    continue;
                };
                if !t.variable_keys().any(|k| k == key) {
                    continue;
                }
                let hole = one_variable_glob(t, *mode, key).and_then(|g| OneHole::split(&g));
                if let Some(h) = hole.filter(|_| self.a.atom(id)) {
                    templates.push((id, h));
                }
            }
            if templates.is_empty() {
                continue;
            }
            let Some((text_pos, text_neg, read)) = self.fixed_sides(var, key) else {
                continue;
            };
            if text_pos.len() + text_neg.len() > MAX_TEXT_GLOBS {
                continue;
            }
            // One template: the equation `s = α·u·β` (asked as the template against itself).
            let (a, b) = (&templates[0], templates.get(1).unwrap_or(&templates[0]));
            let (vp, vn, tp, tn) = (
                refs(&value_pos),
                refs(&value_neg),
                refs(&text_pos),
                refs(&text_neg),
            );
            let value = Constraints {
                positive: &vp,
                negative: &vn,
            };
            let text = Constraints {
                positive: &tp,
                negative: &tn,
            };
            for hint in hints {
                let (ga, gb) = (a.1.with_value(hint), b.1.with_value(hint));
                let mut positive = vec![&ga, &gb];
                positive.extend(tp.iter().copied());
                if value.positive.iter().all(|g| g.matches(hint))
                    && !value.negative.iter().any(|g| g.matches(hint))
                    && matches!(witness(&positive, &tn), Witness::Found(_))
                {
                    return Some(Step::Done(hint.clone()));
                }
            }
            let solution = common_string(&a.1, &b.1, value, text);
            if std::env::var_os("KEYAKI_TRACE").is_some() {
                eprintln!(
                    "keyaki: word equation for {key} on {var} ({} and {}, {} value and {} text patterns): {solution:?}",
                    a.1.with_value("${}"),
                    b.1.with_value("${}"),
                    vp.len() + vn.len(),
                    tp.len() + tn.len()
                );
            }
            match solution {
                Solution::Found { value, .. } => return Some(Step::Done(value)),
                Solution::Empty => {
                    // For every value of `key`: these atoms cannot hold together with the key
                    // single (and the other keys the resolved templates read as they are).
                    let mut literals = vec![self.query.single_valued(key)];
                    literals.extend([Term::Atom(a.0), Term::Atom(b.0)]);
                    for (id, _) in value_pos.iter().chain(&text_pos) {
                        literals.push(Term::Atom(*id));
                    }
                    for (id, _) in value_neg.iter().chain(&text_neg) {
                        literals.push(Term::not(Term::Atom(*id)));
                    }
                    for other in read {
                        literals.push(self.key_as_chosen(&other));
                    }
                    return Some(Step::Learn(vec![Term::not(Term::and(literals))]));
                }
                Solution::TooLarge => {}
            }
        }
        None
    }

    /// The fixed globs the model wants true and false on `var`, templates that do not read
    /// `key` resolved with the values chosen so far, and the keys those read. Patterns the
    /// word equation does not take (ignore-case texts, templates waiting on a key not chosen
    /// yet) are left out: the question asks less, so "no value" stays a proof.
    #[allow(clippy::type_complexity)]
    fn fixed_sides(
        &self,
        var: &StrVar,
        key: &str,
    ) -> Option<(Vec<(AtomId, Glob)>, Vec<(AtomId, Glob)>, BTreeSet<String>)> {
        let (mut pos, mut neg, mut read) = (Vec::new(), Vec::new(), BTreeSet::new());
        for (id, pattern) in self.str_atoms_on(var) {
            let glob = match pattern {
                StrPattern::Glob(g) => g.clone(),
                // Left out (asking less keeps "no value" a proof): ignore-case texts.
                StrPattern::IgnoreCase(_) => continue,
                StrPattern::Template(t, _) if t.variable_keys().any(|k| k == key) => continue,
                StrPattern::Template(t, mode) => {
                    let mut chosen = true;
                    let resolved = t.resolve(|k| match self.values.get(k) {
                        Some(vals) if vals.len() == 1 => Some(vals[0].clone()),
                        Some(_) => None,
                        None => {
                            chosen &= !self.query.keys.contains_key(k);
                            None
                        }
                    });
                    match (chosen, resolved) {
                        (true, Some(chars)) => {
                            read.extend(t.variable_keys().map(str::to_string));
                            match mode {
                                MatchMode::Exact => Glob::literal(&chars_to_string(&chars)),
                                MatchMode::IgnoreCase => {
                                    Glob::ignore_case(&chars_to_string(&chars))
                                }
                                MatchMode::Like => Glob::from_chars(&chars, false),
                                MatchMode::Arn => Glob::from_chars(&chars, true),
                            }
                        }
                        // Matches nothing, or waits on a key not chosen yet: left out.
                        _ => continue,
                    }
                }
            };
            if self.a.atom(id) {
                pos.push((id, glob));
            } else {
                neg.push((id, glob));
            }
        }
        Some((pos, neg, read))
    }

    /// The chosen values of `key` as a formula (as `witness_or_learn` names them).
    fn key_as_chosen(&mut self, key: &str) -> Term {
        match self.values.get(key).cloned().as_deref() {
            Some([value]) => {
                let is = self.query.str_atom(
                    StrVar::Context {
                        key: key.to_string(),
                        slot: 0,
                    },
                    StrPattern::Glob(Glob::literal(value)),
                );
                if self.query.keys.get(key).is_some_and(|k| k.slots > 1) {
                    Term::and([is, Term::not(self.query.present(key, 1))])
                } else {
                    is
                }
            }
            Some([]) | None => Term::not(self.query.present(key, 0)),
            Some(_) => self.query.present(key, 1),
        }
    }
}

fn refs(side: &[(AtomId, Glob)]) -> Vec<&Glob> {
    side.iter().map(|(_, g)| g).collect()
}
