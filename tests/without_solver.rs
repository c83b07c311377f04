//! The answers `check` and `diff` give without the solver (`keyaki::query::without_solver`)
//! against the search's, on the 100 version pairs, pairs of managed policies and random pairs:
//! whenever the probe answers a direction, the search must find a counterexample too, and
//! exactly as many (the search shows up to `counterexamples` requests with distinct
//! actions). Each answer is replayed through the evaluator here as well.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "../fuzz/gen/mod.rs"]
mod gen;

use gen::{ByteChoices, Choices, Literals, Shape};
use keyaki::eval::{evaluate, Decision, PolicyType};
use keyaki::explain::{check_no_new_access, CheckOptions, Verdict};
use keyaki::model::Policy;
use keyaki::query::without_solver::counterexamples_without_solver;
use std::path::Path;

/// How one direction was answered.
#[derive(Debug, Default)]
struct Tally {
    /// The probe answered and agreed with the search.
    without_solver: usize,
    /// Left to the search.
    searched: usize,
}

/// Checks one direction both ways; panics with `label` when they disagree.
fn agree(
    proposed: &Policy,
    baseline: &Policy,
    options: &CheckOptions,
    label: &str,
    tally: &mut Tally,
) {
    let Some(found) = counterexamples_without_solver(proposed, baseline, options) else {
        tally.searched += 1;
        return;
    };
    tally.without_solver += 1;
    let mut actions: Vec<String> = found
        .iter()
        .map(|c| c.request.action.to_lowercase())
        .collect();
    actions.sort();
    actions.dedup();
    assert_eq!(
        actions.len(),
        found.len(),
        "{label}: two counterexamples share an action"
    );
    for c in &found {
        let p = evaluate(proposed, &c.request, options.policy_type);
        let b = evaluate(baseline, &c.request, options.policy_type);
        assert_eq!(
            p.decision,
            Decision::Allow,
            "{label}: {:?} is not allowed",
            c.request
        );
        assert_ne!(
            b.decision,
            Decision::Allow,
            "{label}: {:?} is allowed by the baseline",
            c.request
        );
        assert_eq!(
            (&p, &b),
            (&c.proposed, &c.baseline),
            "{label}: replay differs"
        );
    }
    match check_no_new_access(proposed, baseline, options) {
        Verdict::Violated(searched) => assert_eq!(
            searched.len(),
            found.len(),
            "{label}: the search shows {} counterexamples, the probe {}",
            searched.len(),
            found.len()
        ),
        other => panic!("{label}: the probe found counterexamples, the search says {other:?}"),
    }
}

fn load(path: &Path) -> Option<Policy> {
    keyaki::parse::parse_policy(&std::fs::read(path).ok()?, &path.to_string_lossy()).ok()
}

#[test]
fn version_pairs_agree_with_the_search() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let root = corpus.join("managed-policy-versions");
    let mut pairs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("old.json").is_file())
        .collect();
    pairs.sort();
    let options = CheckOptions::default();
    let mut tally = Tally::default();
    for pair in &pairs {
        let old = load(&pair.join("old.json")).unwrap();
        let new = load(&pair.join("new.json")).unwrap();
        let label = pair.file_name().unwrap().to_string_lossy().into_owned();
        agree(
            &new,
            &old,
            &options,
            &format!("{label} widened"),
            &mut tally,
        );
        agree(
            &old,
            &new,
            &options,
            &format!("{label} narrowed"),
            &mut tally,
        );
        // One counterexample asked for (`--counterexamples 0` or 1).
        let one = CheckOptions {
            counterexamples: 1,
            ..options.clone()
        };
        agree(
            &new,
            &old,
            &one,
            &format!("{label} widened, one"),
            &mut tally,
        );
    }
    println!("version pairs: {tally:?}");
    // Session 6: 79 of 200 directions end without the solver; a probe that stopped answering
    // would make `diff` start z3 again on most pairs.
    assert!(tally.without_solver >= 100, "{tally:?}");
}

