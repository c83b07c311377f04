//! Pairwise decisions with fast paths.

use super::product::Product;
use super::{witness, PairRelation, Witness, MAX_PRODUCT_STATES};
use crate::pattern::{Glob, Token};

// ---------------------------------------------------------------------------------------
// Pairwise decisions with fast paths.

/// Cheap facts that settle most pairs without building a product.
#[derive(Debug, Clone)]
pub(super) struct GlobFacts {
    literal: Option<String>,
    pub(super) prefix: String,
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
    pub(super) fn of(glob: &Glob) -> GlobFacts {
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
pub(super) fn decide_subset(a: &Glob, fa: &GlobFacts, b: &Glob, fb: &GlobFacts) -> Option<bool> {
    subset_fast_path(a, fa, b, fb).or_else(|| emptiness(witness(&[a], &[b])))
}

/// `Some(answer)` when proved, `None` when the state budget ran out.
pub(super) fn decide_disjoint(a: &Glob, fa: &GlobFacts, b: &Glob, fb: &GlobFacts) -> Option<bool> {
    disjoint_fast_path(a, fa, b, fb).or_else(|| emptiness(witness(&[a, b], &[])))
}

pub(super) fn decide_pair(a: &Glob, fa: &GlobFacts, b: &Glob, fb: &GlobFacts) -> PairRelation {
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
