//! The on-the-fly product of glob NFAs, explored breadth-first.

use super::Witness;
use crate::pattern::{Glob, Token};
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::rc::Rc;

/// Bit words kept for discovered states (64 MiB), so products of many long globs stay
/// bounded in memory as well as in state count.
pub(super) const MAX_STORED_WORDS: usize = 8 * 1024 * 1024;

// ---------------------------------------------------------------------------------------
// Product construction.

pub(super) fn witness_within(positive: &[&Glob], negative: &[&Glob], max_states: usize) -> Witness {
    match Product::new(positive, negative).shortest_accepted(max_states) {
        // Correct by construction; re-checked against the reference matcher so that a bug
        // here can only ever surface as "unknown", never as a wrong witness.
        Witness::Found(text) if !satisfies(positive, negative, &text) => Witness::TooLarge,
        outcome => outcome,
    }
}

/// One glob inside the product: its NFA positions `0..=n` live in `words` bit words
/// starting at `offset` of the flat product state.
pub(super) struct Component<'a> {
    tokens: &'a [Token],
    offset: usize,
    words: usize,
    /// Star token indices, ascending, for the epsilon closure.
    stars: Vec<usize>,
    positive: bool,
    /// First position from which all remaining tokens are `*` (matches any rest), if any.
    universal_from: Option<usize>,
}

impl Component<'_> {
    fn accept_bit(&self) -> usize {
        self.tokens.len()
    }

    fn get(&self, state: &[u64], bit: usize) -> bool {
        state[self.offset + bit / 64] & (1u64 << (bit % 64)) != 0
    }

    fn set(&self, state: &mut [u64], bit: usize) {
        state[self.offset + bit / 64] |= 1u64 << (bit % 64);
    }

    fn is_empty(&self, state: &[u64]) -> bool {
        state[self.offset..self.offset + self.words]
            .iter()
            .all(|w| *w == 0)
    }

    /// A star may match the empty string. Ascending order carries the closure through
    /// adjacent stars (a free `*` next to a segment `*`).
    fn close(&self, state: &mut [u64]) {
        for &star in &self.stars {
            if self.get(state, star) {
                self.set(state, star + 1);
            }
        }
    }

    /// Writes the successor of `current` on `c` into `next` (this component's words only).
    fn step(&self, current: &[u64], next: &mut [u64], c: char, holes: bool) {
        next[self.offset..self.offset + self.words].fill(0);
        for word in 0..self.words {
            let mut bits = current[self.offset + word];
            while bits != 0 {
                let position = word * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let Some(&token) = self.tokens.get(position) else {
                    continue; // the accepting position has no outgoing transition
                };
                if token.accepts_symbol(c, holes) {
                    self.set(
                        next,
                        if token.is_star() {
                            position
                        } else {
                            position + 1
                        },
                    );
                }
            }
        }
        self.close(next);
    }

    /// This (negative) glob accepts every continuation from `state`.
    fn accepts_everything(&self, state: &[u64]) -> bool {
        self.universal_from
            .is_some_and(|from| (from..self.tokens.len()).any(|bit| self.get(state, bit)))
    }
}

pub(super) struct Product<'a> {
    components: Vec<Component<'a>>,
    pub(super) width: usize,
    alphabet: Vec<char>,
    /// Some glob has a [`Token::Hole`]: its character then stands for a whole value.
    holes: bool,
}

