//! Other strings the same value sits on (the resource and `s3:prefix`, each reading `u`).
//!
//! On another string with one template `α'·u·β'` every solution is aligned: `s' = a'·u·d'`
//! with `a' ∈ α'`, `d' ∈ β'`. Whether such an `s'` meets the string's text globs depends on
//! `u` only through `u`'s relation on those globs (what `u` does to their NFAs), and whether
//! a negated template `γ_C·u·δ_C` matches with its copy on the known one (`a' ∈ γ_C`,
//! `d' ∈ δ_C`) not on `u` at all. So the other string admits `u` exactly when some pair of
//! behaviours of `a'` and `d'` (finitely many, enumerated once) fits `u`'s relation: a
//! condition on `u`'s behaviour, which the main string's search already ranges over (the
//! aligned product and the shifted `(pq)^k·p`). The negated templates' third offsets are
//! checked, as on the main string, by the reference matcher on the value found.

use super::{co_set, explore, image, Constraints, Nfa, OneHole, Rel, Set, MAX_CHECKS};
use crate::automata::{witness, Witness};
use crate::pattern::Glob;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};

/// Another string the value is read on, asked with one template reading it once.
#[derive(Debug, Clone, Copy)]
pub struct OtherString<'a> {
    /// The template asked: `s' = a'·u·d'`, `a'` in its text before the value, `d'` after.
    pub template: &'a OneHole,
    /// Every true template reading the value on this string (the exact check asks them all).
    pub all: &'a [OneHole],
    /// Templates the string must not match (`s' ∉ C[u]`).
    pub avoid: &'a [OneHole],
    pub text: Constraints<'a>,
}

impl OtherString<'_> {
    /// Every glob of the question (for the exploration alphabet).
    pub(super) fn globs(&self) -> impl Iterator<Item = &Glob> {
        [&self.template.before, &self.template.after]
            .into_iter()
            .chain(self.avoid.iter().flat_map(|c| [&c.before, &c.after]))
            .chain(self.text.positive.iter().copied())
            .chain(self.text.negative.iter().copied())
    }
}

/// An [`OtherString`] prepared for the search.
pub(super) struct Other {
    /// The text globs, positive first: `u`'s relation on them is what the search keeps.
    pub(super) texts: Vec<Nfa>,
    positives: usize,
    /// Per behaviour of `a' ∈ α'`: the texts' sets after it, and per negated template
    /// whether γ_C accepts it.
    after_a: Vec<(Vec<Set>, Vec<bool>)>,
    /// Per behaviour of `d' ∈ β'`: the texts' co-sets before it (from where they accept
    /// after reading it), and per negated template whether δ_C accepts it.
    before_d: Vec<(Vec<Set>, Vec<bool>)>,
    admitted: RefCell<HashMap<Vec<Rel>, bool>>,
    /// Pairs of `After × Before` tried; past [`MAX_CHECKS`] every answer is "no" and the
    /// question `TooLarge` (a "no" from the budget is no proof).
    tried: Cell<usize>,
    pub(super) exhausted: Cell<bool>,
    exact: ExactOther,
}

struct ExactOther {
    all: Vec<OneHole>,
    avoid: Vec<OneHole>,
    positive: Vec<Glob>,
    negative: Vec<Glob>,
}

