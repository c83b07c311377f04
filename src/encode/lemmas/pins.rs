//! Pins: an ARN template whose value fills a whole segment among the first five, against a
//! pattern whose text there is fixed, tells which values can meet it
//! (`encodings/ignore-case-templates.md`, "Pinned segments").
//!
//! `A = p·${u}·:q` with `p` holding exactly `i < 5` colons, no value and no free wildcard,
//! and `B` whose first `i + 1` segments hold no value and no free wildcard. `A` may be an ARN,
//! Like or Exact template: only its text up to the colon after `u` is read, literal there (an
//! ARN segment wildcard in `p` has at most `i` colons before it and `i + 1 ≤ 5` in the text,
//! so the evaluator bounds it too). Since session 13 an ARN template whose wildcards are all
//! free is its Like atom (`query.rs`), so `${u}:${p}` and `arn:aws:iam::${p}:user/*` are Like
//! atoms and `symbolic.rs` pins them as well. A string in both
//! splits at `p`'s colons (they are the first `i` of the resolved text, whatever `u` holds),
//! so its segment `i` is `u` when `u` has no colon and `u`'s text before its first colon
//! otherwise; `B` puts that segment in its own segment glob `G`. Hence, per class:
//! `class ∧ A ∧ B → u ~ G ∨ u ~ G:*`. Without it the search met such a pair one value at a
//! time (guard-rail #00: `arn:aws:iam::${aws:PrincipalAccount}:user/*` against
//! `arn:aws:iam::111122223333:user/*` learned a lemma per account it tried).

use super::symbolic::Side;
use crate::encode::query::{Atom, AtomId, MatchMode, Query, StrPattern, StrVar};
use crate::encode::term::Term;
use crate::pattern::{Glob, Template, TemplatePart, Token};
/// Where a template's value fills segment `segment` of an ARN template's own reading.
struct Pinned {
    hole: u8,
    segment: usize,
}

/// The hole that fills a whole bounded segment of `own` (an ARN template's own reading),
/// with only literals and segment wildcards before it.
fn pinned_hole(own: &Glob) -> Option<Pinned> {
    let tokens = own.tokens();
    let mut colons = 0usize;
    for (i, t) in tokens.iter().enumerate() {
        match t {
            Token::Lit(':') => colons += 1,
            Token::Hole(n) => {
                let starts_segment = i == 0 || tokens[i - 1] == Token::Lit(':');
                let ends_segment = tokens.get(i + 1) == Some(&Token::Lit(':'));
                return (colons < 5 && starts_segment && ends_segment).then_some(Pinned {
                    hole: *n,
                    segment: colons,
                });
            }
            Token::AnyStr | Token::AnyChar => return None,
            _ => {}
        }
    }
    None
}

/// Segment `segment` of `glob` when every segment up to it is fixed text and segment
/// wildcards (no value, no free wildcard): every member splits at those colons. With it, the
/// literal text that starts what follows the segment's closing colon.
fn fixed_segment(glob: &Glob, segment: usize) -> Option<(Glob, String)> {
    let tokens = glob.tokens();
    let mut colons = 0usize;
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        match t {
            Token::Lit(':') if colons == segment => {
                let rest = tokens[i + 1..]
                    .iter()
                    .map_while(|t| match t {
                        Token::Lit(c) => Some(*c),
                        _ => None,
                    })
                    .collect();
                return Some((Glob::from_tokens(out), rest));
            }
            Token::Lit(':') => colons += 1,
            Token::Hole(_) | Token::AnyStr | Token::AnyChar => return None,
            t if colons == segment => out.push(*t),
            _ => {}
        }
    }
    None
}

/// The globs a value `u` filling segment `G` of `A` (followed by `A`'s `:`) can take when the
/// string also starts, after that segment's colon, with the literal `rest`: `u` in `G` (no
/// colon), or `u = x:w` with `x` in `G` and `w·:` agreeing with `rest` on their common
/// length: `w` starting with `rest`, or `w` the text of `rest` before one of its colons.
fn value_globs(segment: &Glob, rest: &str) -> Vec<Glob> {
    let with = |tail: &[Token]| {
        let mut tokens = segment.tokens().to_vec();
        tokens.push(Token::Lit(':'));
        tokens.extend_from_slice(tail);
        Glob::from_tokens(tokens)
    };
    let mut out = vec![segment.clone()];
    let mut prefixed: Vec<Token> = rest.chars().map(Token::Lit).collect();
    prefixed.push(Token::AnyStr);
    out.push(with(&prefixed));
    for (j, c) in rest.char_indices() {
        if c == ':' {
            let before: Vec<Token> = rest[..j].chars().map(Token::Lit).collect();
            out.push(with(&before));
        }
    }
    out
}

