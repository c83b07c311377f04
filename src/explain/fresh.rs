//! Fresh characters: a value holding a character that no pattern and no other value holds.
//!
//! A template that must *not* match and reads a key (`s3:prefix` not like `${team}*`) is the
//! hard side of a model: a value chosen without it (`team = ""`, a prefix of everything)
//! breaks it, and the lemma that follows names that value, one of infinitely many. A value
//! holding a character `c` used by no pattern of the query and no other chosen value
//! (`example_1`, with `_` unused) appears in a string only where a template puts it: a string
//! on which no true template reads the key can always avoid `c` (rename each `c` to another
//! unused character: every glob and every other value reads both alike), and then no false
//! template reading the key matches it. On a string where one true template reads the key
//! once, `c` sits at one place, and a false template matches only with its value aligned
//! there. So such values are tried first for keys that false templates read
//! (`encodings/policy-variables.md`, "Fresh characters"). They are candidates like any
//! other: every value is still checked, so the preference changes which counterexample is
//! found, never an answer.

use super::concretize::Step;
use super::context::ContextBuilder;
use super::equations::{ReadKeys, Sided};
use crate::automata::word_equation::OneHole;
use crate::encode::{Atom, AtomId, StrPattern, StrVar, Term};
use crate::pattern::{fold_class, Glob, TemplatePart, Token};
use std::collections::BTreeSet;

/// Characters tried as fresh ones, in order: those AWS accepts in user names and tag values
/// first (`_`, `@`, `=`, `+`, `.`), so a counterexample stays one AWS could receive.
const FRESH_CANDIDATES: &str = "_@=+.,~QJKZqjkz0123456789";
/// Letters tried as fresh ones (lowercase: folding keeps them).
const FRESH_LETTERS: &str = "qjzxvwyg";

impl ContextBuilder<'_> {
    /// Does a template the model makes false read `key`?
    pub(super) fn read_by_false_template(&self, key: &str) -> bool {
        self.str_atoms.values().flatten().any(|&id| {
            matches!(&self.query.atoms[id], Atom::Str { pattern: StrPattern::Template(t, _), .. }
                if !self.a.atom(id) && t.variable_keys().any(|k| k == key))
        })
    }

    /// A character no pattern of the query and no chosen value holds.
    pub(super) fn fresh_character(&self) -> Option<char> {
        self.fresh_among(FRESH_CANDIDATES)
    }

    /// A fresh letter (its other case fresh too): a value holding one has case variants,
    /// which an ignore-case equality beside an exact inequality asks for.
    pub(super) fn fresh_letter(&self) -> Option<char> {
        self.fresh_among(FRESH_LETTERS)
    }

    fn fresh_among(&self, candidates: &str) -> Option<char> {
        let mut used: BTreeSet<char> = BTreeSet::new();
        for atom in &self.query.atoms {
            let Atom::Str { pattern, .. } = atom else {
                continue;
            };
            match pattern {
                StrPattern::Glob(g) => used.extend(glob_characters(g)),
                StrPattern::IgnoreCase(text) => used.extend(
                    text.chars()
                        .flat_map(|c| c.to_lowercase().chain(c.to_uppercase())),
                ),
                StrPattern::Template(t, _) => {
                    for part in &t.parts {
                        match part {
                            TemplatePart::Text(text) => used.extend(text.chars()),
                            TemplatePart::Escaped(c) => {
                                used.insert(*c);
                            }
                            TemplatePart::Var { default, .. } => {
                                used.extend(default.iter().flat_map(|d| d.chars()))
                            }
                        }
                    }
                }
            }
        }
        used.extend(self.values.values().flatten().flat_map(|v| v.chars()));
        // Either case of a letter may be folded onto the other by an ignore-case pattern.
        let folded: BTreeSet<char> = used
            .iter()
            .flat_map(|c| c.to_lowercase().chain(c.to_uppercase()))
            .collect();
        candidates
            .chars()
            .find(|c| !used.contains(c) && !folded.contains(c))
    }

    /// `hints` with a fresh character appended to each, first, when a false template reads
    /// `key`; `hints` unchanged otherwise.
    pub(super) fn with_fresh_hints(&self, key: &str, hints: Vec<String>) -> Vec<String> {
        let Some(fresh) = self
            .read_by_false_template(key)
            .then(|| self.fresh_character())
            .flatten()
        else {
            return hints;
        };
        let mut out: Vec<String> = Vec::new();
        let marked: Vec<String> = hints.iter().map(|h| format!("{h}{fresh}1")).collect();
        for hint in marked.into_iter().chain(hints) {
            if !out.contains(&hint) {
                out.push(hint);
            }
        }
        out
    }

    /// The glob "holds a fresh character" for the word equation of `key`, when a false
    /// template reads it: asked first, tentatively (it is no atom, so a failure teaches
    /// nothing and the question is asked again without it).
    pub(super) fn fresh_value_glob(&self, key: &str) -> Option<Sided> {
        let fresh = self
            .read_by_false_template(key)
            .then(|| self.fresh_character())
            .flatten()?;
        let glob = Glob::from_tokens(vec![Token::AnyStr, Token::Lit(fresh), Token::AnyStr]);
        Some((TENTATIVE, glob))
    }

    /// The word equation asked with the fresh-character glob added to the value's globs; a
    /// value only when one that also fits every other variable is found.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn fresh_equation(
        &mut self,
        key: &str,
        var: &StrVar,
        pair: (&(AtomId, OneHole), &(AtomId, OneHole)),
        (value_pos, value_neg): (&[Sided], &[Sided]),
        text: (&[Sided], &[Sided]),
        reasons: (&ReadKeys, &[Term]),
        fits: &dyn Fn(&Self, &str) -> bool,
    ) -> Option<String> {
        let fresh = self.fresh_value_glob(key)?;
        let mut with_fresh = value_pos.to_vec();
        with_fresh.push(fresh);
        match self.equation_tentatively(key, var, pair, (&with_fresh, value_neg), text, reasons) {
            Some(Step::Done(value)) if fits(self, &value) => Some(value),
            _ => None,
        }
    }
}

/// The atom id of a glob that stands for no atom (asked tentatively, never in a lemma).
pub(super) const TENTATIVE: AtomId = usize::MAX;

/// The characters a glob's literals and case classes can read.
fn glob_characters(glob: &Glob) -> Vec<char> {
    let mut out = Vec::new();
    for token in glob.tokens() {
        match token {
            Token::Lit(c) => out.push(*c),
            Token::Fold(f) => out.extend(fold_class(*f).iter().copied()),
            _ => {}
        }
    }
    out
}
