//! A wrong-pass hunt on constructs never tested together (`fuzz/gen/cross.rs`): the catalog
//! resource and action universes x ignore-case templates x `NotResource`/`NotPrincipal` x
//! `ForAllValues`/`ForAnyValue` with templates x Numeric/Date/IpAddress/Bool conditions beside
//! them x resource-policy principals of every kind.
//!
//! `check` on identity and resource pairs under a universe chosen per case: every
//! counterexample replays and lies in the universe; every pass is searched for a refutation
//! among `KEYAKI_LEMMA_SEARCH` (400) small concrete requests in the universe
//! (`cross::request`); every domain lemma of the pair's query is read on searched requests
//! (`oracles::false_lemma`). Refuted passes and false lemmas are collected and fail the test
//! at the end, so one run reports them all.
//!
//! `KEYAKI_DIFF_CASES=N` sets the number of cases; `KEYAKI_DIFF_SHOW_UNKNOWN=1` prints every
//! unknown.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../fuzz/gen/cross.rs"]
mod cross;
#[path = "../fuzz/gen/mod.rs"]
mod gen;
#[path = "../fuzz/gen/lemma_shapes.rs"]
mod lemma_shapes;
#[path = "../fuzz/gen/mixed.rs"]
mod mixed;
#[path = "../fuzz/gen/oracles.rs"]
mod oracles;
#[path = "../fuzz/gen/run.rs"]
mod run;

use gen::{ByteChoices, Choices};
use keyaki::eval::PolicyType;
use keyaki::explain::check_no_new_access;
use keyaki::request::Request;
use keyaki::{ActionUniverse, ResourceUniverse};
use run::{in_universe, run_cases, Tally};
use serde_json::Value;

fn search_size() -> usize {
    std::env::var("KEYAKI_LEMMA_SEARCH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400)
}

/// The universes a case asks in.
#[derive(Clone, Copy)]
struct Universe {
    actions: ActionUniverse,
    resources: ResourceUniverse,
}

impl Universe {
    fn choose(c: &mut dyn Choices) -> Universe {
        let (actions, resources) = run::choose_universes(c);
        Universe { actions, resources }
    }
}

/// The first searched request in the universe that the proposal allows and the baseline
/// does not.
fn refutation(
    proposed: &Value,
    baseline: &Value,
    ty: PolicyType,
    universe: Universe,
    seed: &[u8],
) -> Option<Value> {
    oracles::search_refutation(
        proposed,
        baseline,
        ty,
        &mut run::Seeded::from_bytes(seed),
        search_size(),
        &|c| cross::request(c, &[proposed, baseline]),
        &|r| in_universe(universe.actions, universe.resources, r),
    )
}

/// A domain lemma of the pair's query false on one of the searched requests.
fn false_lemma(proposed: &Value, baseline: &Value, ty: PolicyType, seed: &[u8]) -> Option<String> {
    let p = oracles::parse_generated_policy(proposed);
    let b = oracles::parse_generated_policy(baseline);
    let query = keyaki::encode::verify_no_new_access_pruned(&p, &b, ty, false).ok()?;
    let mut s = run::Seeded::from_bytes(&[seed, b"lemmas"].concat());
    oracles::search_false_lemma(&query, &mut s, search_size() / 4, &|c| {
        cross::request(c, &[proposed, baseline])
    })
}

fn cross_family(name: &'static str, default: u32, ty: PolicyType) {
    let tally = Tally::new(name);
    let wrong = run::Wrong::new(name);
    run_cases(default, &tally, &|data| {
        let mut c = ByteChoices::new(data);
        let universe = Universe::choose(&mut c);
        let (proposed, baseline) = cross::pair(&mut c, ty == PolicyType::Resource);
        let options = keyaki::CheckOptions {
            action_universe: universe.actions,
            resource_universe: universe.resources,
            ..oracles::options(ty)
        };
        let p = oracles::parse_generated_policy(&proposed);
        let b = oracles::parse_generated_policy(&baseline);
        let verdict = check_no_new_access(&p, &b, &options);
        let pair = format!(
            "{ty:?} {:?}/{:?}\n  proposed: {proposed}\n  baseline: {baseline}",
            universe.actions, universe.resources
        );
        oracles::assert_replays(&verdict, &p, &b, ty);
        if let Some(lemma) = false_lemma(&proposed, &baseline, ty, data) {
            wrong.found(&tally, "FALSE lemma", format!("{pair}\n  lemma: {lemma}"));
        }
        let refutation =
            || refutation(&proposed, &baseline, ty, universe, data).map(|r| r.to_string());
        let admitted = |r: &Request| in_universe(universe.actions, universe.resources, r);
        let ended = run::tally_verdict(&tally, &wrong, &verdict, &pair, &admitted, &refutation);
        tally.count(&format!("{:?} {ended}", universe.resources));
    });
    tally.require(default, &["pass", "fail", "fail found by the search"]);
    wrong.assert_none();
}

#[test]
fn cross_identity_passes_survive_a_request_search() {
    cross_family("cross identity", 40, PolicyType::Identity);
}

#[test]
fn cross_resource_passes_survive_a_request_search() {
    cross_family("cross resource", 40, PolicyType::Resource);
}

/// The search reaches what it is aimed at: a pass the prover must not give (a typed bound
/// widened beside an ignore-case template, in the catalog universe) is refuted by it.
#[test]
fn the_cross_search_refutes_a_wrong_pass() {
    let policy = |bound: &str| {
        serde_json::json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{
            "StringEqualsIgnoreCase":{"aws:ResourceTag/owner":"${aws:username}"},
            "NumericLessThan":{"s3:max-keys":bound}}}]})
    };
    let universe = Universe {
        actions: ActionUniverse::Catalog,
        resources: ResourceUniverse::Catalog,
    };
    let found = (0u8..20).find_map(|seed| {
        refutation(
            &policy("11"),
            &policy("10"),
            PolicyType::Identity,
            universe,
            &[seed],
        )
    });
    let request = found.expect("no request with s3:max-keys 10 and owner = user name");
    assert_eq!(request["context"]["s3:max-keys"], "10");
}
