//! One-variable word equations with regular constraints, decided exactly.
//!
//! Two templates on one string, each reading the value `u` of one policy variable once:
//! `A = α·u·β` and `B = γ·u·δ`, where α, β, γ, δ are globs without holes. Is there a value
//! `u` (matching every glob of `value.positive`, none of `value.negative`) and a string `s`
//! in `A[u] ∩ B[u]` (matching every glob of `text.positive`, none of `text.negative`)?
//!
//! Write `s = a·u·b = c·u·d` with `a ∈ α, b ∈ β, c ∈ γ, d ∈ δ`. Either `|a| = |c|`, and then
//! `a = c`, `b = d` and `u` is free (the aligned case); or, say, `|a| < |c|`, `c = a·w` with
//! `w` non-empty and `u·b = w·u·d`. Then `u` is a prefix of `w^∞` (it occurs at offsets 0
//! and `|w|` of `u·b`), so with `w = p·q`, `|p| = |u| mod |w|`: `u = (pq)^k·p`, `b = q·p·d`,
//! `c = a·p·q` and `s = a·(pq)^(k+1)·p·d`; conversely every such choice is a solution. So the
//! solutions are: `a ∈ α`, `apq ∈ γ`, `d ∈ δ`, `qpd ∈ β`, `pq ≠ ε`, `(pq)^k p` a value, `s`
//! a text — conditions on the behaviour of the words `a, p, q, d` in the globs' automata
//! only. A word acts on a glob's NFA as a relation between positions; the relations of all
//! words form a finite monoid, enumerated breadth-first over the exploration alphabet (a
//! letter-to-letter renaming that keeps every glob's answer keeps a solution a solution).
//! Each of `a`, `d`, `p`, `q` ranges over finitely many behaviours and `k` over an
//! ultimately periodic sequence of states, so the search ends, and it is exact. The
//! proof, with the bounds, is in `encodings/policy-variables.md`.

use super::product::exploration_alphabet;
use crate::pattern::{Glob, Token};
use std::cell::Cell;
use std::collections::{HashSet, VecDeque};
use std::hash::Hash;

/// Behaviours explored per phase before the answer is "too large" (unknown).
const MAX_BEHAVIOURS: usize = 4_000;
/// Set steps (one glob position set read through one letter) per phase before the answer
/// is "too large": keeps one question within tens of milliseconds whatever the globs.
const MAX_SET_STEPS: usize = 4_000_000;
/// Combination checks in the pair loop before the answer is "too large".
const MAX_CHECKS: usize = 2_000_000;
/// Positions per glob (bit sets are `u128`).
const MAX_POSITIONS: usize = 127;

/// A glob with one hole: the text `before` the value, the value, the text `after` it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneHole {
    pub before: Glob,
    pub after: Glob,
    pub hole: u8,
}

impl OneHole {
    /// The split of a glob with exactly one [`Token::Hole`]; `None` otherwise.
    pub fn split(glob: &Glob) -> Option<OneHole> {
        let tokens = glob.tokens();
        let mut holes = tokens.iter().enumerate().filter_map(|(i, t)| match t {
            Token::Hole(n) => Some((i, *n)),
            _ => None,
        });
        let (at, hole) = holes.next()?;
        if holes.next().is_some() {
            return None;
        }
        Some(OneHole {
            before: Glob::from_tokens(tokens[..at].to_vec()),
            after: Glob::from_tokens(tokens[at + 1..].to_vec()),
            hole,
        })
    }

    /// The template with the value substituted (the value's characters are literal).
    pub fn with_value(&self, value: &str) -> Glob {
        let mut tokens = self.before.tokens().to_vec();
        tokens.extend(value.chars().map(Token::Lit));
        tokens.extend_from_slice(self.after.tokens());
        Glob::from_tokens(tokens)
    }
}

/// Globs a string must match (`positive`) and must not match (`negative`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Constraints<'a> {
    pub positive: &'a [&'a Glob],
    pub negative: &'a [&'a Glob],
}

