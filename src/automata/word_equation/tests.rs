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

fn solve_avoiding(a: &str, b: &str, avoid: &[&str], value: &[&str], text: &[&str]) -> Solution {
    let avoid: Vec<OneHole> = avoid.iter().map(|c| template(c)).collect();
    let value: Vec<Glob> = value.iter().map(|g| Glob::wildcard(g)).collect();
    let text: Vec<Glob> = text.iter().map(|g| Glob::wildcard(g)).collect();
    let (vr, tr): (Vec<&Glob>, Vec<&Glob>) = (value.iter().collect(), text.iter().collect());
    common_string_avoiding(
        &template(a),
        &template(b),
        &avoid,
        Constraints {
            positive: &vr,
            negative: &[],
        },
        Constraints {
            positive: &tr,
            negative: &[],
        },
    )
}

/// The template family's residue (`tests/decided_two_strings.rs`): `b/a${u}` and `b/${u}*`
/// force `u ∈ a*`, where `b/${u}a` matches too, so neither may be the one left false.
#[test]
fn a_negated_template_on_a_known_copy_is_a_proof() {
    assert_eq!(
        solve_avoiding("b/a$", "b/$*", &["b/$a"], &[], &[]),
        Solution::Empty
    );
    assert_eq!(
        solve_avoiding("b/a$", "b/$a", &["b/$*"], &[], &[]),
        Solution::Empty
    );
    // Planted: `b/${u}aa` is never `b/a·u` with `u ∈ a*` (one `a` too many).
    let Solution::Found { value, text } = solve_avoiding("b/a$", "b/$*", &["b/$aa"], &[], &[])
    else {
        panic!("expected a solution");
    };
    assert!(value.chars().all(|c| c == 'a'), "{value}");
    assert_eq!(text, format!("b/a{value}"));
    // One template: `s = x·u`, not `*·u` (any prefix, the same copy): a proof.
    assert_eq!(
        solve_avoiding("x$", "x$", &["*$"], &[], &[]),
        Solution::Empty
    );
    // One template, a value starting with `x`: `s = x·u` is not `xx·v…` only if `u` does
    // not start with `x`; with `u ∈ x*` no value fits, else one does.
    assert_eq!(
        solve_avoiding("x$", "x$", &["xx$"], &[], &[]),
        Solution::Found {
            value: String::new(),
            text: "x".into()
        }
    );
}

/// A negated template that matches with its value at a third offset is found by the
/// reference check; the search then has no proof and answers unknown, never Empty.
#[test]
fn a_negated_template_at_a_third_offset_is_not_a_proof() {
    // s = u·b with u one character and s = `bb`: u = b, and `b·u` = `bb` matches at
    // offset 1, which neither known copy is (offset 0).
    assert_eq!(
        solve_avoiding("$b", "$b", &["b$"], &["?"], &["bb"]),
        Solution::TooLarge
    );
    // With another value possible (`u = c`, text `cb`) the answer is never Empty. The search
    // keeps one word per behaviour (`b` and `c` act alike on every glob here), so it may
    // stay unknown: a third offset is not decided (encodings/policy-variables.md).
    let found = solve_avoiding("$b", "$b", &["b$"], &["?"], &["?b"]);
    match found {
        Solution::Found { value, text } => {
            assert_ne!(value, "b");
            assert_eq!(text, format!("{value}b"));
        }
        other => assert_eq!(other, Solution::TooLarge),
    }
}

