//! A template reading several keys, as a glob with one hole for the key being chosen.
//!
//! `arn:aws:s3:::${a}/${b}/${c}` against `arn:aws:s3:::acme-*`: choosing `a` with `b` and `c`
//! read as placeholders guesses, and a lemma that names guessed values is one of infinitely
//! many. Instead each other key is read as what is known of it: its chosen value (exact), or,
//! not chosen yet and single-valued in the model, its own first true glob (`*` when it has
//! none). The values of a key meeting a glob `G` put the text `L(G)` where the variable
//! stands, so the glob with `G`'s tokens there holds the template for every such value: a
//! superset. A word equation asked with it finds a candidate (checked later like any other)
//! or proves that no value of the key fits, for every value of the other keys that meets
//! their globs; the lemma then names those globs (atoms), not values.

use super::concretize::Step;
use super::context::ContextBuilder;
use super::equations::{ReadKeys, Reason, Sided, Sides};
use crate::automata::word_equation::{
    repeated_value, split_at_repeated_hole, Constraints, OneHole, Solution,
};
use crate::encode::{one_variable_glob, MatchMode, StrPattern, StrVar, Term};
use crate::pattern::{is_hole_char, Glob, Template, TemplatePart, Token};
use std::collections::BTreeSet;

/// Private-use characters standing for the other keys while the template is read (plane 15,
/// never in a policy's text; a template or value holding one is left alone).
const MARKER_BASE: u32 = 0xF_0000;
/// Other keys one template may read besides the key being chosen.
const MAX_OTHER_KEYS: usize = 16;

impl ContextBuilder<'_> {
    /// `t` with `key`'s value as the hole, other keys read as described in the module
    /// comment, and the reasons a lemma must name for them; `None` when `key` is read more
    /// than once, a key read is not single-valued in the model and has no value yet, or no
    /// sound hole reading exists (ignore-case, a hole or another key's text inside an ARN's
    /// first five segments).
    pub(super) fn holed_template(
        &self,
        t: &Template,
        mode: MatchMode,
        key: &str,
    ) -> Option<(OneHole, BTreeSet<Reason>)> {
        // catalog (#10): a value in an ARN's first five segments, when its colons move no bound.
        self.holed_template_outside_segments(t, mode, key)
            .or_else(|| self.bounded_arn_hole(t, mode, key))
    }

    fn holed_template_outside_segments(
        &self,
        t: &Template,
        mode: MatchMode,
        key: &str,
    ) -> Option<(OneHole, BTreeSet<Reason>)> {
        if t.variable_keys().filter(|k| *k == key).count() != 1 {
            return None;
        }
        if t.variable_keys().all(|k| k == key) {
            let glob = one_variable_glob(t, mode, key)?;
            return Some((OneHole::split(&glob)?, BTreeSet::new()));
        }
        let mut reasons = BTreeSet::new();
        let mut fills: Vec<Vec<Token>> = Vec::new();
        let mut parts = Vec::with_capacity(t.parts.len());
        for part in &t.parts {
            let TemplatePart::Var {
                key_lower, default, ..
            } = part
            else {
                if matches!(part, TemplatePart::Text(x) if x.chars().any(is_marker))
                    || matches!(part, TemplatePart::Escaped(c) if is_marker(*c))
                {
                    return None;
                }
                parts.push(part.clone());
                continue;
            };
            if key_lower == key {
                parts.push(part.clone());
                continue;
            }
            let fill: Vec<Token> = match self.values.get(key_lower).map(Vec::as_slice) {
                Some([value]) => {
                    reasons.insert(Reason::Chosen(key_lower.clone()));
                    literal_tokens(value)?
                }
                Some(_) => {
                    // Absent or several values: the default, or the template matches nothing.
                    reasons.insert(Reason::Chosen(key_lower.clone()));
                    literal_tokens(default.as_deref()?)?
                }
                // decide (#10): absent in the model, not chosen yet (keys are chosen in
                // name order): its default, as it will read (`¬present` in a lemma).
                None if self.query.keys.contains_key(key_lower)
                    && !self.model_has_first_value(key_lower) =>
                {
                    reasons.insert(Reason::Chosen(key_lower.clone()));
                    literal_tokens(default.as_deref()?)?
                }
                None if self.model_single(key_lower) => {
                    let own = StrVar::Context {
                        key: key_lower.clone(),
                        slot: 0,
                    };
                    let bound = self.str_atoms_on(&own).find_map(|(id, p)| match p {
                        StrPattern::Glob(g) if self.a.atom(id) => Some((id, g.clone())),
                        _ => None,
                    });
                    reasons.insert(Reason::Approximated(
                        key_lower.clone(),
                        bound.as_ref().map(|(id, _)| *id),
                    ));
                    match bound {
                        Some((_, g)) => g.tokens().to_vec(),
                        None => vec![Token::AnyStr],
                    }
                }
                None => return None,
            };
            if fills.len() >= MAX_OTHER_KEYS {
                return None;
            }
            let marker = char::from_u32(MARKER_BASE + u32::try_from(fills.len()).ok()?)?;
            fills.push(fill);
            parts.push(TemplatePart::Escaped(marker));
        }
        let marked = Template { parts };
        let glob = one_variable_glob(&marked, mode, key)?;
        let mut tokens = Vec::new();
        let mut colons = 0usize;
        for token in glob.tokens() {
            match token {
                Token::Lit(c) if is_marker(*c) => {
                    // Inside an ARN's first five segments a value's colons would move the
                    // segment bounds: no sound reading.
                    if mode == MatchMode::Arn && colons < 5 {
                        return None;
                    }
                    let index = usize::try_from(u32::from(*c) - MARKER_BASE).ok()?;
                    tokens.extend(fills.get(index)?.iter().copied());
                }
                other => {
                    if *other == Token::Lit(':') {
                        colons += 1;
                    }
                    tokens.push(*other);
                }
            }
        }
        let hole = OneHole::split(&Glob::from_tokens(tokens))?;
        Some((hole, reasons))
    }
}

