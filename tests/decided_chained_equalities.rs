//! Systems of exact equalities between single-valued keys and concatenations of other keys
//! (the session-12 review campaign fuzz6/fuzz6b): two templates on one string cancel their
//! common ends, and what is left decides (`encode/lemmas/cancelled_ends.rs`,
//! `encodings/cancelled-ends.md`): a lone `${x}` on one side makes the other side an atom on
//! `x`; `x·y` against `y·w` makes `x` a rotation of `w`; first or last characters that differ
//! make the two disjoint. Every pass was checked by hand; every fail replays (and its printed
//! request was replayed with `keyaki eval`). Times are the CLI's, `--timeout 10`.
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

/// Review campaign fuzz6/60632. `dept = ${team}k` and `dept = ${username, 'd'}` (IfExists; dept is present) make `username =
/// ${team}k` (the plain transfer through a lone `${username}`), inside the baseline's `username ≡
/// ${team}K` ignoring case (K is the Kelvin sign, folding to `k`). Main: timeout (10 s).
#[test]
fn dept_equal_to_team_k_and_to_user_against_user_equal_to_team_kelvin_passes() {
    let proposed = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalTag/dept": "${aws:PrincipalTag/team}k"}, "StringEqualsIfExists": {"aws:PrincipalTag/dept": "${aws:username, 'd'}"}}}]);
    let baseline = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEqualsIgnoreCase": {"aws:username": "${aws:PrincipalTag/team}\u{212a}"}}}]);
    assert_eq!(
        findings::check(proposed, baseline, &open_identity()),
        Verdict::Holds
    );
}

/// Review campaign fuzz6/61271. `prefix` like `${team}k` (a value's characters are literal) and `prefix = ${username}`: `username
/// = ${team}k`, inside `username ≡ ${team}K`. Main: timeout.
#[test]
fn prefix_like_team_k_and_equal_to_user_against_user_equal_to_team_kelvin_passes() {
    let proposed = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringLike": {"s3:prefix": "${aws:PrincipalTag/team}k"}, "StringEqualsIfExists": {"s3:prefix": "${aws:username}"}}}]);
    let baseline = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEqualsIgnoreCase": {"aws:username": "${aws:PrincipalTag/team}\u{212a}"}}}]);
    assert_eq!(
        findings::check(proposed, baseline, &open_identity()),
        Verdict::Holds
    );
}

/// Review campaign fuzz6/60399. `prefix` like `${team}K` and `prefix = ${username}K`: the common end `K` cancels, leaving
/// `username = ${team}`, the baseline's first statement. Main: timeout.
#[test]
fn prefix_like_team_kelvin_and_user_kelvin_against_user_equal_to_team_passes() {
    let proposed = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringLike": {"s3:prefix": "${aws:PrincipalTag/team}\u{212a}"}, "StringEquals": {"s3:prefix": "${aws:username}\u{212a}"}}}]);
    let baseline = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"aws:username": "${aws:PrincipalTag/team}"}}}, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEqualsIfExists": {"aws:username": "a/b"}}}]);
    assert_eq!(
        findings::check(proposed, baseline, &open_identity()),
        Verdict::Holds
    );
}

/// Review campaign fuzz6b/70388. `prefix = ${dept}${username}` and `prefix ≡ ${username, 'd'}`: the common end `${username}`
/// cancels ignoring case, leaving dept empty, which the baseline's `dept` not like `a*` allows.
/// Main: timeout.
#[test]
fn prefix_dept_user_and_user_ignoring_case_against_empty_dept_passes() {
    let proposed = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"s3:prefix": "${aws:PrincipalTag/dept}${aws:username}"}, "StringEqualsIgnoreCase": {"s3:prefix": "${aws:username, 'd'}"}, "StringNotEquals": {"aws:username": "${aws:username}${aws:username}"}}}]);
    let baseline = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEqualsIgnoreCase": {"aws:username": "${s3:prefix}k"}}}, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringNotEquals": {"aws:PrincipalTag/dept": "a*"}}}]);
    assert_eq!(
        findings::check(proposed, baseline, &open_identity()),
        Verdict::Holds
    );
}

