use super::*;
use crate::automata::{witness, Witness};
use proptest::prelude::*;

fn template(text: &str) -> OneHole {
    let (before, after) = text.split_once('$').unwrap();
    OneHole {
        before: Glob::wildcard(before),
        after: Glob::wildcard(after),
        hole: 0,
    }
}

fn solve(a: &str, b: &str, value: (&[&str], &[&str])) -> Solution {
    let pos: Vec<Glob> = value.0.iter().map(|g| Glob::wildcard(g)).collect();
    let neg: Vec<Glob> = value.1.iter().map(|g| Glob::wildcard(g)).collect();
    let pos: Vec<&Glob> = pos.iter().collect();
    let neg: Vec<&Glob> = neg.iter().collect();
    common_string(
        &template(a),
        &template(b),
        Constraints {
            positive: &pos,
            negative: &neg,
        },
        Constraints::default(),
    )
}

#[test]
fn a_then_value_meets_value_then_a_only_on_powers_of_a() {
    let Solution::Found { value, text } = solve("a$", "$a", (&[], &[])) else {
        panic!("expected a solution");
    };
    assert!(value.chars().all(|c| c == 'a'), "{value}");
    assert_eq!(text, format!("a{value}"));
    // Non-empty values not starting with `a` (glob `a*` is "starts with a") leave nothing.
    assert_eq!(solve("a$", "$a", (&["?*"], &["a*"])), Solution::Empty);
    // The empty value is a solution: `a·ε = ε·a`.
    assert_eq!(
        solve("a$", "$a", (&[], &["a*"])),
        Solution::Found {
            value: String::new(),
            text: "a".into()
        }
    );
    // A value that must contain `b` cannot be a power of `a`.
    assert_eq!(solve("a$", "$a", (&["*b*"], &[])), Solution::Empty);
    // A long power of a is still found.
    let Solution::Found { value, .. } = solve("a$", "$a", (&["aaaa*"], &[])) else {
        panic!("expected a solution");
    };
    assert!(value.len() >= 4 && value.chars().all(|c| c == 'a'));
}

#[test]
fn shifted_suffix_wildcard_is_disjoint() {
    assert_eq!(solve("*-x-$?", "*-x-$", (&[], &[])), Solution::Empty);
    assert_eq!(solve("*-x-$", "*-x-$?", (&[], &[])), Solution::Empty);
    // Without the `x` the shift fits: `-` then a value that repeats `-`.
    assert!(matches!(
        solve("*-$?", "*-$", (&[], &[])),
        Solution::Found { .. }
    ));
}

#[test]
fn same_variable_at_two_offsets_of_a_path() {
    // `user/u` is shorter than `user/x/u` for every `u`.
    assert_eq!(solve("user/$", "user/*/$", (&[], &[])), Solution::Empty);
    // With text after the value, `u` repeats the shift: `user/a/a…`.
    let Solution::Found { value, text } = solve("user/$*", "user/*/$", (&[], &[])) else {
        panic!("expected a solution");
    };
    assert!(text.starts_with(&format!("user/{value}")), "{text}");
    assert!(text.ends_with(&format!("/{value}")), "{text}");
}

#[test]
fn text_constraints_are_part_of_the_question() {
    let a = template("a$");
    let b = template("$a");
    let forbid = [Glob::wildcard("*aa*")];
    let forbid: Vec<&Glob> = forbid.iter().collect();
    // a·u = u·a with u ∈ a*, and the text may not contain `aa`: only u = ε, text `a`.
    let found = common_string(
        &a,
        &b,
        Constraints::default(),
        Constraints {
            positive: &[],
            negative: &forbid,
        },
    );
    assert_eq!(
        found,
        Solution::Found {
            value: String::new(),
            text: "a".into()
        }
    );
    let nonempty = [Glob::wildcard("?*")];
    let nonempty: Vec<&Glob> = nonempty.iter().collect();
    let none = common_string(
        &a,
        &b,
        Constraints {
            positive: &nonempty,
            negative: &[],
        },
        Constraints {
            positive: &[],
            negative: &forbid,
        },
    );
    assert_eq!(none, Solution::Empty);
}

/// Brute force: some value of length ≤ 4 over {a, b, z} has a common string (the per-value
/// question is a plain glob intersection, decided by the product automaton).
fn brute_force(a: &OneHole, b: &OneHole, value: &[Glob], text: &[Glob]) -> bool {
    let mut values = vec![String::new()];
    for _ in 0..4 {
        let longer: Vec<String> = values
            .iter()
            .filter(|v| v.len() == values.last().map_or(0, String::len))
            .flat_map(|v| ['a', 'b', 'z'].map(|c| format!("{v}{c}")))
            .collect();
        values.extend(longer);
    }
    values.into_iter().any(|u| {
        if !value.iter().all(|g| g.matches(&u)) {
            return false;
        }
        let (ga, gb) = (a.with_value(&u), b.with_value(&u));
        let mut positive = vec![&ga, &gb];
        positive.extend(text.iter());
        matches!(witness(&positive, &[]), Witness::Found(_))
    })
}

fn small_glob() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(vec!['a', 'b', '?', '*']), 0..4)
        .prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Found answers are checked inside; an Empty answer is never refuted by a short value,
    /// and a short value with a common string is never answered Empty.
    #[test]
    fn agrees_with_brute_force(
        parts in prop::collection::vec(small_glob(), 4),
        value in prop::option::of(small_glob()),
        text in prop::option::of(small_glob()),
    ) {
        let a = OneHole { before: Glob::wildcard(&parts[0]), after: Glob::wildcard(&parts[1]), hole: 0 };
        let b = OneHole { before: Glob::wildcard(&parts[2]), after: Glob::wildcard(&parts[3]), hole: 0 };
        let value: Vec<Glob> = value.iter().map(|g| Glob::wildcard(&format!("{g}*"))).collect();
        let text: Vec<Glob> = text.iter().map(|g| Glob::wildcard(&format!("*{g}"))).collect();
        let vr: Vec<&Glob> = value.iter().collect();
        let tr: Vec<&Glob> = text.iter().collect();
        let answer = common_string(
            &a,
            &b,
            Constraints { positive: &vr, negative: &[] },
            Constraints { positive: &tr, negative: &[] },
        );
        prop_assert_ne!(&answer, &Solution::TooLarge);
        if brute_force(&a, &b, &value, &text) {
            prop_assert!(matches!(answer, Solution::Found { .. }), "{answer:?}");
        }
    }
}
