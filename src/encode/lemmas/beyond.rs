//! Relations per class for the pairs the exact hole reading cannot take
//! (`encodings/ignore-case-templates.md`):
//!
//! - an ignore-case template: compared folded. With the one fold function (character for
//!   character), `s` equals `T[u]` ignoring case exactly when `fold(s) = fold(T)[fold(u)]`,
//!   so the folded template with a hole for the folded value is exact; any other pattern's
//!   folded glob holds the folds of its members (a superset), and is exact when the pattern's
//!   membership does not depend on case;
//! - an ARN template reading a value in its first five segments: with every wildcard free it
//!   is a superset for every value, with its own segments a subset for every value and exact
//!   for values without colons (a second set of lemmas, under "the value holds no colon").

use super::readings::{
    fold_glob, holes_in_bounded_segments, is_case_closed, read_template, unbounded, Layout,
};
use super::symbolic::{disjoint_for_every_value, Side};
use crate::automata::{is_disjoint, is_subset};
use crate::encode::query::{AtomId, MatchMode, Query, StrPattern, StrVar};
use crate::encode::term::Term;
use crate::pattern::{Glob, Token};
use std::collections::BTreeSet;

/// What a side is as a glob in one class: the glob, and whether membership in it is exactly
/// membership in the side (`false`: a superset only).
pub(super) struct Reading {
    pub(super) glob: Glob,
    pub(super) exact: bool,
}

/// Lemmas for the pair `(a, b)` in the class `single` of `keys` (see the module comment).
pub(super) fn relate_in_class(
    query: &mut Query,
    (a, b): ((AtomId, &Side), (AtomId, &Side)),
    keys: &[String],
    single: &BTreeSet<usize>,
    out: &mut Vec<Term>,
) {
    let ignore_case = |s: &Side| matches!(s, Side::Template(_, MatchMode::IgnoreCase));
    if ignore_case(a.1) || ignore_case(b.1) {
        relate_folded(query, (a, b), keys, single, out);
    } else {
        relate_arn_holes(query, (a, b), keys, single, out);
    }
}

/// The class as literals, with "holds no colon" for each key in `colon_free`.
fn class_terms(
    query: &mut Query,
    keys: &[String],
    single: &BTreeSet<usize>,
    colon_free: &BTreeSet<u8>,
) -> Vec<Term> {
    let mut terms = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let s = query.single_valued(key);
        terms.push(if single.contains(&i) { s } else { Term::not(s) });
        if u8::try_from(i).is_ok_and(|n| colon_free.contains(&n)) {
            let var = StrVar::Context {
                key: key.clone(),
                slot: 0,
            };
            let colon = query.str_atom(var, StrPattern::Glob(Glob::wildcard("*:*")));
            terms.push(Term::not(colon));
        }
    }
    terms
}

/// The colon-free class lemmas name a new atom per key (`k like *:*`). In session 7 those
/// atoms sent the search through models it did not finish (three combined-family pairs);
/// on session 8's engine the combined family gives the same verdicts and unknowns with
/// them on as off, so they are on (`encodings/ignore-case-templates.md`, "Status").
const COLON_FREE_LEMMAS: bool = true;

/// What was proved about a pair in one class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Relation {
    pub(super) disjoint: bool,
    pub(super) a_in_b: bool,
    pub(super) b_in_a: bool,
}

impl Relation {
    pub(super) const DISJOINT: Relation = Relation {
        disjoint: true,
        a_in_b: false,
        b_in_a: false,
    };

    pub(super) fn proves_anything(self) -> bool {
        self.disjoint || self.a_in_b || self.b_in_a
    }
}

/// Pushes the lemmas a relation proves: disjoint, or each inclusion.
pub(super) fn push_relation(
    (ta, tb): (Term, Term),
    class: &[Term],
    Relation {
        disjoint,
        a_in_b,
        b_in_a,
    }: Relation,
    out: &mut Vec<Term>,
) {
    if disjoint {
        out.push(Term::not(Term::and(class.iter().cloned().chain([ta, tb]))));
        return;
    }
    if a_in_b {
        out.push(Term::implies(
            Term::and(class.iter().cloned().chain([ta.clone()])),
            tb.clone(),
        ));
    }
    if b_in_a {
        out.push(Term::implies(
            Term::and(class.iter().cloned().chain([tb])),
            ta,
        ));
    }
}

fn has_holes(glob: &Glob) -> bool {
    glob.tokens().iter().any(|t| matches!(t, Token::Hole(_)))
}

/// Disjoint for every value of the holes (exact globs when there are none).
pub(super) fn disjoint_always(a: &Glob, b: &Glob) -> bool {
    if has_holes(a) || has_holes(b) {
        disjoint_for_every_value(a, b)
    } else {
        is_disjoint(a, b)
    }
}

