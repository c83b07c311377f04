//! Two wildcard templates on one string that read the same variables between the same colons,
//! each stretch of text between them inside the other's: the first's language lies inside the
//! second's for every request (`encodings/multivalued-templates.md`, "Aligned chunks").
//!
//! Split a template at its *rigid* items: each `${…}` (key and default) and each `:` of its
//! text. Between them are *chunks* of literals and wildcards with no colon. If A and B have the
//! same rigid sequence and every chunk of A lies inside B's chunk at the same place, then
//! `A[u] ⊆ B[u]` whatever the values `u` read, colons in them included: both resolve with the
//! same text at the same rigid places, so the resolved patterns have their colons at the same
//! places, every chunk sits in the same ARN segment in both, and its wildcards are bounded to
//! the segment in both or in neither. A string of `A[u]` is a concatenation of one word per
//! chunk and the rigid texts; each word lies in B's chunk under the same bounding (checked for
//! both boundings), so the string is in `B[u]`. A template that does not resolve (a key with no
//! default and not one value) does not resolve in either. `arn:aws:iam::?*${k}:user/*` inside
//! `arn:aws:iam::*${k}:user/*` was unknown (a value with colons in the account segment moves
//! the segments, so the hole reading of `symbolic.rs` does not take it; refined one value at a
//! time).

use crate::automata::is_subset;
use crate::encode::query::{AtomId, MatchMode, StrVar};
use crate::encode::term::Term;
use crate::pattern::{Glob, Template, TemplatePart, Token};

/// Chunks longer than this (in tokens) are not compared (no lemma: sound).
const MAX_CHUNK_TOKENS: usize = 64;

#[derive(PartialEq, Eq)]
enum Rigid {
    Colon,
    Var(String, Option<String>),
}

/// A template's rigid items and the chunks around them (`rigid.len() + 1` chunks), each chunk
/// read with segment-bounded wildcards and with free ones. `None` for modes without
/// wildcards (equal templates are related by the caller's own lemma).
struct Split {
    rigid: Vec<Rigid>,
    bounded: Vec<Glob>,
    free: Vec<Glob>,
}

fn split(template: &Template, mode: MatchMode) -> Option<Split> {
    if !matches!(mode, MatchMode::Like | MatchMode::Arn) {
        return None;
    }
    let mut rigid = Vec::new();
    // Each chunk's tokens with free wildcards; the bounded reading is made from them below.
    let mut tokens: Vec<Vec<Token>> = vec![Vec::new()];
    for part in &template.parts {
        match part {
            TemplatePart::Text(text) => {
                for c in text.chars() {
                    let current = tokens.last_mut()?;
                    match c {
                        ':' => {
                            rigid.push(Rigid::Colon);
                            tokens.push(Vec::new());
                        }
                        '*' => current.push(Token::AnyStr),
                        '?' => current.push(Token::AnyChar),
                        c => current.push(Token::Lit(c)),
                    }
                }
            }
            TemplatePart::Escaped(c) => tokens.last_mut()?.push(Token::Lit(*c)),
            TemplatePart::Var {
                key_lower, default, ..
            } => {
                rigid.push(Rigid::Var(key_lower.clone(), default.clone()));
                tokens.push(Vec::new());
            }
        }
    }
    if tokens.iter().any(|t| t.len() > MAX_CHUNK_TOKENS) {
        return None;
    }
    let bounded = tokens
        .iter()
        .map(|chunk| {
            Glob::from_tokens(
                chunk
                    .iter()
                    .map(|t| match t {
                        Token::AnyStr => Token::SegStr,
                        Token::AnyChar => Token::SegChar,
                        other => *other,
                    })
                    .collect(),
            )
        })
        .collect();
    let free = tokens.into_iter().map(Glob::from_tokens).collect();
    Some(Split {
        rigid,
        bounded,
        free,
    })
}

/// Every chunk of `a` inside `b`'s at the same place (both boundings for ARN templates).
fn chunks_inside(a: &Split, b: &Split, mode: MatchMode) -> bool {
    a.rigid == b.rigid
        && a.free.len() == b.free.len()
        && (0..a.free.len()).all(|i| {
            is_subset(&a.free[i], &b.free[i])
                && (mode != MatchMode::Arn || is_subset(&a.bounded[i], &b.bounded[i]))
        })
}

/// `A → B` for each ordered pair of different templates on one variable in one wildcard mode
/// whose chunks align (see the module comment).
pub(super) fn chunk_inclusion_lemmas(
    templates: &[(AtomId, StrVar, Template, MatchMode)],
) -> Vec<Term> {
    let splits: Vec<Option<Split>> = templates
        .iter()
        .map(|(_, _, t, mode)| split(t, *mode))
        .collect();
    let mut lemmas = Vec::new();
    for (i, (a, var_a, t_a, mode_a)) in templates.iter().enumerate() {
        for (j, (b, var_b, t_b, mode_b)) in templates.iter().enumerate() {
            if i == j || var_a != var_b || mode_a != mode_b || t_a == t_b {
                continue;
            }
            let (Some(split_a), Some(split_b)) = (&splits[i], &splits[j]) else {
                continue;
            };
            if chunks_inside(split_a, split_b, *mode_a) {
                lemmas.push(Term::implies(Term::Atom(*a), Term::Atom(*b)));
            }
        }
    }
    lemmas
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arn(text: &str) -> Split {
        split(&Template::parse(text, true).unwrap(), MatchMode::Arn).unwrap()
    }

    #[test]
    fn a_narrower_chunk_between_the_same_variables_and_colons_is_inside() {
        let narrow = arn("arn:aws:iam::?*K${aws:TagKeys}:user/*");
        let wide = arn("arn:aws:iam::*K${aws:TagKeys}:user/*");
        assert!(chunks_inside(&narrow, &wide, MatchMode::Arn));
        assert!(!chunks_inside(&wide, &narrow, MatchMode::Arn));
        let two_stars = arn("arn:aws:iam::a/**${custom:m, 'none'}:user//${custom:m, 'a'}");
        let one_char = arn("arn:aws:iam::a/?*${custom:m, 'none'}:user//${custom:m, 'a'}");
        assert!(chunks_inside(&one_char, &two_stars, MatchMode::Arn));
    }

    #[test]
    fn different_variables_defaults_or_colons_are_not_aligned() {
        let base = arn("arn:aws:iam::*${custom:m}:user/*");
        assert!(!chunks_inside(
            &arn("arn:aws:iam::*${custom:n}:user/*"),
            &base,
            MatchMode::Arn
        ));
        assert!(!chunks_inside(
            &arn("arn:aws:iam::*${custom:m, 'd'}:user/*"),
            &base,
            MatchMode::Arn
        ));
        // A colon against a wildcard moves the segments: not compared.
        assert!(!chunks_inside(
            &arn("arn:aws:iam::x:y${custom:m}:user/*"),
            &arn("arn:aws:iam::*${custom:m}:user/*"),
            MatchMode::Arn
        ));
        assert!(split(
            &Template::parse("${custom:m}", true).unwrap(),
            MatchMode::Exact
        )
        .is_none());
    }
}
