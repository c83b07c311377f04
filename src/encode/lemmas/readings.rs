//! Readings of a template in one class of its keys, as globs with holes, beyond the exact
//! one of `symbolic.rs`: the template's own ARN segmentation with holes anywhere, every
//! wildcard unbounded, and the case-folded reading of ignore-case comparisons. What each is
//! worth (exact, a superset, a subset) is argued in `encodings/ignore-case-templates.md`.

use crate::encode::query::MatchMode;
use crate::pattern::{fold_char, fold_class, is_hole_char, Glob, Template, TemplatePart, Token};
use std::collections::BTreeSet;

/// How an ARN template's wildcards are bounded when a hole may sit in its first five
/// segments (a value with colons there moves the evaluator's segment bounds).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Layout {
    /// The template's own segments: exact for values without colons, and a subset of the
    /// template's language for every value (a value's colons only ever free a wildcard).
    Own,
    /// Every wildcard unbounded: a superset of the template's language for every value.
    Unbounded,
}

/// The template as a glob in one class (`single`: indices into `keys` of the single-valued
/// keys, read as holes). `None`: no glob (a key outside `keys`, a hole character in the
/// text); `Some(None)`: the template matches nothing in this class. Ignore-case templates
/// are read folded ([`fold_char`] on the text and the default; a hole is the folded value).
pub(super) fn read_template(
    template: &Template,
    mode: MatchMode,
    keys: &[String],
    single: &BTreeSet<usize>,
    layout: Layout,
) -> Option<Option<Glob>> {
    let wild = matches!(mode, MatchMode::Like | MatchMode::Arn);
    let fold = |c: char| {
        if mode == MatchMode::IgnoreCase {
            fold_char(c)
        } else {
            c
        }
    };
    let mut raw: Vec<Token> = Vec::new();
    for part in &template.parts {
        match part {
            TemplatePart::Text(text) => raw.extend(text.chars().map(|c| match c {
                '*' if wild => Token::AnyStr,
                '?' if wild => Token::AnyChar,
                c => Token::Lit(fold(c)),
            })),
            TemplatePart::Escaped(c) => raw.push(Token::Lit(fold(*c))),
            TemplatePart::Var {
                key_lower, default, ..
            } => {
                let index = keys.iter().position(|k| k == key_lower)?;
                if single.contains(&index) {
                    raw.push(Token::Hole(u8::try_from(index).ok()?));
                } else {
                    match default {
                        Some(d) => raw.extend(d.chars().map(|c| Token::Lit(fold(c)))),
                        None => return Some(None),
                    }
                }
            }
        }
    }
    if raw
        .iter()
        .any(|t| matches!(t, Token::Lit(c) if is_hole_char(*c)))
    {
        return None;
    }
    if mode != MatchMode::Arn {
        return Some(Some(Glob::from_tokens(raw)));
    }
    Some(Some(bound_segments(raw, layout)))
}

/// ARN wildcards bounded as `Glob::from_chars` bounds them for the template's own colons
/// ([`Layout::Own`]), or left free ([`Layout::Unbounded`]).
pub(super) fn bound_segments(raw: Vec<Token>, layout: Layout) -> Glob {
    if layout == Layout::Unbounded {
        return Glob::from_tokens(raw);
    }
    let colons = raw.iter().filter(|t| **t == Token::Lit(':')).count();
    let last_segment = (colons + 1).min(6) - 1;
    let mut segment = 0usize;
    let mut tokens = Vec::with_capacity(raw.len());
    for token in raw {
        let bounded = segment < last_segment;
        tokens.push(match token {
            Token::Lit(':') => {
                segment += 1;
                token
            }
            Token::AnyStr if bounded => Token::SegStr,
            Token::AnyChar if bounded => Token::SegChar,
            other => other,
        });
    }
    Glob::from_tokens(tokens)
}

/// Segment wildcards made free (a superset of the glob's language).
pub(super) fn unbounded(glob: &Glob) -> Glob {
    Glob::from_tokens(
        glob.tokens()
            .iter()
            .map(|t| match t {
                Token::SegStr => Token::AnyStr,
                Token::SegChar => Token::AnyChar,
                other => *other,
            })
            .collect(),
    )
}