fn mode(side: &Side) -> Option<MatchMode> {
    match side {
        Side::Template(_, m) => Some(*m),
        Side::Glob(_) => None,
    }
}

/// The side in its own segments; `Some(None)`: matches nothing in this class.
fn own(side: &Side, keys: &[String], single: &BTreeSet<usize>) -> Option<Option<Glob>> {
    match side {
        Side::Template(t, m) => read_template(t, *m, keys, single, Layout::Own),
        Side::Glob(g) => Some(Some(g.clone())),
    }
}

/// The side folded: exact for ignore-case templates and case-closed patterns without holes.
pub(super) fn folded(
    side: &Side,
    keys: &[String],
    single: &BTreeSet<usize>,
) -> Option<Option<Reading>> {
    let Some(glob) = own(side, keys, single)? else {
        return Some(None);
    };
    if mode(side) == Some(MatchMode::IgnoreCase) {
        return Some(Some(Reading { glob, exact: true }));
    }
    // A value read where its colons would move segment bounds: only the free reading holds.
    let glob = if holes_in_bounded_segments(&glob, mode(side)).is_empty() {
        glob
    } else {
        unbounded(&glob)
    };
    let exact = is_case_closed(&glob);
    Some(Some(Reading {
        glob: fold_glob(&glob),
        exact,
    }))
}

/// An ignore-case template against any pattern, on folded strings: disjoint when the folded
/// readings are (for every value: a folded value is a value), `A → B` when `A`'s folded
/// reading lies inside `B`'s and `B`'s is exact.
fn relate_folded(
    query: &mut Query,
    (a, b): ((AtomId, &Side), (AtomId, &Side)),
    keys: &[String],
    single: &BTreeSet<usize>,
    out: &mut Vec<Term>,
) {
    let (Some(Some(ra)), Some(Some(rb))) = (folded(a.1, keys, single), folded(b.1, keys, single))
    else {
        return;
    };
    let relation = if disjoint_always(&ra.glob, &rb.glob) {
        Relation::DISJOINT
    } else {
        Relation {
            disjoint: false,
            a_in_b: rb.exact && is_subset(&ra.glob, &rb.glob),
            b_in_a: ra.exact && is_subset(&rb.glob, &ra.glob),
        }
    };
    if relation.proves_anything() {
        let class = class_terms(query, keys, single, &BTreeSet::new());
        push_relation((Term::Atom(a.0), Term::Atom(b.0)), &class, relation, out);
    }
}

/// ARN templates with a hole in the first five segments (no ignore-case side).
fn relate_arn_holes(
    query: &mut Query,
    (a, b): ((AtomId, &Side), (AtomId, &Side)),
    keys: &[String],
    single: &BTreeSet<usize>,
    out: &mut Vec<Term>,
) {
    let (Some(Some(own_a)), Some(Some(own_b))) = (own(a.1, keys, single), own(b.1, keys, single))
    else {
        return;
    };
    let (ta, tb) = (Term::Atom(a.0), Term::Atom(b.0));
    if single.len() == keys.len() {
        // Not a class lemma: pushed once per pair, in the class with every key single.
        super::pins::push_heads(query, a, b, out);
    }
    let class = class_terms(query, keys, single, &BTreeSet::new());
    super::pins::push_pins(query, (a, &own_a), (b.0, &own_b), keys, &class, out);
    super::pins::push_pins(query, (b, &own_b), (a.0, &own_a), keys, &class, out);
    // For every value: the free readings are supersets, the own ones subsets.
    let (free_a, free_b) = (unbounded(&own_a), unbounded(&own_b));
    let mut always = if disjoint_always(&free_a, &free_b) {
        Relation::DISJOINT
    } else {
        Relation {
            disjoint: false,
            a_in_b: own_is_inside(b.1, &own_b) && is_subset(&free_a, &own_b),
            b_in_a: own_is_inside(a.1, &own_a) && is_subset(&free_b, &own_a),
        }
    };
    let proved_all = always.disjoint || (always.a_in_b && always.b_in_a);
    if !proved_all {
        // Exact per colon class of the values: what holds in every class holds always.
        if let Some(by_class) = relation_in_every_colon_class((a.1, b.1), keys, single) {
            always = Relation {
                disjoint: by_class.disjoint,
                a_in_b: always.a_in_b || by_class.a_in_b,
                b_in_a: always.b_in_a || by_class.b_in_a,
            };
        }
    }
    if always.proves_anything() {
        push_relation((ta.clone(), tb.clone()), &class, always, out);
    }
    if always.disjoint || (always.a_in_b && always.b_in_a) || !COLON_FREE_LEMMAS {
        return;
    }
    // For values without colons the own readings are exact and split the same way as every
    // string they match: relate segment by segment.
    let mut colon_free = holes_in_bounded_segments(&own_a, mode(a.1));
    colon_free.extend(holes_in_bounded_segments(&own_b, mode(b.1)));
    if colon_free.is_empty() {
        return;
    }
    let Some(relation) = segment_relation(&own_a, &own_b) else {
        return;
    };
    let new = Relation {
        disjoint: relation.disjoint,
        a_in_b: relation.a_in_b && !always.a_in_b,
        b_in_a: relation.b_in_a && !always.b_in_a,
    };
    if new.proves_anything() {
        let class = class_terms(query, keys, single, &colon_free);
        push_relation((ta, tb), &class, new, out);
    }
}

