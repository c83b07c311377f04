//! Two true templates on one string, one of them ignoring case, asked as a folded word
//! equation in the key's value (`automata::word_equation::cancelled`), whatever the number
//! of times each reads the key: `*${t}` against `${t}/${t}` ignoring case, `*:${t}` (Like)
//! against `${t}/${t}`, `*:${u}` against `${u}/${team}`.
//!
//! Each template is read on folded strings: its text folded character by character (Like
//! wildcards kept), the key's value as one hole, any other key's value as `*`. A request
//! meeting the template meets this reading with `fold(s)` and `fold(value)` (folding maps one
//! character to one; another key's text is some string): a superset. So when the two
//! readings share no string for any value, no request meets both: the lemma
//! `¬(key single ∧ A ∧ B)` names atoms only, one of finitely many.
//!
//! False templates enter only when every solution of the pair is made of rigid characters
//! (`*`, `/`, digits: each the only character folding to itself): then the request's value
//! and string are their own folds, every pattern read folded is exact on them, and a false
//! template reading only the key rules out exactly the solutions it matches
//! (`${t}*` and `*${t}` ignoring case force `t ∈ *^k`, so the prefix is `*t` exactly).
//! Argued in `encodings/ignore-case-word-equations.md`.

use super::super::concretize::Step;
use super::super::context::ContextBuilder;
use crate::automata::word_equation::{
    common_folded, common_string_avoiding, fresh_rigid, only_rigid_solutions, Constraints, OneHole,
    Solution, VALUE_HOLE,
};
use crate::encode::{AtomId, MatchMode, StrPattern, StrVar, Term};
use crate::pattern::{fold_char, Glob, Template, TemplatePart, Token};

/// A template read on folded strings.
struct Read {
    id: AtomId,
    tokens: Vec<Token>,
    ignore_case: bool,
    /// Reads a key other than the one asked (read as `*`).
    other_keys: bool,
}

impl Read {
    /// The template as one hole, when it reads the key exactly once.
    fn one_hole(&self) -> Option<OneHole> {
        OneHole::split(&Glob::from_tokens(self.tokens.clone()))
    }
}

/// `t` read on folded strings with `key`'s value as the hole; `None` for ARN patterns
/// (their segments bound where a value may sit).
fn folded_tokens(t: &Template, mode: MatchMode, key: &str) -> Option<(Vec<Token>, bool)> {
    let wildcards = match mode {
        MatchMode::Arn => return None,
        MatchMode::Like => true,
        MatchMode::Exact | MatchMode::IgnoreCase => false,
    };
    let mut tokens = Vec::new();
    let mut other_keys = false;
    for part in &t.parts {
        match part {
            TemplatePart::Text(text) => tokens.extend(text.chars().map(|c| match c {
                '*' if wildcards => Token::AnyStr,
                '?' if wildcards => Token::AnyChar,
                c => Token::Lit(fold_char(c)),
            })),
            TemplatePart::Escaped(c) => tokens.push(Token::Lit(fold_char(*c))),
            TemplatePart::Var { key_lower, .. } if key_lower == key => {
                tokens.push(Token::Hole(VALUE_HOLE));
            }
            TemplatePart::Var { .. } => {
                other_keys = true;
                tokens.push(Token::AnyStr);
            }
        }
    }
    Some((tokens, other_keys))
}

impl ContextBuilder<'_> {
    /// A lemma when two true templates on one string, one ignoring case, share no folded
    /// string for any value of `key` (with the false templates, when every solution is
    /// rigid). `None` when none is found; a `GiveUp` past the check's deadline.
    pub(in crate::explain) fn ignore_case_words(&mut self, key: &str) -> Option<Step<String>> {
        if !self.model_single(key) {
            return None;
        }
        let own = StrVar::Context {
            key: key.to_string(),
            slot: 0,
        };
        let vars: Vec<StrVar> = self.str_atoms.keys().cloned().collect();
        for var in vars.iter().filter(|v| **v != own) {
            let (mut truths, mut falses) = (Vec::new(), Vec::new());
            for (id, pattern) in self.str_atoms_on(var) {
                let StrPattern::Template(t, mode) = pattern else {
                    continue;
                };
                if !t.variable_keys().any(|k| k == key) {
                    continue;
                }
                let Some((tokens, other_keys)) = folded_tokens(t, *mode, key) else {
                    continue;
                };
                let read = Read {
                    id,
                    tokens,
                    ignore_case: *mode == MatchMode::IgnoreCase,
                    other_keys,
                };
                match self.a.atom(id) {
                    true => truths.push(read),
                    // A false template reading another key as `*` would ask too much.
                    false if !read.other_keys => falses.push(read),
                    false => {}
                }
            }
            for (i, a) in truths.iter().enumerate() {
                for b in truths[i + 1..].iter() {
                    if !(a.ignore_case || b.ignore_case) {
                        continue;
                    }
                    if super::super::deadline::passed() {
                        return Some(Step::GiveUp("the check's deadline passed".into()));
                    }
                    if let Some(avoided) = pair_conflict(a, b, &falses) {
                        let mut literals = vec![
                            self.query.single_valued(key),
                            Term::Atom(a.id),
                            Term::Atom(b.id),
                        ];
                        literals.extend(avoided.into_iter().map(|id| Term::not(Term::Atom(id))));
                        if std::env::var_os("KEYAKI_TRACE").is_some() {
                            eprintln!("keyaki: folded word equation for {key} on {var}: no value");
                        }
                        return Some(Step::Learn(vec![Term::not(Term::and(literals))]));
                    }
                }
            }
        }
        None
    }
}

/// The false templates (possibly none) that, with `a` and `b`, leave no value and string;
/// `None` when a solution may exist.
fn pair_conflict(a: &Read, b: &Read, falses: &[Read]) -> Option<Vec<AtomId>> {
    if common_folded(&a.tokens, &b.tokens) == Solution::Empty {
        return Some(Vec::new());
    }
    if falses.is_empty() {
        return None;
    }
    let (ha, hb) = (a.one_hole()?, b.one_hole()?);
    let fresh = fresh_rigid(&[&ha.before, &ha.after, &hb.before, &hb.after])?;
    if !only_rigid_solutions(&ha, &hb, fresh) {
        return None;
    }
    let avoided: Vec<(AtomId, OneHole)> = falses
        .iter()
        .filter_map(|c| Some((c.id, c.one_hole()?)))
        .collect();
    if avoided.is_empty() {
        return None;
    }
    let holes: Vec<OneHole> = avoided.iter().map(|(_, h)| h.clone()).collect();
    let answer = common_string_avoiding(
        &ha,
        &hb,
        &holes,
        Constraints::default(),
        Constraints::default(),
    );
    (answer == Solution::Empty).then(|| avoided.into_iter().map(|(id, _)| id).collect())
}