#[test]
fn managed_policy_pairs_agree_with_the_search() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let root = corpus.join("aws-managed-policies/policies");
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    // Neighbours in name order are often one service's policies (FullAccess, ReadOnly, ...).
    let options = CheckOptions {
        timeout: std::time::Duration::from_secs(30),
        ..CheckOptions::default()
    };
    let mut tally = Tally::default();
    for window in files.windows(2).step_by(7).take(200) {
        let (Some(a), Some(b)) = (load(&window[0]), load(&window[1])) else {
            continue;
        };
        let label = format!("{} vs {}", window[0].display(), window[1].display());
        agree(&a, &b, &options, &label, &mut tally);
        agree(&b, &a, &options, &label, &mut tally);
    }
    println!("managed policy pairs: {tally:?}");
    assert!(tally.without_solver >= 50, "{tally:?}");
}

#[test]
fn random_pairs_agree_with_the_search() {
    let cases: u32 = std::env::var("KEYAKI_DIFF_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    let mut tally = Tally::default();
    for i in 0..cases {
        let data = case_bytes(i);
        let mut c = ByteChoices::new(&data);
        let mut lits = Literals::default();
        let ty = PolicyType::Identity;
        let proposed = gen::policy(&mut c, ty, Shape::default(), &mut lits);
        let mut baseline = gen::policy(&mut c, ty, Shape::default(), &mut lits);
        // The baseline shares some of the proposal's statements, as a later version does.
        if let (Some(mine), Some(theirs)) = (
            baseline["Statement"].as_array().cloned(),
            proposed["Statement"].as_array(),
        ) {
            let mut statements = mine;
            statements.extend(theirs.iter().filter(|_| c.below(2) == 0).cloned());
            baseline["Statement"] = serde_json::Value::Array(statements);
        }
        let parse = |v: &serde_json::Value| keyaki::policy_from_value(v, "case.json").unwrap();
        let (p, b) = (parse(&proposed), parse(&baseline));
        let options = CheckOptions {
            timeout: std::time::Duration::from_secs(30),
            counterexamples: 1 + (i as usize % 3),
            ..CheckOptions::default()
        };
        let label = format!("case {i}: proposed {proposed} baseline {baseline}");
        agree(&p, &b, &options, &label, &mut tally);
        agree(&b, &p, &options, &label, &mut tally);
    }
    println!("random pairs: {tally:?}");
    assert!(tally.without_solver >= (cases / 10) as usize, "{tally:?}");
}

/// Case `i`'s choice stream (splitmix64 of `i`): the same cases on every run.
fn case_bytes(i: u32) -> Vec<u8> {
    let mut state = u64::from(i).wrapping_mul(0xBF58_476D_1CE4_E5B9) ^ 0x0001_5EED;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let len = (next() % 400) as usize;
    (0..len).map(|_| next().to_le_bytes()[0]).collect()
}

/// A search that gives up (here: no time at all) may still show the probe's one replayed
/// counterexample, as `check` does; never a pass. `s3:Get*` gives the probe only two catalog
/// candidates, fewer than the three asked for, so the answer comes from the fallback.
#[test]
fn a_diff_whose_search_gives_up_shows_the_probes_counterexample() {
    let old = common::policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/*"}]}"#,
    );
    let new = common::policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::reports/*"}]}"#,
    );
    let file = |policy: Policy, path: &str| keyaki::report::PolicyFile {
        path: path.into(),
        policy,
    };
    let (old, new) = (file(old, "old.json"), file(new, "new.json"));
    let options = CheckOptions {
        timeout: std::time::Duration::from_nanos(1),
        ..CheckOptions::default()
    };
    assert!(counterexamples_without_solver(&new.policy, &old.policy, &options).is_none());
    let diff = keyaki::diff(&old, &new, &options);
    assert_eq!(diff.widened.len(), 1, "{diff:?}");
    for c in &diff.widened {
        assert_eq!(
            evaluate(&new.policy, &c.request, PolicyType::Identity).decision,
            Decision::Allow
        );
        assert_ne!(
            evaluate(&old.policy, &c.request, PolicyType::Identity).decision,
            Decision::Allow
        );
    }
    // The narrowing direction had no time for its proof: unknown, not equivalent.
    assert_eq!(diff.relation, keyaki::Relation::Unknown, "{diff:?}");
    assert_eq!(diff.exit(keyaki::FailOn::Widened), keyaki::Exit::Violated);
}
