//! Pairs of the unseen family (`fuzz/gen/unseen.rs`): a typed condition and an ignore-case
//! template condition in one statement, `IfExists` on multivalued keys whose values are
//! templates, two variables in one template, `NotPrincipal` (Allow and Deny) beside template
//! ARNs and `aws:PrincipalArn` templates, under the open and the catalog universes.
//!
//! Properties, against the evaluator:
//! - `check`: counterexamples replay and lie in the universe; a pass survives a search of
//!   requests aimed at the pair (`cross::request`); no domain lemma of the query is false on
//!   the searched requests.
//! - `diff` (both directions, through the probe `scan` uses): the relation agrees with which
//!   directions have examples; each example replays with the evaluator's decisions and lies in
//!   the universe; a direction the relation says is empty survives the search.
//!
//! `KEYAKI_DIFF_CASES=N` sets the number of cases, `KEYAKI_DIFF_FIRST_CASE=N` the first one,
//! `KEYAKI_DIFF_TIMEOUT=S` the check timeout (10 s by default; 30 s is the other families' and
//! the one hunting runs use); `KEYAKI_DIFF_SHOW_UNKNOWN=1` prints every pair that ended unknown.
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
#[path = "../fuzz/gen/unseen.rs"]
mod unseen;

use gen::{ByteChoices, Choices};
use keyaki::eval::{evaluate, Decision, PolicyType};
use keyaki::explain::check_no_new_access;
use keyaki::{CheckOptions, PolicyFile, Relation};
use run::{in_universe, run_cases, Tally};
use serde_json::Value;

