//! Differential tests: the prover against the concrete evaluator on random small policy pairs.
//!
//! (a) every counterexample parses back from its printed JSON and replays; (b) when check
//! says "pass", requests sampled around both policies' literals never refute it; (c) the
//! encoding's `allows` formula, with atoms read concretely, equals the evaluator's decision;
//! (d) check(P, P) passes, adding an Allow never narrows, adding a Deny never widens.
//!
//! Policies come from the generator shared with the fuzz targets (`fuzz/gen`), driven by a
//! proptest byte vector, so a failure shrinks to a small policy. Case counts are small by
//! default; `KEYAKI_DIFF_CASES=100000 cargo test --release --test differential` runs large.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../fuzz/gen/mod.rs"]
mod gen;
#[path = "../fuzz/gen/oracles.rs"]
mod oracles;

use gen::{ByteChoices, Choices, Literals, Shape};
use keyaki::eval::PolicyType;
use oracles::Ended;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Cases per property: the default keeps `cargo test` fast; the variable runs it large.
fn cases(default: u32) -> u32 {
    std::env::var("KEYAKI_DIFF_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        // Failures are reported with the policies as JSON and belong in tests/regressions.rs,
        // not in a persistence file.
        failure_persistence: None,
        max_shrink_iters: 2_000,
        ..Config::default()
    })
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..400)
}

/// Prints how checks ended, so a run shows it was not all `unknown`.
fn report(name: &str, tally: &Mutex<BTreeMap<Ended, u64>>) {
    let tally = tally.lock().map(|t| t.clone()).unwrap_or_default();
    println!("{name}: {tally:?}");
}

fn count(tally: &Mutex<BTreeMap<Ended, u64>>, ended: Ended) {
    if let Ok(mut t) = tally.lock() {
        *t.entry(ended).or_default() += 1;
    }
}

/// (a) + (b): counterexamples replay; passes survive sampling.
#[test]
fn counterexamples_replay_and_passes_are_never_refuted() {
    let tally = Mutex::new(BTreeMap::new());
    let result = runner(cases(40)).run(&bytes(), |data| {
        let mut c = ByteChoices::new(&data);
        let ty = gen::policy_type(&mut c);
        let mut lits = Literals::default();
        let proposed = gen::policy(&mut c, ty, Shape::default(), &mut lits);
        let baseline = gen::policy(&mut c, ty, Shape::default(), &mut lits);
        let ended = oracles::check_pair(&mut c, &proposed, &baseline, ty, &lits, 48);
        count(&tally, ended);
        Ok(())
    });
    report("check verdicts", &tally);
    if let Ok(reasons) = oracles::UNKNOWN_REASONS.lock() {
        for (reason, n) in reasons.iter() {
            println!("unknown x{n}: {reason}");
        }
    }
    println!(
        "refutations by resourceless requests (known gap): {}",
        oracles::RESOURCELESS_REFUTATIONS.load(std::sync::atomic::Ordering::Relaxed)
    );
    println!(
        "IPv6 replay failures (known bug, reported as unknown): {}",
        oracles::IPV6_REPLAY_FAILURES.load(std::sync::atomic::Ordering::Relaxed)
    );
    println!(
        "absent aws:username replay failures (known bug, reported as unknown): {}",
        oracles::ABSENT_USERNAME_REPLAY_FAILURES.load(std::sync::atomic::Ordering::Relaxed)
    );
    if let Err(e) = result {
        panic!("{e}");
    }
    // A generator that only ever produced one verdict would test little.
    let tally = tally.lock().map(|t| t.clone()).unwrap_or_default();
    if cases(40) >= 40 {
        assert!(
            tally.get(&Ended::Holds).copied().unwrap_or(0) > 0,
            "no pass in {tally:?}"
        );
        assert!(
            tally.get(&Ended::Violated).copied().unwrap_or(0) > 0,
            "no fail in {tally:?}"
        );
    }
}