impl Constraints<'_> {
    fn admit(&self, text: &str) -> bool {
        self.positive.iter().all(|g| g.matches(text))
            && !self.negative.iter().any(|g| g.matches(text))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Solution {
    /// A value and a string in both templates with it (checked by the reference matcher).
    Found { value: String, text: String },
    /// Proof that no value and string exist.
    Empty,
    /// A budget ran out: unknown.
    TooLarge,
}

/// Is there a value `u` and a string in `a[u] ∩ b[u]`, both meeting their constraints?
pub fn common_string(
    a: &OneHole,
    b: &OneHole,
    value: Constraints<'_>,
    text: Constraints<'_>,
) -> Solution {
    common_string_avoiding(a, b, &[], value, text)
}

/// [`common_string`] with templates the string must *not* match (`s ∉ C[u]` for each
/// `C` in `avoid`, each reading the value once).
///
/// Exact where it answers. The search keeps a solution's two known copies of `u` (where
/// `a` and `b` read it) and asks that no negated template matches with its copy of `u` on
/// either of them: a condition on the same finite behaviours, implied by `s ∉ C[u]`, so
/// "none" is a proof. Every solution found is checked against the negated templates by
/// the reference matcher (a `C` may still match with its copy of `u` at a third offset);
/// one that fails is passed over, and if no other is found the answer is `TooLarge`,
/// never `Empty`.
pub fn common_string_avoiding(
    a: &OneHole,
    b: &OneHole,
    avoid: &[OneHole],
    value: Constraints<'_>,
    text: Constraints<'_>,
) -> Solution {
    common_value(a, b, avoid, value, text, &[])
}

/// [`common_string_avoiding`] with other strings the same value is read on, each with one
/// template (`joint.rs`): is there a value meeting every string's question at once?
///
/// Exact where it answers, as for one string: on each other string every solution is
/// aligned, and whether it admits the value depends only on the value's relation on that
/// string's globs, which the search ranges over with the rest of the value's behaviour.
/// "No value" is a proof; a value found is checked on every string by the reference
/// matcher (every true template, negated templates at any offset), and one that fails is
/// passed over, turning a final "none" into `TooLarge`.
pub fn common_value(
    a: &OneHole,
    b: &OneHole,
    avoid: &[OneHole],
    value: Constraints<'_>,
    text: Constraints<'_>,
    others: &[OtherString<'_>],
) -> Solution {
    let Some(problem) = Problem::new(a, b, avoid, value, text, others) else {
        return Solution::TooLarge;
    };
    // One template (`b = a`): every solution is aligned (`c = a`, `d = b`), the shifted
    // cases add nothing.
    let cases: &[u8] = if a == b { &[0] } else { &[0, 1, 2] };
    let mut too_large = false;
    for case in cases {
        let outcome = match case {
            0 => problem.aligned(),
            1 => problem.shifted(false),
            _ => problem.shifted(true),
        };
        match outcome {
            // Checked by `Problem::exact` before it was returned.
            Some(Some((u, s))) => return Solution::Found { value: u, text: s },
            Some(None) => {}
            None => too_large = true,
        }
    }
    let exhausted = problem.others.iter().any(|o| o.exhausted.get());
    if too_large || exhausted || problem.rejected.get() {
        Solution::TooLarge
    } else {
        Solution::Empty
    }
}

type Set = u128;
/// What a word does to a glob's NFA: for each start position, the closed set reached.
type Rel = Vec<Set>;

/// A glob's NFA over positions `0..=n` (position `i` before token `i`, `n` accepting).
struct Nfa {
    tokens: Vec<Token>,
}

impl Nfa {
    fn new(glob: &Glob) -> Option<Nfa> {
        (glob.tokens().len() < MAX_POSITIONS).then(|| Nfa {
            tokens: glob.tokens().to_vec(),
        })
    }

    fn accept(&self) -> Set {
        1 << self.tokens.len()
    }

    /// A star may match nothing; ascending order carries the closure through star runs.
    fn close(&self, mut set: Set) -> Set {
        for (i, t) in self.tokens.iter().enumerate() {
            if t.is_star() && set & (1 << i) != 0 {
                set |= 1 << (i + 1);
            }
        }
        set
    }

    fn start(&self) -> Set {
        self.close(1)
    }

    fn step(&self, set: Set, c: char) -> Set {
        let mut next: Set = 0;
        let mut bits = set;
        while bits != 0 {
            let i = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            if let Some(t) = self.tokens.get(i) {
                if t.accepts(c) {
                    next |= if t.is_star() { 1 << i } else { 1 << (i + 1) };
                }
            }
        }
        self.close(next)
    }

    fn identity(&self) -> Rel {
        (0..=self.tokens.len())
            .map(|i| self.close(1 << i))
            .collect()
    }

    fn step_rel(&self, rel: &[Set], c: char) -> Rel {
        rel.iter().map(|&s| self.step(s, c)).collect()
    }
}

/// The set reached from `set` by a word with relation `rel`.
fn image(set: Set, rel: &[Set]) -> Set {
    let mut out = 0;
    let mut bits = set;
    while bits != 0 {
        let i = bits.trailing_zeros() as usize;
        bits &= bits - 1;
        out |= rel[i];
    }
    out
}

/// The positions from which a word with relation `rel` reaches acceptance.
fn co_set(rel: &[Set], accept: Set) -> Set {
    rel.iter()
        .enumerate()
        .filter(|(_, s)| **s & accept != 0)
        .fold(0, |acc, (i, _)| acc | (1 << i))
}

/// Breadth-first over words from `start`: every reachable state with its shortest word.
/// `step` answers `None` for dead states. `None` when the budget runs out.
fn explore<S: Clone + Eq + Hash>(
    start: S,
    alphabet: &[char],
    sets_per_state: usize,
    step: impl Fn(&S, char) -> Option<S>,
) -> Option<Vec<(S, String)>> {
    let mut seen: HashSet<S> = HashSet::from([start.clone()]);
    let mut out = vec![(start.clone(), String::new())];
    let mut queue = VecDeque::from([0usize]);
    let mut set_steps = 0usize;
    while let Some(index) = queue.pop_front() {
        set_steps += sets_per_state * alphabet.len();
        if set_steps > MAX_SET_STEPS {
            return None;
        }
        for &c in alphabet {
            let (state, word) = &out[index];
            let Some(next) = step(state, c) else { continue };
            if seen.contains(&next) {
                continue;
            }
            if out.len() >= MAX_BEHAVIOURS {
                return None;
            }
            let mut longer = word.clone();
            longer.push(c);
            seen.insert(next.clone());
            out.push((next, longer));
            queue.push_back(out.len() - 1);
        }
    }
    Some(out)
}

struct Problem {
    alpha: Nfa,
    beta: Nfa,
    gamma: Nfa,
    delta: Nfa,
    value_pos: Vec<Nfa>,
    value_neg: Vec<Nfa>,
    text_pos: Vec<Nfa>,
    text_neg: Vec<Nfa>,
    /// Each negated template's text before and after its value (γ_C, δ_C).
    avoid: Vec<(Nfa, Nfa)>,
    alphabet: Vec<char>,
    /// The templates, the negated ones and the constraints, for the exact check.
    exact: Exact,
    /// A solution of the search failed the exact check (a negated template matched with
    /// its value at a third offset): "no solution" is then no proof.
    rejected: Cell<bool>,
    /// Other strings the value is read on (`joint.rs`).
    others: Vec<Other>,
}

/// What a solution must meet, for the reference matcher.
struct Exact {
    a: OneHole,
    b: OneHole,
    avoid: Vec<OneHole>,
    value_pos: Vec<Glob>,
    value_neg: Vec<Glob>,
    text_pos: Vec<Glob>,
    text_neg: Vec<Glob>,
}

/// `None`: the search ran out of budget; `Some(None)`: no solution; else `(value, text)`.
type Outcome = Option<Option<(String, String)>>;

impl Problem {
    fn new(
        a: &OneHole,
        b: &OneHole,
        avoid: &[OneHole],
        value: Constraints<'_>,
        text: Constraints<'_>,
        others: &[OtherString<'_>],
    ) -> Option<Problem> {
        let all = || {
            [&a.before, &a.after, &b.before, &b.after]
                .into_iter()
                .chain(avoid.iter().flat_map(|c| [&c.before, &c.after]))
                .chain(value.positive.iter().copied())
                .chain(value.negative.iter().copied())
                .chain(text.positive.iter().copied())
                .chain(text.negative.iter().copied())
                .chain(others.iter().flat_map(OtherString::globs))
        };
        let alphabet = exploration_alphabet(all());
        if all().any(|g| g.tokens().iter().any(|t| matches!(t, Token::Hole(_)))) {
            return None;
        }
        let nfas = |globs: &[&Glob]| globs.iter().map(|g| Nfa::new(g)).collect::<Option<_>>();
        Some(Problem {
            alpha: Nfa::new(&a.before)?,
            beta: Nfa::new(&a.after)?,
            gamma: Nfa::new(&b.before)?,
            delta: Nfa::new(&b.after)?,
            value_pos: nfas(value.positive)?,
            value_neg: nfas(value.negative)?,
            text_pos: nfas(text.positive)?,
            text_neg: nfas(text.negative)?,
            avoid: avoid
                .iter()
                .map(|c| Some((Nfa::new(&c.before)?, Nfa::new(&c.after)?)))
                .collect::<Option<_>>()?,
            others: others
                .iter()
                .map(|o| Other::new(o, &alphabet))
                .collect::<Option<_>>()?,
            alphabet,
            exact: Exact {
                a: a.clone(),
                b: b.clone(),
                avoid: avoid.to_vec(),
                value_pos: value.positive.iter().map(|g| (*g).clone()).collect(),
                value_neg: value.negative.iter().map(|g| (*g).clone()).collect(),
                text_pos: text.positive.iter().map(|g| (*g).clone()).collect(),
                text_neg: text.negative.iter().map(|g| (*g).clone()).collect(),
            },
            rejected: Cell::new(false),
        })
    }

    fn texts(&self) -> impl Iterator<Item = &Nfa> {
        self.text_pos.iter().chain(&self.text_neg)
    }

    fn values(&self) -> impl Iterator<Item = &Nfa> {
        self.value_pos.iter().chain(&self.value_neg)
    }

    /// Does `(u, s)` solve the question, by the reference matcher? Correct by construction
    /// but for the negated templates' third offsets; a failure is remembered (`rejected`).
    fn exact(&self, u: &str, s: &str) -> bool {
        let e = &self.exact;
        let fits = e.a.with_value(u).matches(s)
            && e.b.with_value(u).matches(s)
            && !e.avoid.iter().any(|c| c.with_value(u).matches(s))
            && e.value_pos.iter().all(|g| g.matches(u))
            && !e.value_neg.iter().any(|g| g.matches(u))
            && e.text_pos.iter().all(|g| g.matches(s))
            && !e.text_neg.iter().any(|g| g.matches(s))
            && self.others.iter().all(|o| o.exact(u));
        if !fits {
            self.rejected.set(true);
        }
        fits
    }

    /// The other strings' text globs, string by string (`u`'s relation on them is kept).
    fn other_texts(&self) -> Vec<&Nfa> {
        self.others.iter().flat_map(|o| &o.texts).collect()
    }

    /// Does every other string admit a value acting on its texts by `rels` (in the order
    /// of [`Self::other_texts`])?
    fn others_admit(&self, rels: &[Rel]) -> bool {
        let mut rest = rels;
        self.others.iter().all(|o| {
            let (mine, more) = rest.split_at(o.texts.len().min(rest.len()));
            rest = more;
            o.admits(mine)
        })
    }

    /// [`Self::others_admit`] on the relations laid end to end (the aligned product's state).
    fn others_admit_flat(&self, flat: &[Set]) -> bool {
        let mut rels = Vec::new();
        let mut rest = flat;
        for n in self.other_texts() {
            let (mine, more) = rest.split_at((n.tokens.len() + 1).min(rest.len()));
            rels.push(mine.to_vec());
            rest = more;
        }
        self.others_admit(&rels)
    }

    /// The value's sets (positive globs first) meet the value constraints.
    fn value_admits(&self, sets: &[Set]) -> bool {
        let (pos, neg) = sets.split_at(self.value_pos.len());
        self.value_pos
            .iter()
            .zip(pos)
            .all(|(n, s)| s & n.accept() != 0)
            && self
                .value_neg
                .iter()
                .zip(neg)
                .all(|(n, s)| s & n.accept() == 0)
    }

    /// The text's sets (positive globs first) meet the text constraints.
    fn text_admits(&self, sets: &[Set]) -> bool {
        let (pos, neg) = sets.split_at(self.text_pos.len());
        self.text_pos
            .iter()
            .zip(pos)
            .all(|(n, s)| s & n.accept() != 0)
            && self
                .text_neg
                .iter()
                .zip(neg)
                .all(|(n, s)| s & n.accept() == 0)
    }
}

mod aligned;
mod cancelled;
mod joint;
mod repeated;
mod shifted;
mod substituted;
pub use cancelled::{
    cancel_ends, common_folded, fresh_rigid, is_rigid, only_rigid_solutions, Ends, VALUE_HOLE,
};
pub use joint::OtherString;
use joint::{compose, Other};
pub use repeated::{repeated_value, split_at_repeated_hole, with_repeated_value};
pub use substituted::{inner_value, substituted};

#[cfg(test)]
mod substituted_tests;
#[cfg(test)]
mod tests;