/// A value's colons, as far as the evaluator's segment bounds can tell: 0 to 4, or 5 and more.
const COLON_CLASSES: usize = 6;

/// The side read exactly for the values whose colon counts are `colons` (indexed by key,
/// capped at five): `Glob::from_chars(.., true)` bounds a wildcard exactly when fewer colons
/// precede it than `min(all colons, 5)`, counting a value's colons where it is substituted;
/// with those counts fixed, which wildcards are bounded is fixed, and the reading with a hole
/// per value is the evaluator's glob for each such value (a value's characters are literal).
/// `None`: no reading; `Some(None)`: matches nothing in this class.
fn colon_class_reading(
    side: &Side,
    keys: &[String],
    single: &BTreeSet<usize>,
    colons: &[usize],
) -> Option<Option<Glob>> {
    let Side::Template(t, MatchMode::Arn) = side else {
        return own(side, keys, single);
    };
    let Some(free) = read_template(t, MatchMode::Arn, keys, single, Layout::Unbounded)? else {
        return Some(None);
    };
    let colons_of = |token: &Token| match token {
        Token::Lit(':') => 1,
        Token::Hole(n) => colons.get(usize::from(*n)).copied().unwrap_or(0),
        _ => 0,
    };
    let total: usize = free.tokens().iter().map(colons_of).sum();
    let last_segment = total.min(5);
    let mut seen = 0usize;
    let mut tokens = Vec::with_capacity(free.tokens().len());
    for token in free.tokens() {
        let bounded = seen < last_segment;
        seen += colons_of(token);
        tokens.push(match token {
            Token::AnyStr if bounded => Token::SegStr,
            Token::AnyChar if bounded => Token::SegChar,
            other => *other,
        });
    }
    Some(Some(Glob::from_tokens(tokens)))
}

/// The relation that holds in every colon class of the single keys' values (5^k·6 classes at
/// most, k ≤ 3; equal pairs of readings checked once). In each class both readings are exact
/// for every value of the class, so the hole argument of `symbolic.rs` applies to the pair:
/// `R_n(A) ⊆ R_n(B)` gives `A[u] ⊆ B[u]` for every `u` of class `n`, and disjoint readings
/// disjoint atoms. Every value is in one class, so what holds in all holds for every value.
/// `None`: some class has no reading.
fn relation_in_every_colon_class(
    (a, b): (&Side, &Side),
    keys: &[String],
    single: &BTreeSet<usize>,
) -> Option<Relation> {
    let slots: Vec<usize> = single.iter().copied().filter(|&i| i < keys.len()).collect();
    let mut pairs = BTreeSet::new();
    let classes = COLON_CLASSES.checked_pow(u32::try_from(slots.len()).ok()?)?;
    for class in 0..classes {
        let mut colons = vec![0usize; keys.len()];
        let mut rest = class;
        for &slot in &slots {
            colons[slot] = rest % COLON_CLASSES;
            rest /= COLON_CLASSES;
        }
        let ra = colon_class_reading(a, keys, single, &colons)?;
        let rb = colon_class_reading(b, keys, single, &colons)?;
        match (ra, rb) {
            (Some(ra), Some(rb)) => {
                pairs.insert((ra, rb));
            }
            // A side that matches nothing in this class: the other lemmas say so.
            _ => return None,
        }
    }
    let mut relation = Relation {
        disjoint: true,
        a_in_b: true,
        b_in_a: true,
    };
    for (ra, rb) in &pairs {
        relation.disjoint = relation.disjoint && disjoint_always(ra, rb);
        relation.a_in_b = relation.a_in_b && is_subset(ra, rb);
        relation.b_in_a = relation.b_in_a && is_subset(rb, ra);
        if !relation.proves_anything() {
            return Some(relation);
        }
    }
    if relation.disjoint {
        return Some(Relation::DISJOINT);
    }
    Some(relation)
}