/// Brute force with negated templates: for a fixed value the question is a plain glob
/// combination (positive `A[u]`, `B[u]`, the texts; negative `C[u]`), decided exactly.
fn brute_force_avoiding(a: &OneHole, b: &OneHole, avoid: &OneHole, text: &[Glob]) -> bool {
    let mut values = vec![String::new()];
    for _ in 0..4 {
        let last = values.last().map_or(0, String::len);
        let longer: Vec<String> = values
            .iter()
            .filter(|v| v.len() == last)
            .flat_map(|v| ['a', 'b', 'z'].map(|c| format!("{v}{c}")))
            .collect();
        values.extend(longer);
    }
    values.into_iter().any(|u| {
        let (ga, gb, gc) = (a.with_value(&u), b.with_value(&u), avoid.with_value(&u));
        let mut positive = vec![&ga, &gb];
        positive.extend(text.iter());
        matches!(witness(&positive, &[&gc]), Witness::Found(_))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// With a negated template: `Empty` is never refuted by a short value, and a `Found`
    /// answer meets every template (checked here again, outside the procedure).
    #[test]
    fn negated_templates_agree_with_brute_force(
        parts in prop::collection::vec(small_glob(), 6),
        text in prop::option::of(small_glob()),
    ) {
        let hole = |i: usize| OneHole {
            before: Glob::wildcard(&parts[i]),
            after: Glob::wildcard(&parts[i + 1]),
            hole: 0,
        };
        let (a, b, c) = (hole(0), hole(2), hole(4));
        let text: Vec<Glob> = text.iter().map(|g| Glob::wildcard(&format!("*{g}"))).collect();
        let tr: Vec<&Glob> = text.iter().collect();
        let answer = common_string_avoiding(
            &a,
            &b,
            std::slice::from_ref(&c),
            Constraints::default(),
            Constraints { positive: &tr, negative: &[] },
        );
        match &answer {
            Solution::Found { value, text: s } => {
                prop_assert!(a.with_value(value).matches(s) && b.with_value(value).matches(s));
                prop_assert!(!c.with_value(value).matches(s));
                prop_assert!(tr.iter().all(|g| g.matches(s)));
            }
            Solution::Empty => {
                prop_assert!(!brute_force_avoiding(&a, &b, &c, &text), "{a:?} {b:?} {c:?}");
            }
            Solution::TooLarge => {}
        }
    }
}

/// The value's question on a main string (`a`, `b`, text globs) and one other string (one
/// template, positive and negative text globs), by `common_value`.
fn solve_two(
    main: (&str, &str, &[&str]),
    other: (&str, &[&str], &[&str]),
    value: &[&str],
) -> Solution {
    let globs = |list: &[&str]| -> Vec<Glob> { list.iter().map(|g| Glob::wildcard(g)).collect() };
    let (main_text, other_pos, other_neg, value) =
        (globs(main.2), globs(other.1), globs(other.2), globs(value));
    let (mt, op, on, vp) = (
        refs(&main_text),
        refs(&other_pos),
        refs(&other_neg),
        refs(&value),
    );
    let template_other = template(other.0);
    let all = [template_other.clone()];
    common_value(
        &template(main.0),
        &template(main.1),
        &[],
        Constraints {
            positive: &vp,
            negative: &[],
        },
        Constraints {
            positive: &mt,
            negative: &[],
        },
        &[OtherString {
            template: &template_other,
            all: &all,
            avoid: &[],
            text: Constraints {
                positive: &op,
                negative: &on,
            },
        }],
    )
}

/// `tests/decided_two_strings.rs`, user_a_resource: the resource `b/a${u}` with a text glob
/// that needs a `/` in `u`, the prefix `a${u}` outside `*/*`: no value (each alone has one).
#[test]
fn two_strings_that_disagree_on_a_slash_have_no_common_value() {
    assert_eq!(
        solve_two(("b/a$", "b/a$", &["b/a*/*"]), ("a$", &[], &["*/*"]), &[]),
        Solution::Empty
    );
    // Planted: without the negative glob on the prefix, a value with a `/`.
    let Solution::Found { value, text } =
        solve_two(("b/a$", "b/a$", &["b/a*/*"]), ("a$", &[], &[]), &[])
    else {
        panic!("expected a value");
    };
    assert!(
        value.contains('/') && text == format!("b/a{value}"),
        "{value}"
    );
}

/// A shifted main string (`a${u}` and `${u}a`: `u ∈ a*`) with another string reading `u`:
/// the other's condition follows `u = (pq)^k·p` through the iterations of `k`.
#[test]
fn a_shifted_string_and_another_string_meet_on_powers_of_a() {
    assert_eq!(
        solve_two(("a$", "$a", &[]), ("x$", &["*z*"], &[]), &[]),
        Solution::Empty
    );
    // At least three `a`s in the other string: `u = aaa…`, found past `k = 0`.
    let Solution::Found { value, .. } = solve_two(("a$", "$a", &[]), ("x$", &["*aaa*"], &[]), &[])
    else {
        panic!("expected a value");
    };
    assert!(
        value.len() >= 3 && value.chars().all(|c| c == 'a'),
        "{value}"
    );
    // An odd number of `a`s cannot be asked by a glob; `aa` exactly can.
    assert_eq!(
        solve_two(("a$", "$a", &[]), ("x$", &["xaa"], &[]), &[]),
        Solution::Found {
            value: "aa".into(),
            text: "aaa".into()
        }
    );
}

/// Every value of length ≤ `n` over `letters`.
pub(super) fn words_up_to(letters: &[char], n: usize) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut last = vec![String::new()];
    for _ in 0..n {
        last = last
            .iter()
            .flat_map(|w| letters.iter().map(move |c| format!("{w}{c}")))
            .collect();
        out.extend(last.iter().cloned());
    }
    out
}

fn refs(list: &[Glob]) -> Vec<&Glob> {
    list.iter().collect()
}

/// For a fixed value each string's question is a plain glob combination.
fn string_admits(templates: &[&OneHole], pos: &[Glob], neg: &[Glob], u: &str) -> bool {
    let substituted: Vec<Glob> = templates.iter().map(|t| t.with_value(u)).collect();
    let positive: Vec<&Glob> = substituted.iter().chain(pos).collect();
    let negative: Vec<&Glob> = neg.iter().collect();
    matches!(witness(&positive, &negative), Witness::Found(_))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Two strings, each value of length ≤ 6 over {a, b} tried by brute force: a value that
    /// meets both is never answered `Empty`, and a `Found` value meets both (checked here,
    /// outside the procedure). No negated template: the answer is never `TooLarge`.
    #[test]
    fn two_strings_agree_with_brute_force(
        parts in prop::collection::vec(small_glob(), 6),
        main_text in prop::option::of(small_glob()),
        other_pos in prop::option::of(small_glob()),
        other_neg in prop::option::of(small_glob()),
    ) {
        let hole = |i: usize| OneHole {
            before: Glob::wildcard(&parts[i]),
            after: Glob::wildcard(&parts[i + 1]),
            hole: 0,
        };
        let (a, b, c) = (hole(0), hole(2), hole(4));
        let star = |g: &Option<String>| -> Vec<Glob> {
            g.iter().map(|g| Glob::wildcard(&format!("*{g}*"))).collect()
        };
        let (mt, op, on) = (star(&main_text), star(&other_pos), star(&other_neg));
        let (mt_v, op_v, on_v) = (refs(&mt), refs(&op), refs(&on));
        let all = [c.clone()];
        let answer = common_value(
            &a,
            &b,
            &[],
            Constraints::default(),
            Constraints { positive: &mt_v, negative: &[] },
            &[OtherString {
                template: &c,
                all: &all,
                avoid: &[],
                text: Constraints { positive: &op_v, negative: &on_v },
            }],
        );
        let both = |u: &str| {
            string_admits(&[&a, &b], &mt, &[], u) && string_admits(&[&c], &op, &on, u)
        };
        match &answer {
            Solution::Found { value, text } => {
                prop_assert!(a.with_value(value).matches(text) && b.with_value(value).matches(text));
                prop_assert!(both(value), "{value:?}");
            }
            Solution::Empty => {
                let refuted = words_up_to(&['a', 'b'], 6).into_iter().find(|u| both(u));
                prop_assert!(refuted.is_none(), "{refuted:?} {a:?} {b:?} {c:?}");
            }
            Solution::TooLarge => prop_assert!(false, "too large: {a:?} {b:?} {c:?}"),
        }
    }
}
