//! A key's value inside an ARN's first five segments, read exactly when its colons cannot
//! move any wildcard's bounds (session 11, catalog).
//!
//! `arn:aws:iam::${aws:username}:user/*`: the value fills the account segment. A value's
//! colons count as segment separators (`Glob::from_chars`), so in general they change which
//! wildcards are bounded (`*` that does not cross `:`) and the hole has no sound glob
//! reading (`symbolic.rs`, `holes.rs` refuse it). Two conditions make it exact:
//! - the template's own text holds at least five literal colons: the last segment is then
//!   the sixth whatever the value holds, so every wildcard before the hole keeps its bound;
//! - every wildcard after the hole has five literal colons before it: it is free for every
//!   value (the value's colons only add to the count).
//!
//! Then for every value `v`, the template's glob is `before · v · after` with `before` and
//! `after` read from the literal colons alone: a [`OneHole`], and the word equation of
//! `equations.rs` decides the key's value exactly (a value, or a lemma over atoms only).
//! The argument: `encodings/policy-variables.md`, "Session 11 (catalog)".
//!
//! Session 12 (segments): a wildcard after the hole with fewer than five literal colons
//! before it (`*arn:${u}:iam::*:*`, `arn:aws:iam::${team}*:user/*`) is bounded exactly when
//! the value holds too few colons. Read free, it holds the template for every value (a free
//! wildcard takes all a bounded one takes): a superset, marked `Reason::Approximated` for
//! the key itself, so it is asked only where a superset is sound (a true template: "no
//! value" for the superset is "no value" for the template) and left out where the template
//! is false (`negated.rs`, `folded.rs` skip approximated readings).

use super::context::ContextBuilder;
use super::equations::Reason;
use crate::automata::word_equation::OneHole;
use crate::encode::{AtomId, MatchMode, StrPattern, StrVar};
use crate::pattern::{is_hole_char, Glob, Template, TemplatePart, Token};
use std::collections::BTreeSet;

/// Literal colons before the sixth ARN segment.
const BOUNDED_SEGMENT_COLONS: usize = 5;

impl ContextBuilder<'_> {
    /// `t` (an ARN pattern reading `key` once, in its first five segments) as a glob with
    /// `key`'s value as the hole, when the conditions of the module comment hold. Other keys
    /// must have their value chosen (their text is then literal, colons and all).
    pub(super) fn bounded_arn_hole(
        &self,
        t: &Template,
        mode: MatchMode,
        key: &str,
    ) -> Option<(OneHole, BTreeSet<Reason>)> {
        if mode != MatchMode::Arn || t.variable_keys().filter(|k| *k == key).count() != 1 {
            return None;
        }
        let mut reasons = BTreeSet::new();
        let mut raw: Vec<Token> = Vec::new();
        for part in &t.parts {
            match part {
                TemplatePart::Text(text) => raw.extend(text.chars().map(|c| match c {
                    '*' => Token::AnyStr,
                    '?' => Token::AnyChar,
                    c => Token::Lit(c),
                })),
                TemplatePart::Escaped(c) => raw.push(Token::Lit(*c)),
                TemplatePart::Var { key_lower, .. } if key_lower == key => raw.push(Token::Hole(0)),
                TemplatePart::Var {
                    key_lower, default, ..
                } => {
                    // Absent or several values: the default, or the template matches nothing.
                    let text = match self.values.get(key_lower)?.as_slice() {
                        [value] => value.as_str(),
                        _ => default.as_deref()?,
                    };
                    reasons.insert(Reason::Chosen(key_lower.clone()));
                    raw.extend(text.chars().map(Token::Lit));
                }
            }
        }
        if raw
            .iter()
            .any(|token| matches!(token, Token::Lit(c) if is_hole_char(*c)))
        {
            return None;
        }
        // The class the model puts the value in (holds a colon or not), when it reads one.
        let class = self.colon_atom(key);
        let assumed = match class {
            Some((_, false)) => ValueColons::None,
            Some((_, true)) => ValueColons::Some,
            None => ValueColons::Any,
        };
        let (hole, exact) = bounded_reading(raw.clone(), assumed)?;
        match (exact, class) {
            (true, Some((id, holds))) if !is_exact_for_every_value(&raw) => {
                // Exact in the model's class only: a lemma names the class.
                reasons.insert(Reason::Class(id, holds));
            }
            (true, _) => {}
            // A superset for every value: sound only where the template is true.
            (false, _) => {
                reasons.insert(Reason::Approximated(key.to_string(), None));
            }
        }
        Some((OneHole::split(&hole)?, reasons))
    }

    /// The atom `key like *:*` (`encode/lemmas/beyond.rs` reads the class of values without
    /// a colon through it) and its truth value in the model.
    fn colon_atom(&self, key: &str) -> Option<(AtomId, bool)> {
        let own = StrVar::Context {
            key: key.to_string(),
            slot: 0,
        };
        let colon = Glob::wildcard("*:*");
        self.str_atoms_on(&own)
            .find_map(|(id, pattern)| match pattern {
                StrPattern::Glob(g) if *g == colon => Some((id, self.a.atom(id))),
                _ => None,
            })
    }
}

