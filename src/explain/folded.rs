//! Ignore-case templates in the word equation, asked on folded strings.
//!
//! `env = ${u}a` ignoring case beside `env` like `[Aa]*`: the exact word equation reads a
//! value as an exact symbol, so an ignore-case template had no hole reading there and `u`
//! was chosen without it, then refuted by name one value per round. Folding maps one
//! character to one (`pattern::fold_case`), so `s = T[u]` ignoring case is
//! `fold(s) = F_T[fold u]` with `F_T` the template folded (exact), and every other pattern
//! `P` on `s` has `s ∈ P ⇒ fold(s) ∈ fold(P)` (a superset; exact when `P` has no cased
//! literal). The question asked here is the word equation on the folded string and folded
//! value: true templates and globs as their folded supersets, false ones only where the
//! folded reading is exact (ignore-case templates with every other key chosen, case-closed
//! globs). Every request that meets the atoms asked gives a solution (`fold u`, `fold s`),
//! so "no solution" is a proof and its lemma names atoms only; a value found is a candidate
//! the caller checks against every atom. Argued in `encodings/ignore-case-templates.md`,
//! "Session 10".

use super::concretize::Step;
use super::context::ContextBuilder;
use super::equations::{Reason, Sided};
use crate::automata::word_equation::{common_string_avoiding, Constraints, OneHole, Solution};
use crate::automata::{witness, Witness};
use crate::encode::{fold_glob, is_case_closed, AtomId, MatchMode, StrPattern, StrVar, Term};
use crate::pattern::{fold_case, fold_char, Glob, TemplatePart};
use std::collections::BTreeSet;

/// Rounds of adding one broken glob to the question (each adds one; past this, no answer).
const MAX_ROUNDS: usize = 12;

/// What the folded equation gives the usual one.
pub(super) enum FoldedAnswer {
    Step(Step<String>),
    /// A value that meets the folded question, to try first.
    Hint(String),
}

/// A template read folded, with its atom and what a lemma must name with it.
type Folded = (AtomId, OneHole, BTreeSet<Reason>);

