//! Keys tied by true equality templates, given values together.
//!
//! `u = ${d}*${d}` and `u = ${t}*` ignoring case (`*` literal in StringEquals): choosing `d`
//! first, alone, then `u` from it, and refuting one value of `d` per round never ends, since
//! the values that work (`d` empty or ending in `*`) are few. Here the model's true equality
//! atoms (Exact and IgnoreCase templates: the whole string equal to the template) are read
//! as equations between values:
//! - a string whose equation reads only known keys is the resolved text;
//! - a known string whose equation reads one unknown key (once or more) gives that key's
//!   value by splitting the string at the template's texts (lengths fix the split).
//!
//! When nothing follows, one key the equations read is given a value from a short list (a
//! fresh character, each character of the equations' texts, the empty string) and the rest
//! follows, depth first. The values found are only seeds: the concretizer checks every atom
//! of each seeded key and falls back to its usual choice when one breaks (`concretize.rs`).
//!
//! Asked on folded values (every comparison folded, so an exact equation is read as its
//! folded consequence), the same propagation with no value chosen is a proof: when it meets
//! a contradiction, no request meets these atoms with these keys' presence, and the lemma
//! names atoms and presence only (finitely many such lemmas).

use crate::encode::{Atom, AtomId, MatchMode, StrPattern, StrVar, Term};
use crate::explain::context::ContextBuilder;
use crate::pattern::{fold_case, Template, TemplatePart};
use std::collections::{BTreeMap, BTreeSet};

/// Search nodes (assignments tried) before giving up on seeds.
const MAX_NODES: usize = 4_000;
/// Candidate values per chosen key.
const MAX_CANDIDATES: usize = 10;
/// Longest value a split may give (a guard on text that only grows).
const MAX_VALUE_CHARS: usize = 4_096;
/// The longest text an equation's template is resolved to (policies are at most some 10 KB,
/// so only values chosen or split here reach it).
const MAX_TEXT_BYTES: usize = 65_536;

/// What the equations give the concretizer.
pub(super) enum Seeded {
    /// Values for these (single-valued, string) keys, to try first.
    Seeds(BTreeMap<String, String>),
    /// The equations contradict each other whatever the values: lemmas naming atoms.
    Learn(Vec<Term>),
    Nothing,
}

/// One true equality atom: `subject` equals `template` (folded when `ignore_case`).
struct Equation {
    id: AtomId,
    subject: StrVar,
    template: Template,
    ignore_case: bool,
}

/// How a key a template reads stands in the model.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Presence {
    /// One value: an unknown of the equations.
    Single,
    /// Absent or several values: the template reads its default (or matches nothing).
    Default,
}

struct System {
    equations: Vec<Equation>,
    presence: BTreeMap<String, Presence>,
    fresh: Option<char>,
    fresh_letter: Option<char>,
    /// Characters of the equations' texts, candidates for a chosen value.
    text_chars: Vec<char>,
}

type Values = BTreeMap<StrVar, String>;

enum Propagated {
    Done(Values),
    /// Every equation whose keys are known holds, some read unknown keys: choose one.
    Open(Values, String),
    Contradiction,
    /// A value would pass `MAX_VALUE_CHARS`: not a contradiction, only past the budget, so no
    /// lemma may follow from it (a proof needs every length).
    GiveUp,
}

/// Why an equation gives no value.
enum NoValue {
    /// No value of any length fits: the equations contradict each other.
    Contradiction,
    /// The value (or a resolved text) would be longer than `MAX_VALUE_CHARS`.
    TooLong,
}

impl From<NoValue> for Propagated {
    fn from(why: NoValue) -> Propagated {
        match why {
            NoValue::Contradiction => Propagated::Contradiction,
            NoValue::TooLong => Propagated::GiveUp,
        }
    }
}