impl<'a> Product<'a> {
    pub(super) fn new(positive: &[&'a Glob], negative: &[&'a Glob]) -> Product<'a> {
        let mut components = Vec::with_capacity(positive.len() + negative.len());
        let mut width = 0;
        let tagged = positive
            .iter()
            .map(|g| (*g, true))
            .chain(negative.iter().map(|g| (*g, false)));
        for (glob, is_positive) in tagged {
            let tokens = glob.tokens();
            let words = tokens.len() / 64 + 1;
            let stars = (0..tokens.len()).filter(|&i| tokens[i].is_star()).collect();
            let trailing_any = tokens
                .iter()
                .rev()
                .take_while(|t| **t == Token::AnyStr)
                .count();
            components.push(Component {
                tokens,
                offset: width,
                words,
                stars,
                positive: is_positive,
                universal_from: (trailing_any > 0).then(|| tokens.len() - trailing_any),
            });
            width += words;
        }
        let alphabet = exploration_alphabet(positive.iter().chain(negative.iter()).copied());
        let holes = positive
            .iter()
            .chain(negative)
            .any(|g| g.tokens().iter().any(|t| matches!(t, Token::Hole(_))));
        Product {
            components,
            width,
            alphabet,
            holes,
        }
    }

    /// The state budget for this product: `max_states`, lowered for wide states.
    pub(super) fn state_budget(&self, max_states: usize) -> usize {
        max_states.min(MAX_STORED_WORDS / self.width.max(1))
    }

    fn start(&self) -> Vec<u64> {
        let mut state = vec![0u64; self.width];
        for component in &self.components {
            component.set(&mut state, 0);
            component.close(&mut state);
        }
        state
    }

    fn step(&self, current: &[u64], next: &mut [u64], c: char) {
        for component in &self.components {
            component.step(current, next, c, self.holes);
        }
    }

    /// No continuation can reach acceptance: a positive glob is stuck, or a negative glob
    /// will accept whatever follows.
    fn is_dead(&self, state: &[u64]) -> bool {
        self.components.iter().any(|c| {
            if c.positive {
                c.is_empty(state)
            } else {
                c.accepts_everything(state)
            }
        })
    }

    fn accepts(&self, state: &[u64]) -> bool {
        self.components
            .iter()
            .all(|c| c.get(state, c.accept_bit()) == c.positive)
    }

    /// Breadth-first search: the first accepting state discovered is reached by the
    /// shortest string, and among those the first in alphabet order.
    pub(super) fn shortest_accepted(&self, max_states: usize) -> Witness {
        let start = self.start();
        if self.is_dead(&start) {
            return Witness::Empty;
        }
        if self.accepts(&start) {
            return Witness::Found(String::new());
        }
        let max_states = self.state_budget(max_states);
        let start: Rc<[u64]> = Rc::from(start);
        // (parent id, character read) per discovered state; the start has no parent.
        let mut parents: Vec<(usize, char)> = vec![(0, '\0')];
        let mut seen: HashMap<Rc<[u64]>, usize> = HashMap::new();
        seen.insert(Rc::clone(&start), 0);
        let mut queue = VecDeque::from([(start, 0usize)]);
        let mut next = vec![0u64; self.width];
        while let Some((state, id)) = queue.pop_front() {
            for &c in &self.alphabet {
                self.step(&state, &mut next, c);
                if self.is_dead(&next) || seen.contains_key(&next[..]) {
                    continue;
                }
                if parents.len() >= max_states {
                    return Witness::TooLarge;
                }
                let new_id = parents.len();
                parents.push((id, c));
                if self.accepts(&next) {
                    return Witness::Found(spell(&parents, new_id));
                }
                let stored: Rc<[u64]> = Rc::from(&next[..]);
                seen.insert(Rc::clone(&stored), new_id);
                queue.push_back((stored, new_id));
            }
        }
        Witness::Empty
    }
}

/// Which acceptance combinations of a two-glob product some string reaches.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct PairAcceptance {
    pub(super) left_only: bool,
    pub(super) right_only: bool,
    pub(super) both: bool,
}

