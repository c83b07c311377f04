//! Cycles of templates that add no length (session 14, the chained family's cycle give-ups):
//! `prefix = ${team}${dept}` and `dept` like `${prefix}*` make `|prefix| ≥ |team| + |prefix|`,
//! so team is empty and dept is the prefix (`encode/lemmas/length_cycles.rs`,
//! `tight_cycle_lemmas`; `encodings/tight-cycles.md`). Before, the concretizer broke the cycle
//! at one key and no value of the next fitted it: "no value fits the value chosen to break it".
//! Every pass was checked by hand; every fail replays. Times: the CLI, `--timeout 10`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../fuzz/gen/findings.rs"]
mod findings;
#[path = "../fuzz/gen/mod.rs"]
mod gen;
#[path = "../fuzz/gen/oracles.rs"]
mod oracles;

use findings::assert_fails;
use keyaki::eval::PolicyType;
use keyaki::explain::{CheckOptions, Verdict};
use keyaki::{ActionUniverse, ResourceUniverse};
use serde_json::json;

fn universes(actions: ActionUniverse, resources: ResourceUniverse) -> CheckOptions {
    findings::options(PolicyType::Identity, actions, resources)
}

/// `prefix = ${username}${dept}`; a request the baseline denies has the user name like
/// `${prefix, 'd'}` (a value is literal: equal), a cycle adding no length: dept is empty, and
/// then `prefix = ${dept}${username}` too, which the proposed policy denies.
/// Session-13 final main: the cycle give-up.
#[test]
fn prefix_user_dept_unequal_to_dept_user_against_user_like_prefix_passes() {
    let proposed = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"s3:prefix": "${aws:username}${aws:PrincipalTag/dept}"}, "StringNotEquals": {"s3:prefix": "${aws:PrincipalTag/dept}${aws:username}"}}}]);
    let baseline = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringNotLike": {"aws:username": "${s3:prefix, 'd'}"}}}, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEqualsIfExists": {"s3:prefix": "k*"}}}]);
    assert_eq!(
        findings::check(
            proposed,
            baseline,
            &universes(ActionUniverse::Catalog, ResourceUniverse::Catalog)
        ),
        Verdict::Holds
    );
}

/// `team = ${username}${dept}` and, for the baseline to deny, `username ≡ ${team}` ignoring case:
/// the cycle adds no length, so dept is empty, but the baseline also needs `dept ≡ kk`.
/// Session-13 final main: the cycle give-up.
#[test]
fn team_user_dept_like_star_dept_against_user_equal_to_team_and_dept_kk_passes() {
    let proposed = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "${aws:username}${aws:PrincipalTag/dept}"}, "StringLike": {"aws:PrincipalTag/team": "*${aws:PrincipalTag/dept}"}}}]);
    let baseline = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringNotEqualsIgnoreCase": {"aws:username": "${aws:PrincipalTag/team, 'd'}"}}}, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringNotEqualsIgnoreCase": {"aws:PrincipalTag/dept": "kk"}}}]);
    assert_eq!(
        findings::check(
            proposed,
            baseline,
            &universes(ActionUniverse::Open, ResourceUniverse::Open)
        ),
        Verdict::Holds
    );
}

/// `prefix` like `${username}${team}` (values are literal) and, for the baseline to deny, team like
/// `${prefix, 'd'}`: the user name is empty, and `prefix = ${team}${username}` after all.
/// Session-13 final main: the cycle give-up.
#[test]
fn prefix_like_user_team_unequal_to_team_user_against_team_like_prefix_passes() {
    let proposed = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringLike": {"s3:prefix": "${aws:username}${aws:PrincipalTag/team}"}, "StringNotEquals": {"s3:prefix": "${aws:PrincipalTag/team}${aws:username}"}}}]);
    let baseline = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringNotLike": {"aws:PrincipalTag/team": "${s3:prefix, 'd'}"}}}, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEqualsIfExists": {"s3:prefix": "K"}}}]);
    assert_eq!(
        findings::check(
            proposed,
            baseline,
            &universes(ActionUniverse::Open, ResourceUniverse::Open)
        ),
        Verdict::Holds
    );
}

/// `username` like `${dept}${team}`, the baseline denying when team is like `*${username}`: dept
/// is empty, so the user name is the team, which the proposed policy's `≢ ${team}` denies.
/// Session-13 final main: the cycle give-up.
#[test]
fn user_like_dept_team_unlike_team_against_team_like_star_user_passes() {
    let proposed = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringLike": {"aws:username": "${aws:PrincipalTag/dept}${aws:PrincipalTag/team}"}, "StringNotEqualsIgnoreCase": {"aws:username": "${aws:PrincipalTag/team}"}}}]);
    let baseline = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringNotLike": {"aws:PrincipalTag/team": "*${aws:username}"}}}]);
    assert_eq!(
        findings::check(
            proposed,
            baseline,
            &universes(ActionUniverse::Open, ResourceUniverse::Open)
        ),
        Verdict::Holds
    );
}