/// What is known of the colons in the hole's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ValueColons {
    /// None: every wildcard keeps the bound its literal colons give.
    None,
    /// At least one: a wildcard after the hole with four literal colons before it is free.
    Some,
    Any,
}

/// No wildcard after the hole that the value's colons could free.
fn is_exact_for_every_value(raw: &[Token]) -> bool {
    bounded_reading(raw.to_vec(), ValueColons::Any).is_some_and(|(_, exact)| exact)
}

/// The tokens with the wildcards before the fifth literal colon bounded, and whether that
/// reading is exact for every value of the hole (module comment). A wildcard after the hole
/// that the value's colons could free is read free: the glob is then a superset of the
/// template for every value (`false`). `None` with fewer than five literal colons (the
/// value's colons would move the last segment, which bounds the wildcards before the hole).
fn bounded_reading(raw: Vec<Token>, value: ValueColons) -> Option<(Glob, bool)> {
    let literal_colons = raw.iter().filter(|t| **t == Token::Lit(':')).count();
    if literal_colons < BOUNDED_SEGMENT_COLONS {
        return None;
    }
    let (mut colons, mut after_hole, mut exact) = (0usize, false, true);
    let mut tokens = Vec::with_capacity(raw.len());
    for token in raw {
        let bounded = colons < BOUNDED_SEGMENT_COLONS;
        tokens.push(match token {
            Token::Lit(':') => {
                colons += 1;
                token
            }
            Token::Hole(_) => {
                after_hole = true;
                token
            }
            // The value's colons could free this wildcard: free is the superset.
            Token::AnyStr | Token::AnyChar if bounded && after_hole => match value {
                ValueColons::None => seg(token),
                ValueColons::Some if colons + 1 >= BOUNDED_SEGMENT_COLONS => token,
                ValueColons::Some | ValueColons::Any => {
                    exact = false;
                    token
                }
            },
            other if bounded => seg(other),
            other => other,
        });
    }
    Some((Glob::from_tokens(tokens), exact))
}

