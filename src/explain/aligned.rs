//! Two templates that read two keys at the same fixed place of one string: the keys are equal.
//!
//! `aws:PrincipalArn` like `arn:aws:iam::*:user/${aws:username}` and like
//! `arn:aws:iam::*:user/${team}`: the text before each hole is the same, and every wildcard
//! in it sits in the first five ARN segments (it cannot cross `:`), so the hole starts right
//! after the string's fifth colon and `user/`, whatever the string. With the same literal
//! text after the hole, both values are the same slice of the string, and a value's
//! characters are literal where it is substituted: the two values are equal. A model that
//! wants both templates true, both keys single, and an equality between the keys false
//! (`team` equal to `${aws:username}` ignoring case: the baseline's Deny) has no request; the
//! concretizer chose one key, then the other from it, and learned one lemma per value
//! without end. The lemma here names atoms only (one per pair of templates and equality):
//! finitely many (`encodings/policy-variables.md`, "Session 9"). Two templates compared
//! ignoring case with the same text around the hole make the values equal after folding
//! (folding maps one character to one): a false equality ignoring case is then refuted, one
//! that asks exact equality is not (session 12).

use super::context::ContextBuilder;
use crate::encode::{Atom, AtomId, MatchMode, StrPattern, StrVar, Term};
use crate::pattern::{PatternChar, Template, TemplatePart};

/// A true template atom that reads one key once: its id, key, mode, and the parts before
/// and after the hole.
struct Holed<'t> {
    id: AtomId,
    key: &'t str,
    mode: MatchMode,
    before: &'t [TemplatePart],
    after: &'t [TemplatePart],
}

impl ContextBuilder<'_> {
    /// The lemma for the first pair of aligned templates whose keys the model makes unequal.
    pub(super) fn aligned_keys_conflict(&mut self) -> Option<Vec<Term>> {
        let mut found = None;
        'outer: for ids in self.str_atoms.values() {
            let holed: Vec<Holed> = ids
                .iter()
                .filter(|id| self.a.atom(**id))
                .filter_map(|&id| match &self.query.atoms[id] {
                    Atom::Str {
                        pattern: StrPattern::Template(t, mode),
                        ..
                    } => holed(id, t, *mode),
                    _ => None,
                })
                .collect();
            for (i, a) in holed.iter().enumerate() {
                for b in &holed[i + 1..] {
                    if a.key == b.key
                        || a.mode != b.mode
                        || a.before != b.before
                        || a.after != b.after
                        || !self.model_single(a.key)
                        || !self.model_single(b.key)
                    {
                        continue;
                    }
                    // Ignoring case, the two values are equal after folding only: the false
                    // equality must be one that ignores case too.
                    let folded = a.mode == MatchMode::IgnoreCase;
                    if let Some(equal) = self.false_equality(a.key, b.key, folded) {
                        found = Some((a.id, b.id, a.key.to_string(), b.key.to_string(), equal));
                        break 'outer;
                    }
                }
            }
        }
        let (a, b, ka, kb, equal) = found?;
        if std::env::var_os("KEYAKI_TRACE").is_some() {
            eprintln!("keyaki: {ka} and {kb} read at one place of one string: equal");
        }
        let literals = vec![
            Term::Atom(a),
            Term::Atom(b),
            self.query.single_valued(&ka),
            self.query.single_valued(&kb),
            Term::not(Term::Atom(equal)),
        ];
        Some(vec![Term::not(Term::and(literals))])
    }

    /// A false atom saying one key's first value equals the other's (`x = ${k}`, exactly,
    /// ignoring case or like: each holds when the two values are equal; only ignoring case
    /// when `folded`, the values then being known equal after folding only).
    fn false_equality(&self, ka: &str, kb: &str, folded: bool) -> Option<AtomId> {
        [(ka, kb), (kb, ka)].into_iter().find_map(|(x, k)| {
            let var = StrVar::Context {
                key: x.to_string(),
                slot: 0,
            };
            self.str_atoms_on(&var).find_map(|(id, pattern)| match pattern {
                StrPattern::Template(t, mode)
                    if !self.a.atom(id)
                        && *mode != MatchMode::Arn
                        && (!folded || *mode == MatchMode::IgnoreCase)
                        && matches!(t.parts.as_slice(), [TemplatePart::Var { key_lower, .. }] if key_lower == k) =>
                {
                    Some(id)
                }
                _ => None,
            })
        })
    }
}

/// `t` split at its one variable, when the text before it has a fixed length in every string
/// it matches (and the text after it is literal). Ignoring case the text is literal too, and
/// folding maps one character to one: the hole still sits at one place of the folded string.
fn holed(id: AtomId, t: &Template, mode: MatchMode) -> Option<Holed<'_>> {
    let at = t
        .parts
        .iter()
        .position(|p| matches!(p, TemplatePart::Var { .. }))?;
    let (before, rest) = t.parts.split_at(at);
    let after = &rest[1..];
    if after.iter().any(|p| matches!(p, TemplatePart::Var { .. })) {
        return None;
    }
    let TemplatePart::Var { key_lower, .. } = &rest[0] else {
        return None;
    };
    let wild = matches!(mode, MatchMode::Like | MatchMode::Arn);
    if !fixed_offset(&chars(before, wild), mode) || chars(after, wild).iter().any(is_wild) {
        return None;
    }
    Some(Holed {
        id,
        key: key_lower,
        mode,
        before,
        after,
    })
}

/// The parts' characters; `*` and `?` in text are wildcards when `wild`.
fn chars(parts: &[TemplatePart], wild: bool) -> Vec<PatternChar> {
    parts
        .iter()
        .flat_map(|p| match p {
            TemplatePart::Text(text) => text
                .chars()
                .map(|c| match c {
                    '*' | '?' if wild => PatternChar::Wild(c),
                    _ => PatternChar::Lit(c),
                })
                .collect::<Vec<_>>(),
            TemplatePart::Escaped(c) => vec![PatternChar::Lit(*c)],
            TemplatePart::Var { .. } => Vec::new(),
        })
        .collect()
}

fn is_wild(c: &PatternChar) -> bool {
    matches!(c, PatternChar::Wild(_))
}

/// Does every string this prefix matches the start of end it at an offset the string alone
/// determines? Without wildcards, yes (its length). In an ARN pattern with five colons, when
/// every wildcard comes before the fifth: those wildcards do not cross `:`, so the prefix's
/// fifth colon is the string's fifth colon, and the rest is literal.
fn fixed_offset(prefix: &[PatternChar], mode: MatchMode) -> bool {
    if !prefix.iter().any(is_wild) {
        return true;
    }
    if mode != MatchMode::Arn {
        return false;
    }
    let Some(fifth) = prefix
        .iter()
        .enumerate()
        .filter(|(_, c)| **c == PatternChar::Lit(':'))
        .map(|(i, _)| i)
        .nth(4)
    else {
        return false;
    };
    prefix.iter().skip(fifth).all(|c| !is_wild(c))
}
