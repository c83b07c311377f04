//! A wrong-pass hunt aimed at session 7's template reasoning (`fuzz/gen/lemma_shapes.rs`:
//! ignore-case templates compared folded, values in an ARN's first five segments, tied keys,
//! length lemmas, with `NotResource`, `IfExists`, set operators and `Deny NotAction`).
//!
//! `check` on identity and resource pairs: every counterexample replays; every pass is
//! searched for a refutation among `SEARCH` small concrete requests
//! (`lemma_shapes::request`: the policies' own pieces, tied and recased values). A refuted
//! pass is collected (with the pair and the request) and the test fails at the end, so one
//! run reports them all.
//!
//! Every case also reads each domain lemma of its query (`encode/lemmas/**`) on searched
//! requests: a lemma false on a concrete request is collected like a refuted pass.
//!
//! The lemmas the search learns while it concretizes models (`Concrete::Learn`, and the
//! relation lemmas of atoms it adds) are recorded per check and read the same way, on
//! requests aimed at each lemma (`fuzz/gen/learned.rs`, `encodings/learned-lemmas.md`).
//!
//! `KEYAKI_DIFF_CASES=N` sets the number of cases; `KEYAKI_DIFF_SHOW_UNKNOWN=1` prints every
//! unknown; `KEYAKI_LEMMA_SEARCH=N` the requests searched per pass.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../fuzz/gen/combined.rs"]
mod combined;
#[path = "../fuzz/gen/cross.rs"]
mod cross;
#[path = "../fuzz/gen/mod.rs"]
mod gen;
#[path = "../fuzz/gen/guardrails.rs"]
mod guardrails;
#[path = "../fuzz/gen/learned.rs"]
mod learned;
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
use keyaki::explain::{check_no_new_access, Verdict};
use run::{run_cases, Tally};
use serde_json::Value;

const SEARCH: usize = 400;

