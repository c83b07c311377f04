//! One key's value read on several strings at once (the resource and `s3:prefix`, each with
//! its own templates reading it): the strings' word equations asked together
//! (`automata::word_equation::common_value`), so a value solving one string and breaking
//! another is not refuted by name, one value per round (encodings/policy-variables.md,
//! "Session 10 (words)").

use super::super::concretize::Step;
use super::super::context::ContextBuilder;
use super::{broken, pick, value_fits, ReadKeys, Reason, Sided};
use crate::automata::word_equation::{common_value, Constraints, OneHole, OtherString, Solution};
use crate::automata::{witness, Witness};
use crate::encode::{AtomId, StrVar, Term};
use crate::pattern::Glob;
use std::collections::BTreeSet;

/// Text globs asked over all strings together before the question is left undecided.
const MAX_JOINT_TEXT_GLOBS: usize = 12;

/// One string the key's value is read on: its true templates reading the key once, and
/// the fixed globs the model wants of it.
pub(in crate::explain) struct StringAsk {
    pub(in crate::explain) var: StrVar,
    pub(in crate::explain) templates: Vec<(AtomId, OneHole)>,
    pub(in crate::explain) pos: Vec<Sided>,
    pub(in crate::explain) neg: Vec<Sided>,
    pub(in crate::explain) read: ReadKeys,
}

/// A false template reading the key once, with the keys a lemma names with it.
type Avoided = (AtomId, OneHole, BTreeSet<Reason>);

