//! Exact decision procedures over [`Glob`] languages, outside the SMT solver.
//!
//! The prover turns "string variable `x` matches glob `g`" into one boolean atom per
//! distinct glob. Which combinations of those atoms are possible (subset, disjointness,
//! a concrete string for a satisfying assignment) is decided here with automata: an
//! on-the-fly product of the globs' NFA-simulation states, explored breadth-first over
//! a finite alphabet that is complete for the globs involved. See
//! `encodings/glob-automata.md` for the construction and why it is exact.
//!
//! Every answer is either proved or `TooLarge` ("unknown"): nothing here guesses.

use crate::pattern::{Glob, Token};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::rc::Rc;

/// Product states explored before giving up with [`Witness::TooLarge`].
pub const MAX_PRODUCT_STATES: usize = 200_000;

/// Bit words kept for discovered states (64 MiB), so products of many long globs stay
/// bounded in memory as well as in state count.
const MAX_STORED_WORDS: usize = 8 * 1024 * 1024;

/// Text put where a `*` matched nothing, so witnesses read like real values.
const STAR_FILLER: &str = "example";

/// The outcome of searching for a string in `∩ positive ∖ ∪ negative`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Witness {
    /// A string matched by every positive glob and by no negative glob.
    Found(String),
    /// Proof that no such string exists.
    Empty,
    /// The product automaton exceeded [`MAX_PRODUCT_STATES`]: the answer is unknown.
    TooLarge,
}

/// A string matched by every `positive` glob and by no `negative` glob, the shortest
/// one (ties broken by the exploration order: sorted literal characters, then `:`, then
/// a representative of all other characters), or [`Witness::Empty`] if none exists.
pub fn witness(positive: &[&Glob], negative: &[&Glob]) -> Witness {
    witness_within(positive, negative, MAX_PRODUCT_STATES)
}

/// Like [`witness`], but prefers readable strings: `hint` itself if it qualifies, then
/// the shortest witness with `example` put where a `*` matched nothing
/// (`arn:aws:s3:::bucket/example` rather than `arn:aws:s3:::bucket/`). Every candidate
/// is checked against all globs before it is returned.
pub fn witness_with_hint(positive: &[&Glob], negative: &[&Glob], hint: &str) -> Witness {
    if satisfies(positive, negative, hint) {
        return Witness::Found(hint.to_string());
    }
    match witness(positive, negative) {
        Witness::Found(plain) => {
            let filled = fill_empty_stars(positive, negative, &plain);
            Witness::Found(first_satisfying(positive, negative, vec![filled], plain))
        }
        undecided_or_empty => undecided_or_empty,
    }
}

/// `L(a) ⊆ L(b)`. `false` also when undecidable within the state budget: the relation
/// is only claimed when proved.
pub fn is_subset(a: &Glob, b: &Glob) -> bool {
    decide_subset(a, &GlobFacts::of(a), b, &GlobFacts::of(b)) == Some(true)
}

/// `L(a) ∩ L(b) = ∅`. `false` also when undecidable within the state budget.
pub fn is_disjoint(a: &Glob, b: &Glob) -> bool {
    decide_disjoint(a, &GlobFacts::of(a), b, &GlobFacts::of(b)) == Some(true)
}

/// `L(a) = L(b)`. `false` also when undecidable within the state budget.
pub fn is_equivalent(a: &Glob, b: &Glob) -> bool {
    a == b || (is_subset(a, b) && is_subset(b, a))
}

/// How two globs `i < j` of a [`relations`] call relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PairRelation {
    /// `L(i) ⊆ L(j)`.
    pub left_in_right: bool,
    /// `L(j) ⊆ L(i)`.
    pub right_in_left: bool,
    /// `L(i) ∩ L(j) = ∅`.
    pub disjoint: bool,
    /// Some relation of this pair could not be decided; the flags above are only set when proved.
    pub undecided: bool,
}

/// Subset and disjointness for every pair of a glob list.
///
/// Only pairs whose literal prefixes are compatible (one a prefix of the other) are
/// stored; every other pair is disjoint without automata work.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Relations {
    len: usize,
    compatible: BTreeMap<(usize, usize), PairRelation>,
}

