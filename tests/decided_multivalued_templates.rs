//! Templates that read a multi-valued key (`custom:*`, `aws:TagKeys`): with two or more values
//! the key is not single and `${k, 'd'}` reads its default, whatever the values are
//! (`encodings/multivalued-templates.md`, session 13). Each pair comes from the session-12
//! reviewer's campaigns (`fuzz3`, `fuzz5`), shrunk; before, each was `unknown` ("policy
//! variables refer to each other in a cycle ..."). Every failure's counterexample replays.
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

/// Allows iam:GetUser on every user when `condition` holds (no condition: `{}`).
fn get_user_when(condition: Value) -> Value {
    let mut statement =
        json!({"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::*:user/*"});
    if condition.as_object().is_some_and(|c| !c.is_empty()) {
        statement["Condition"] = condition;
    }
    json!([statement])
}

/// `u ≠ ${u}${aws:TagKeys}${team, ''}` is false exactly when `aws:TagKeys` is one empty value and
/// the team reads "" (absent: its default ""): the baseline then denies what the proposal
/// allows. Before, the self-reference lemma gave up on the empty default, the model left
/// `aws:TagKeys` free, and the cycle breaker chose it `example` (fuzz5 50342).
#[test]
fn self_reference_through_an_empty_default_fails() {
    let proposed = get_user_when(json!({}));
    let baseline = get_user_when(json!({"StringNotEquals":{
        "aws:username":"${aws:username}${aws:TagKeys}${aws:PrincipalTag/team, ''}"}}));
    assert_fails(proposed, baseline, &open_identity());
}

/// `u = ${u}${aws:TagKeys}${team, ''}` holds only with `aws:TagKeys` one empty value, so
/// `u = ${u}${aws:TagKeys}` holds too: a proof (the lemma with the empty default both ways).
#[test]
fn self_reference_through_an_empty_default_is_proved() {
    let proposed = get_user_when(json!({"StringEquals":{
        "aws:username":"${aws:username}${aws:TagKeys}${aws:PrincipalTag/team, ''}"}}));
    let baseline =
        get_user_when(json!({"StringEquals":{"aws:username":"${aws:username}${aws:TagKeys}"}}));
    assert_eq!(
        findings::check(proposed, baseline, &open_identity()),
        Verdict::Holds
    );
}

/// A non-empty default still needs the key single and empty (`${custom:m, 'none'}` reads
/// `none` with two values): `u = ${u}${custom:m, 'none'}` does not imply the team is empty,
/// and the baseline asking the team to be `x` fails on the team absent (fuzz3 32356, shrunk).
#[test]
fn self_reference_through_a_non_empty_default_fails() {
    let proposed = get_user_when(json!({"StringEqualsIgnoreCase":{
        "aws:username":"${aws:username}${custom:m, 'none'}${aws:PrincipalTag/team, ''}"}}));
    let baseline = get_user_when(json!({"StringEquals":{"aws:PrincipalTag/team":"x"}}));
    assert_fails(proposed, baseline, &open_identity());
}

/// Allows s3:GetObject on `b/*` when `condition` holds.
fn get_object_when(condition: Value) -> Value {
    json!([{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*",
        "Condition":condition}])
}

/// `custom:m` equal ignoring case to `${custom:m, 'none'}${team}`: with two values the template
/// reads `none` + team, which one of the values can be (`["nonea/", "x"]`, team `a/`), and the
/// baseline refusing team `a/` denies it. The template on `custom:m`'s own values waited on
/// `custom:m` itself (a cycle of one key) though a model with two values reads the default
/// (fuzz3 30782, shrunk). Needs the `strings.rs` change in the multi report.
#[test]
fn own_default_with_two_values_fails() {
    let proposed = get_object_when(json!({"StringEqualsIgnoreCase":{
        "custom:m":"${custom:m, 'none'}${aws:PrincipalTag/team}"}}));
    let baseline = get_object_when(json!({"StringNotEquals":{"aws:PrincipalTag/team":"a/"}}));
    assert_fails(proposed, baseline, &open_identity());
}

/// `ForAnyValue` over `custom:m` equal to `x${custom:m, 'a'}`: never with one value (`v = xv`),
/// with two when one of them is `xa`; the baseline's resource reads `${custom:m, 'd'}`, which
/// with two values is `b/a/d`, so `b/other` refutes it (fuzz3 30278, shrunk: decided on main
/// once shrunk; kept as a guard of the two-value reading).
#[test]
fn any_value_equal_to_its_own_default_fails() {
    let proposed = get_object_when(json!({"ForAnyValue:StringEqualsIgnoreCase":{
        "custom:m":"x${custom:m, 'a'}"}}));
    let baseline = json!([{"Effect":"Allow","Action":"s3:GetObject",
        "Resource":"arn:aws:s3:::b/a/${custom:m, 'd'}"}]);
    assert_fails(proposed, baseline, &open_identity());
}

/// The same with the baseline allowing every object when some value is `xa` ignoring case:
/// with one value the proposal's condition never holds, with several it is the baseline's
/// (a guard: proved on main too).
#[test]
fn any_value_equal_to_its_own_default_is_proved() {
    let proposed = get_object_when(json!({"ForAnyValue:StringEqualsIgnoreCase":{
        "custom:m":"x${custom:m, 'a'}"}}));
    let baseline = get_object_when(json!({"ForAnyValue:StringEqualsIgnoreCase":{
        "custom:m":"XA"}}));
    assert_eq!(
        findings::check(proposed, baseline, &open_identity()),
        Verdict::Holds
    );
}

/// Allows iam:GetUser on `resource` (an ARN template).
fn get_user_on(resource: &str) -> Value {
    json!([{"Effect":"Allow","Action":"iam:GetUser","Resource":resource}])
}

/// `?*` inside `*` before a multi-valued key read in the account segment: a value with colons
/// moves the segments, but both templates read the same values between the same colons, so
/// the proposal's language lies inside the baseline's (`templates/chunks.rs`). In fuzz5 71148
/// (this pair plus a second statement) one value of `aws:TagKeys` was refuted at a time until
/// the timeout; shrunk to this pair main proves it too: a guard.
#[test]
fn narrower_chunks_before_a_value_in_the_account_are_proved() {
    let proposed = get_user_on("arn:aws:iam::?*\u{212a}${aws:TagKeys}:user/*");
    let baseline = get_user_on("arn:aws:iam::*\u{212a}${aws:TagKeys}:user/*");
    assert_eq!(
        findings::check(proposed, baseline, &open_identity()),
        Verdict::Holds
    );
}

/// The same with `custom:m` read twice with different defaults (fuzz3 61501: unknown on main
/// after the 20 s timeout, proved in about a second now).
#[test]
fn narrower_chunks_around_two_defaults_are_proved() {
    let proposed =
        get_user_on("arn:aws:iam::a/?*${custom:m, 'none'}:user//${custom:m, 'a'}${aws:username}");
    let baseline =
        get_user_on("arn:aws:iam::a/**${custom:m, 'none'}:user//${custom:m, 'a'}${aws:username}");
    assert_eq!(
        findings::check(proposed, baseline, &open_identity()),
        Verdict::Holds
    );
}

/// The other way round the baseline's `?` needs a character the proposal's `*` need not give:
/// a counterexample (the account `K` + value), replayed.
#[test]
fn wider_chunks_before_a_value_in_the_account_fail() {
    let proposed = get_user_on("arn:aws:iam::*\u{212a}${aws:TagKeys}:user/*");
    let baseline = get_user_on("arn:aws:iam::?*\u{212a}${aws:TagKeys}:user/*");
    assert_fails(proposed, baseline, &open_identity());
}