impl Other {
    /// `None` when a glob is too long or a behaviour budget runs out.
    pub(super) fn new(other: &OtherString<'_>, alphabet: &[char]) -> Option<Other> {
        let texts: Vec<Nfa> = other
            .text
            .positive
            .iter()
            .chain(other.text.negative)
            .map(|g| Nfa::new(g))
            .collect::<Option<_>>()?;
        let before = Nfa::new(&other.template.before)?;
        let after = Nfa::new(&other.template.after)?;
        let gammas: Vec<Nfa> = other
            .avoid
            .iter()
            .map(|c| Nfa::new(&c.before))
            .collect::<Option<_>>()?;
        let deltas: Vec<Nfa> = other
            .avoid
            .iter()
            .map(|c| Nfa::new(&c.after))
            .collect::<Option<_>>()?;
        let (nt, na) = (texts.len(), gammas.len());
        // a': its own set, then the texts' and the γ_C's sets.
        let a_reads: Vec<&Nfa> = texts.iter().chain(&gammas).collect();
        let mut a_start = vec![before.start()];
        a_start.extend(a_reads.iter().map(|n| n.start()));
        let a_states = explore(a_start, alphabet, 1 + a_reads.len(), |s, c| {
            let mut next = vec![before.step(s[0], c)];
            next.extend(a_reads.iter().zip(&s[1..]).map(|(n, x)| n.step(*x, c)));
            (next[0] != 0).then_some(next)
        })?;
        let after_a: HashSet<(Vec<Set>, Vec<bool>)> = a_states
            .into_iter()
            .filter(|(s, _)| s[0] & before.accept() != 0)
            .map(|(s, _)| {
                let sets = s[1..=nt].to_vec();
                let bits = gammas
                    .iter()
                    .zip(&s[1 + nt..])
                    .map(|(g, x)| x & g.accept() != 0)
                    .collect();
                (sets, bits)
            })
            .collect();
        // d': its own set (from β's start), the texts' relations and the δ_C's sets.
        let mut d_start: Vec<Rel> = vec![vec![after.start()]];
        d_start.extend(texts.iter().map(|n| n.identity()));
        d_start.extend(deltas.iter().map(|n| vec![n.start()]));
        let d_sets = 1 + na + texts.iter().map(|n| n.tokens.len() + 1).sum::<usize>();
        let d_states = explore(d_start, alphabet, d_sets, |r, c| {
            let mut next = vec![vec![after.step(r[0][0], c)]];
            next.extend(texts.iter().zip(&r[1..]).map(|(n, x)| n.step_rel(x, c)));
            next.extend(
                deltas
                    .iter()
                    .zip(&r[1 + nt..])
                    .map(|(n, x)| vec![n.step(x[0], c)]),
            );
            (next[0][0] != 0).then_some(next)
        })?;
        let before_d: HashSet<(Vec<Set>, Vec<bool>)> = d_states
            .into_iter()
            .filter(|(r, _)| r[0][0] & after.accept() != 0)
            .map(|(r, _)| {
                let co = texts
                    .iter()
                    .zip(&r[1..=nt])
                    .map(|(n, x)| co_set(x, n.accept()))
                    .collect();
                let bits = deltas
                    .iter()
                    .zip(&r[1 + nt..])
                    .map(|(n, x)| x[0] & n.accept() != 0)
                    .collect();
                (co, bits)
            })
            .collect();
        Some(Other {
            texts,
            positives: other.text.positive.len(),
            after_a: after_a.into_iter().collect(),
            before_d: before_d.into_iter().collect(),
            admitted: RefCell::new(HashMap::new()),
            tried: Cell::new(0),
            exhausted: Cell::new(false),
            exact: ExactOther {
                all: other.all.to_vec(),
                avoid: other.avoid.to_vec(),
                positive: other.text.positive.iter().map(|g| (*g).clone()).collect(),
                negative: other.text.negative.iter().map(|g| (*g).clone()).collect(),
            },
        })
    }

    /// Is there `a'`, `d'` such that `a'·u·d'` meets the string's question, `u` acting on
    /// the texts by `rels`, with no negated template matching on the known copy?
    pub(super) fn admits(&self, rels: &[Rel]) -> bool {
        if let Some(known) = self.admitted.borrow().get(rels) {
            return *known;
        }
        let tried = self.tried.get() + self.after_a.len() * self.before_d.len();
        self.tried.set(tried);
        if tried > MAX_CHECKS {
            self.exhausted.set(true);
            return false;
        }
        let answer = self.after_a.iter().any(|(sets, a_in)| {
            let through: Vec<Set> = sets.iter().zip(rels).map(|(s, r)| image(*s, r)).collect();
            self.before_d.iter().any(|(co, d_in)| {
                through
                    .iter()
                    .zip(co)
                    .enumerate()
                    .all(|(i, (s, c))| (s & c != 0) == (i < self.positives))
                    && !a_in.iter().zip(d_in).any(|(a, d)| *a && *d)
            })
        });
        self.admitted.borrow_mut().insert(rels.to_vec(), answer);
        answer
    }

    /// With the value known the string's question is a plain glob combination (every true
    /// template, every negated one, every text glob), decided by the product automaton.
    pub(super) fn exact(&self, value: &str) -> bool {
        let e = &self.exact;
        let templates: Vec<Glob> = e.all.iter().map(|t| t.with_value(value)).collect();
        let avoided: Vec<Glob> = e.avoid.iter().map(|t| t.with_value(value)).collect();
        let positive: Vec<&Glob> = templates.iter().chain(&e.positive).collect();
        let negative: Vec<&Glob> = avoided.iter().chain(&e.negative).collect();
        matches!(witness(&positive, &negative), Witness::Found(_))
    }
}

/// `r` then `s`, glob by glob.
pub(super) fn compose(r: &[Rel], s: &[Rel]) -> Vec<Rel> {
    r.iter()
        .zip(s)
        .map(|(x, y)| x.iter().map(|set| image(*set, y)).collect())
        .collect()
}