fn search_size() -> usize {
    std::env::var("KEYAKI_LEMMA_SEARCH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(SEARCH)
}

/// The first request among `n` searched on which a domain lemma of the check's query is
/// false (`oracles::false_lemma`), with the lemma: a wrong lemma found before it makes a
/// wrong pass.
fn false_lemma(
    proposed: &Value,
    baseline: &Value,
    ty: PolicyType,
    seed: &[u8],
    n: usize,
) -> Option<String> {
    let p = oracles::parse_generated_policy(proposed);
    let b = oracles::parse_generated_policy(baseline);
    let query = keyaki::encode::verify_no_new_access_pruned(&p, &b, ty, false).ok()?;
    false_lemma_in(&query, proposed, baseline, seed, n)
}

fn false_lemma_in(
    query: &keyaki::encode::Query,
    proposed: &Value,
    baseline: &Value,
    seed: &[u8],
    n: usize,
) -> Option<String> {
    let mut s = run::Seeded::from_bytes(&[seed, b"lemmas"].concat());
    oracles::search_false_lemma(query, &mut s, n, &|c| {
        lemma_shapes::request(c, &[proposed, baseline])
    })
}

/// The first request among `n` searched that the proposal allows and the baseline does not.
fn refutation(
    proposed: &Value,
    baseline: &Value,
    ty: PolicyType,
    seed: &[u8],
    n: usize,
) -> Option<Value> {
    oracles::search_refutation(
        proposed,
        baseline,
        ty,
        &mut run::Seeded::from_bytes(seed),
        n,
        &|c| lemma_shapes::request(c, &[proposed, baseline]),
        &|_| true,
    )
}

fn lemma_family(name: &'static str, default: u32, ty: PolicyType) {
    let tally = Tally::new(name);
    let wrong = run::Wrong::new(name);
    let n = search_size();
    run_cases(default, &tally, &|data| {
        let mut c = ByteChoices::new(data);
        let (proposed, baseline) = lemma_shapes::pair(&mut c, ty == PolicyType::Resource);
        let options = oracles::options(ty);
        let p = oracles::parse_generated_policy(&proposed);
        let b = oracles::parse_generated_policy(&baseline);
        let verdict = check_no_new_access(&p, &b, &options);
        oracles::assert_replays(&verdict, &p, &b, ty);
        let pair = format!("{ty:?}\n  proposed: {proposed}\n  baseline: {baseline}");
        if let Some(lemma) = false_lemma(&proposed, &baseline, ty, data, n / 4) {
            wrong.found(&tally, "FALSE lemma", format!("{pair}\n  lemma: {lemma}"));
        }
        let refutation = || refutation(&proposed, &baseline, ty, data, n).map(|r| r.to_string());
        run::tally_verdict(&tally, &wrong, &verdict, &pair, &|_| true, &refutation);
    });
    tally.require(default, &["pass", "fail"]);
    wrong.assert_none();
}

/// Without the solver: the domain lemmas of guard-rail, combined and lemma-shape pairs (the
/// families with the most templates) read on requests aimed at them (`combined::aimed_request`) and on the
/// lemma search's requests. Cheap, so it covers many more pairs than the checks above.
#[test]
fn domain_lemmas_hold_on_template_heavy_pairs() {
    let tally = Tally::new("lemmas read on guard-rail, combined and lemma-shape pairs");
    let wrong = run::Wrong::new("domain lemmas");
    run_cases(200, &tally, &|data| {
        let mut c = ByteChoices::new(data);
        let resource = c.flip();
        let ty = if resource {
            PolicyType::Resource
        } else {
            PolicyType::Identity
        };
        let (proposed, baseline) = match c.below(3) {
            0 => guardrails::pair(&mut c, resource),
            1 => combined::pair(&mut c, resource),
            _ => lemma_shapes::pair(&mut c, resource),
        };
        let p = oracles::parse_generated_policy(&proposed);
        let b = oracles::parse_generated_policy(&baseline);
        let Ok(query) = keyaki::encode::verify_no_new_access_pruned(&p, &b, ty, false) else {
            tally.count("not encoded");
            return;
        };
        tally.count("pairs");
        let mut s = run::Seeded::from_bytes(data);
        for i in 0..search_size() / 2 {
            let json = if i % 2 == 0 {
                let target = if s.below(2) == 0 {
                    &proposed
                } else {
                    &baseline
                };
                combined::aimed_request(&mut s, target)
            } else {
                lemma_shapes::request(&mut s, &[&proposed, &baseline])
            };
            let request = oracles::parse_generated_request(&json);
            if let Some(lemma) = oracles::false_lemma(&query, &request) {
                let text = format!("{ty:?}\n  proposed: {proposed}\n  baseline: {baseline}\n  lemma: {lemma}\n  request: {json}");
                wrong.found(&tally, "FALSE lemma", text);
                return;
            }
        }
    });
    tally.print();
    wrong.assert_none();
}

#[test]
fn lemma_identity_passes_survive_a_request_search() {
    lemma_family("lemmas identity", 60, PolicyType::Identity);
}

#[test]
fn lemma_resource_passes_survive_a_request_search() {
    lemma_family("lemmas resource", 40, PolicyType::Resource);
}

/// The search finds what it is aimed at: a pass the prover must not give (a tag equal to the
/// user name ignoring case, `K` KELVIN SIGN against `k`) is refuted by it.
#[test]
fn the_request_search_refutes_a_wrong_pass() {
    let policy = |c: Value| serde_json::json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":c}]});
    let proposed = policy(
        serde_json::json!({"StringEqualsIgnoreCase":{"aws:ResourceTag/owner":"${aws:username}-\u{212A}"}}),
    );
    let baseline =
        policy(serde_json::json!({"StringLike":{"aws:ResourceTag/owner":"${aws:username}-k"}}));
    let found = (0u8..20)
        .find_map(|seed| refutation(&proposed, &baseline, PolicyType::Identity, &[seed], 400));
    assert!(found.is_some(), "no request found the owner `u-K`");
}

/// The lemma reader catches a false lemma: `owner` like `${aws:username}*` declared never
/// true is false on a request with owner `x1` and user name `x` (the search finds one).
#[test]
fn the_lemma_reader_catches_a_false_lemma() {
    let proposed = serde_json::json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringLike":{"aws:ResourceTag/owner":"${aws:username}*"}}}]});
    let baseline = serde_json::json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"}]});
    let p = oracles::parse_generated_policy(&proposed);
    let b = oracles::parse_generated_policy(&baseline);
    let mut query =
        keyaki::encode::verify_no_new_access_pruned(&p, &b, PolicyType::Identity, false).unwrap();
    assert!(false_lemma_in(&query, &proposed, &baseline, &[1], 400).is_none());
    let template = query
        .atoms
        .iter()
        .position(|a| {
            matches!(
                a,
                keyaki::encode::Atom::Str {
                    pattern: keyaki::encode::StrPattern::Template(..),
                    ..
                }
            )
        })
        .expect("a template atom");
    query
        .lemmas
        .push(keyaki::encode::Term::not(keyaki::encode::Term::Atom(
            template,
        )));
    let found = false_lemma_in(&query, &proposed, &baseline, &[1], 400);
    assert!(found.is_some(), "the false lemma was not caught");
}

/// The families the learned-lemma oracle draws pairs from (the ones the concretizer learns
/// most on), with their own request generators for the shared requests.
#[derive(Clone, Copy)]
enum Family {
    Lemmas,
    Guardrails,
    Combined,
    Cross,
}

/// Aimed requests per learned lemma (`KEYAKI_LEARNED_AIMED`), shared requests per check.
fn aimed_per_lemma() -> usize {
    std::env::var("KEYAKI_LEARNED_AIMED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24)
}

/// Every lemma a check learns holds on requests aimed at it (`fuzz/gen/learned.rs`): one
/// false is collected with its pair and request, and the test fails at the end.
/// `KEYAKI_LEARNED_TIMEOUT=S` sets the check's timeout (30 s).
fn learned_family(name: &'static str, default: u32, family: Family) {
    let tally = Tally::new(name);
    let totals = learned::Totals::default();
    let wrong = run::Wrong::new(name);
    let timeout = std::env::var("KEYAKI_LEARNED_TIMEOUT")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(
            std::time::Duration::from_secs(30),
            std::time::Duration::from_secs,
        );
    run_cases(default, &tally, &|data| {
        let mut c = ByteChoices::new(data);
        let resource = c.flip();
        let ty = if resource {
            PolicyType::Resource
        } else {
            PolicyType::Identity
        };
        let (proposed, baseline) = match family {
            Family::Lemmas => lemma_shapes::pair(&mut c, resource),
            Family::Guardrails => guardrails::pair(&mut c, resource),
            Family::Combined => combined::pair(&mut c, resource),
            Family::Cross => cross::pair(&mut c, resource),
        };
        let catalog = !matches!(family, Family::Lemmas);
        let options = keyaki::CheckOptions {
            resource_universe: if catalog && c.flip() {
                keyaki::ResourceUniverse::Catalog
            } else {
                keyaki::ResourceUniverse::Open
            },
            action_universe: if catalog && c.one_in(3) {
                keyaki::ActionUniverse::Catalog
            } else {
                keyaki::ActionUniverse::Open
            },
            timeout,
            ..oracles::options(ty)
        };
        let pair = [&proposed, &baseline];
        let requests = |s: &mut dyn Choices| match family {
            Family::Lemmas => lemma_shapes::request(s, &pair),
            Family::Cross => cross::request(s, &pair),
            Family::Guardrails | Family::Combined => {
                let target = pair[s.below(2)];
                combined::aimed_request(s, target)
            }
        };
        let (verdict, report) = learned::check_and_read(
            &proposed,
            &baseline,
            &options,
            data,
            (aimed_per_lemma(), 16),
            &requests,
            &totals,
        );
        tally.count(match verdict {
            Verdict::Holds => "pass",
            Verdict::Violated(_) => "fail",
            Verdict::Unknown(_) => "unknown",
        });
        if let Some(text) = report {
            wrong.found(&tally, "FALSE learned lemma", text);
        }
    });
    totals.print(name);
    tally.require(default, &["pass", "fail"]);
    wrong.assert_none();
}

#[test]
fn learned_lemmas_hold_on_lemma_shape_pairs() {
    learned_family("learned lemmas, lemma shapes", 30, Family::Lemmas);
}

#[test]
fn learned_lemmas_hold_on_guard_rail_pairs() {
    learned_family("learned lemmas, guard rails", 30, Family::Guardrails);
}

#[test]
fn learned_lemmas_hold_on_combined_template_pairs() {
    learned_family("learned lemmas, combined templates", 30, Family::Combined);
}

#[test]
fn learned_lemmas_hold_on_cross_pairs() {
    learned_family("learned lemmas, cross", 30, Family::Cross);
}

/// A pair whose check learns (the tied-template lemma of `tied.rs`: `team` like
/// `${aws:username}`, the resource under `b/${aws:username}/` and not under
/// `b/${team, 'none'}/`), recorded and read.
fn learning_pair() -> (Value, Value) {
    let policy = |resource: &str, condition: Value| serde_json::json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":resource,"Condition":condition}]});
    (
        policy(
            "arn:aws:s3:::b/${aws:username}/*",
            serde_json::json!({"StringLike":{"aws:PrincipalTag/team":"${aws:username}"}}),
        ),
        policy(
            "arn:aws:s3:::b/${aws:PrincipalTag/team, 'none'}/*",
            serde_json::json!({"Null":{"aws:PrincipalTag/team":"false"}}),
        ),
    )
}

/// The recorder sees what the search learns, and the oracle catches a false learned lemma:
/// the learning pair's lemmas all read true and some are read, and a lemma saying the
/// resource is never under `b/` (false on the aimed requests) is caught.
#[test]
fn the_learned_lemma_oracle_catches_a_false_lemma() {
    let (proposed, baseline) = learning_pair();
    let p = oracles::parse_generated_policy(&proposed);
    let b = oracles::parse_generated_policy(&baseline);
    let options = oracles::options(PolicyType::Identity);
    let (verdict, mut entries) =
        keyaki::explain::learned::recording(|| check_no_new_access(&p, &b, &options));
    let admitted = |_: &keyaki::request::Request| true;
    let mut s = run::Seeded::from_bytes(b"learned");
    let reading = learned::read_learned(&entries, &mut s, 24, &[], &admitted);
    println!("{verdict:?}: {reading:?}");
    assert!(reading.learned > 0, "the recorder saw no learned lemma");
    assert!(
        reading.pressed > 0,
        "no learned lemma was read where it bites"
    );
    assert!(reading.false_lemma.is_none(), "{:?}", reading.false_lemma);
    let entry = entries.last_mut().unwrap();
    let under_b = entry.query.str_atom(
        keyaki::encode::StrVar::Resource,
        keyaki::encode::StrPattern::Glob(keyaki::pattern::Glob::wildcard("arn:aws:s3:::b/*")),
    );
    entry.lemmas.push(keyaki::encode::Term::not(under_b));
    let reading = learned::read_learned(&entries, &mut s, 24, &[], &admitted);
    assert!(
        reading.false_lemma.is_some(),
        "the false lemma was not caught"
    );
}

/// Found by the learned-lemma oracle (guard-rail and lemma-shape families, session 11):
/// the concretizer, finding no value for a present slot whose model makes both `k` colon-free
/// (`[SegStr]`) and `k like *:*` false, learns `¬(¬colon-free ∧ ¬*:*)` without the slot's
/// presence atom. Under `atom_holds`'s reading (a slot's string atoms are false when it is
/// absent) the lemma is false on every request without `aws:username`. Not a wrong pass
/// today: the encoder reads a slot's string atoms only under its presence atom, so they are
/// free when it is absent (`encodings/learned-lemmas.md`, "Absent slots"); a domain lemma
/// true under `atom_holds` (`¬present → ¬atom`) would make it one. Fixed (session 11, lead):
/// `witness_or_learn` adds `present(k, i)` for every slot whose atoms the lemma names.
#[test]
fn learned_lemmas_hold_where_their_slot_is_absent() {
    // Session 13: the region wildcards keep these templates ARN (a `*` with a colon after it
    // is bounded for some values); the finding's `arn:aws:iam::${u}:user/*` spellings now read
    // as Like templates (`encodings/arn-template-classes.md`) and are decided without learning.
    let proposed = serde_json::json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetUser","s3:GetObject"],"Resource":["arn:aws:iam:*:${aws:username}:user/*"],"Condition":{"ArnEquals":{"aws:PrincipalArn":["arn:aws:*:*:*:*","arn:aws:iam:?:${aws:username}:user/${aws:username}"]}}}]});
    let baseline = serde_json::json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetUser","s3:GetObject"],"Resource":["arn:aws:iam:*:${aws:username}:user/*"],"Condition":{"ArnEquals":{"aws:PrincipalArn":["arn:aws:*:*:*:*","arn:aws:iam:?:${aws:username}:user/${aws:username}"]},"ArnLikeIfExists":{"aws:PrincipalArn":["arn:aws:sqs:*:${aws:username}:*","arn:aws:s3:::b/${aws:username}/*"]}}}]});
    let request = serde_json::json!({"principal":{"AWS":"arn:aws:iam::111122223333:user/u"},"action":"s3:GetObject","context":{"aws:PrincipalArn":["x"],"aws:username":[]},"resource":"arn:aws:s3:::b/x"});
    let p = oracles::parse_generated_policy(&proposed);
    let b = oracles::parse_generated_policy(&baseline);
    let options = oracles::options(PolicyType::Identity);
    let (_, entries) =
        keyaki::explain::learned::recording(|| check_no_new_access(&p, &b, &options));
    let learned: usize = entries.iter().map(|e| e.lemmas.len()).sum();
    assert!(learned > 0, "the check learned nothing");
    let mut s = run::Seeded::from_bytes(b"absent");
    let reading = learned::read_learned(&entries, &mut s, 0, &[request], &|_| true);
    assert!(reading.false_lemma.is_none(), "{:?}", reading.false_lemma);
    assert_eq!(
        reading.false_where_absent, 0,
        "{:?}",
        reading.first_where_absent
    );
}
