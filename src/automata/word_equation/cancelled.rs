//! Two templates on one folded string, read as token sequences with the value as a hole:
//! common ends cancelled, then the one-variable procedure on what is left.
//!
//! Ignore-case comparisons fold both sides one character for one (`pattern::fold_char`), so
//! `s = T[u]` ignoring case is `fold(s) = F_T[fold u]` with `F_T` the template's text folded:
//! an equation over folded characters, with the value's copies as one hole `v`. Two such
//! templates `A[v]`, `B[v]` share a string exactly when the sequences, cancelled from either
//! end, do:
//! - both end (or start) with the hole: `s ∈ X·v ∩ Y·v ⇔ s = s'·v, s' ∈ X ∩ Y` (the value has
//!   one length, so the last `|v|` characters are the value in both);
//! - both end (or start) with one character each (a literal, or `?`): `s ∈ X·x ∩ Y·y ⇔
//!   s = s'·c` with `c` accepted by both and `s' ∈ X ∩ Y`; no such `c` (two literals that
//!   differ) is a conflict for every value;
//! - a `*` at an end, or the hole against a character, stops that end.
//!
//! Each step keeps the set of (value, string) solutions (up to the removed ends), so a
//! conflict is a proof and what is left is the same question. When each side left reads the
//! value at most once, the exact procedure of `word_equation.rs` decides it; otherwise the
//! answer is `TooLarge` (unknown, never a proof). Argued in
//! `encodings/ignore-case-word-equations.md`.

use super::{common_string, Constraints, OneHole, Solution};
use crate::automata::{witness, Witness};
use crate::pattern::{fold_char, fold_class, Glob, Token};

/// The hole standing for the (folded) value in the token sequences.
pub const VALUE_HOLE: u8 = 0;

/// What cancelling the common ends of two sequences leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ends {
    /// No string for any value: two single characters that no character satisfies both.
    Conflict,
    /// The sequences left (the same question).
    Open(Vec<Token>, Vec<Token>),
}

/// One character both tokens accept, if the tokens read one character each.
enum Step {
    Cancel,
    Conflict,
    Stop,
}

fn step(x: Token, y: Token) -> Step {
    let single = |t: Token| matches!(t, Token::Lit(_) | Token::AnyChar | Token::Fold(_));
    match (x, y) {
        (Token::Hole(a), Token::Hole(b)) if a == b => Step::Cancel,
        (x, y) if single(x) && single(y) => match (x, y) {
            (Token::AnyChar, _) | (_, Token::AnyChar) => Step::Cancel,
            (Token::Lit(a), Token::Lit(b)) if a == b => Step::Cancel,
            (Token::Fold(a), Token::Fold(b)) if a == b => Step::Cancel,
            (Token::Lit(c), Token::Fold(f)) | (Token::Fold(f), Token::Lit(c))
                if fold_char(c) == f =>
            {
                Step::Cancel
            }
            _ => Step::Conflict,
        },
        _ => Step::Stop,
    }
}

/// Cancels the common ends of `a` and `b` (see the module comment).
pub fn cancel_ends(a: &[Token], b: &[Token]) -> Ends {
    let (mut a, mut b) = (a, b);
    // From the end, then from the start.
    while let (Some((&x, ra)), Some((&y, rb))) = (a.split_last(), b.split_last()) {
        match step(x, y) {
            Step::Cancel => (a, b) = (ra, rb),
            Step::Conflict => return Ends::Conflict,
            Step::Stop => break,
        }
    }
    while let (Some((&x, ra)), Some((&y, rb))) = (a.split_first(), b.split_first()) {
        match step(x, y) {
            Step::Cancel => (a, b) = (ra, rb),
            Step::Conflict => return Ends::Conflict,
            Step::Stop => break,
        }
    }
    // One side empty: the other must match the empty string.
    let needs_a_character = |t: &[Token]| {
        t.iter()
            .any(|t| matches!(t, Token::Lit(_) | Token::AnyChar | Token::Fold(_)))
    };
    if (a.is_empty() && needs_a_character(b)) || (b.is_empty() && needs_a_character(a)) {
        return Ends::Conflict;
    }
    Ends::Open(a.to_vec(), b.to_vec())
}

