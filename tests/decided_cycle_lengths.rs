//! Session 12 (cycles): cycles of policy variables the concretizer gave up on ("the value
//! chosen to break it does not fit"), found by `fuzz/gen/cycles.py` (cases named by their
//! number with `--seed 1`) and decided by length: a template reading its own key and other
//! holes matches only when those holes read "" (`encode/lemmas/templates.rs`,
//! `only_empty_values`), templates reading each other around a cycle with mandatory text are
//! never true together (`encode/lemmas/length_cycles.rs`), and a cycle broken at one key is
//! broken at the next when no value fits (`explain/cycle.rs`, `cycle_break_order`). Every
//! counterexample replays through the evaluator; each pass below was argued by hand (the
//! comment says why no request exists).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../fuzz/gen/findings.rs"]
mod findings;
#[path = "../fuzz/gen/mod.rs"]
mod gen;
#[path = "../fuzz/gen/oracles.rs"]
mod oracles;

use findings::{assert_fails, open_identity};
use keyaki::explain::Verdict;
use serde_json::json;

/// Case 7: `username = *${team}` and `team = ${username}*` (exact, `*` literal): `|u| = |t| +
/// 1 = |u| + 2`, so the proposal allows nothing. Before: cycle give-up at once.
#[test]
fn user_star_team_and_team_user_star_exactly_pass() {
    let verdict = findings::check(
        json!([{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::b/*",
            "Condition":{"StringEquals":{"aws:username":["*${aws:principaltag/TEAM}"],
                "aws:PrincipalTag/team":["${AWS:UserName}*"]}}}]),
        json!([{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::b${AWS:UserName}",
            "Condition":{"StringEquals":{"aws:username":["*${aws:principaltag/TEAM}"],
                "aws:PrincipalTag/team":["${AWS:UserName}*"]}}}]),
        &open_identity(),
    );
    assert_eq!(verdict, Verdict::Holds);
}

/// Case 29: `team` equal ignoring case to `*${project}` or `${project}`, `project = ${team,
/// 'none'}?`: `|t| >= |p| = |t| + 1` either way (the resource reads `team`, so it is single).
#[test]
fn team_like_project_and_project_team_question_pass() {
    let verdict = findings::check(
        json!([{"Effect":"Allow","Action":"s3:GetObject",
            "Resource":"arn:aws:s3:::${AWS:UserName}-${aws:principaltag/TEAM}/*",
            "Condition":{"StringEqualsIgnoreCase":{"aws:PrincipalTag/team":["*${aws:PrincipalTag/project}","${aws:PrincipalTag/project}"]},
                "StringEquals":{"aws:PrincipalTag/project":["${aws:PrincipalTag/team, 'none'}?"]}}}]),
        json!([{"Effect":"Allow","Action":"s3:GetObject",
            "Resource":"arn:aws:s3:::${AWS:UserName}-${aws:principaltag/TEAM}/*",
            "Condition":{"StringEqualsIgnoreCase":{"aws:PrincipalTag/team":["home/${aws:PrincipalTag/project}/*"]}}}]),
        &open_identity(),
    );
    assert_eq!(verdict, Verdict::Holds);
}

/// Case 94: `team` like `${username}*${team}` or `${team}${username}` needs an empty user
/// name; then `username` like `${project}*` needs an empty project, and the baseline's
/// `b/${username}*` is `b/*`, which holds the proposal's `b/${team}/*`.
#[test]
fn empty_user_name_forced_by_team_reading_itself_passes() {
    let conditions = json!({"StringLike":{"aws:username":["${aws:PrincipalTag/project}*","${aws:PrincipalTag/project}?"],
            "aws:PrincipalTag/team":["${AWS:UserName}*${aws:PrincipalTag/team}","${aws:principaltag/TEAM}${aws:username}"]},
        "StringNotEquals":{"aws:PrincipalTag/project":["${aws:username}*"]}});
    let verdict = findings::check(
        json!([{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:PrincipalTag/team}/*",
            "Condition":conditions.clone()}]),
        json!([{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${AWS:UserName}*",
            "Condition":conditions}]),
        &open_identity(),
    );
    assert_eq!(verdict, Verdict::Holds);
}

/// The empty-values lemma must not claim more than the empty team: `username` like
/// `${team}*${username}` holds with team "" (and any user name), so against a baseline that
/// allows nothing the proposal fails.
#[test]
fn user_like_team_star_user_fails_with_an_empty_team() {
    assert_fails(
        json!([{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
            "Condition":{"StringLike":{"aws:username":["${aws:PrincipalTag/team}*${aws:username}"]}}}]),
        json!([{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]),
        &open_identity(),
    );
}

/// A length cycle with no mandatory text is no contradiction: `username = ${team}` and
/// `team like ${username}*` hold with equal values.
#[test]
fn user_equal_to_team_and_team_like_user_star_fails() {
    assert_fails(
        json!([{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
            "Condition":{"StringEquals":{"aws:username":["${aws:PrincipalTag/team}"]},
                "StringLike":{"aws:PrincipalTag/team":["${aws:username}*"]}}}]),
        json!([{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]),
        &open_identity(),
    );
}

/// Session 11's `team_bucket_with_team_equal_to_user_star_user_against_deny_on_user_partition_
/// passes`, whose expected PASS is wrong: a user name may hold colons, and `arn:${username}:
/// iam::*:*` with user name `aws:s3:::x` covers `arn:aws:s3:::x:iam::…`. Counterexample
/// (`keyaki eval`: proposal Allow, baseline ExplicitDeny): user name `aws:s3:::x`, team
/// `aws:s3:::x*aws:s3:::x`, resource `arn:aws:s3:::x:iam::aws:s3:::x*aws:s3:::x`. Before: the
/// cycle give-up (team chosen first, no user name fitted); now the cycle is broken at the user
/// name and the counterexample found at once.
#[test]
fn team_bucket_against_deny_on_user_partition_fails_with_a_colon_in_the_user_name() {
    assert_fails(
        json!([
            {"Effect":"Allow","Action":["s3:PutObject"],
                "Resource":["arn:aws:s3:::*${aws:principaltag/TEAM}*"],
                "Condition":{"StringEqualsIgnoreCase":{
                    "aws:PrincipalTag/team":["${aws:username}*${aws:username}"]}}},
            {"Effect":"Deny","NotAction":["sqs:SendMessage"],"Condition":{"StringLike":{
                "aws:username":["${aws:username}*${aws:principaltag/TEAM}"]}}}
        ]),
        json!([
            {"Effect":"Allow","Action":["s3:PutObject"]},
            {"Effect":"Deny","NotAction":["sqs:SendMessage"],"Resource":"arn:${aws:username}:iam::*:*"}
        ]),
        &open_identity(),
    );
}