/// Review campaign fuzz6b/70666. `team` like `${username}${prefix}` and unequal to `${prefix}${username}`: were team the user
/// name, the cancelled rests (`${prefix}` against nothing) make prefix empty and the two
/// templates one string. The baseline asks team unequal to the user name. Main: timeout.
#[test]
fn team_like_user_prefix_unequal_to_prefix_user_against_team_unequal_to_user_passes() {
    let proposed = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringLike": {"aws:PrincipalTag/team": "${aws:username}${s3:prefix}"}, "StringNotEquals": {"aws:PrincipalTag/team": "${s3:prefix}${aws:username}"}}}]);
    let baseline = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": "${aws:username}"}}}]);
    assert_eq!(
        findings::check(proposed, baseline, &open_identity()),
        Verdict::Holds
    );
}

/// Review campaign fuzz6/61296. `team = ${dept}${prefix}` and `team ≢ ${prefix}${dept}` ignoring case; the baseline asks team
/// unequal to `${dept, 'd'}`: team = dept makes prefix empty and the two templates equal.
/// Main: timeout.
#[test]
fn team_dept_prefix_unequal_to_prefix_dept_against_team_unequal_to_dept_passes() {
    let proposed = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "${aws:PrincipalTag/dept}${s3:prefix}"}, "StringNotEqualsIgnoreCase": {"aws:PrincipalTag/team": "${s3:prefix}${aws:PrincipalTag/dept}"}}}]);
    let baseline = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": "${aws:PrincipalTag/dept, 'd'}"}}}]);
    assert_eq!(
        findings::check(proposed, baseline, &open_identity()),
        Verdict::Holds
    );
}

/// Review campaign fuzz6/60141. `prefix ≡ ${dept}${team}` ignoring case and `prefix` like `${team}K`: `dept·team = team·k`
/// after folding, so dept folds to a rotation of `k` (Lyndon–Schützenberger) and team to `k…k`:
/// never like `a*`, which the baseline's second statement allows. Main: timeout.
#[test]
fn prefix_dept_team_ignoring_case_and_like_team_kelvin_passes() {
    let proposed = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEqualsIgnoreCase": {"s3:prefix": "${aws:PrincipalTag/dept}${aws:PrincipalTag/team}"}, "StringLike": {"s3:prefix": "${aws:PrincipalTag/team}\u{212a}"}}}]);
    let baseline = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringLike": {"s3:prefix": "*${aws:PrincipalTag/dept}"}}}, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringNotLike": {"aws:PrincipalTag/team": "a*"}}}]);
    assert_eq!(
        findings::check(proposed, baseline, &open_identity()),
        Verdict::Holds
    );
}

/// Review campaign fuzz6/60408. `prefix = ${dept}${username}` and `prefix = *${username}` (the `*` literal): dept = `*`, which
/// the baseline's `dept ≡ *${username}` refuses for a non-empty user name. Main: timeout.
#[test]
fn prefix_dept_user_and_star_user_against_dept_star_user_fails() {
    let proposed = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEqualsIfExists": {"s3:prefix": "*${aws:username}"}, "StringEquals": {"s3:prefix": "${aws:PrincipalTag/dept}${aws:username}"}}}]);
    let baseline = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEqualsIgnoreCase": {"aws:PrincipalTag/dept": "*${aws:username}"}}}, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEqualsIgnoreCase": {"aws:username": "k"}}}]);
    assert_fails(proposed, baseline, &open_identity());
}

/// Review campaign fuzz6/61816. `username = ${dept}${prefix}` and like `${prefix}k`: dept is a rotation of `k`; prefix `k`
/// makes the user name `kk`, not the dept. Main: timeout.
#[test]
fn user_dept_prefix_and_like_prefix_k_against_user_equal_to_dept_fails() {
    let proposed = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEqualsIfExists": {"aws:username": "${aws:PrincipalTag/dept}${s3:prefix}"}, "StringLike": {"aws:username": "${s3:prefix}k"}}}]);
    let baseline = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEqualsIgnoreCase": {"aws:username": "${aws:PrincipalTag/dept}"}}}, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEqualsIgnoreCase": {"aws:PrincipalTag/dept": "a/b"}}}]);
    assert_fails(proposed, baseline, &open_identity());
}