/// Pushes `class ∧ A ∧ B → u ~ G ∨ u ~ G:*` for `A` (a template read in its own
/// segments) against `B` (any side's own reading), in the class `single` of `keys`.
pub(super) fn push_pins(
    query: &mut Query,
    (a, own_a): ((AtomId, &Side), &Glob),
    (b, own_b): (AtomId, &Glob),
    keys: &[String],
    class: &[Term],
    out: &mut Vec<Term>,
) {
    // Any template read exactly, whatever its mode: only its text up to the value's closing
    // colon is read, and there it is literal text and ARN segment wildcards.
    if !matches!(
        a.1,
        Side::Template(_, MatchMode::Arn | MatchMode::Like | MatchMode::Exact)
    ) {
        return;
    }
    let Some(pinned) = pinned_hole(own_a) else {
        return;
    };
    let Some((segment, rest)) = fixed_segment(own_b, pinned.segment) else {
        return;
    };
    // A Like or Exact `A` (mostly pairs `query.rs` rewrote from ARN) gets the two cases
    // `u ~ G ∨ u ~ G:*` only: with the finer cases on `rest`, the search chose the infinite
    // case `G:rest*` and refuted one value per round where the value was a shorter case
    // (fuzz_arn 1530 and 1281, as on 8a021db: fail -> timeout). Coarser, still true.
    let rest = if matches!(a.1, Side::Template(_, MatchMode::Arn)) {
        rest
    } else {
        // `G` a bare segment wildcard: `u ~ G ∨ u ~ G:*` holds of every string, and its two
        // new atoms only gave the search more to choose (fuzz_arn 1597: `arn:${p}:*` against
        // `*:*:*:*:*:${u}`, fail 0.03 s -> timeout).
        if segment.tokens().iter().all(|t| *t == Token::SegStr) {
            return;
        }
        String::new()
    };
    let Some(key) = keys.get(usize::from(pinned.hole)) else {
        return;
    };
    let var = StrVar::Context {
        key: key.clone(),
        slot: 0,
    };
    let values: Vec<Term> = value_globs(&segment, &rest)
        .into_iter()
        .map(|g| query.str_atom(var.clone(), StrPattern::Glob(g)))
        .collect();
    out.push(Term::implies(
        Term::and(
            class
                .iter()
                .cloned()
                .chain([Term::Atom(a.0), Term::Atom(b)]),
        ),
        Term::or(values),
    ));
}

/// A template's characters up to its end, with its variables as they are written.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Elem<'t> {
    Lit(char),
    Star,
    One,
    Var(&'t TemplatePart),
}

fn elems(t: &Template) -> Vec<Elem<'_>> {
    let mut out = Vec::new();
    for part in &t.parts {
        match part {
            TemplatePart::Text(text) => out.extend(text.chars().map(|c| match c {
                '*' => Elem::Star,
                '?' => Elem::One,
                _ => Elem::Lit(c),
            })),
            TemplatePart::Escaped(c) => out.push(Elem::Lit(*c)),
            TemplatePart::Var { .. } => out.push(Elem::Var(part)),
        }
    }
    out
}

/// The fewest colons a head must hold (every wildcard before the first variable sits before
/// its last colon) and the index after each of the first five colons before the first variable.
fn head_colons(elems: &[Elem]) -> (usize, Vec<usize>) {
    let first_var = elems
        .iter()
        .position(|e| matches!(e, Elem::Var(_)))
        .unwrap_or(elems.len());
    let prefix = &elems[..first_var];
    let colons: Vec<usize> = prefix
        .iter()
        .enumerate()
        .filter(|(_, e)| **e == Elem::Lit(':'))
        .map(|(n, _)| n + 1)
        .take(5)
        .collect();
    let needed = match prefix
        .iter()
        .rposition(|e| matches!(e, Elem::Star | Elem::One))
    {
        Some(last) => colons.iter().filter(|&&after| after <= last).count() + 1,
        None => 1,
    };
    (needed, colons)
}

/// `H·*`: the head's text (its wildcards bounded to their segments), then anything.
fn head_glob(head: &[Elem]) -> Glob {
    let mut tokens: Vec<Token> = head
        .iter()
        .map(|e| match e {
            Elem::Lit(c) => Token::Lit(*c),
            Elem::Star => Token::SegStr,
            _ => Token::SegChar,
        })
        .collect();
    tokens.push(Token::AnyStr);
    Glob::from_tokens(tokens)
}