/// `dept = ${team}${prefix}` (IfExists), `dept ≢ ${prefix}${team}`, and for the baseline to deny,
/// `prefix ≡ ${dept}`: team is empty and the two templates one string.
/// Session-13 final main: the cycle give-up.
#[test]
fn dept_team_prefix_unequal_to_prefix_team_against_prefix_equal_to_dept_passes() {
    let proposed = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEqualsIfExists": {"aws:PrincipalTag/dept": "${aws:PrincipalTag/team}${s3:prefix}"}, "StringNotEqualsIgnoreCase": {"aws:PrincipalTag/dept": "${s3:prefix}${aws:PrincipalTag/team}"}, "ArnEquals": {"aws:username": "${aws:username}${aws:username}"}}}]);
    let baseline = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringNotEqualsIgnoreCase": {"s3:prefix": "${aws:PrincipalTag/dept}"}}}, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"ArnEquals": {"aws:username": "D"}}}]);
    assert_eq!(
        findings::check(
            proposed,
            baseline,
            &universes(ActionUniverse::Catalog, ResourceUniverse::Catalog)
        ),
        Verdict::Holds
    );
}

/// `username = ${team}${dept}` and ARN-like `*${dept}`, the baseline asking team unlike the user
/// name: a team equal to the user name makes dept empty (the concretizer chose a dept first).
/// Session-13 final main: the cycle give-up.
#[test]
fn user_team_dept_arn_star_dept_against_team_unlike_user_fails() {
    let proposed = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEqualsIfExists": {"aws:username": "${aws:PrincipalTag/team}${aws:PrincipalTag/dept}"}, "ArnEquals": {"aws:username": "*${aws:PrincipalTag/dept}"}}}]);
    let baseline = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringNotLike": {"aws:PrincipalTag/team": "${aws:username}"}}}]);
    assert_fails(
        proposed,
        baseline,
        &universes(ActionUniverse::Open, ResourceUniverse::Open),
    );
}

/// `username` like `${dept}${prefix}` and dept like `*${username}` (the baseline denying): prefix
/// is empty, dept is the user name.
/// Session-13 final main: the cycle give-up.
#[test]
fn user_like_dept_prefix_unequal_to_prefix_against_dept_unlike_star_user_fails() {
    let proposed = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringLike": {"aws:username": "${aws:PrincipalTag/dept}${s3:prefix}"}, "StringNotEquals": {"aws:username": "${s3:prefix}"}}}]);
    let baseline = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringNotLike": {"aws:PrincipalTag/dept": "*${aws:username}"}}}]);
    assert_fails(
        proposed,
        baseline,
        &universes(ActionUniverse::Catalog, ResourceUniverse::Open),
    );
}

/// `prefix` like `${username}*` and `= ${team}${username}`; team like `${prefix, 'd'}` for the
/// baseline to deny: the user name is empty and team is the prefix.
/// Session-13 final main: the cycle give-up.
#[test]
fn prefix_like_user_star_equal_to_team_user_against_team_unlike_prefix_fails() {
    let proposed = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringLike": {"s3:prefix": "${aws:username}*"}, "StringEquals": {"s3:prefix": "${aws:PrincipalTag/team}${aws:username}"}}}]);
    let baseline = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringNotLike": {"aws:PrincipalTag/team": "${s3:prefix, 'd'}"}}}]);
    assert_fails(
        proposed,
        baseline,
        &universes(ActionUniverse::Catalog, ResourceUniverse::Open),
    );
}

/// `prefix = ${team}${dept}` (IfExists) and dept like `${prefix}*` for the baseline to deny: team
/// is empty and dept the prefix (the concretizer chose a team first).
/// Session-13 final main: the cycle give-up.
#[test]
fn prefix_team_dept_arn_dept_team_against_dept_unlike_prefix_star_fails() {
    let proposed = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEqualsIfExists": {"s3:prefix": "${aws:PrincipalTag/team}${aws:PrincipalTag/dept}"}, "ArnEquals": {"s3:prefix": "${aws:PrincipalTag/dept}${aws:PrincipalTag/team}"}}}]);
    let baseline = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringNotLike": {"aws:PrincipalTag/dept": "${s3:prefix}*"}}}]);
    assert_fails(
        proposed,
        baseline,
        &universes(ActionUniverse::Open, ResourceUniverse::Open),
    );
}

/// `dept` like `${prefix}${username}` and prefix like `${dept}` for the baseline to deny: the user
/// name is empty and dept the prefix, unequal to the (empty) user name.
/// Session-13 final main: the cycle give-up.
#[test]
fn dept_like_prefix_user_unequal_to_user_against_prefix_unlike_dept_fails() {
    let proposed = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringLike": {"aws:PrincipalTag/dept": "${s3:prefix}${aws:username}"}, "StringNotEquals": {"aws:PrincipalTag/dept": "${aws:username}"}}}]);
    let baseline = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringNotLike": {"s3:prefix": "${aws:PrincipalTag/dept}"}}}]);
    assert_fails(
        proposed,
        baseline,
        &universes(ActionUniverse::Open, ResourceUniverse::Catalog),
    );
}
