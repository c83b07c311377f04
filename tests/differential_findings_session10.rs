//! Session 10: the unknowns of hunt's runs on main @ a9a1d78 (/work/coord/runs/hunt-*.txt:
//! guard-rail cases 6000-6999, cross 22000-23999, lemma shapes 20000-21999, template family
//! 100000-119999, combined 10000-11999), rerun alone with a 60 s timeout and shrunk by greedy
//! deletion (`fuzz/gen/shrink.py --library --timeout 10`), each with the verdict it must
//! reach and its class. No refuted pass, replay failure or false lemma was found. Unfixed
//! ones are `#[ignore]`d; the owner who decides one removes the `#[ignore]`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../fuzz/gen/findings.rs"]
mod findings;
#[path = "../fuzz/gen/mod.rs"]
mod gen;
#[path = "../fuzz/gen/oracles.rs"]
mod oracles;

use keyaki::explain::Verdict;
use serde_json::json;

/// Cross family identity, new cases 22000-23999 (Open actions and resources), class
/// ignore-case between keys' templates (one tag compared with `${aws:username}` twice). A
/// PASS: the proposal allows iam:GetUser when the owner tag is like `${username}*` and equals
/// `${username}` ignoring case; the baseline when it equals `${username}`. Like makes the
/// owner `username + s`; folding maps each character to one character (`pattern::fold_char`),
/// so equal folded strings have equal lengths, `s` is empty and the owner is the user name.
/// Alone: the 60 s timeout (24 s CPU under load); the run: the 30 s timeout.
#[test]
#[ignore = "unfixed: runs to the timeout (ignore-case between keys' templates)"]
fn owner_like_user_star_and_equal_to_user_ignoring_case_against_owner_equal_to_user_passes() {
    let verdict = findings::check(
        json!([{"Effect":"Allow","Action":"iam:GetUser","Condition":{
            "StringLike":{"aws:ResourceTag/owner":"${aws:username}*"},
            "StringEqualsIgnoreCase":{"aws:ResourceTag/owner":["${AWS:UserName}"]}}}]),
        json!([{"Effect":"Allow","Action":"iam:GetUser","Condition":{
            "StringEquals":{"aws:ResourceTag/owner":["${AWS:UserName}"]}}}]),
        &findings::open_identity(),
    );
    assert_eq!(verdict, Verdict::Holds);
}

/// Lemma shapes identity, new cases 20000-21999, class other (a key compared with a template
/// reading the key itself: a self-cycle). A PASS: the proposal allows iam:GetUser when the
/// user name is like `${team}/${username}` (substituted values are literal text), i.e. the
/// user name is longer than itself: never; the baseline denies it. Library: "policy
/// variables refer to each other in a cycle through key aws:username, and the value chosen
/// to break it does not fit" at once (0.1 s).
#[test]
#[ignore = "unfixed: cycle give-up (other: a key's template reading the key itself)"]
fn user_like_team_slash_user_passes() {
    let verdict = findings::check(
        json!([{"Effect":"Allow","Action":["iam:GetUser"],"Condition":{
            "StringLike":{"aws:username":["${aws:principaltag/TEAM}/${aws:username}"]}}}]),
        json!([{"Effect":"Deny","Action":["iam:GetUser"]}]),
        &findings::open_identity(),
    );
    assert_eq!(verdict, Verdict::Holds);
}

/// Lemma shapes identity, new cases 20000-21999, class other (self-cycle, ignoring case). A
/// PASS: the proposal allows everything when the team equals `${team}/${PrincipalAccount}`
/// ignoring case; folding keeps lengths (`pattern::fold_char`), so never. The baseline
/// allows when the team equals the account. Library: "policy variables refer to each other
/// in a cycle through key aws:principaltag/team, and the value chosen to break it does not
/// fit" at once (0.1 s).
#[test]
#[ignore = "unfixed: cycle give-up (other: a key's template reading the key itself)"]
fn team_equal_to_team_slash_account_ignoring_case_passes() {
    let verdict = findings::check(
        json!([{"Effect":"Allow","Action":["*"],"Condition":{"StringEqualsIgnoreCase":{
            "aws:PrincipalTag/team":["${aws:PrincipalTag/team}/${aws:PrincipalAccount}"]}}}]),
        json!([{"Effect":"Allow","Action":["*"],"Condition":{"StringEquals":{
            "aws:PrincipalTag/team":["${aws:PrincipalAccount}"]}}}]),
        &findings::open_identity(),
    );
    assert_eq!(verdict, Verdict::Holds);
}