impl ContextBuilder<'_> {
    /// A value for `key` from the folded word equation of a string that holds a true
    /// ignore-case template reading `key` once with text around it, or a lemma naming atoms
    /// when no value fits. `None`: no such string, or undecided (the caller goes on as
    /// before). A value found is the answer when no other string reads `key` through a
    /// case-sensitive template, else the usual equation's first hint (it relates those).
    pub(super) fn folded_equation(&mut self, key: &str, hints: &[String]) -> Option<FoldedAnswer> {
        let own = StrVar::Context {
            key: key.to_string(),
            slot: 0,
        };
        let vars: Vec<StrVar> = self.str_atoms.keys().cloned().collect();
        let mut found = None;
        let mut sensitive_elsewhere = false;
        for var in vars.iter().filter(|v| **v != own) {
            if super::deadline::passed() {
                let reason = "the check's deadline passed".to_string();
                return Some(FoldedAnswer::Step(Step::GiveUp(reason)));
            }
            let templates = self.folded_templates(var, key, true);
            if templates.is_empty() {
                sensitive_elsewhere |= self.str_atoms_on(var).any(|(id, p)| {
                    matches!(p, StrPattern::Template(t, mode)
                        if *mode != MatchMode::IgnoreCase
                            && self.a.atom(id)
                            && t.variable_keys().any(|k| k == key))
                });
                continue;
            }
            // Templates waiting on keys not chosen yet are left out or read through their
            // keys' globs (supersets): this asks less. It waits only on keys the model
            // makes absent or many-valued (chosen at once, never a cycle), whose templates
            // read their defaults, text the question should hold.
            if !self.deferred.contains(key) && self.waits_on_defaults(var, key) {
                return Some(FoldedAnswer::Step(Step::Blocked));
            }
            let text = self.fixed_sides(var, key);
            let value = self.fixed_sides(&own, key);
            let pair: Vec<Folded> = templates.into_iter().map(|(f, _)| f).take(2).collect();
            let avoid: Vec<Folded> = self
                .folded_templates(var, key, false)
                .into_iter()
                .filter(|(_, ignore_case)| *ignore_case)
                .map(|(f, _)| f)
                .filter(|(_, _, reasons)| {
                    !reasons
                        .iter()
                        .any(|r| matches!(r, Reason::Approximated(..)))
                })
                .collect();
            let question = Question {
                pair: (&pair[0], pair.get(1).unwrap_or(&pair[0])),
                avoid: &avoid,
                value: (folded_pos(&value.pos), folded_neg(&value.neg)),
                text: (folded_pos(&text.pos), folded_neg(&text.neg)),
                fresh: self.fresh_character().map(fold_char),
            };
            if let Some(hint) = hints.iter().find(|h| {
                let v = fold_case(h);
                value_ok(&value.pos, &value.neg, h) && question.meets(&v).is_some()
            }) {
                found = found.or(Some(hint.clone()));
                continue;
            }
            match question.solve() {
                Answer::Found(v) => {
                    // A case variant of the folded value meeting the key's own globs.
                    let mut positive = vec![Glob::ignore_case(&v)];
                    positive.extend(value.pos.iter().map(|(_, g)| g.clone()));
                    let positive: Vec<&Glob> = positive.iter().collect();
                    let negative: Vec<&Glob> = value.neg.iter().map(|(_, g)| g).collect();
                    let u = match witness(&positive, &negative) {
                        Witness::Found(u) => u,
                        _ => v,
                    };
                    found = found.or(Some(u));
                }
                Answer::Empty(asked) => {
                    let mut reasons: BTreeSet<Reason> = BTreeSet::new();
                    let mut literals = vec![self.query.single_valued(key)];
                    for (id, _, r) in question.templates() {
                        literals.push(Term::Atom(*id));
                        reasons.extend(r.iter().cloned());
                    }
                    for (id, _, r) in &avoid {
                        literals.push(Term::not(Term::Atom(*id)));
                        reasons.extend(r.iter().cloned());
                    }
                    for (id, positive) in asked {
                        let read = value.read.get(&id).or_else(|| text.read.get(&id));
                        reasons.extend(read.into_iter().flatten().cloned());
                        literals.push(if positive {
                            Term::Atom(id)
                        } else {
                            Term::not(Term::Atom(id))
                        });
                    }
                    for reason in reasons {
                        literals.extend(self.reason_literals(&reason));
                    }
                    let lemma = Term::not(Term::and(literals));
                    return Some(FoldedAnswer::Step(Step::Learn(vec![lemma])));
                }
                Answer::Unknown => {}
            }
        }
        if std::env::var_os("KEYAKI_TRACE").is_some() {
            eprintln!("keyaki: folded equation for {key}: {found:?}");
        }
        found.map(|value| match sensitive_elsewhere {
            true => FoldedAnswer::Hint(value),
            false => FoldedAnswer::Step(Step::Done(value)),
        })
    }

    /// Does a template on `var` read a key other than `key`, not chosen yet, that the model
    /// does not make single-valued?
    fn waits_on_defaults(&self, var: &StrVar, key: &str) -> bool {
        self.str_atoms_on(var).any(|(_, p)| {
            matches!(p, StrPattern::Template(t, _) if t.variable_keys().any(|k| {
                k != key
                    && !self.values.contains_key(k)
                    && self.query.keys.contains_key(k)
                    && !self.model_single(k)
            }))
        })
    }

    /// The templates on `var` that the model makes `true` (or false) and that read `key`
    /// once, read folded (ignore-case ones exactly, others as a superset), each with whether
    /// it ignores case; ignore-case ones with text around the value first. Only when one
    /// ignore-case template has such text, else nothing: whole-value equalities
    /// (`x = ${k}`) are the usual equation's.
    fn folded_templates(&self, var: &StrVar, key: &str, truth: bool) -> Vec<(Folded, bool)> {
        let mut out: Vec<(Folded, bool, bool)> = Vec::new();
        for (id, pattern) in self.str_atoms_on(var) {
            let StrPattern::Template(t, mode) = pattern else {
                continue;
            };
            if self.a.atom(id) != truth || t.variable_keys().filter(|k| *k == key).count() != 1 {
                continue;
            }
            let ignore_case = *mode == MatchMode::IgnoreCase;
            // Ignore-case text is literal: read as Exact, then folded.
            let read = if ignore_case { MatchMode::Exact } else { *mode };
            let Some((hole, reasons)) = self.holed_template(t, read, key) else {
                continue;
            };
            let framed = ignore_case && !matches!(t.parts.as_slice(), [TemplatePart::Var { .. }]);
            let folded = OneHole {
                before: fold_glob(&hole.before),
                after: fold_glob(&hole.after),
                hole: hole.hole,
            };
            out.push(((id, folded, reasons), ignore_case, framed));
        }
        if truth && !out.iter().any(|(_, _, framed)| *framed) {
            return Vec::new();
        }
        // Framed ignore-case templates first (they are why this question is asked).
        out.sort_by_key(|(_, _, framed)| !*framed);
        out.into_iter()
            .map(|(f, ignore_case, _)| (f, ignore_case))
            .collect()
    }
}

