//! Constructs combined in one statement that no other family combines (`fuzz/gen/combined.rs`):
//! templates in Resource and NotResource (bucket, key and account segment), the same tag key
//! read plain and with a default, ignore-case and set operators whose values are templates,
//! `IfExists` throughout, `Deny NotAction`, principal keys compared with templates, resource
//! policies, under the open and the catalog resource/action universes.
//!
//! Properties: counterexamples replay and lie in the chosen universe; a pass survives requests
//! sampled with the caller's own values substituted into the policies' shapes (requests
//! outside the universe skipped); the encoding agrees with the evaluator.
//! `KEYAKI_DIFF_CASES=N` runs every family with N cases; `KEYAKI_DIFF_SHOW_UNKNOWN=1` prints
//! every pair that ended unknown.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../fuzz/gen/combined.rs"]
mod combined;
#[path = "../fuzz/gen/mod.rs"]
mod gen;
#[path = "../fuzz/gen/mixed.rs"]
mod mixed;
#[path = "../fuzz/gen/oracles.rs"]
mod oracles;
#[path = "../fuzz/gen/run.rs"]
mod run;

use gen::{ByteChoices, Choices};
use keyaki::eval::{evaluate, Decision, PolicyType};
use keyaki::{ActionUniverse, ResourceUniverse};
use run::{in_universe, run_cases, Tally};

fn check_family(name: &'static str, default: u32, ty: PolicyType) {
    let tally = Tally::new(name);
    run_cases(default, &tally, &|data| {
        let mut c = ByteChoices::new(data);
        let mut s = run::Seeded::from_bytes(data);
        let resources = if c.flip() {
            ResourceUniverse::Catalog
        } else {
            ResourceUniverse::Open
        };
        let actions = if c.one_in(3) {
            ActionUniverse::Catalog
        } else {
            ActionUniverse::Open
        };
        let (proposed, baseline) = combined::pair(&mut c, ty == PolicyType::Resource);
        let options = keyaki::CheckOptions {
            action_universe: actions,
            resource_universe: resources,
            ..oracles::options(ty)
        };
        let mut sampled = Vec::new();
        let ended = oracles::check_sampled(
            &proposed,
            &baseline,
            &options,
            &|r| in_universe(actions, resources, r),
            &mut || {
                // Mostly aimed at the proposal (where a refuting request must be allowed).
                let r = match s.below(4) {
                    0 => combined::request(&mut s),
                    1 => combined::aimed_request(&mut s, &baseline),
                    _ => combined::aimed_request(&mut s, &proposed),
                };
                sampled.push(r.clone());
                r
            },
            96,
        );
        if ended == oracles::Sampled::Holds {
            // How sharp the refutation check was: sampled requests in the universe that the
            // proposal allows (each one could have refuted the pass).
            let p = oracles::parse_generated_policy(&proposed);
            for r in &sampled {
                let r = oracles::parse_generated_request(r);
                tally.count("pass: sampled requests");
                if in_universe(actions, resources, &r)
                    && evaluate(&p, &r, ty).decision == Decision::Allow
                {
                    tally.count("pass: sampled requests the proposal allows");
                }
            }
        }
        tally.count(ended.label());
        tally.count(&format!("{resources:?} {}", ended.label()));
        if let oracles::Sampled::Unknown(reason) = &ended {
            tally.example(
                "unknown",
                format!("{actions:?}/{resources:?} {reason}\n    {proposed}\n    {baseline}"),
            );
        }
    });
    tally.require(default, &["pass", "fail"]);
}

#[test]
fn combined_identity_pairs_replay_and_passes_survive_sampling() {
    check_family("combined identity", 40, PolicyType::Identity);
}

#[test]
fn combined_resource_pairs_replay_and_passes_survive_sampling() {
    check_family("combined resource", 40, PolicyType::Resource);
}

/// The encoding's `allows`, atoms read concretely, equals the evaluator on combined policies.
#[test]
fn combined_encoding_agrees_with_evaluator() {
    let tally = Tally::new("combined encoding");
    run_cases(150, &tally, &|data| {
        let mut c = ByteChoices::new(data);
        let mut s = run::Seeded::from_bytes(data);
        let ty = if c.one_in(3) {
            PolicyType::Resource
        } else {
            PolicyType::Identity
        };
        let json = combined::policy(&mut c, ty == PolicyType::Resource);
        let policy = oracles::parse_generated_policy(&json);
        for _ in 0..12 {
            let request = oracles::parse_generated_request(&combined::request(&mut s));
            oracles::assert_eval_consistent(&policy, &request, ty);
            match oracles::encoding_agrees(&policy, &request, ty) {
                Some(true) => tally.count("agree"),
                Some(false) => oracles::assert_encoding_agrees(&policy, &request, ty),
                None => tally.count(&format!(
                    "skipped: {}",
                    oracles::encoding_skip_reason(&policy, &request, ty)
                )),
            }
        }
    });
    tally.require(150, &["agree"]);
}