impl ContextBuilder<'_> {
    /// Seeds for the keys the model's true equality templates tie together, or a lemma when
    /// they contradict each other for every value; `Nothing` with fewer than two equations.
    pub(super) fn equality_seeds(&mut self) -> Seeded {
        let Some(system) = self.equality_system() else {
            return Seeded::Nothing;
        };
        if system.propagate(Values::new(), true).is_contradiction() {
            return Seeded::Learn(vec![self.contradiction_lemma(&system)]);
        }
        let mut nodes = 0usize;
        match system.search(Values::new(), &mut nodes) {
            Some(values) => {
                let seeds: BTreeMap<String, String> = values
                    .into_iter()
                    .filter_map(|(var, value)| match var {
                        StrVar::Context { key, slot: 0 } if self.seedable(&key) => {
                            Some((key, value))
                        }
                        _ => None,
                    })
                    .collect();
                if std::env::var_os("KEYAKI_TRACE").is_some() {
                    eprintln!("keyaki: equality seeds ({nodes} nodes): {seeds:?}");
                }
                if seeds.is_empty() {
                    Seeded::Nothing
                } else {
                    Seeded::Seeds(seeds)
                }
            }
            None => Seeded::Nothing,
        }
    }

    /// A single-valued string key of the query.
    fn seedable(&self, key: &str) -> bool {
        self.query.keys.get(key).is_some_and(|k| k.view.is_none()) && self.model_single(key)
    }

    fn equality_system(&self) -> Option<System> {
        let mut equations = Vec::new();
        for (var, ids) in &self.str_atoms {
            let subject_ok = match var {
                StrVar::Context { key, slot: 0 } => self.seedable(key),
                StrVar::Context { .. } => false,
                _ => true,
            };
            if !subject_ok {
                continue;
            }
            for &id in ids {
                let Atom::Str {
                    pattern: StrPattern::Template(t, mode),
                    ..
                } = &self.query.atoms[id]
                else {
                    continue;
                };
                if !self.a.atom(id) || !matches!(mode, MatchMode::Exact | MatchMode::IgnoreCase) {
                    continue;
                }
                if !t.has_variables() {
                    continue;
                }
                equations.push(Equation {
                    id,
                    subject: var.clone(),
                    template: t.clone(),
                    ignore_case: *mode == MatchMode::IgnoreCase,
                });
            }
        }
        if equations.len() < 2 {
            return None;
        }
        let mut presence = BTreeMap::new();
        let mut text_chars: Vec<char> = Vec::new();
        for equation in &equations {
            for part in &equation.template.parts {
                match part {
                    TemplatePart::Var { key_lower, .. } => {
                        // A typed key's one value is read as it prints: not this question
                        // (its default would be wrong, and no seed is given to it).
                        let typed = self.query.keys.get(key_lower.as_str());
                        if typed.is_some_and(|k| k.view.is_some()) {
                            return None;
                        }
                        let p = if self.seedable(key_lower) {
                            Presence::Single
                        } else {
                            Presence::Default
                        };
                        presence.insert(key_lower.clone(), p);
                    }
                    TemplatePart::Text(text) => text_chars.extend(text.chars()),
                    TemplatePart::Escaped(c) => text_chars.push(*c),
                }
            }
        }
        // A key's own template reading the key itself is a cycle, `cycle.rs`'s question.
        if equations.iter().any(|e| match &e.subject {
            StrVar::Context { key, .. } => e.template.variable_keys().any(|k| k == key),
            _ => false,
        }) {
            return None;
        }
        let mut seen = BTreeSet::new();
        text_chars.retain(|c| seen.insert(fold_case(&c.to_string())));
        Some(System {
            equations,
            presence,
            fresh: self.fresh_character(),
            fresh_letter: self.fresh_letter(),
            text_chars,
        })
    }

    /// `¬(equations ∧ presence of every key read ∧ each subject key single-valued)`.
    fn contradiction_lemma(&mut self, system: &System) -> Term {
        let mut literals: Vec<Term> = system.equations.iter().map(|e| Term::Atom(e.id)).collect();
        let mut keys: BTreeSet<String> = system.presence.keys().cloned().collect();
        for e in &system.equations {
            if let StrVar::Context { key, slot: 0 } = &e.subject {
                keys.insert(key.clone());
            }
        }
        for key in keys {
            if !self.query.keys.contains_key(&key) {
                // Never in a request of the query: read as absent by every model.
                continue;
            }
            let literal = if self.model_single(&key) {
                self.query.single_valued(&key)
            } else if self.model_present(&key, 0) {
                self.query.present(&key, 1)
            } else {
                Term::not(self.query.present(&key, 0))
            };
            literals.push(literal);
        }
        Term::not(Term::and(literals))
    }

    /// Is the key's slot present in the model?
    pub(in crate::explain) fn model_present(&self, key: &str, slot: usize) -> bool {
        self.query
            .atom_id(&Atom::Present {
                key: key.to_string(),
                slot,
            })
            .is_some_and(|id| self.a.atom(id))
    }
}

impl Propagated {
    fn is_contradiction(&self) -> bool {
        matches!(self, Propagated::Contradiction)
    }
}

impl System {
    /// Values for every string the equations name, depth first over chosen keys.
    fn search(&self, values: Values, nodes: &mut usize) -> Option<Values> {
        *nodes += 1;
        if *nodes > MAX_NODES || crate::explain::deadline::passed() {
            return None;
        }
        match self.propagate(values, false) {
            Propagated::Done(values) => Some(values),
            Propagated::Contradiction | Propagated::GiveUp => None,
            Propagated::Open(values, key) => {
                let var = key_var(&key);
                for candidate in self.candidates() {
                    let mut next = values.clone();
                    next.insert(var.clone(), candidate);
                    if let Some(found) = self.search(next, nodes) {
                        return Some(found);
                    }
                }
                None
            }
        }
    }

    /// A fresh letter (it has case variants), a fresh character, the texts' characters,
    /// then the empty string.
    fn candidates(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        out.extend(self.fresh_letter.map(|c| c.to_string()));
        out.extend(self.fresh.map(|c| c.to_string()));
        out.extend(self.text_chars.iter().map(|c| c.to_string()));
        out.truncate(MAX_CANDIDATES - 1);
        out.push(String::new());
        out
    }