fn holes(tokens: &[Token]) -> usize {
    tokens
        .iter()
        .filter(|t| matches!(t, Token::Hole(_)))
        .count()
}

/// Is there a value `v` and a string in both `a[v]` and `b[v]`? Exact where it answers.
pub fn common_folded(a: &[Token], b: &[Token]) -> Solution {
    let (a, b) = match cancel_ends(a, b) {
        Ends::Conflict => return Solution::Empty,
        Ends::Open(a, b) => (a, b),
    };
    let glob = |t: &[Token]| Glob::from_tokens(t.to_vec());
    match (holes(&a), holes(&b)) {
        (0, 0) => match witness(&[&glob(&a), &glob(&b)], &[]) {
            Witness::Found(text) => Solution::Found {
                value: String::new(),
                text,
            },
            Witness::Empty => Solution::Empty,
            Witness::TooLarge => Solution::TooLarge,
        },
        (1, 1) => match (OneHole::split(&glob(&a)), OneHole::split(&glob(&b))) {
            (Some(x), Some(y)) => common_string(&x, &y, Constraints::default(), none()),
            _ => Solution::TooLarge,
        },
        (1, 0) | (0, 1) => {
            let (holed, fixed) = if holes(&a) == 1 { (&a, &b) } else { (&b, &a) };
            let fixed = glob(fixed);
            let Some(h) = OneHole::split(&glob(holed)) else {
                return Solution::TooLarge;
            };
            let text = [&fixed];
            common_string(
                &h,
                &h,
                Constraints::default(),
                Constraints {
                    positive: &text,
                    negative: &[],
                },
            )
        }
        _ => Solution::TooLarge,
    }
}

fn none<'a>() -> Constraints<'a> {
    Constraints::default()
}

/// Is every folded character `c` its own only preimage (`*`, `/`, digits; not `k`, which
/// `K` and U+212A fold to)? A string of such characters is the only string folding to it.
pub fn is_rigid(c: char) -> bool {
    fold_char(c) == c && fold_class(c).iter().all(|&m| m == c)
}

/// Does every solution of `a[v] ∩ b[v]` (folded) consist of rigid characters only? Then the
/// request's value and string are their folds, and every pattern read folded is exact.
///
/// By renaming: a solution with a character outside the literals of `a` and `b` gives one
/// with `fresh` in its place (`fresh` in none of them and not `:`), since the swap keeps
/// every token's answer. So when every literal is rigid and no solution holds `fresh`, every
/// solution is rigid. `false` when unsure.
pub fn only_rigid_solutions(a: &OneHole, b: &OneHole, fresh: char) -> bool {
    let literals = [&a.before, &a.after, &b.before, &b.after]
        .into_iter()
        .flat_map(|g| g.tokens().iter().copied());
    let mut all_rigid = true;
    for token in literals {
        match token {
            Token::Lit(c) if c == fresh => return false,
            Token::Lit(c) => all_rigid &= is_rigid(c),
            Token::Fold(_) | Token::SegChar | Token::SegStr => return false,
            _ => {}
        }
    }
    if !all_rigid || fresh == ':' || !is_rigid(fresh) {
        return false;
    }
    let holding = Glob::from_tokens(vec![Token::AnyStr, Token::Lit(fresh), Token::AnyStr]);
    let text = [&holding];
    let asked = Constraints {
        positive: &text,
        negative: &[],
    };
    common_string(a, b, none(), asked) == Solution::Empty
}

/// A rigid character none of `tokens` holds, for [`only_rigid_solutions`].
pub fn fresh_rigid(tokens: &[&Glob]) -> Option<char> {
    let used = |c: char| {
        tokens.iter().any(|g| {
            g.tokens()
                .iter()
                .any(|t| matches!(t, Token::Lit(l) if *l == c))
        })
    };
    ['#', '%', '&', '~', '^', '!', '=', '0', '1', '2', '3']
        .into_iter()
        .find(|&c| !used(c) && is_rigid(c))
}