/// Requests searched per pass (and per empty direction of a diff).
fn search_size() -> usize {
    std::env::var("KEYAKI_LEMMA_SEARCH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

/// The check timeout: `KEYAKI_DIFF_TIMEOUT` seconds, 10 by default so that a default-size run
/// stays short when a pair ends unknown (the session-12 runs used 30, the other families' value).
fn timeout() -> std::time::Duration {
    let secs = std::env::var("KEYAKI_DIFF_TIMEOUT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    std::time::Duration::from_secs(secs)
}

/// A case's universes and policy type, and the check options for them.
fn options(c: &mut dyn Choices, ty: PolicyType) -> CheckOptions {
    let (action_universe, resource_universe) = run::choose_universes(c);
    CheckOptions {
        timeout: timeout(),
        resource_universe,
        action_universe,
        ..oracles::options(ty)
    }
}

fn admitted(options: &CheckOptions) -> impl Fn(&keyaki::request::Request) -> bool + '_ {
    |r| in_universe(options.action_universe, options.resource_universe, r)
}

/// The first searched request in the universe that `wider` allows and `narrower` does not.
fn refutation(
    wider: &Value,
    narrower: &Value,
    options: &CheckOptions,
    seed: &[u8],
) -> Option<Value> {
    oracles::search_refutation(
        wider,
        narrower,
        options.policy_type,
        &mut run::Seeded::from_bytes(seed),
        search_size(),
        &|c| unseen::request(c, &[wider, narrower]),
        &admitted(options),
    )
}

/// A domain lemma of the pair's query false on one of the searched requests.
fn false_lemma(proposed: &Value, baseline: &Value, ty: PolicyType, seed: &[u8]) -> Option<String> {
    let p = oracles::parse_generated_policy(proposed);
    let b = oracles::parse_generated_policy(baseline);
    let query = keyaki::encode::verify_no_new_access_pruned(&p, &b, ty, false).ok()?;
    let mut s = run::Seeded::from_bytes(&[seed, b"lemmas"].concat());
    oracles::search_false_lemma(&query, &mut s, search_size() / 4, &|c| {
        unseen::request(c, &[proposed, baseline])
    })
}

fn universe_label(options: &CheckOptions) -> String {
    format!(
        "{:?}/{:?}",
        options.action_universe, options.resource_universe
    )
}

fn check_family(name: &'static str, default: u32, ty: PolicyType) {
    let tally = Tally::new(name);
    let wrong = run::Wrong::new(name);
    run_cases(default, &tally, &|data| {
        let mut c = ByteChoices::new(data);
        let options = options(&mut c, ty);
        let (proposed, baseline) = unseen::pair(&mut c, ty == PolicyType::Resource);
        let p = oracles::parse_generated_policy(&proposed);
        let b = oracles::parse_generated_policy(&baseline);
        let verdict = check_no_new_access(&p, &b, &options);
        let pair = format!(
            "{ty:?} {}\n  proposed: {proposed}\n  baseline: {baseline}",
            universe_label(&options)
        );
        oracles::assert_replays(&verdict, &p, &b, ty);
        if let Some(lemma) = false_lemma(&proposed, &baseline, ty, data) {
            wrong.found(&tally, "FALSE lemma", format!("{pair}\n  lemma: {lemma}"));
        }
        let refutation = || refutation(&proposed, &baseline, &options, data).map(|r| r.to_string());
        run::tally_verdict(
            &tally,
            &wrong,
            &verdict,
            &pair,
            &admitted(&options),
            &refutation,
        );
    });
    tally.require(default, &["pass", "fail", "fail found by the search"]);
    wrong.assert_none();
}

#[test]
fn unseen_identity_pairs_replay_and_passes_survive_the_search() {
    check_family("unseen identity", 30, PolicyType::Identity);
}

#[test]
fn unseen_resource_pairs_replay_and_passes_survive_the_search() {
    check_family("unseen resource", 30, PolicyType::Resource);
}

fn file(json: &Value, name: &str) -> PolicyFile {
    PolicyFile {
        path: name.into(),
        policy: oracles::parse_generated_policy(json),
    }
}

/// Every example of one direction: `first` allows it, `second` does not, with the decisions
/// the evaluator gives; it lies in the universe.
fn assert_examples_replay(
    list: &[keyaki::explain::Counterexample],
    (first, second): (&PolicyFile, &PolicyFile),
    options: &CheckOptions,
    what: &str,
    pair: &str,
) {
    let ty = options.policy_type;
    for ce in list {
        let allowed = evaluate(&first.policy, &ce.request, ty);
        let other = evaluate(&second.policy, &ce.request, ty);
        let text = serde_json::to_string(&ce.request).unwrap();
        assert_eq!(allowed.decision, Decision::Allow, "{what}: {text}\n{pair}");
        assert_ne!(other.decision, Decision::Allow, "{what}: {text}\n{pair}");
        assert_eq!(ce.proposed, allowed, "{what} attribution: {text}\n{pair}");
        assert_eq!(ce.baseline, other, "{what} attribution: {text}\n{pair}");
        assert!(
            admitted(options)(&ce.request),
            "{what} example outside the universe: {text}\n{pair}"
        );
    }
}

/// `diff` both ways: the relation agrees with its examples, which replay and lie in the
/// universe; a direction it calls empty survives the search.
#[test]
fn unseen_diff_agrees_with_evaluator_in_both_directions() {
    let tally = Tally::new("unseen diff");
    let wrong = run::Wrong::new("unseen diff");
    run_cases(24, &tally, &|data| {
        let mut c = ByteChoices::new(data);
        let ty = if c.flip() {
            PolicyType::Resource
        } else {
            PolicyType::Identity
        };
        let options = options(&mut c, ty);
        let (new_json, old_json) = unseen::pair(&mut c, ty == PolicyType::Resource);
        let (old, new) = (file(&old_json, "old.json"), file(&new_json, "new.json"));
        let diff = keyaki::diff(&old, &new, &options);
        let pair = format!(
            "{ty:?} {}\n  old: {old_json}\n  new: {new_json}",
            universe_label(&options)
        );
        tally.count(&format!("{:?}", diff.relation));
        if let Some(reason) = &diff.reason {
            assert!(
                !reason.contains("internal error") && !reason.contains("did not replay"),
                "internal error: {reason}\n{pair}"
            );
        }
        if diff.relation == Relation::Unknown {
            let reason = diff.reason.clone().unwrap_or_default();
            tally.count("unknown");
            tally.example("unknown", format!("{reason}\n    {pair}"));
        }
        let (w, n) = (!diff.widened.is_empty(), !diff.narrowed.is_empty());
        let consistent = match diff.relation {
            Relation::Equivalent => !w && !n,
            Relation::MorePermissive => w && !n,
            Relation::LessPermissive => !w && n,
            Relation::Incomparable => w && n,
            Relation::Unknown => diff.reason.is_some(),
        };
        assert!(
            consistent,
            "{:?} with examples {w}/{n}\n{pair}",
            diff.relation
        );
        assert_examples_replay(&diff.widened, (&new, &old), &options, "widened", &pair);
        assert_examples_replay(&diff.narrowed, (&old, &new), &options, "narrowed", &pair);
        let (no_widening, no_narrowing) = match diff.relation {
            Relation::Equivalent => (true, true),
            Relation::MorePermissive => (false, true),
            Relation::LessPermissive => (true, false),
            _ => (false, false),
        };
        for (empty, wider, narrower, what) in [
            (
                no_widening,
                &new_json,
                &old_json,
                "NEW allows and OLD does not",
            ),
            (
                no_narrowing,
                &old_json,
                &new_json,
                "OLD allows and NEW does not",
            ),
        ] {
            if !empty {
                continue;
            }
            if let Some(r) = refutation(wider, narrower, &options, data) {
                let text = format!("{:?}, but {what}: {r}\n{pair}", diff.relation);
                wrong.found(&tally, "REFUTED relation", text);
            }
        }
    });
    tally.require(24, &["Equivalent", "Incomparable"]);
    wrong.assert_none();
}