/// The own reading lies inside the side for every value: a fixed glob is itself; a
/// template's value colons can only free a segment wildcard when the template has all five
/// colons of its own (with fewer, `a:*${u}` and `u = x:y` bound the `*` the template left
/// free).
fn own_is_inside(side: &Side, own: &Glob) -> bool {
    match side {
        Side::Glob(_) => true,
        Side::Template(..) => {
            own.tokens()
                .iter()
                .filter(|t| **t == Token::Lit(':'))
                .count()
                >= 5
        }
    }
}

/// (disjoint, a ⊆ b, b ⊆ a) for every colon-free value, segment by segment. Inside a
/// segment no string has a colon, so a segment wildcard is a free one there (and a free `*`
/// takes a value's symbol, which a segment wildcard does not).
fn segment_relation(a: &Glob, b: &Glob) -> Option<Relation> {
    let (sa, sb) = (super::arn_segments(a)?, super::arn_segments(b)?);
    let (mut a_in_b, mut b_in_a) = (true, true);
    for (x, y) in sa.iter().zip(&sb) {
        let (x, y) = (unbounded(x), unbounded(y));
        if disjoint_always(&x, &y) {
            return Some(Relation::DISJOINT);
        }
        a_in_b = a_in_b && is_subset(&x, &y);
        b_in_a = b_in_a && is_subset(&y, &x);
    }
    Some(Relation {
        disjoint: false,
        a_in_b,
        b_in_a,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::Template;

    fn arn(text: &str) -> Glob {
        let t = Template::parse(text, true).unwrap();
        let keys = vec!["k".to_string()];
        read_template(&t, MatchMode::Arn, &keys, &BTreeSet::from([0]), Layout::Own)
            .unwrap()
            .unwrap()
    }

    #[test]
    fn colon_free_values_relate_segment_by_segment() {
        let account = arn("arn:aws:iam::${k}:user/*");
        let any_account = Glob::arn("arn:aws:iam::*:user/*");
        let role = Glob::arn("arn:aws:iam::*:role/*");
        let inside = Relation {
            disjoint: false,
            a_in_b: true,
            b_in_a: false,
        };
        assert_eq!(segment_relation(&account, &any_account), Some(inside));
        assert_eq!(segment_relation(&account, &role), Some(Relation::DISJOINT));
        // With a colon the template `arn:aws:iam::1:2:user/x` leaves the glob: no inclusion
        // for every value, only under "no colon".
        assert!(!is_subset(&unbounded(&account), &any_account));
    }

    #[test]
    fn folded_readings_are_exact_only_where_case_cannot_matter() {
        let keys = vec!["k".to_string()];
        let single = BTreeSet::from([0]);
        let ic = Side::Template(
            Template::parse("${k}-Team", true).unwrap(),
            MatchMode::IgnoreCase,
        );
        let like = Side::Template(Template::parse("${k}-*", true).unwrap(), MatchMode::Like);
        let r = folded(&ic, &keys, &single).unwrap().unwrap();
        assert!(r.exact);
        assert_eq!(r.glob.to_string(), "${0}-team");
        let r = folded(&like, &keys, &single).unwrap().unwrap();
        assert!(!r.exact);
        let r = folded(&Side::Glob(Glob::ignore_case("AB")), &keys, &single)
            .unwrap()
            .unwrap();
        assert!(r.exact);
        assert_eq!(r.glob.to_string(), "ab");
    }

    /// The pair that caught a swapped tuple: an ignore-case template lies inside its own
    /// over-approximation `*-[xX]` (an inclusion, never a disjointness).
    #[test]
    fn ignore_case_template_is_inside_its_over_approximation_not_apart() {
        let mut query = Query::default();
        let var = StrVar::Context {
            key: "o".into(),
            slot: 0,
        };
        let template = Template::parse("${aws:username}-X", true).unwrap();
        let over = Glob::from_tokens(vec![Token::AnyStr, Token::Lit('-'), Token::Fold('x')]);
        let a = Side::Template(template.clone(), MatchMode::IgnoreCase);
        let b = Side::Glob(over.clone());
        let ta = query.str_atom(
            var.clone(),
            StrPattern::Template(template, MatchMode::IgnoreCase),
        );
        let tb = query.str_atom(var, StrPattern::Glob(over));
        let (Term::Atom(ia), Term::Atom(ib)) = (ta.clone(), tb.clone()) else {
            panic!("atoms expected");
        };
        let keys = vec!["aws:username".to_string()];
        let mut out = Vec::new();
        relate_in_class(
            &mut query,
            ((ia, &a), (ib, &b)),
            &keys,
            &BTreeSet::from([0]),
            &mut out,
        );
        let single = query.single_valued("aws:username");
        assert_eq!(
            out,
            vec![Term::implies(Term::and([single, ta]), tb)],
            "{out:?}"
        );
    }
}