/// Pushes `B ∧ H_A·* → A` and `A ∧ H_B·* → B` for two ARN templates on one string that
/// spell the same after their `c`-th colon (`c ≤ 5`, every colon up to it literal and before
/// any variable) and differ before it (`encodings/policy-variables.md`, "Session 10
/// (segments)"). A resolved template is the glob `H·T`: `H` holds exactly `c` colons, all
/// literal, and wildcards that do not cross `:` (segments before the fifth colon), so a
/// string in it splits at its own `c`-th colon, and `T` is the same for both templates in
/// every request (the same parts, so the same values, the same defaults and the same
/// segments). A string in `B` has its rest in `T`; with its head in `H_A` it is in `A`.
/// True for every request, whatever the keys hold (absent keys make both match nothing).
pub(super) fn push_heads(
    query: &mut Query,
    (a, side_a): (AtomId, &Side),
    (b, side_b): (AtomId, &Side),
    out: &mut Vec<Term>,
) {
    let (Side::Template(ta, MatchMode::Arn), Side::Template(tb, MatchMode::Arn)) = (side_a, side_b)
    else {
        return;
    };
    let Atom::Str { var, .. } = &query.atoms[a] else {
        return;
    };
    let var = var.clone();
    let (ea, eb) = (elems(ta), elems(tb));
    let ((need_a, colons_a), (need_b, colons_b)) = (head_colons(&ea), head_colons(&eb));
    // The first colon from which both spell the same (heads with no wildcard: any colon).
    let Some((start_a, start_b)) = (need_a.max(need_b)..=colons_a.len().min(colons_b.len()))
        .map(|c| (colons_a[c - 1], colons_b[c - 1]))
        .find(|&(sa, sb)| ea[sa..] == eb[sb..])
    else {
        return;
    };
    if ea[..start_a] == eb[..start_b] {
        return;
    }
    let head_a = query.str_atom(var.clone(), StrPattern::Glob(head_glob(&ea[..start_a])));
    let head_b = query.str_atom(var, StrPattern::Glob(head_glob(&eb[..start_b])));
    let (ta, tb) = (Term::Atom(a), Term::Atom(b));
    out.push(Term::implies(Term::and([tb.clone(), head_a]), ta.clone()));
    out.push(Term::implies(Term::and([ta, head_b]), tb));
}

#[cfg(test)]
mod tests {
    use super::super::readings::{read_template, Layout};
    use super::*;
    use crate::pattern::Template;
    use std::collections::BTreeSet;

    fn own(text: &str) -> Glob {
        let t = Template::parse(text, true).unwrap();
        read_template(
            &t,
            MatchMode::Arn,
            &["k".to_string()],
            &BTreeSet::from([0]),
            Layout::Own,
        )
        .unwrap()
        .unwrap()
    }

    #[test]
    fn a_value_filling_a_bounded_segment_is_pinned_by_fixed_text_there() {
        let account = own("arn:aws:iam::${k}:user/*");
        let p = pinned_hole(&account).unwrap();
        assert_eq!((p.hole, p.segment), (0, 4));
        let fixed = Glob::arn("arn:aws:iam::111122223333:user/*");
        let (segment, rest) = fixed_segment(&fixed, 4).unwrap();
        assert_eq!(segment, Glob::literal("111122223333"));
        assert_eq!(rest, "user/");
        let texts: Vec<String> = value_globs(&segment, &rest)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(texts, ["111122223333", "111122223333:user/*"]);
        let starred = Glob::arn("arn:aws:iam::1*:user/a:b*");
        let (segment, rest) = fixed_segment(&starred, 4).unwrap();
        assert_eq!(segment.to_string(), "1*");
        let texts: Vec<String> = value_globs(&segment, &rest)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(texts, ["1*", "1*:user/a:b*", "1*:user/a"]);
        // A free wildcard before the segment (a Like pattern) can hold colons: no pin.
        assert_eq!(
            fixed_segment(&Glob::wildcard("arn:*:iam::1:user/*"), 4),
            None
        );
        // Fewer than five colons: the segment never ends.
        assert_eq!(fixed_segment(&Glob::arn("arn:aws:iam::1"), 4), None);
    }

    /// A Like template (an ARN template rewritten by `query.rs`) is pinned the same way: its
    /// text before the value is literal; a free `*` before the value is not.
    #[test]
    fn like_templates_with_a_literal_head_are_pinned() {
        let keys = ["p".to_string(), "u".to_string()];
        let like = |text: &str| {
            let t = Template::parse(text, true).unwrap();
            read_template(
                &t,
                MatchMode::Like,
                &keys,
                &BTreeSet::from([0, 1]),
                Layout::Own,
            )
            .unwrap()
            .unwrap()
        };
        let user_then_prefix = like("${u}:${p}");
        let p = pinned_hole(&user_then_prefix).unwrap();
        assert_eq!((p.hole, p.segment), (1, 0));
        let iam = like("arn:aws:iam::${p}:user/*");
        let (segment, rest) = fixed_segment(&iam, 0).unwrap();
        assert_eq!(
            (segment.to_string(), rest.as_str()),
            ("arn".into(), "aws:iam::")
        );
        assert!(pinned_hole(&like("*:${u}:x")).is_none());
        // A Like template's free `*` may hold colons: it fixes no segment.
        assert_eq!(fixed_segment(&like("a*:${p}:x"), 1), None);
    }

    #[test]
    fn values_sharing_a_segment_with_text_or_after_a_free_star_are_not_pinned() {
        assert!(pinned_hole(&own("arn:aws:iam::${k}*:user/*")).is_none());
        assert!(pinned_hole(&own("arn:aws:iam::a${k}:user/*")).is_none());
        assert!(pinned_hole(&own("arn:aws:s3:::b/${k}")).is_none());
        assert!(pinned_hole(&Glob::from_tokens(vec![
            Token::AnyStr,
            Token::Lit(':'),
            Token::Hole(0),
            Token::Lit(':'),
        ]))
        .is_none());
    }
}