impl Relations {
    /// Number of globs the relations are about.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Pairs `i < j` whose literal prefixes are compatible (the ones that needed real work).
    pub fn compatible_pair_count(&self) -> usize {
        self.compatible.len()
    }

    /// The relation between globs `i` and `j`, seen from `i` (`left` is `i`).
    /// `None` if an index is out of range.
    pub fn relation(&self, i: usize, j: usize) -> Option<PairRelation> {
        if i >= self.len || j >= self.len {
            return None;
        }
        if i == j {
            // Every glob matches at least one string, so it is not disjoint from itself.
            return Some(PairRelation {
                left_in_right: true,
                right_in_left: true,
                disjoint: false,
                undecided: false,
            });
        }
        let (low, high) = (i.min(j), i.max(j));
        let stored = self
            .compatible
            .get(&(low, high))
            .copied()
            .unwrap_or(PairRelation {
                disjoint: true,
                ..PairRelation::default()
            });
        Some(if i < j {
            stored
        } else {
            PairRelation {
                left_in_right: stored.right_in_left,
                right_in_left: stored.left_in_right,
                ..stored
            }
        })
    }

    /// `L(i) ⊆ L(j)` (proved).
    pub fn is_subset(&self, i: usize, j: usize) -> bool {
        self.relation(i, j).is_some_and(|r| r.left_in_right)
    }

    /// `L(i) ∩ L(j) = ∅` (proved).
    pub fn is_disjoint(&self, i: usize, j: usize) -> bool {
        self.relation(i, j).is_some_and(|r| r.disjoint)
    }

    /// Ordered pairs `(i, j)`, `i ≠ j`, with `L(i) ⊆ L(j)`, in ascending order.
    pub fn subset_pairs(&self) -> Vec<(usize, usize)> {
        let mut pairs = Vec::new();
        for (&(i, j), r) in &self.compatible {
            if r.left_in_right {
                pairs.push((i, j));
            }
            if r.right_in_left {
                pairs.push((j, i));
            }
        }
        pairs.sort_unstable();
        pairs
    }

    /// Pairs `i < j` with disjoint languages, in ascending order. Quadratic in `len`.
    pub fn disjoint_pairs(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        (0..self.len)
            .flat_map(move |i| (i + 1..self.len).map(move |j| (i, j)))
            .filter(move |&(i, j)| self.is_disjoint(i, j))
    }

    /// Pairs `i < j` with compatible literal prefixes that were proved disjoint (the disjoint
    /// pairs that needed automata work; all other incompatible pairs are disjoint trivially).
    pub fn compatible_disjoint_pairs(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.compatible
            .iter()
            .filter(|(_, r)| r.disjoint)
            .map(|(&pair, _)| pair)
    }

    /// Pairs `i < j` where some relation exceeded the state budget.
    pub fn undecided_pairs(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.compatible
            .iter()
            .filter(|(_, r)| r.undecided)
            .map(|(&pair, _)| pair)
    }
}

/// Decides subset and disjointness for all pairs of `globs`.
pub fn relations(globs: &[Glob]) -> Relations {
    let facts: Vec<GlobFacts> = globs.iter().map(GlobFacts::of).collect();
    // Sorted by literal prefix, the globs whose prefix extends a given prefix `p` form a
    // contiguous run right after `p`: that run is exactly the compatible partners.
    let mut order: Vec<usize> = (0..globs.len()).collect();
    order.sort_by(|&x, &y| facts[x].prefix.cmp(&facts[y].prefix).then(x.cmp(&y)));
    let mut compatible = BTreeMap::new();
    for (rank, &first) in order.iter().enumerate() {
        let prefix = &facts[first].prefix;
        for &second in order[rank + 1..]
            .iter()
            .take_while(|&&other| facts[other].prefix.starts_with(prefix.as_str()))
        {
            let (i, j) = (first.min(second), first.max(second));
            let relation = decide_pair(&globs[i], &facts[i], &globs[j], &facts[j]);
            compatible.insert((i, j), relation);
        }
    }
    Relations {
        len: globs.len(),
        compatible,
    }
}