impl ContextBuilder<'_> {
    /// A true template on `var` reading `key`'s value twice or more and no other key
    /// (`${v}/${v}`): the value from the exact procedure of `word_equation::repeated`, asked
    /// with the value's globs and every fixed glob on `var`, or a lemma naming those atoms
    /// when none exists. `None` when there is no such template or the budgets run out.
    pub(super) fn repeated_equation(
        &mut self,
        key: &str,
        var: &StrVar,
        (value_pos, value_neg): (&[Sided], &[Sided]),
        (value_read, equal_to): (&ReadKeys, &[Term]),
    ) -> Option<Step<String>> {
        let (id, parts) = self
            .str_atoms_on(var)
            .find_map(|(id, pattern)| match pattern {
                StrPattern::Template(t, mode) if self.a.atom(id) => {
                    let glob = one_variable_glob(t, *mode, key)?;
                    Some((id, split_at_repeated_hole(&glob)?))
                }
                _ => None,
            })?;
        let Sides {
            pos,
            neg,
            read,
            waits,
        } = self.fixed_sides(var, key);
        if waits && !self.deferred.contains(key) {
            return Some(Step::Blocked);
        }
        let (vp, vn, tp, tn) = (globs(value_pos), globs(value_neg), globs(&pos), globs(&neg));
        let solution = repeated_value(
            &parts,
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
                "keyaki: value of {key} read {} times on {var}: {solution:?}",
                parts.len() - 1
            );
        }
        match solution {
            Solution::Found { value, .. } => Some(Step::Done(value)),
            Solution::TooLarge => None,
            Solution::Empty => {
                let mut literals = vec![self.query.single_valued(key), Term::Atom(id)];
                literals.extend(equal_to.iter().cloned());
                let mut reasons: BTreeSet<Reason> = BTreeSet::new();
                for (side, positive, read) in [
                    (value_pos, true, value_read),
                    (value_neg, false, value_read),
                    (&pos[..], true, &read),
                    (&neg[..], false, &read),
                ] {
                    for (atom, _) in side {
                        literals.push(if positive {
                            Term::Atom(*atom)
                        } else {
                            Term::not(Term::Atom(*atom))
                        });
                        reasons.extend(read.get(atom).into_iter().flatten().cloned());
                    }
                }
                for reason in reasons {
                    literals.extend(self.reason_literals(&reason));
                }
                Some(Step::Learn(vec![Term::not(Term::and(literals))]))
            }
        }
    }
}

impl ContextBuilder<'_> {
    /// Does the model give `key` a first value?
    fn model_has_first_value(&self, key: &str) -> bool {
        self.query
            .atom_id(&crate::encode::Atom::Present {
                key: key.to_string(),
                slot: 0,
            })
            .is_some_and(|id| self.a.atom(id))
    }
}

fn globs(side: &[Sided]) -> Vec<&Glob> {
    side.iter().map(|(_, g)| g).collect()
}

fn is_marker(c: char) -> bool {
    (MARKER_BASE..MARKER_BASE + 0x100).contains(&u32::from(c))
}

/// A value's characters as literal tokens; `None` for characters a glob reserves.
fn literal_tokens(value: &str) -> Option<Vec<Token>> {
    if value.chars().any(|c| is_hole_char(c) || is_marker(c)) {
        return None;
    }
    Some(value.chars().map(Token::Lit).collect())
}