/// A wildcard's reading inside an ARN segment.
fn seg(token: Token) -> Token {
    match token {
        Token::AnyStr => Token::SegStr,
        Token::AnyChar => Token::SegChar,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::PatternChar;

    fn raw(text: &str) -> Vec<Token> {
        text.chars()
            .map(|c| match c {
                '*' => Token::AnyStr,
                '?' => Token::AnyChar,
                '$' => Token::Hole(0),
                c => Token::Lit(c),
            })
            .collect()
    }

    /// The evaluator's reading of the template with `value` written in.
    fn resolved(text: &str, value: &str) -> Glob {
        let mut chars = Vec::new();
        for c in text.chars() {
            match c {
                '*' | '?' => chars.push(PatternChar::Wild(c)),
                '$' => chars.extend(value.chars().map(PatternChar::Lit)),
                c => chars.push(PatternChar::Lit(c)),
            }
        }
        Glob::from_chars(&chars, true)
    }

    /// Every word over `alphabet` up to `max` characters.
    fn words(alphabet: &[char], max: usize) -> Vec<String> {
        let mut all = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..max {
            last = last
                .iter()
                .flat_map(|w| alphabet.iter().map(move |c| format!("{w}{c}")))
                .collect();
            all.extend(last.iter().cloned());
        }
        all
    }

    #[test]
    fn the_reading_is_the_evaluators_for_every_value_tried() {
        for text in [
            "arn:aws:iam::$:user/*",
            "arn:*:iam::$:user/?*",
            "arn:aws:x*:$:y:z*",
            "arn:aws:s3:::$",
            "*:*:$::x:?*:*",
        ] {
            let (glob, exact) = bounded_reading(raw(text), ValueColons::Any).unwrap();
            assert!(exact, "{text}");
            let hole = OneHole::split(&glob).unwrap();
            for value in words(&['a', ':', '/', '*'], 4) {
                assert_eq!(
                    hole.with_value(&value),
                    resolved(text, &value),
                    "{text} {value}"
                );
            }
        }
    }

    #[test]
    fn no_reading_when_the_value_could_move_the_last_segment() {
        // Fewer than five literal colons: the value's colons would move the last segment.
        for text in ["arn:aws:*:$", "*arn:$:iam:*", "arn:$:x"] {
            assert!(
                bounded_reading(raw(text), ValueColons::Any).is_none(),
                "{text}"
            );
        }
    }

    #[test]
    fn a_wildcard_the_value_could_free_is_read_as_a_superset_for_every_value_tried() {
        for text in [
            "arn:aws:iam::$*:user/x",
            "arn:aws:$:*:x:y",
            "*arn:$:iam::*:*",
            "*arn:aws:iam::$*:user/*",
            "arn:aws:sqs:$:*:q*",
            "arn:$:?:*:?:*",
        ] {
            let (glob, exact) = bounded_reading(raw(text), ValueColons::Any).unwrap();
            assert!(!exact, "{text}");
            let hole = OneHole::split(&glob).unwrap();
            for value in words(&['a', ':', '/', '*'], 4) {
                let read = hole.with_value(&value);
                let evaluators = resolved(text, &value);
                assert!(
                    crate::automata::is_subset(&evaluators, &read),
                    "{text} {value}: {evaluators} not in {read}"
                );
                // Exact when the value holds enough colons to free every such wildcard.
                if value.matches(':').count() >= 4 {
                    assert_eq!(read, evaluators, "{text} {value}");
                }
            }
        }
        // In the value's class the reading is exact: bounded for values without a colon,
        // free for values with one when four literal colons stand before the wildcard.
        for text in [
            "*arn:$:iam::*:*",
            "*arn:aws:iam::$*:user/*",
            "arn:aws:sqs:$:*:q*",
        ] {
            let (none, exact) = bounded_reading(raw(text), ValueColons::None).unwrap();
            assert!(exact, "{text}");
            let (some, exact) = bounded_reading(raw(text), ValueColons::Some).unwrap();
            assert!(exact, "{text}");
            let (none, some) = (
                OneHole::split(&none).unwrap(),
                OneHole::split(&some).unwrap(),
            );
            for value in words(&['a', ':', '/', '*'], 4) {
                let class = if value.contains(':') { &some } else { &none };
                assert_eq!(
                    class.with_value(&value),
                    resolved(text, &value),
                    "{text} {value}"
                );
            }
        }
        // Three literal colons before the wildcard: one colon of the value is not enough.
        let (_, exact) = bounded_reading(raw("arn:$:?:*:?:*"), ValueColons::Some).unwrap();
        assert!(!exact);
        // What the superset gives up: with value `a` the `*` after it is bounded, with
        // `a:b` free; the reading is the free one.
        let text = "arn:aws:iam::$*:user/x";
        assert!(resolved(text, "a").tokens().contains(&Token::SegStr));
        assert!(resolved(text, "a:b").tokens().contains(&Token::AnyStr));
        let (glob, _) = bounded_reading(raw(text), ValueColons::Any).unwrap();
        assert!(!glob.tokens().contains(&Token::SegStr));
    }
}