/// Review campaign fuzz6/61700. `team = ${username}${prefix}` and like `${prefix}k`: username `k`, prefix `k`, team `kk`,
/// unequal to the user name. Main: timeout.
#[test]
fn team_user_prefix_and_like_prefix_k_against_team_equal_to_user_fails() {
    let proposed = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEqualsIfExists": {"aws:PrincipalTag/team": "${aws:username}${s3:prefix}"}, "StringLike": {"aws:PrincipalTag/team": "${s3:prefix}k"}}}]);
    let baseline = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "${aws:username}"}}}]);
    assert_fails(proposed, baseline, &open_identity());
}

/// Review campaign fuzz6b/70479. `prefix ≡ ${username}${dept}` ignoring case and `prefix = ${dept}K`: the user name folds to `k`,
/// dept to `k…k`; dept `kk` equals `${username}k`, which the baseline refuses. Main: timeout.
#[test]
fn prefix_user_dept_ignoring_case_and_dept_kelvin_against_dept_unequal_to_user_k_fails() {
    let proposed = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEqualsIgnoreCase": {"s3:prefix": "${aws:username}${aws:PrincipalTag/dept}"}, "StringEquals": {"s3:prefix": "${aws:PrincipalTag/dept}\u{212a}"}, "StringNotEqualsIgnoreCase": {"aws:username": "${aws:username}k"}}}]);
    let baseline = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringNotEquals": {"aws:PrincipalTag/dept": "${aws:username}k"}}}]);
    assert_fails(proposed, baseline, &open_identity());
}

/// Review campaign fuzz6/60758. `prefix` like `${dept}K` and `prefix = ${username}${dept}`: the user name is `K`; the baseline
/// (dept like `${username}${dept}`) needs it empty. Main: timeout.
#[test]
fn prefix_like_dept_kelvin_and_user_dept_against_dept_like_user_dept_fails() {
    let proposed = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringLike": {"s3:prefix": "${aws:PrincipalTag/dept}\u{212a}"}, "StringEqualsIfExists": {"s3:prefix": "${aws:username}${aws:PrincipalTag/dept}"}, "StringNotEquals": {"aws:PrincipalTag/dept": "${aws:PrincipalTag/dept}*"}}}]);
    let baseline = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringLike": {"aws:PrincipalTag/dept": "${aws:username}${aws:PrincipalTag/dept}"}}}]);
    assert_fails(proposed, baseline, &open_identity());
}

/// Review campaign fuzz4/40168. `prefix = ${team}` and `prefix ≡ *${username}/` ignoring case make `team ≡ *${username}/`
/// (transfer through the lone `${team}`); the team's resource then meets the baseline's Deny on
/// `b/*/${username}/`. Main: timeout.
#[test]
fn prefix_equal_to_team_and_star_user_slash_on_a_team_resource_fails() {
    let proposed = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/A${aws:PrincipalTag/team}a/", "Condition": {"StringEquals": {"s3:prefix": "${aws:PrincipalTag/team}"}, "StringEqualsIgnoreCase": {"s3:prefix": "*${aws:username}/"}}}]);
    let baseline = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}, {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*/${aws:username}/"}]);
    assert_fails(proposed, baseline, &open_identity());
}

/// Review campaign fuzz6b/71859. `dept = ${username}${team}` (IfExists; dept is present) and
/// `dept ≡ ${team}` ignoring case: the common end `${team}` cancels and leaves the user name
/// empty, so the first template reads `dept = ${team}`; the baseline asks `team = ${dept, 'd'}`.
/// Main: cycle give-up (0.1 s).
#[test]
fn dept_user_team_and_team_ignoring_case_against_team_equal_to_dept_passes() {
    let proposed = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEqualsIfExists": {"aws:PrincipalTag/dept": "${aws:username}${aws:PrincipalTag/team}"}, "StringEqualsIgnoreCase": {"aws:PrincipalTag/dept": "${aws:PrincipalTag/team}"}}}]);
    let baseline = json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEqualsIfExists": {"aws:PrincipalTag/team": "${aws:PrincipalTag/dept, 'd'}"}}}]);
    assert_eq!(
        findings::check(proposed, baseline, &open_identity()),
        Verdict::Holds
    );
}
