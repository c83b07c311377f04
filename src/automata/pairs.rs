//! Subset and disjointness for every pair of a glob list.

use super::facts::{decide_pair, GlobFacts};
use crate::pattern::Glob;
use std::collections::BTreeMap;

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
