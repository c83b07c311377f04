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
