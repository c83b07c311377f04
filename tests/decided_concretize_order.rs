//! The concretizer's choosing order (session 14, concretize): a cycle of policy variables is
//! broken at each of its keys in turn when the value chosen at one is refuted by name, not
//! only when it gives up (`src/explain/concretize.rs`, `concretize_rotating`;
//! `encodings/concretize-order.md`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../fuzz/gen/findings.rs"]
mod findings;
#[path = "../fuzz/gen/mod.rs"]
mod gen;
#[path = "../fuzz/gen/oracles.rs"]
mod oracles;

use findings::{assert_fails, check, options};
use keyaki::eval::PolicyType;
use keyaki::explain::Verdict;
use keyaki::{ActionUniverse, ResourceUniverse};
use serde_json::{json, Value};

fn catalog_identity() -> keyaki::explain::CheckOptions {
    options(
        PolicyType::Identity,
        ActionUniverse::Open,
        ResourceUniverse::Catalog,
    )
}

/// s3:PutObject on `arn:aws:s3:::${team}` when some tag key is like `${PrincipalAccount}` and
/// every one like `${team}*`: the account's value starts with the team's (the transfer lemma,
/// `transfer.rs`), and the team holds a `/` (an object ARN in the catalog universe).
fn put_on_team_bucket() -> Value {
    json!([{"Effect":"Allow","Action":["s3:PutObject"],
        "Resource":["arn:aws:s3:::${aws:PrincipalTag/team}"],
        "Condition":{
            "ForAnyValue:StringLike":{"aws:TagKeys":"${aws:PrincipalAccount}"},
            "ForAllValues:StringLikeIfExists":{"aws:TagKeys":"${aws:principaltag/TEAM}*"}}}])
}

/// Session 11's `catalog_put_on_team_bucket_with_tag_keys_like_account_and_team_star_fails`
/// (the baseline denies when the team equals the account ignoring case and allows nothing).
/// The cycle (account ~ `${team}*` true, team ~ `${account}` false) was broken at the account
/// (name order): each account chosen without the team's `/` was refuted by name, one per round,
/// until the timeout. Broken at the team, the account is read from `${team}*`.
/// CLI (catalog, 20 s): timeout -> 0.07 s.
#[test]
fn catalog_put_on_team_bucket_with_tag_keys_like_account_and_team_star_fails() {
    assert_fails(
        put_on_team_bucket(),
        json!([{"Effect":"Deny","Action":["*"],"Condition":{"StringEqualsIgnoreCase":{
            "aws:PrincipalTag/team":["${aws:PrincipalAccount}"]}}}]),
        &catalog_identity(),
    );
}

/// The same proposal against a baseline that allows it whenever the account is like
/// `${team}*`: a pass (the tag key equal to the account is like `${team}*`), which trying more
/// cycle breaks must not turn into a fail.
#[test]
fn catalog_put_on_team_bucket_against_account_like_team_star_passes() {
    let verdict = check(
        put_on_team_bucket(),
        json!([{"Effect":"Allow","Action":["s3:PutObject"],"Resource":"*","Condition":{
            "StringLike":{"aws:PrincipalAccount":"${aws:PrincipalTag/team}*"}}}]),
        &catalog_identity(),
    );
    assert!(matches!(verdict, Verdict::Holds), "{verdict:?}");
}

/// Labels that all equal `${team, 'K'}:${team, 'K'}` or `${team, 'K'}/${TEAM}` ignoring case
/// on the team's iam user (account and name), against the same with StringLike (case
/// exact). The model wants a label ~ `${team}/${team}` ignoring case and ~ `*:*`: a team with
/// no `:` fits neither, and the concretizer named each such team in a lemma, one per round
/// (session 13: 77,421 learned lemmas for case 33481 of `learned_lemmas_hold_on_lemma_shape_pairs`).
/// Now one lemma carries the `:` to the team (`strings/required.rs`).
/// CLI (open, 30 s, loaded): timeout -> 0.15 s; catalog: timeout -> 0.32 s.
fn labels_of_team(operator: &str) -> Value {
    json!([{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"iam:GetUser",
        "Resource":["arn:aws:iam::${aws:PrincipalTag/team}:user/${aws:PrincipalTag/team, 'K'}",
            "arn:aws:iam::${aws:principaltag/TEAM}:user/${aws:principaltag/TEAM}"],
        "Condition":{operator:{"custom:labels":[
            "${aws:PrincipalTag/team, 'K'}:${aws:PrincipalTag/team, 'K'}",
            "${aws:PrincipalTag/team, 'K'}/${aws:principaltag/TEAM}"]}}}])
}