/// A small subset of the globs (indices into `positive`, `negative`) whose combination is
/// still empty, when [`witness`] is [`Witness::Empty`]; `None` otherwise (a witness exists
/// or the question is undecided).
///
/// Deletion-based: each glob is dropped if the rest stays empty. Emptiness is monotone
/// (fewer globs, larger language), so after one pass removing any single remaining glob
/// makes the combination non-empty (or undecided: a glob whose removal exceeds the state
/// budget is kept, which keeps the result sound but may leave it non-minimal).
pub fn minimal_conflict(
    positive: &[&Glob],
    negative: &[&Glob],
) -> Option<(Vec<usize>, Vec<usize>)> {
    if witness(positive, negative) != Witness::Empty {
        return None;
    }
    let is_empty = |pos: &[usize], neg: &[usize]| {
        let pos: Vec<&Glob> = pos.iter().map(|&i| positive[i]).collect();
        let neg: Vec<&Glob> = neg.iter().map(|&i| negative[i]).collect();
        witness(&pos, &neg) == Witness::Empty
    };
    let mut kept_positive: Vec<usize> = (0..positive.len()).collect();
    let mut kept_negative: Vec<usize> = (0..negative.len()).collect();
    // Negatives first: conflicts are usually among positives, and each dropped negative
    // makes the later positive trials cheaper.
    let mut k = 0;
    while k < kept_negative.len() {
        let mut trial = kept_negative.clone();
        trial.remove(k);
        if is_empty(&kept_positive, &trial) {
            kept_negative = trial;
        } else {
            k += 1;
        }
    }
    let mut k = 0;
    while k < kept_positive.len() {
        let mut trial = kept_positive.clone();
        trial.remove(k);
        if is_empty(&trial, &kept_negative) {
            kept_positive = trial;
        } else {
            k += 1;
        }
    }
    Some((kept_positive, kept_negative))
}

// ---------------------------------------------------------------------------------------
// Product construction.

fn witness_within(positive: &[&Glob], negative: &[&Glob], max_states: usize) -> Witness {
    match Product::new(positive, negative).shortest_accepted(max_states) {
        // Correct by construction; re-checked against the reference matcher so that a bug
        // here can only ever surface as "unknown", never as a wrong witness.
        Witness::Found(text) if !satisfies(positive, negative, &text) => Witness::TooLarge,
        outcome => outcome,
    }
}

/// One glob inside the product: its NFA positions `0..=n` live in `words` bit words
/// starting at `offset` of the flat product state.
struct Component<'a> {
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

struct Product<'a> {
    components: Vec<Component<'a>>,
    width: usize,
    alphabet: Vec<char>,
    /// Some glob has a [`Token::Hole`]: its character then stands for a whole value.
    holes: bool,
}

