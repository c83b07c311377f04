//! Two true templates on one string that read one key a different number of times
//! (`${t}/${t}` and `${t}`; a key's own value against `${u}/${u}`): a length count per hole.
//!
//! With the key single-valued and read `n` times, a template's strings have length
//! `n·|u| + t`, `t` the length of its text (each character one, `?` one, `*` any number; a
//! case fold maps one character to one). Two templates on one string need
//! `n_A·|u| + t_A = n_B·|u| + t_B`; when no length `|u| ≥ 0` and no texts in their ranges
//! solve it, no value and no string do: an atom-only lemma, true for every value.

use super::super::concretize::Step;
use super::super::context::ContextBuilder;
use crate::encode::{AtomId, MatchMode, StrPattern, StrVar, Term};
use crate::pattern::{Template, TemplatePart};

/// A template's reads of the key and its text's length range (`None`: unbounded).
struct Count {
    reads: i64,
    min: i64,
    max: Option<i64>,
}

fn count(t: &Template, mode: MatchMode, key: &str) -> Option<Count> {
    let mut c = Count {
        reads: 0,
        min: 0,
        max: Some(0),
    };
    for part in &t.parts {
        match part {
            TemplatePart::Var { key_lower, .. } if key_lower == key => c.reads += 1,
            // Another key: its length is not known here.
            TemplatePart::Var { .. } => return None,
            TemplatePart::Escaped(_) => {
                c.min += 1;
                c.max = c.max.map(|m| m + 1);
            }
            TemplatePart::Text(text) => {
                for ch in text.chars() {
                    let star = ch == '*' && matches!(mode, MatchMode::Like | MatchMode::Arn);
                    if star {
                        c.max = None;
                    } else {
                        c.min += 1;
                        c.max = c.max.map(|m| m + 1);
                    }
                }
            }
        }
    }
    Some(c)
}

/// Is there `L ≥ 0`, `ta ∈ a`'s range, `tb ∈ b`'s with `a.reads·L + ta = b.reads·L + tb`?
fn lengths_meet(a: &Count, b: &Count) -> bool {
    let (a, b) = if a.reads >= b.reads { (a, b) } else { (b, a) };
    let d = a.reads - b.reads;
    if d == 0 {
        // Any length of `u`; the texts' ranges must meet.
        return a.max.is_none_or(|m| m >= b.min) && b.max.is_none_or(|m| m >= a.min);
    }
    // d·L = tb − ta for some L ≥ 0: a non-negative multiple of d in [b.min − a.max, b.max − a.min].
    let Some(upper) = b.max.map(|m| m - a.min) else {
        return true;
    };
    let lower = a.max.map_or(0, |m| (b.min - m).max(0));
    upper >= lower && (upper / d) * d >= lower
}

impl ContextBuilder<'_> {
    /// A lemma when two true templates on one string (or one on the key's own first value,
    /// which is `${key}` read once) cannot have equal lengths for any value of `key`.
    pub(in crate::explain) fn length_conflict(&mut self, key: &str) -> Option<Step<String>> {
        let own = StrVar::Context {
            key: key.to_string(),
            slot: 0,
        };
        let vars: Vec<StrVar> = self.str_atoms.keys().cloned().collect();
        for var in vars {
            let mut counts: Vec<(Option<AtomId>, Count)> = Vec::new();
            if var == own {
                counts.push((
                    None,
                    Count {
                        reads: 1,
                        min: 0,
                        max: Some(0),
                    },
                ));
            }
            for (id, pattern) in self.str_atoms_on(&var) {
                let StrPattern::Template(t, mode) = pattern else {
                    continue;
                };
                if !self.a.atom(id) || !t.variable_keys().any(|k| k == key) {
                    continue;
                }
                if let Some(c) = count(t, *mode, key) {
                    counts.push((Some(id), c));
                }
            }
            for (i, (a, ca)) in counts.iter().enumerate() {
                for (b, cb) in &counts[i + 1..] {
                    if lengths_meet(ca, cb) {
                        continue;
                    }
                    let mut literals = vec![self.query.single_valued(key)];
                    literals.extend([a, b].into_iter().flatten().map(|id| Term::Atom(*id)));
                    return Some(Step::Learn(vec![Term::not(Term::and(literals))]));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(reads: i64, min: i64, max: Option<i64>) -> Count {
        Count { reads, min, max }
    }

    #[test]
    fn lengths_per_hole() {
        // `${t}/${t}` against `${t}`: 2L + 1 = L has no solution.
        assert!(!lengths_meet(&c(2, 1, Some(1)), &c(1, 0, Some(0))));
        // `${t}${t}` against `${t}`: L = 0 solves it.
        assert!(lengths_meet(&c(2, 0, Some(0)), &c(1, 0, Some(0))));
        // `${t}/${t}` against `${t}*`: L + t = 2L + 1 with t = L + 1.
        assert!(lengths_meet(&c(2, 1, Some(1)), &c(1, 0, None)));
        // `${t}${t}` against `${t}?`: L = 1 (2 = 1 + 1).
        assert!(lengths_meet(&c(2, 0, Some(0)), &c(1, 1, Some(1))));
        // `${t}${t}${t}` against `${t}??`? 3L = L + 2 → L = 1; against `${t}?`: 2L = 1, none.
        assert!(lengths_meet(&c(3, 0, Some(0)), &c(1, 2, Some(2))));
        assert!(!lengths_meet(&c(3, 0, Some(0)), &c(1, 1, Some(1))));
        // Same reads: the texts' ranges must meet (`a${t}` against `${t}bc`: no).
        assert!(!lengths_meet(&c(1, 1, Some(1)), &c(1, 2, Some(2))));
        assert!(lengths_meet(&c(1, 1, Some(1)), &c(1, 0, None)));
        // A star in the template read more often: 2L + t = L + 3 with t ≥ 1: L ≤ 2.
        assert!(lengths_meet(&c(2, 1, None), &c(1, 3, Some(3))));
        assert!(!lengths_meet(&c(2, 4, None), &c(1, 3, Some(3))));
    }
}