#[test]
fn labels_equal_to_team_templates_ignoring_case_against_like_fails() {
    for resources in [ResourceUniverse::Open, ResourceUniverse::Catalog] {
        assert_fails(
            labels_of_team("ForAllValues:StringEqualsIgnoreCase"),
            labels_of_team("ForAllValues:StringLike"),
            &options(PolicyType::Resource, ActionUniverse::Open, resources),
        );
    }
}

/// Every label equal to `${team}/${team}` ignoring case and one like `*:*`: the team holds a
/// `:`, so a baseline granting the same when the team is like `*:*` passes (the lemma of
/// `strings/required.rs` is what proves it), and one asking `*;*` of the team fails.
#[test]
fn a_label_like_colon_carries_the_colon_to_the_team() {
    let proposal = json!([{"Effect":"Allow","Action":"iam:GetUser","Resource":"*","Condition":{
        "ForAllValues:StringEqualsIgnoreCase":{"custom:labels":"${aws:PrincipalTag/team}/${aws:PrincipalTag/team}"},
        "ForAnyValue:StringLike":{"custom:labels":"*:*"}}}]);
    let baseline = |glob: &str| {
        json!([{"Effect":"Allow","Action":"iam:GetUser","Resource":"*","Condition":{
            "StringLike":{"aws:PrincipalTag/team":glob}}}])
    };
    let options = findings::open_identity();
    let verdict = check(proposal.clone(), baseline("*:*"), &options);
    assert!(matches!(verdict, Verdict::Holds), "{verdict:?}");
    assert_fails(proposal, baseline("*;*"), &options);
}

/// Multi-valued family (`differential_reviewer_shapes multi_valued`, 2000-3999 on session-13
/// main): `custom:m` not like `${custom:m, ''}` and like `?*`. With two values the template
/// reads its default `''`, so a second value neither empty nor `?*` is a conflict; the lemma
/// named `custom:m` absent (it was being chosen, so it had no value yet) while the model had
/// two values: the model stood, and the same lemma was learned for 2,000 rounds. Now the
/// lemma names the second value (`strings.rs`, `witness_or_learn`).
/// CLI (10 s): "gave up after 2000 refinement rounds" (1.0 s) -> fail 0.07 s.
#[test]
fn multi_valued_key_not_like_itself_with_a_default_fails() {
    assert_fails(
        json!([{"Effect":"Allow","Action":"iam:GetUser",
            "Resource":"arn:aws:iam::${custom:m, 'none'}x${aws:PrincipalTag/team}:user/${aws:TagKeys}",
            "Condition":{"StringNotLike":{"custom:m":"${custom:m, ''}"},
                "StringNotEqualsIgnoreCase":{"aws:username":"${custom:m}k${aws:PrincipalTag/team}"},
                "StringLike":{"custom:m":"?*"},"Null":{"aws:username":"false"}}}]),
        json!([{"Effect":"Allow","Action":"iam:GetUser",
                "Resource":"arn:aws:iam::-A${aws:TagKeys, 'd'}:user/${custom:m, 'a'}",
                "Condition":{"StringEqualsIfExists":{"aws:TagKeys":"ak",
                    "custom:m":"${custom:m, ''}${custom:m, ''}-"},
                "StringLike":{"aws:TagKeys":"*"}}},
            {"Effect":"Deny","Action":"iam:GetUser",
                "NotResource":"arn:aws:iam::${aws:PrincipalTag/team}:user/?",
                "Condition":{"ForAllValues:StringLike":{"aws:TagKeys":"none"}}}]),
        &findings::open_identity(),
    );
}