/// (c): the encoding agrees with the evaluator on random requests.
#[test]
fn encoding_agrees_with_evaluator() {
    let compared = Mutex::new(0u64);
    let result = runner(cases(300)).run(&bytes(), |data| {
        let mut c = ByteChoices::new(&data);
        let ty = gen::policy_type(&mut c);
        let mut lits = Literals::default();
        let shape = Shape {
            max_statements: 4,
            max_conditions: 3,
        };
        let policy = oracles::parse_generated_policy(&gen::policy(&mut c, ty, shape, &mut lits));
        for _ in 0..8 {
            let request = oracles::parse_generated_request(&gen::request(&mut c, &lits));
            oracles::assert_eval_consistent(&policy, &request, ty);
            match oracles::encoding_agrees(&policy, &request, ty) {
                Some(true) => {
                    if let Ok(mut n) = compared.lock() {
                        *n += 1;
                    }
                }
                Some(false) => oracles::assert_encoding_agrees(&policy, &request, ty),
                None => {}
            }
        }
        Ok(())
    });
    let compared = compared.lock().map(|n| *n).unwrap_or(0);
    println!("encoding/evaluator comparisons: {compared}");
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(compared > 0, "no request was comparable");
}

/// (d): reflexivity and monotonicity.
#[test]
fn check_is_reflexive_and_monotone() {
    let tally = Mutex::new(BTreeMap::new());
    let result = runner(cases(24)).run(&bytes(), |data| {
        let mut c = ByteChoices::new(&data);
        let ty = gen::policy_type(&mut c);
        let mut lits = Literals::default();
        let base_json = gen::policy(&mut c, ty, Shape::default(), &mut lits);
        let base = oracles::parse_generated_policy(&base_json);
        count(
            &tally,
            oracles::assert_not_violated(&base, &base, ty, "check(P, P)"),
        );

        let mut allow = gen::statement(&mut c, ty, Shape::default(), &mut lits);
        allow["Effect"] = "Allow".into();
        let wider = oracles::parse_generated_policy(&with_statement(&base_json, allow));
        count(
            &tally,
            oracles::assert_not_violated(&base, &wider, ty, "P against P + Allow"),
        );

        let mut deny = gen::statement(&mut c, ty, Shape::default(), &mut lits);
        deny["Effect"] = "Deny".into();
        let narrower = oracles::parse_generated_policy(&with_statement(&base_json, deny));
        count(
            &tally,
            oracles::assert_not_violated(&narrower, &base, ty, "P + Deny against P"),
        );
        Ok(())
    });
    report("reflexive/monotone verdicts", &tally);
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// (e): pruning the proposal against the baseline keeps every verdict. The second policy
/// shares the first's statements often, so pruning has something to remove.
#[test]
fn pruning_keeps_verdicts() {
    let tally = Mutex::new(BTreeMap::new());
    let result = runner(cases(60)).run(&bytes(), |data| {
        let mut c = ByteChoices::new(&data);
        let ty = gen::policy_type(&mut c);
        let mut lits = Literals::default();
        let proposed = gen::policy(&mut c, ty, Shape::default(), &mut lits);
        let mut baseline = gen::policy(&mut c, ty, Shape::default(), &mut lits);
        // Copy some of the proposal's statements into the baseline (Statement may be an
        // object or an array in either).
        let as_list = |v: &serde_json::Value| match v {
            serde_json::Value::Array(items) => items.clone(),
            serde_json::Value::Null => vec![],
            one => vec![one.clone()],
        };
        let mut statements = as_list(&baseline["Statement"]);
        for (i, statement) in as_list(&proposed["Statement"]).into_iter().enumerate() {
            if i == 0 || c.below(3) != 0 {
                statements.push(statement);
            }
        }
        baseline["Statement"] = serde_json::Value::Array(statements);
        count(
            &tally,
            oracles::assert_pruning_keeps_verdict(&proposed, &baseline, ty),
        );
        Ok(())
    });
    report("pruning verdicts", &tally);
    if let Err(e) = result {
        panic!("{e}");
    }
}

fn with_statement(policy: &serde_json::Value, statement: serde_json::Value) -> serde_json::Value {
    let mut out = policy.clone();
    if let Some(list) = out["Statement"].as_array_mut() {
        list.push(statement);
    }
    out
}

/// The byte-driven choices are total: an empty stream still yields a valid policy pair.
#[test]
fn empty_choice_stream_yields_valid_inputs() {
    let mut c = ByteChoices::new(&[]);
    let mut lits = Literals::default();
    let json = gen::policy(&mut c, PolicyType::Identity, Shape::default(), &mut lits);
    let policy = oracles::parse_generated_policy(&json);
    assert_eq!(policy.statements.len(), 1);
    assert!(c.below(10) == 0);
    let request = oracles::parse_generated_request(&gen::request(&mut c, &lits));
    assert!(!request.action.is_empty());
}