impl<'a> Product<'a> {
    fn new(positive: &[&'a Glob], negative: &[&'a Glob]) -> Product<'a> {
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
    fn state_budget(&self, max_states: usize) -> usize {
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
    fn shortest_accepted(&self, max_states: usize) -> Witness {
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
struct PairAcceptance {
    left_only: bool,
    right_only: bool,
    both: bool,
}

impl Product<'_> {
    /// Explores every reachable state of a two-component product (all components are
    /// treated alike, whatever their polarity) and records which components accept
    /// together. `None` when the budget runs out.
    fn acceptance_combinations(&self, max_states: usize) -> Option<PairAcceptance> {
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
fn exploration_alphabet<'g>(globs: impl Iterator<Item = &'g Glob>) -> Vec<char> {
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

fn satisfies(positive: &[&Glob], negative: &[&Glob], text: &str) -> bool {
    positive.iter().all(|g| g.matches(text)) && !negative.iter().any(|g| g.matches(text))
}

// ---------------------------------------------------------------------------------------
// Readable witnesses.

/// The first candidate that satisfies every glob, else `fallback` (which must be a
/// proved witness: the plain BFS result).
fn first_satisfying(
    positive: &[&Glob],
    negative: &[&Glob],
    candidates: Vec<String>,
    fallback: String,
) -> String {
    candidates
        .into_iter()
        .find(|c| satisfies(positive, negative, c))
        .unwrap_or(fallback)
}

/// Puts [`STAR_FILLER`] at each gap of `text` where a positive glob's `*` matched
/// nothing, keeping only insertions after which every glob still agrees.
fn fill_empty_stars(positive: &[&Glob], negative: &[&Glob], text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let gaps: BTreeSet<usize> = positive
        .iter()
        .flat_map(|g| empty_star_gaps(g, &chars))
        .collect();
    let mut current = chars;
    let mut inserted = 0;
    for gap in gaps {
        let at = gap + inserted;
        let mut trial = current.clone();
        trial.splice(at..at, STAR_FILLER.chars());
        let trial_text: String = trial.iter().collect();
        if satisfies(positive, negative, &trial_text) {
            current = trial;
            inserted += STAR_FILLER.chars().count();
        }
    }
    current.into_iter().collect()
}

/// Gaps (character offsets) where a star matches the empty string in the alignment of
/// `text` against `glob` that lets each star match as little as possible.
fn empty_star_gaps(glob: &Glob, text: &[char]) -> Vec<usize> {
    let tokens = glob.tokens();
    let (n, m) = (tokens.len(), text.len());
    // rest_matches[i][j]: tokens[i..] matches text[j..].
    let mut rest_matches = vec![vec![false; m + 1]; n + 1];
    rest_matches[n][m] = true;
    for i in (0..n).rev() {
        let token = tokens[i];
        for j in (0..=m).rev() {
            let consume = j < m && token.accepts(text[j]);
            rest_matches[i][j] = if token.is_star() {
                rest_matches[i + 1][j] || (consume && rest_matches[i][j + 1])
            } else {
                consume && rest_matches[i + 1][j + 1]
            };
        }
    }
    let mut gaps = Vec::new();
    if !rest_matches[0][0] {
        return gaps;
    }
    let (mut i, mut j) = (0, 0);
    let mut star_consumed = false;
    while i < n {
        if tokens[i].is_star() {
            if rest_matches[i + 1][j] {
                if !star_consumed {
                    gaps.push(j);
                }
                i += 1;
                star_consumed = false;
            } else {
                j += 1;
                star_consumed = true;
            }
        } else {
            i += 1;
            j += 1;
        }
    }
    gaps
}

// ---------------------------------------------------------------------------------------
// Pairwise decisions with fast paths.

/// Cheap facts that settle most pairs without building a product.
#[derive(Debug, Clone)]
struct GlobFacts {
    literal: Option<String>,
    prefix: String,
    /// Literal characters after the last wildcard.
    suffix: String,
    min_len: usize,
    /// `None`: unbounded (has a star).
    max_len: Option<usize>,
    shape: Shape,
}

/// Shapes whose inclusion questions have a closed-form answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Literal text then one `*` (any run, colons included): `s3:*`.
    PrefixStar,
    /// One `*` then literal text: `*object`.
    StarSuffix,
    Other,
}

impl GlobFacts {
    fn of(glob: &Glob) -> GlobFacts {
        let tokens = glob.tokens();
        let suffix_start = tokens
            .iter()
            .rposition(|t| !matches!(t, Token::Lit(_)))
            .map_or(0, |p| p + 1);
        let suffix = tokens[suffix_start..]
            .iter()
            .filter_map(|t| match t {
                Token::Lit(c) => Some(*c),
                _ => None,
            })
            .collect();
        let stars = tokens.iter().filter(|t| t.is_star()).count();
        let wildcards = tokens
            .iter()
            .filter(|t| !matches!(t, Token::Lit(_)))
            .count();
        let shape = match (wildcards, tokens.first(), tokens.last()) {
            (1, _, Some(Token::AnyStr)) => Shape::PrefixStar,
            (1, Some(Token::AnyStr), _) => Shape::StarSuffix,
            _ => Shape::Other,
        };
        GlobFacts {
            literal: glob.as_literal(),
            prefix: glob.literal_prefix(),
            suffix,
            min_len: tokens.len() - stars,
            max_len: (stars == 0).then_some(tokens.len()),
            shape,
        }
    }
}

fn affixes_compatible(a: &GlobFacts, b: &GlobFacts) -> bool {
    (a.prefix.starts_with(&b.prefix) || b.prefix.starts_with(&a.prefix))
        && (a.suffix.ends_with(&b.suffix) || b.suffix.ends_with(&a.suffix))
}

/// `L(a) ⊆ L(b)` from cheap facts alone; `None` when automata are needed.
fn subset_fast_path(a: &Glob, fa: &GlobFacts, b: &Glob, fb: &GlobFacts) -> Option<bool> {
    if a == b || b.is_universal() {
        return Some(true);
    }
    if let Some(text) = &fa.literal {
        return Some(b.matches(text));
    }
    // From here `a` has a wildcard, so it matches at least two strings, including one of
    // length `min_len` and (with a star) arbitrarily long ones; every glob language is
    // non-empty, so incompatible affixes rule out inclusion.
    if fb.literal.is_some() || !affixes_compatible(fa, fb) || fa.min_len < fb.min_len {
        return Some(false);
    }
    let too_long = match (fa.max_len, fb.max_len) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(x), Some(y)) => x > y,
    };
    if too_long {
        return Some(false);
    }
    // `b` is `p*` (or `*s`): L(a) ⊆ L(b) iff every string of `a` starts with `p`. If the
    // literal prefix of `a` does not already, its first wildcard sits where `p` still needs
    // a fixed character, and every wildcard can put a different one there (`?` any, a
    // segment `?` any but `:`, a star one such character then whatever `a` needs after it).
    match fb.shape {
        Shape::PrefixStar => Some(fa.prefix.starts_with(&fb.prefix)),
        Shape::StarSuffix => Some(fa.suffix.ends_with(&fb.suffix)),
        Shape::Other => None,
    }
}

/// `L(a) ∩ L(b) = ∅` from cheap facts alone; `None` when automata are needed.
fn disjoint_fast_path(a: &Glob, fa: &GlobFacts, b: &Glob, fb: &GlobFacts) -> Option<bool> {
    if a == b || a.is_universal() || b.is_universal() {
        return Some(false);
    }
    if let Some(text) = &fa.literal {
        return Some(!b.matches(text));
    }
    if let Some(text) = &fb.literal {
        return Some(!a.matches(text));
    }
    let lengths_apart = fa.max_len.is_some_and(|max| max < fb.min_len)
        || fb.max_len.is_some_and(|max| max < fa.min_len);
    (!affixes_compatible(fa, fb) || lengths_apart).then_some(true)
}

fn emptiness(outcome: Witness) -> Option<bool> {
    match outcome {
        Witness::Empty => Some(true),
        Witness::Found(_) => Some(false),
        Witness::TooLarge => None,
    }
}

/// `Some(answer)` when proved, `None` when the state budget ran out.
fn decide_subset(a: &Glob, fa: &GlobFacts, b: &Glob, fb: &GlobFacts) -> Option<bool> {
    subset_fast_path(a, fa, b, fb).or_else(|| emptiness(witness(&[a], &[b])))
}

/// `Some(answer)` when proved, `None` when the state budget ran out.
fn decide_disjoint(a: &Glob, fa: &GlobFacts, b: &Glob, fb: &GlobFacts) -> Option<bool> {
    disjoint_fast_path(a, fa, b, fb).or_else(|| emptiness(witness(&[a, b], &[])))
}

fn decide_pair(a: &Glob, fa: &GlobFacts, b: &Glob, fb: &GlobFacts) -> PairRelation {
    let mut disjoint = disjoint_fast_path(a, fa, b, fb);
    if disjoint == Some(true) {
        // Non-empty languages: disjoint globs are never subsets of each other.
        return PairRelation {
            disjoint: true,
            ..PairRelation::default()
        };
    }
    let mut forward = subset_fast_path(a, fa, b, fb);
    let mut backward = subset_fast_path(b, fb, a, fa);
    if disjoint.is_none() || forward.is_none() || backward.is_none() {
        // One exploration of the pair's product answers all three questions.
        if let Some(seen) = Product::new(&[a, b], &[]).acceptance_combinations(MAX_PRODUCT_STATES) {
            disjoint = disjoint.or(Some(!seen.both));
            forward = forward.or(Some(!seen.left_only));
            backward = backward.or(Some(!seen.right_only));
        }
    }
    PairRelation {
        left_in_right: forward == Some(true),
        right_in_left: backward == Some(true),
        disjoint: disjoint == Some(true),
        undecided: disjoint.is_none() || forward.is_none() || backward.is_none(),
    }
}

#[cfg(test)]
mod tests;
