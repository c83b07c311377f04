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
use std::collections::{HashMap, HashSet, VecDeque};
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
    let Some(problem) = Problem::new(a, b, value, text) else {
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
            Some(Some((u, s))) => {
                // Correct by construction; re-checked so that a bug can only ever be "unknown".
                let fits = a.with_value(&u).matches(&s)
                    && b.with_value(&u).matches(&s)
                    && value.admit(&u)
                    && text.admit(&s);
                return if fits {
                    Solution::Found { value: u, text: s }
                } else {
                    Solution::TooLarge
                };
            }
            Some(None) => {}
            None => too_large = true,
        }
    }
    if too_large {
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
    alphabet: Vec<char>,
}

/// `None`: the search ran out of budget; `Some(None)`: no solution; else `(value, text)`.
type Outcome = Option<Option<(String, String)>>;

impl Problem {
    fn new(
        a: &OneHole,
        b: &OneHole,
        value: Constraints<'_>,
        text: Constraints<'_>,
    ) -> Option<Problem> {
        let all = || {
            [&a.before, &a.after, &b.before, &b.after]
                .into_iter()
                .chain(value.positive.iter().copied())
                .chain(value.negative.iter().copied())
                .chain(text.positive.iter().copied())
                .chain(text.negative.iter().copied())
        };
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
            alphabet: exploration_alphabet(all()),
        })
    }

    fn texts(&self) -> impl Iterator<Item = &Nfa> {
        self.text_pos.iter().chain(&self.text_neg)
    }

    fn values(&self) -> impl Iterator<Item = &Nfa> {
        self.value_pos.iter().chain(&self.value_neg)
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

    /// `|a| = |c|`: `s = a·u·d` with `a ∈ α ∩ γ`, `u` a value, `d ∈ β ∩ δ`. One product in
    /// three phases (state: phase, then the phase's globs' sets, then the text globs' sets).
    fn aligned(&self) -> Outcome {
        let texts: Vec<&Nfa> = self.texts().collect();
        let values: Vec<&Nfa> = self.values().collect();
        let phase_globs = |phase: u128| -> Vec<&Nfa> {
            match phase {
                0 => vec![&self.alpha, &self.gamma],
                1 => values.clone(),
                _ => vec![&self.beta, &self.delta],
            }
        };
        let starts =
            |phase: u128| -> Vec<Set> { phase_globs(phase).iter().map(|n| n.start()).collect() };
        // The phase may end here: its globs accept (the value's as the constraints say).
        let phase_done = |phase: u128, sets: &[Set]| -> bool {
            match phase {
                1 => self.value_admits(sets),
                _ => sets
                    .iter()
                    .zip(phase_globs(phase))
                    .all(|(s, n)| s & n.accept() != 0),
            }
        };
        // Switch phases as far as the current sets allow (an empty part is allowed).
        let settle = |mut state: Vec<Set>| -> Vec<Vec<Set>> {
            let mut out = vec![state.clone()];
            while state[0] < 2 {
                let phase = state[0];
                let own = phase_globs(phase).len();
                if !phase_done(phase, &state[1..=own]) {
                    break;
                }
                let mut next = vec![phase + 1];
                next.extend(starts(phase + 1));
                next.extend_from_slice(&state[1 + own..]);
                out.push(next.clone());
                state = next;
            }
            out
        };
        let mut first = vec![0];
        first.extend(starts(0));
        first.extend(texts.iter().map(|n| n.start()));
        // The words of each phase, recorded by state to cut the text at the phase switches.
        type Parts = (String, String, String);
        let mut parts: HashMap<Vec<Set>, Parts> = HashMap::new();
        let mut queue = VecDeque::new();
        for s in settle(first) {
            parts.insert(s.clone(), Parts::default());
            queue.push_back(s);
        }
        while let Some(state) = queue.pop_front() {
            let phase = state[0];
            let globs = phase_globs(phase);
            let own = globs.len();
            if phase == 2 && phase_done(2, &state[1..=own]) && self.text_admits(&state[1 + own..]) {
                let (a, u, d) = parts.get(&state).cloned().unwrap_or_default();
                return Some(Some((u.clone(), format!("{a}{u}{d}"))));
            }
            for &c in &self.alphabet {
                let mut next = vec![phase];
                next.extend(
                    globs
                        .iter()
                        .zip(&state[1..=own])
                        .map(|(n, s)| n.step(*s, c)),
                );
                next.extend(
                    texts
                        .iter()
                        .zip(&state[1 + own..])
                        .map(|(n, s)| n.step(*s, c)),
                );
                // Dead: a glob the phase must still accept is stuck (the value's positives
                // only), or a positive text glob is.
                let stuck_own = match phase {
                    1 => next[1..=self.value_pos.len()].contains(&0),
                    _ => next[1..=own].contains(&0),
                };
                let stuck_text = next[1 + own..1 + own + self.text_pos.len()].contains(&0);
                if stuck_own || stuck_text {
                    continue;
                }
                let mut words = parts.get(&state).cloned().unwrap_or_default();
                match phase {
                    0 => words.0.push(c),
                    1 => words.1.push(c),
                    _ => words.2.push(c),
                }
                for s in settle(next) {
                    if parts.contains_key(&s) {
                        continue;
                    }
                    if parts.len() >= MAX_BEHAVIOURS {
                        return None;
                    }
                    parts.insert(s.clone(), words.clone());
                    queue.push_back(s);
                }
            }
        }
        Some(None)
    }

    /// `|a| < |c|` (or, `swapped`, `|c| < |a|` with the templates' roles exchanged).
    fn shifted(&self, swapped: bool) -> Outcome {
        let (alpha, beta, gamma, delta) = if swapped {
            (&self.gamma, &self.delta, &self.alpha, &self.beta)
        } else {
            (&self.alpha, &self.beta, &self.gamma, &self.delta)
        };
        let texts: Vec<&Nfa> = self.texts().collect();
        let values: Vec<&Nfa> = self.values().collect();
        // a: a ∈ α; keep what γ and the texts have read.
        let mut a_start = vec![alpha.start(), gamma.start()];
        a_start.extend(texts.iter().map(|n| n.start()));
        let a_states = explore(a_start, &self.alphabet, 2 + texts.len(), |s, c| {
            let mut next = vec![alpha.step(s[0], c), gamma.step(s[1], c)];
            next.extend(texts.iter().zip(&s[2..]).map(|(n, x)| n.step(*x, c)));
            (next[0] != 0 && next[1] != 0).then_some(next)
        })?;
        let mut after_a: HashMap<Vec<Set>, String> = HashMap::new();
        for (s, word) in a_states {
            if s[0] & alpha.accept() != 0 {
                after_a.entry(s[1..].to_vec()).or_insert(word);
            }
        }
        // d: d ∈ δ; keep from where β and the texts accept after reading it.
        let mut d_start: Vec<Rel> = vec![vec![delta.start()], beta.identity()];
        d_start.extend(texts.iter().map(|n| n.identity()));
        let d_sets =
            1 + beta.tokens.len() + texts.iter().map(|n| n.tokens.len() + 1).sum::<usize>();
        let d_states = explore(d_start, &self.alphabet, d_sets, |r, c| {
            let mut next = vec![vec![delta.step(r[0][0], c)], beta.step_rel(&r[1], c)];
            next.extend(texts.iter().zip(&r[2..]).map(|(n, x)| n.step_rel(x, c)));
            (next[0][0] != 0).then_some(next)
        })?;
        let mut before_d: HashMap<Vec<Set>, String> = HashMap::new();
        for (r, word) in d_states {
            if r[0][0] & delta.accept() != 0 {
                let mut co = vec![co_set(&r[1], beta.accept())];
                co.extend(
                    texts
                        .iter()
                        .zip(&r[2..])
                        .map(|(n, x)| co_set(x, n.accept())),
                );
                before_d.entry(co).or_insert(word);
            }
        }
        if after_a.is_empty() || before_d.is_empty() {
            return Some(None);
        }
        // p and q: what they do to γ, β, the values and the texts.
        let mut w_start: Vec<Rel> = vec![gamma.identity(), beta.identity()];
        w_start.extend(values.iter().map(|n| n.identity()));
        w_start.extend(texts.iter().map(|n| n.identity()));
        let every: Vec<&Nfa> = [gamma, beta]
            .into_iter()
            .chain(values.iter().copied())
            .chain(texts.iter().copied())
            .collect();
        let w_sets = every.iter().map(|n| n.tokens.len() + 1).sum::<usize>();
        let words = explore(w_start, &self.alphabet, w_sets, |r, c| {
            Some(every.iter().zip(r).map(|(n, x)| n.step_rel(x, c)).collect())
        })?;
        let nv = values.len();
        let value_starts: Vec<Set> = values.iter().map(|n| n.start()).collect();
        let mut checks = 0usize;
        for (p, p_word) in &words {
            for (q, q_word) in &words {
                // pq ≠ ε. Only the empty word acts as the identity (from the accepting
                // position of γ every non-empty word leads nowhere), so this is the one pair.
                if p_word.is_empty() && q_word.is_empty() {
                    continue;
                }
                checks += 1;
                if checks > MAX_CHECKS {
                    return None;
                }
                // β after q·p, from its start.
                let beta_qp = image(image(beta.start(), &q[1]), &p[1]);
                if beta_qp == 0 {
                    continue;
                }
                for (a_sets, a_word) in &after_a {
                    checks += 1;
                    if checks > MAX_CHECKS {
                        return None;
                    }
                    // a·p·q ∈ γ.
                    if image(image(a_sets[0], &p[0]), &q[0]) & gamma.accept() == 0 {
                        continue;
                    }
                    // k = 0, 1, ...: the values' sets after (pq)^k, the texts' after a(pq)^(k+1).
                    let mut value_sets = value_starts.clone();
                    let mut text_sets: Vec<Set> = a_sets[1..]
                        .iter()
                        .enumerate()
                        .map(|(i, s)| image(image(*s, &p[2 + nv + i]), &q[2 + nv + i]))
                        .collect();
                    let mut seen: HashSet<(Vec<Set>, Vec<Set>)> = HashSet::new();
                    let mut k = 0usize;
                    while seen.insert((value_sets.clone(), text_sets.clone())) {
                        checks += 1;
                        if checks > MAX_CHECKS {
                            return None;
                        }
                        let value_end: Vec<Set> = value_sets
                            .iter()
                            .enumerate()
                            .map(|(i, s)| image(*s, &p[2 + i]))
                            .collect();
                        if self.value_admits(&value_end) {
                            let text_end: Vec<Set> = text_sets
                                .iter()
                                .enumerate()
                                .map(|(i, s)| image(*s, &p[2 + nv + i]))
                                .collect();
                            let d = before_d.iter().find(|(co, _)| {
                                beta_qp & co[0] != 0 && self.text_meets(&text_end, &co[1..])
                            });
                            if let Some((_, d_word)) = d {
                                let pq = format!("{p_word}{q_word}");
                                let value = format!("{}{p_word}", pq.repeat(k));
                                let text = format!("{a_word}{pq}{value}{d_word}");
                                return Some(Some((value, text)));
                            }
                        }
                        value_sets = value_sets
                            .iter()
                            .enumerate()
                            .map(|(i, s)| image(image(*s, &p[2 + i]), &q[2 + i]))
                            .collect();
                        text_sets = text_sets
                            .iter()
                            .enumerate()
                            .map(|(i, s)| image(image(*s, &p[2 + nv + i]), &q[2 + nv + i]))
                            .collect();
                        k += 1;
                    }
                }
            }
        }
        Some(None)
    }

    /// Reading the rest (sets `co`, from where it accepts) after `sets`: positive text
    /// globs accept, negative ones do not.
    fn text_meets(&self, sets: &[Set], co: &[Set]) -> bool {
        sets.iter().zip(co).enumerate().all(|(i, (s, c))| {
            let accepts = s & c != 0;
            accepts == (i < self.text_pos.len())
        })
    }
}

mod repeated;
pub use repeated::{repeated_value, split_at_repeated_hole, with_repeated_value};

#[cfg(test)]
mod tests;
