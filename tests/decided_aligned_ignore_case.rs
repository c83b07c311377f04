//! Two templates compared ignoring case with the same text around one hole on one string make
//! the two values equal after folding (`explain/aligned.rs`, session 12): a false equality that
//! ignores case is refuted, one that asks exact equality is not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../fuzz/gen/findings.rs"]
mod findings;
#[path = "../fuzz/gen/mod.rs"]
mod gen;
#[path = "../fuzz/gen/oracles.rs"]
mod oracles;

use findings::{assert_fails, open_identity};
use keyaki::explain::Verdict;
use serde_json::{json, Value};

/// Allows iam:GetUser when the prefix is `${username}/` and `${team}/` ignoring case, plus
/// `user_against_team` (one condition operator comparing the user name with the team).
fn prefix_of_user_and_team(user_against_team: Value) -> Value {
    let mut condition = json!({
        "StringEqualsIgnoreCase":{"s3:prefix":"${aws:username}/"},
        "StringEqualsIgnoreCaseIfExists":{"s3:prefix":"${aws:PrincipalTag/team}/"},
        "Null":{"aws:PrincipalTag/team":"false"}});
    for (operator, body) in user_against_team.as_object().unwrap() {
        condition[operator] = body.clone();
    }
    json!([{"Effect":"Allow","Action":"iam:GetUser","Condition":condition,
        "NotResource":"arn:aws:iam::*:nothing"}])
}

/// The prefix equals `${username}/` and `${team}/` ignoring case, so the two are equal ignoring
/// case, and the user name unequal to the team ignoring case allows nothing: a proof.
#[test]
fn unequal_ignoring_case_allows_nothing() {
    let proposed = prefix_of_user_and_team(
        json!({"StringNotEqualsIgnoreCase":{"aws:username":"${aws:PrincipalTag/team}"}}),
    );
    let baseline =
        json!([{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::*:nothing"}]);
    assert_eq!(
        findings::check(proposed, baseline, &open_identity()),
        Verdict::Holds
    );
}

/// Exact inequality survives: user `a`, team `A`, prefix `a/` (the values are equal after
/// folding only), and the counterexample replays.
#[test]
fn unequal_exactly_still_allows() {
    let proposed = prefix_of_user_and_team(
        json!({"StringNotEquals":{"aws:username":"${aws:PrincipalTag/team}"}}),
    );
    let baseline =
        json!([{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::*:nothing"}]);
    assert_fails(proposed, baseline, &open_identity());
}

/// A user name equal to the team: the equality is true, so nothing is refuted and the proposal
/// allows (user = team = prefix without its `/`).
#[test]
fn equal_user_and_team_allows() {
    let proposed = prefix_of_user_and_team(
        json!({"StringEquals":{"aws:username":"${aws:PrincipalTag/team}"}}),
    );
    let baseline =
        json!([{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::*:nothing"}]);
    assert_fails(proposed, baseline, &open_identity());
}
