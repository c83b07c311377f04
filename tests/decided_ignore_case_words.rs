//! Word equations between templates compared ignoring case (`automata/word_equation/
//! cancelled.rs`, `explain/equations/ic_words.rs`, `encodings/ignore-case-word-equations.md`):
//! the folded procedure against brute force on short strings, and pairs around the four
//! session-11 findings it decides (variants that pass, and near misses that must fail).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../fuzz/gen/findings.rs"]
mod findings;
#[path = "../fuzz/gen/mod.rs"]
mod gen;
#[path = "../fuzz/gen/oracles.rs"]
mod oracles;

use findings::{assert_fails, open_identity};
use keyaki::automata::word_equation::{
    common_folded, is_rigid, only_rigid_solutions, OneHole, Solution, VALUE_HOLE,
};
use keyaki::automata::{witness, Witness};
use keyaki::explain::Verdict;
use keyaki::pattern::{Glob, Token};
use proptest::prelude::*;
use serde_json::json;

/// Letters of the brute force: two rigid ones, a cased one, and one no token names.
const LETTERS: [char; 4] = ['*', '/', 'a', 'b'];

fn substituted(tokens: &[Token], value: &str) -> Glob {
    let mut out = Vec::new();
    for t in tokens {
        match t {
            Token::Hole(_) => out.extend(value.chars().map(Token::Lit)),
            other => out.push(*other),
        }
    }
    Glob::from_tokens(out)
}

/// Every value over [`LETTERS`] of length at most 3.
fn values() -> Vec<String> {
    let mut out = vec![String::new()];
    let mut last = vec![String::new()];
    for _ in 0..3 {
        last = last
            .iter()
            .flat_map(|v| LETTERS.iter().map(move |c| format!("{v}{c}")))
            .collect();
        out.extend(last.iter().cloned());
    }
    out
}

/// A value of length at most 3 and a string in both templates with it, by brute force.
fn brute_solution(a: &[Token], b: &[Token], also: &[&Glob]) -> Option<(String, String)> {
    values().into_iter().find_map(|v| {
        let (ga, gb) = (substituted(a, &v), substituted(b, &v));
        let mut positive = vec![&ga, &gb];
        positive.extend_from_slice(also);
        match witness(&positive, &[]) {
            Witness::Found(s) => Some((v, s)),
            _ => None,
        }
    })
}

fn token() -> impl Strategy<Value = Token> {
    prop_oneof![
        3 => Just(Token::Hole(VALUE_HOLE)),
        2 => Just(Token::Lit('*')),
        2 => Just(Token::Lit('/')),
        2 => Just(Token::Lit('a')),
        1 => Just(Token::AnyChar),
        1 => Just(Token::AnyStr),
    ]
}

fn template() -> impl Strategy<Value = Vec<Token>> {
    prop::collection::vec(token(), 0..5)
}