impl ContextBuilder<'_> {
    /// A value of `key` meeting every string at once, or an atom-only lemma when none does.
    /// Each string in turn is the one asked with two templates (the others with their first
    /// template: asking less, so "no value" stays a proof; a value found is checked on every
    /// string with every template). `None`: undecided, the caller keeps its candidate.
    pub(in crate::explain) fn joint_equation(
        &mut self,
        key: &str,
        strings: &[StringAsk],
        value: (&[Sided], &[Sided]),
        (value_read, equal_to): (&ReadKeys, &[Term]),
    ) -> Option<Step<String>> {
        if strings.len() < 2 {
            return None;
        }
        let avoid: Vec<Vec<Avoided>> = strings
            .iter()
            .map(|s| self.false_one_hole_templates(&s.var, key))
            .collect();
        for main in 0..strings.len() {
            if let Some(step) =
                self.joint_from(key, strings, &avoid, main, value, (value_read, equal_to))
            {
                return Some(step);
            }
        }
        None
    }

    #[allow(clippy::too_many_arguments)]
    fn joint_from(
        &mut self,
        key: &str,
        strings: &[StringAsk],
        avoid: &[Vec<Avoided>],
        main: usize,
        (value_pos, value_neg): (&[Sided], &[Sided]),
        (value_read, equal_to): (&ReadKeys, &[Term]),
    ) -> Option<Step<String>> {
        let all_holes: Vec<Vec<OneHole>> = strings
            .iter()
            .map(|s| s.templates.iter().map(|(_, h)| h.clone()).collect())
            .collect();
        let avoid_holes: Vec<Vec<OneHole>> = avoid
            .iter()
            .map(|a| a.iter().map(|(_, h, _)| h.clone()).collect())
            .collect();
        let none: Vec<Vec<OneHole>> = vec![Vec::new(); strings.len()];
        let mut with_avoid = avoid.iter().any(|a| !a.is_empty());
        let mut asked: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); strings.len()];
        let vp: Vec<&Glob> = value_pos.iter().map(|(_, g)| g).collect();
        let vn: Vec<&Glob> = value_neg.iter().map(|(_, g)| g).collect();
        loop {
            if asked.iter().map(BTreeSet::len).sum::<usize>() > MAX_JOINT_TEXT_GLOBS {
                return None;
            }
            let avoiding = if with_avoid { &avoid_holes } else { &none };
            let texts: Vec<(Vec<&Glob>, Vec<&Glob>)> = strings
                .iter()
                .zip(&asked)
                .map(|(s, a)| (pick(&s.pos, a, 0), pick(&s.neg, a, s.pos.len())))
                .collect();
            let others: Vec<OtherString<'_>> = (0..strings.len())
                .filter(|&i| i != main)
                .map(|i| OtherString {
                    template: &all_holes[i][0],
                    all: &all_holes[i],
                    avoid: &avoiding[i],
                    text: Constraints {
                        positive: &texts[i].0,
                        negative: &texts[i].1,
                    },
                })
                .collect();
            let (a, b) = (
                &strings[main].templates[0],
                strings[main]
                    .templates
                    .get(1)
                    .unwrap_or(&strings[main].templates[0]),
            );
            let solution = common_value(
                &a.1,
                &b.1,
                &avoiding[main],
                Constraints {
                    positive: &vp,
                    negative: &vn,
                },
                Constraints {
                    positive: &texts[main].0,
                    negative: &texts[main].1,
                },
                &others,
            );
            if std::env::var_os("KEYAKI_TRACE").is_some() {
                eprintln!(
                    "keyaki: joint word equation for {key} on {} strings (main {:?}, {} text patterns asked): {solution:?}",
                    strings.len(),
                    strings[main].var,
                    asked.iter().map(BTreeSet::len).sum::<usize>(),
                );
            }
            match solution {
                Solution::Found { value, .. } => {
                    if value_fits(value_pos, value_neg, &value)
                        && strings.iter().zip(&avoid_holes).all(|(s, c)| {
                            string_admits(s, c, &value, &(0..s.pos.len() + s.neg.len()).collect())
                        })
                    {
                        return Some(Step::Done(value));
                    }
                    // Add one text glob a string breaks with this value (one that reads no
                    // other key first); none to add: undecided.
                    let next = strings.iter().enumerate().find_map(|(i, s)| {
                        let text = string_text(s, &avoid_holes[i], &value, &asked[i])?;
                        let fresh: Vec<usize> = broken(&s.pos, &s.neg, &text)
                            .into_iter()
                            .filter(|j| !asked[i].contains(j))
                            .collect();
                        let reads = |j: &usize| {
                            let id = if *j < s.pos.len() {
                                s.pos[*j].0
                            } else {
                                s.neg[*j - s.pos.len()].0
                            };
                            s.read.contains_key(&id)
                        };
                        let j = fresh
                            .iter()
                            .find(|j| !reads(j))
                            .or(fresh.first())
                            .copied()?;
                        Some((i, j))
                    });
                    let (i, j) = next?;
                    asked[i].insert(j);
                }
                Solution::Empty => {
                    let mut literals = vec![self.query.single_valued(key)];
                    literals.extend(equal_to.iter().cloned());
                    let mut keys_read: BTreeSet<Reason> = BTreeSet::new();
                    for (i, s) in strings.iter().enumerate() {
                        let used = if i == main { 2 } else { 1 };
                        for (id, _) in s.templates.iter().take(used) {
                            literals.push(Term::Atom(*id));
                            keys_read.extend(s.read.get(id).into_iter().flatten().cloned());
                        }
                        if with_avoid {
                            for (id, _, reasons) in &avoid[i] {
                                literals.push(Term::not(Term::Atom(*id)));
                                keys_read.extend(reasons.iter().cloned());
                            }
                        }
                        for (j, (id, _)) in s.pos.iter().chain(&s.neg).enumerate() {
                            if !asked[i].contains(&j) {
                                continue;
                            }
                            let atom = Term::Atom(*id);
                            literals.push(if j < s.pos.len() {
                                atom
                            } else {
                                Term::not(atom)
                            });
                            keys_read.extend(s.read.get(id).into_iter().flatten().cloned());
                        }
                    }
                    for (j, (id, _)) in value_pos.iter().chain(value_neg).enumerate() {
                        let atom = Term::Atom(*id);
                        literals.push(if j < value_pos.len() {
                            atom
                        } else {
                            Term::not(atom)
                        });
                        keys_read.extend(value_read.get(id).into_iter().flatten().cloned());
                    }
                    for reason in keys_read {
                        literals.extend(self.reason_literals(&reason));
                    }
                    return Some(Step::Learn(vec![Term::not(Term::and(literals))]));
                }
                // Undecided with the false templates: asked again without them (less).
                Solution::TooLarge if with_avoid => with_avoid = false,
                Solution::TooLarge => return None,
            }
        }
    }
}

/// A string meeting every true template of `s` with `value`, no negated one, and the text
/// globs in `asked` (indices into positives then negatives).
fn string_text(
    s: &StringAsk,
    avoid: &[OneHole],
    value: &str,
    asked: &BTreeSet<usize>,
) -> Option<String> {
    let templates: Vec<Glob> = s
        .templates
        .iter()
        .map(|(_, h)| h.with_value(value))
        .collect();
    let avoided: Vec<Glob> = avoid.iter().map(|h| h.with_value(value)).collect();
    let mut positive: Vec<&Glob> = templates.iter().collect();
    positive.extend(pick(&s.pos, asked, 0));
    let mut negative: Vec<&Glob> = avoided.iter().collect();
    negative.extend(pick(&s.neg, asked, s.pos.len()));
    match witness(&positive, &negative) {
        Witness::Found(text) => Some(text),
        _ => None,
    }
}

fn string_admits(s: &StringAsk, avoid: &[OneHole], value: &str, asked: &BTreeSet<usize>) -> bool {
    string_text(s, avoid, value, asked).is_some()
}
