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

mod facts;
mod pairs;
mod product;
mod readable;
pub mod word_equation;

use crate::pattern::Glob;
use facts::{decide_disjoint, decide_subset, GlobFacts};
pub use pairs::{relations, PairRelation, Relations};
use product::{satisfies, witness_within};
#[cfg(test)]
use product::{Product, MAX_STORED_WORDS};
use readable::{fill_empty_stars, first_satisfying};

/// Product states explored before giving up with [`Witness::TooLarge`].
pub const MAX_PRODUCT_STATES: usize = 200_000;

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

#[cfg(test)]
mod tests;