/// The globs of `side` asked with this sign.
fn pick<'s>(side: &'s [Sided], asked: &BTreeSet<(AtomId, bool)>, positive: bool) -> Vec<&'s Glob> {
    side.iter()
        .filter(|(id, _)| asked.contains(&(*id, positive)))
        .map(|(_, g)| g)
        .collect()
}

/// Positive globs as folded supersets.
fn folded_pos(side: &[Sided]) -> Vec<Sided> {
    side.iter().map(|(id, g)| (*id, fold_glob(g))).collect()
}

/// Negative globs kept only where folding is exact (no cased literal).
fn folded_neg(side: &[Sided]) -> Vec<Sided> {
    side.iter()
        .filter(|(_, g)| is_case_closed(g))
        .map(|(id, g)| (*id, fold_glob(g)))
        .collect()
}

fn value_ok(pos: &[Sided], neg: &[Sided], value: &str) -> bool {
    pos.iter().all(|(_, g)| g.matches(value)) && !neg.iter().any(|(_, g)| g.matches(value))
}

/// The folded question for one string.
struct Question<'q> {
    pair: (&'q Folded, &'q Folded),
    avoid: &'q [Folded],
    value: (Vec<Sided>, Vec<Sided>),
    text: (Vec<Sided>, Vec<Sided>),
    /// A character no pattern and no chosen value holds, folded.
    fresh: Option<char>,
}

enum Answer {
    Found(String),
    /// No value: the atoms asked, each with whether the model wants it true.
    Empty(Vec<(AtomId, bool)>),
    Unknown,
}