fn one_hole() -> impl Strategy<Value = Vec<Token>> {
    (
        prop::collection::vec(token(), 0..3),
        prop::collection::vec(token(), 0..3),
    )
        .prop_map(|(mut before, after)| {
            before.retain(|t| !matches!(t, Token::Hole(_)));
            before.push(Token::Hole(VALUE_HOLE));
            before.extend(after.into_iter().filter(|t| !matches!(t, Token::Hole(_))));
            before
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// "No solution" is a proof: no short value has a common string.
    #[test]
    fn empty_means_no_value_and_string(a in template(), b in template()) {
        if common_folded(&a, &b) == Solution::Empty {
            prop_assert_eq!(brute_solution(&a, &b, &[]), None);
        }
    }

    /// Rigid solutions only: no short solution holds a cased or unnamed letter.
    #[test]
    fn rigid_means_no_cased_solution(a in one_hole(), b in one_hole()) {
        let split = |t: &[Token]| OneHole::split(&Glob::from_tokens(t.to_vec())).unwrap();
        if only_rigid_solutions(&split(&a), &split(&b), '#') {
            for letter in ['a', 'b'] {
                let holding = Glob::wildcard(&format!("*{letter}*"));
                prop_assert_eq!(brute_solution(&a, &b, &[&holding]), None);
            }
        }
    }
}

/// Decided where the brute force finds a solution: never `Empty`, and the one-hole pairs
/// (after cancelling) are answered.
#[test]
fn found_where_a_solution_exists() {
    let h = Token::Hole(VALUE_HOLE);
    let (star, slash, a) = (Token::Lit('*'), Token::Lit('/'), Token::Lit('a'));
    // `a${v}` and `${v}a`: v ∈ a*.
    let cases = [
        (vec![a, h], vec![h, a]),
        (vec![h, star], vec![star, h]),
        (vec![h, slash, h], vec![Token::AnyStr, slash, h]),
    ];
    for (x, y) in cases {
        assert!(brute_solution(&x, &y, &[]).is_some());
        assert!(
            matches!(common_folded(&x, &y), Solution::Found { .. }),
            "{x:?} {y:?}"
        );
    }
}

/// The four findings' folded pairs have no solution (the fourth with its false exact
/// template, once every solution is rigid).
#[test]
fn empty_on_the_findings_shapes() {
    let h = Token::Hole(VALUE_HOLE);
    let l = Token::Lit;
    let cases = [
        // `*:${u}` against `${u}/${team}` (the team read as `*`).
        (vec![l('*'), l(':'), h], vec![h, l('/'), Token::AnyStr]),
        // `*${t}` against `${t}/${t}`.
        (vec![l('*'), h], vec![h, l('/'), h]),
        // `*:${t}` (Like) against `${t}/${t}`.
        (vec![Token::AnyStr, l(':'), h], vec![h, l('/'), h]),
    ];
    for (x, y) in cases {
        assert_eq!(common_folded(&x, &y), Solution::Empty, "{x:?} {y:?}");
        assert_eq!(brute_solution(&x, &y, &[]), None);
    }
    let split = |t: Vec<Token>| OneHole::split(&Glob::from_tokens(t)).unwrap();
    // `${t}*` and `*${t}`: only `t ∈ **`, `s = *t`; with `a` for `*`, not rigid.
    assert!(only_rigid_solutions(
        &split(vec![h, l('*')]),
        &split(vec![l('*'), h]),
        '#'
    ));
    assert!(!only_rigid_solutions(
        &split(vec![h, l('a')]),
        &split(vec![l('a'), h]),
        '#'
    ));
    // `${t}*` and `*${t}?`: `t = *`, `s = **x` holds any letter.
    let any = Token::AnyChar;
    assert!(!only_rigid_solutions(
        &split(vec![h, l('*'), any]),
        &split(vec![l('*'), h, any]),
        '#'
    ));
}

#[test]
fn rigid_characters_are_their_own_only_fold() {
    assert!(is_rigid('*') && is_rigid('/') && is_rigid(':') && is_rigid('7'));
    // `K` and U+212A KELVIN SIGN fold to `k`.
    assert!(!is_rigid('k') && !is_rigid('K') && !is_rigid('\u{212A}'));
}

/// The fourth finding's sibling from the same run: the user name, not s3:prefix.
#[test]
fn user_like_star_colon_team_and_team_slash_team_ignoring_case_passes() {
    let verdict = findings::check(
        json!([{"Effect":"Allow","Action":["sqs:SendMessage"],"Condition":{
            "StringLike":{"aws:username":["*:${aws:principaltag/team}"]},
            "StringEqualsIgnoreCase":{"aws:username":"${aws:PrincipalTag/team}/${aws:PrincipalTag/team}"}}}]),
        json!([{"Effect":"Deny","NotAction":"*"}]),
        &open_identity(),
    );
    assert_eq!(verdict, Verdict::Holds);
}

/// The third finding with a cased letter for `*`: `t ∈ a*` folded, and the prefix may differ
/// from `a${t}` in case only (`Aa` for `t = a`), which the baseline denies. Not rigid, so the
/// false exact template must not be asked.
#[test]
fn prefix_not_a_team_and_team_a_ignoring_case_against_not_a_team_ignoring_case_fails() {
    assert_fails(
        json!([{"Effect":"Allow","Action":["s3:GetObject"],"Condition":{
            "StringNotEquals":{"s3:prefix":"a${aws:PrincipalTag/team}"},
            "StringEqualsIgnoreCase":{"s3:prefix":"${aws:PrincipalTag/team}a"}}}]),
        json!([{"Effect":"Allow","Action":["s3:GetObject"],"Condition":{
            "StringNotEqualsIgnoreCase":{"s3:prefix":"a${aws:PrincipalTag/team}"}}}]),
        &open_identity(),
    );
}

/// The second finding with `*` replaced by the team read once more: `t/t = t/t` folded has
/// every team as a solution, so a label equal to both exists.
#[test]
fn labels_equal_to_team_slash_team_against_labels_not_team_slash_team_fails() {
    assert_fails(
        json!([{"Effect":"Allow","Action":["s3:GetObject"],"Condition":{
            "ForAllValues:StringEqualsIgnoreCase":{"custom:labels":["${aws:PrincipalTag/team}/${aws:PrincipalTag/team}"]}}}]),
        json!([{"Effect":"Allow","Action":["s3:GetObject"],"Condition":{
            "ForAllValues:StringNotEqualsIgnoreCaseIfExists":{
                "custom:labels":["${aws:PrincipalTag/team}/${aws:PrincipalTag/team}"]}}}]),
        &open_identity(),
    );
}

/// The first finding with `:` for `/`: `*:u = u:t` folded has `u = *`, `t = *`
/// (`*:* = *:*`), so the baseline denies a VPC endpoint the proposal allows.
#[test]
fn vpce_equal_to_star_colon_user_against_not_user_colon_team_ignoring_case_fails() {
    assert_fails(
        json!([{"Effect":"Allow","Action":["s3:GetObject"],"Condition":{
            "StringEqualsIfExists":{"aws:SourceVpce":["*:${AWS:UserName}"]}}}]),
        json!([{"Effect":"Allow","Action":["s3:GetObject"],"Condition":{
            "StringNotEqualsIgnoreCaseIfExists":{
                "aws:SourceVpce":["${AWS:UserName}:${aws:PrincipalTag/team}"]}}}]),
        &open_identity(),
    );
}