/// The keys (hole numbers) read in an ARN template's first five segments: a hole with fewer
/// than five colons before it. Only ARN-mode readings have segments.
pub(super) fn holes_in_bounded_segments(glob: &Glob, mode: Option<MatchMode>) -> BTreeSet<u8> {
    let mut out = BTreeSet::new();
    if mode != Some(MatchMode::Arn) {
        return out;
    }
    let mut colons = 0usize;
    for t in glob.tokens() {
        match t {
            Token::Lit(':') => colons += 1,
            Token::Hole(n) if colons < 5 => {
                out.insert(*n);
            }
            _ => {}
        }
    }
    out
}

/// The glob every folded member of `glob`'s language lies in: each literal folded, a fold
/// class its folded character. Segment wildcards keep their meaning, since only `:` folds
/// to `:` (a test checks it).
pub fn fold_glob(glob: &Glob) -> Glob {
    Glob::from_tokens(
        glob.tokens()
            .iter()
            .map(|t| match t {
                Token::Lit(c) => Token::Lit(fold_char(*c)),
                Token::Fold(f) => Token::Lit(*f),
                other => *other,
            })
            .collect(),
    )
}

/// Membership in `glob` depends only on the folded string: no literal has case variants
/// (its fold class has at most itself) and no hole (a value's case is its own).
pub fn is_case_closed(glob: &Glob) -> bool {
    glob.tokens().iter().all(|t| match t {
        Token::Lit(c) => fold_class(fold_char(*c)).len() <= 1,
        Token::Hole(_) => false,
        _ => true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_is_one_character_for_one_and_keeps_colons_apart() {
        // fold(s) is computed character by character (the argument needs it), and no other
        // character folds to `:` (segment wildcards mean the same on folded strings).
        assert_eq!(crate::pattern::fold_case("A\u{212A}:İ"), "ak:i");
        assert_eq!(fold_char(':'), ':');
        assert!(fold_class(':').is_empty());
        for c in (0..0x2_0000u32).filter_map(char::from_u32) {
            assert_eq!(fold_char(c) == ':', c == ':', "{c:?}");
        }
    }

    #[test]
    fn case_closed_globs_are_those_without_cased_literals() {
        assert!(is_case_closed(&Glob::ignore_case("Team-1")));
        assert!(is_case_closed(&Glob::wildcard("1*/?")));
        assert!(!is_case_closed(&Glob::wildcard("a*")));
        assert!(!is_case_closed(&Glob::from_tokens(vec![Token::Hole(0)])));
        // K (Kelvin) folds to k: the glob `[kKK]` is closed, the literal `K` is not.
        assert!(is_case_closed(&Glob::ignore_case("\u{212A}")));
        assert!(!is_case_closed(&Glob::literal("\u{212A}")));
    }

    #[test]
    fn ignore_case_templates_read_folded_and_arn_holes_are_found() {
        let t = Template::parse("${aws:username}-X\u{212A}", true).unwrap();
        let keys = vec!["aws:username".to_string()];
        let glob = read_template(
            &t,
            MatchMode::IgnoreCase,
            &keys,
            &BTreeSet::from([0]),
            Layout::Own,
        );
        let want = Glob::from_tokens(vec![
            Token::Hole(0),
            Token::Lit('-'),
            Token::Lit('x'),
            Token::Lit('k'),
        ]);
        assert_eq!(glob, Some(Some(want)));
        let arn = Template::parse("arn:aws:iam::${aws:username}:user/*", true).unwrap();
        let own = read_template(
            &arn,
            MatchMode::Arn,
            &keys,
            &BTreeSet::from([0]),
            Layout::Own,
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            holes_in_bounded_segments(&own, Some(MatchMode::Arn)),
            BTreeSet::from([0])
        );
        assert!(holes_in_bounded_segments(&own, Some(MatchMode::Like)).is_empty());
        let s3 = Template::parse("arn:aws:s3:::b/${aws:username}", true).unwrap();
        let own = read_template(
            &s3,
            MatchMode::Arn,
            &keys,
            &BTreeSet::from([0]),
            Layout::Own,
        )
        .unwrap()
        .unwrap();
        assert!(holes_in_bounded_segments(&own, Some(MatchMode::Arn)).is_empty());
    }
}