    /// Applies the equations until nothing follows; `folded` compares and stores folded.
    fn propagate(&self, mut values: Values, folded: bool) -> Propagated {
        loop {
            let mut changed = false;
            for e in &self.equations {
                let fold = folded || e.ignore_case;
                let unknown: BTreeSet<&str> = e
                    .template
                    .variable_keys()
                    .filter(|k| self.presence.get(*k) == Some(&Presence::Single))
                    .filter(|k| !values.contains_key(&key_var(k)))
                    .collect();
                let subject = values.get(&e.subject).cloned();
                match (unknown.len(), subject) {
                    (0, subject) => {
                        let text = match self.resolve(&e.template, &values) {
                            Ok(text) => text,
                            Err(why) => return why.into(),
                        };
                        let text = if folded { fold_case(&text) } else { text };
                        match subject {
                            Some(s) if !same(&s, &text, fold) => return Propagated::Contradiction,
                            Some(_) => {}
                            None => {
                                values.insert(e.subject.clone(), text);
                                changed = true;
                            }
                        }
                    }
                    (1, Some(s)) => {
                        let key = unknown.iter().next().copied().unwrap_or_default();
                        match self.split(&e.template, key, &s, &values, fold) {
                            Ok(value) => {
                                values.insert(key_var(key), value);
                                changed = true;
                            }
                            Err(why) => return why.into(),
                        }
                    }
                    _ => {}
                }
            }
            if !changed {
                break;
            }
        }
        // Some equation still reads an unknown key: the first such key is chosen.
        let open = self.equations.iter().find_map(|e| {
            e.template
                .variable_keys()
                .filter(|k| self.presence.get(*k) == Some(&Presence::Single))
                .find(|k| !values.contains_key(&key_var(k)))
                .map(str::to_string)
        });
        match open {
            Some(key) => Propagated::Open(values, key),
            None => Propagated::Done(values),
        }
    }

    /// The template's text with known values (defaults for keys read as absent); a key read
    /// as absent without a default resolves nothing. Texts past the budget are not built:
    /// `${a}${a}` chains double at each step.
    fn resolve(&self, t: &Template, values: &Values) -> Result<String, NoValue> {
        let mut out = String::new();
        for part in &t.parts {
            match part {
                TemplatePart::Text(text) => out.push_str(text),
                TemplatePart::Escaped(c) => out.push(*c),
                TemplatePart::Var {
                    key_lower, default, ..
                } => {
                    let value = match self.presence.get(key_lower) {
                        Some(Presence::Single) => values.get(&key_var(key_lower)),
                        _ => default.as_ref(),
                    };
                    out.push_str(value.ok_or(NoValue::Contradiction)?);
                }
            }
            if out.len() > MAX_TEXT_BYTES {
                return Err(NoValue::TooLong);
            }
        }
        Ok(out)
    }

    /// The value of `key` (read `n ≥ 1` times by `t`, every other key known) that makes
    /// `t` equal `s`: the lengths fix it, then every piece is compared.
    fn split(
        &self,
        t: &Template,
        key: &str,
        s: &str,
        values: &Values,
        fold: bool,
    ) -> Result<String, NoValue> {
        use NoValue::Contradiction;
        // The template as fixed pieces and holes for `key`.
        let mut pieces: Vec<Option<String>> = Vec::new();
        for part in &t.parts {
            let piece = match part {
                TemplatePart::Var { key_lower, .. } if key_lower == key => None,
                other => Some(self.resolve(
                    &Template {
                        parts: vec![other.clone()],
                    },
                    values,
                )?),
            };
            pieces.push(piece);
        }
        let s: Vec<char> = s.chars().collect();
        let fixed: usize = pieces.iter().flatten().map(|p| p.chars().count()).sum();
        let holes = pieces.iter().filter(|p| p.is_none()).count();
        let rest = s.len().checked_sub(fixed).ok_or(Contradiction)?;
        if holes == 0 || rest % holes != 0 {
            return Err(Contradiction);
        }
        if rest / holes > MAX_VALUE_CHARS {
            return Err(NoValue::TooLong);
        }
        let width = rest / holes;
        let mut at = 0usize;
        let mut value: Option<String> = None;
        for piece in &pieces {
            match piece {
                Some(text) => {
                    let n = text.chars().count();
                    let here: String = s.get(at..at + n).ok_or(Contradiction)?.iter().collect();
                    if !same(&here, text, fold) {
                        return Err(Contradiction);
                    }
                    at += n;
                }
                None => {
                    let here: String = s.get(at..at + width).ok_or(Contradiction)?.iter().collect();
                    match &value {
                        Some(v) if !same(v, &here, fold) => return Err(Contradiction),
                        Some(_) => {}
                        None => value = Some(here),
                    }
                    at += width;
                }
            }
        }
        value.ok_or(Contradiction)
    }
}

fn key_var(key: &str) -> StrVar {
    StrVar::Context {
        key: key.to_string(),
        slot: 0,
    }
}

fn same(a: &str, b: &str, fold: bool) -> bool {
    if fold {
        fold_case(a) == fold_case(b)
    } else {
        a == b
    }
}