impl Product<'_> {
    /// Explores every reachable state of a two-component product (all components are
    /// treated alike, whatever their polarity) and records which components accept
    /// together. `None` when the budget runs out.
    pub(super) fn acceptance_combinations(&self, max_states: usize) -> Option<PairAcceptance> {
        let [left, right] = self.components.as_slice() else {
            return None;
        };
        let max_states = self.state_budget(max_states);
        let mut seen_combinations = PairAcceptance::default();
        let record = |seen_combinations: &mut PairAcceptance, state: &[u64]| {
            let (l, r) = (
                left.get(state, left.accept_bit()),
                right.get(state, right.accept_bit()),
            );
            seen_combinations.left_only |= l && !r;
            seen_combinations.right_only |= r && !l;
            seen_combinations.both |= l && r;
        };
        let start: Rc<[u64]> = Rc::from(self.start());
        record(&mut seen_combinations, &start);
        let mut seen: HashSet<Rc<[u64]>> = HashSet::from([Rc::clone(&start)]);
        let mut queue = VecDeque::from([start]);
        let mut next = vec![0u64; self.width];
        while let Some(state) = queue.pop_front() {
            if seen_combinations.left_only && seen_combinations.right_only && seen_combinations.both
            {
                break; // nothing left to learn
            }
            for &c in &self.alphabet {
                self.step(&state, &mut next, c);
                // Once both globs are stuck nothing more can be accepted.
                if (left.is_empty(&next) && right.is_empty(&next)) || seen.contains(&next[..]) {
                    continue;
                }
                if seen.len() >= max_states {
                    return None;
                }
                record(&mut seen_combinations, &next);
                let stored: Rc<[u64]> = Rc::from(&next[..]);
                seen.insert(Rc::clone(&stored));
                queue.push_back(stored);
            }
        }
        Some(seen_combinations)
    }
}

fn spell(parents: &[(usize, char)], mut id: usize) -> String {
    let mut reversed = Vec::new();
    while id != 0 {
        let (parent, c) = parents[id];
        reversed.push(c);
        id = parent;
    }
    reversed.iter().rev().collect()
}

/// Characters that distinguish everything the globs can tell apart: each literal, each
/// member of a case-fold class, each hole, `:` (segment wildcards reject it), and one
/// character standing for all the others.
pub(super) fn exploration_alphabet<'g>(globs: impl Iterator<Item = &'g Glob>) -> Vec<char> {
    use crate::pattern::{fold_char, fold_class, hole_char};
    let mut literals: BTreeSet<char> = BTreeSet::new();
    // Case variants come last, so witnesses read in lowercase (`true`, not `TRUE`).
    let mut variants: BTreeSet<char> = BTreeSet::new();
    for token in globs.flat_map(|g| g.tokens().iter()) {
        match token {
            Token::Lit(c) => {
                literals.insert(*c);
            }
            Token::Fold(f) => {
                for &m in fold_class(*f) {
                    if fold_char(m) == m {
                        literals.insert(m);
                    } else {
                        variants.insert(m);
                    }
                }
            }
            Token::Hole(n) => {
                literals.insert(hole_char(*n));
            }
            _ => {}
        }
    }
    let variants: Vec<char> = variants.difference(&literals).copied().collect();
    let mut alphabet: Vec<char> = literals.iter().copied().filter(|c| *c != ':').collect();
    alphabet.push(':');
    let mut used = literals;
    used.extend(variants.iter().copied());
    // If every character were a literal, the literals alone would be complete.
    alphabet.extend(representative(&used));
    alphabet.extend(variants.into_iter().filter(|c| *c != ':'));
    alphabet
}

/// A readable character used by no literal (never `:`).
fn representative(used: &BTreeSet<char>) -> Option<char> {
    let preferred = ['x', 'y', 'z']
        .into_iter()
        .chain('a'..='w')
        .chain('0'..='9')
        .chain(['-', '_']);
    preferred
        .chain('!'..=char::MAX)
        .find(|c| *c != ':' && !used.contains(c) && !crate::pattern::is_hole_char(*c))
}

pub(super) fn satisfies(positive: &[&Glob], negative: &[&Glob], text: &str) -> bool {
    positive.iter().all(|g| g.matches(text)) && !negative.iter().any(|g| g.matches(text))
}
