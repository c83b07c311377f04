//! Readable witnesses: filler where a star matched nothing.

use super::product::satisfies;
use crate::pattern::Glob;
use std::collections::BTreeSet;

/// Text put where a `*` matched nothing, so witnesses read like real values.
const STAR_FILLER: &str = "example";

// ---------------------------------------------------------------------------------------
// Readable witnesses.

/// The first candidate that satisfies every glob, else `fallback` (which must be a
/// proved witness: the plain BFS result).
pub(super) fn first_satisfying(
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
pub(super) fn fill_empty_stars(positive: &[&Glob], negative: &[&Glob], text: &str) -> String {
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
pub(super) fn empty_star_gaps(glob: &Glob, text: &[char]) -> Vec<usize> {
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