impl Question<'_> {
    fn templates(&self) -> Vec<&Folded> {
        if self.pair.0 .0 == self.pair.1 .0 {
            vec![self.pair.0]
        } else {
            vec![self.pair.0, self.pair.1]
        }
    }

    /// A folded string for the folded value `v` meeting every glob of the question, or
    /// `None`.
    fn meets(&self, v: &str) -> Option<String> {
        let (vp, vn) = &self.value;
        if vp.iter().any(|(_, g)| !g.matches(v)) || vn.iter().any(|(_, g)| g.matches(v)) {
            return None;
        }
        let (a, b) = (self.pair.0 .1.with_value(v), self.pair.1 .1.with_value(v));
        let mut positive = vec![&a, &b];
        let (tp, tn) = &self.text;
        positive.extend(tp.iter().map(|(_, g)| g));
        let avoided: Vec<Glob> = self.avoid.iter().map(|(_, h, _)| h.with_value(v)).collect();
        let mut negative: Vec<&Glob> = tn.iter().map(|(_, g)| g).collect();
        negative.extend(avoided.iter());
        match witness(&positive, &negative) {
            Witness::Found(s) => Some(s),
            _ => None,
        }
    }

    /// The equation asked with the globs a candidate broke, one more per round.
    fn solve(&self) -> Answer {
        let mut asked: BTreeSet<(AtomId, bool)> = BTreeSet::new();
        let mut avoid_used = !self.avoid.is_empty();
        for _ in 0..MAX_ROUNDS {
            // Past the deadline: no answer (the caller's next check gives up).
            if super::deadline::passed() {
                return Answer::Unknown;
            }
            let mut solution = self.ask(&asked, avoid_used, None);
            if matches!(solution, Solution::TooLarge) && avoid_used {
                // A false template at a third offset: a value holding a fresh character
                // sits once in the string, so a false template matches only aligned with
                // it, which the procedure decides. Tentative: "no such value" proves nothing.
                let fresh = self.fresh.map(|c| Glob::wildcard(&format!("*{c}*")));
                solution = match fresh.map(|f| self.ask(&asked, true, Some(&f))) {
                    Some(found @ Solution::Found { .. }) => found,
                    _ => {
                        avoid_used = false;
                        continue;
                    }
                };
            }
            match solution {
                Solution::Found { value, text } => {
                    if self.meets(&value).is_some() {
                        return Answer::Found(value);
                    }
                    let before = asked.len();
                    let broken = self.broken(&value, &text);
                    if let Some(first) = broken.into_iter().find(|b| !asked.contains(b)) {
                        asked.insert(first);
                    }
                    if asked.len() == before {
                        return Answer::Unknown;
                    }
                }
                // Naming the false templates when they were left out only weakens the lemma.
                Solution::Empty => return Answer::Empty(asked.into_iter().collect()),
                Solution::TooLarge => return Answer::Unknown,
            }
        }
        Answer::Unknown
    }

    /// The equation with the globs `asked`, the false templates when `with_avoid`, and
    /// `fresh` on the value.
    fn ask(
        &self,
        asked: &BTreeSet<(AtomId, bool)>,
        with_avoid: bool,
        fresh: Option<&Glob>,
    ) -> Solution {
        let mut vp = pick(&self.value.0, asked, true);
        vp.extend(fresh);
        let (vn, tp, tn) = (
            pick(&self.value.1, asked, false),
            pick(&self.text.0, asked, true),
            pick(&self.text.1, asked, false),
        );
        let avoid: Vec<OneHole> = match with_avoid {
            true => self.avoid.iter().map(|(_, h, _)| h.clone()).collect(),
            false => Vec::new(),
        };
        let solution = common_string_avoiding(
            &self.pair.0 .1,
            &self.pair.1 .1,
            &avoid,
            Constraints {
                positive: &vp,
                negative: &vn,
            },
            Constraints {
                positive: &tp,
                negative: &tn,
            },
        );
        if std::env::var_os("KEYAKI_TRACE").is_some() {
            eprintln!(
                "keyaki: folded word equation ({} and {}, {} globs asked, {} avoided, fresh {}): {solution:?}",
                self.pair.0 .1.with_value("${}"),
                self.pair.1 .1.with_value("${}"),
                asked.len(),
                avoid.len(),
                fresh.is_some(),
            );
        }
        solution
    }

    /// The globs the candidate (value and text) breaks, value globs first.
    fn broken(&self, v: &str, text: &str) -> Vec<(AtomId, bool)> {
        let (vp, vn) = &self.value;
        let (tp, tn) = &self.text;
        let mut out: Vec<(AtomId, bool)> = Vec::new();
        out.extend(
            vp.iter()
                .filter(|(_, g)| !g.matches(v))
                .map(|(id, _)| (*id, true)),
        );
        out.extend(
            vn.iter()
                .filter(|(_, g)| g.matches(v))
                .map(|(id, _)| (*id, false)),
        );
        out.extend(
            tp.iter()
                .filter(|(_, g)| !g.matches(text))
                .map(|(id, _)| (*id, true)),
        );
        out.extend(
            tn.iter()
                .filter(|(_, g)| g.matches(text))
                .map(|(id, _)| (*id, false)),
        );
        out
    }
}
