//! The shapes only the session-12 reviewer's scripts covered, as differential families:
//! - chained and self-reading templates over catalog single-valued keys
//!   (`fuzz/gen/chained_keys.rs`, from `fuzz6.py`);
//! - multi-valued keys read by templates with defaults, requests with two or equal values
//!   (`fuzz/gen/multi_templates.rs`, from `fuzz3.py` and `fuzz5.py`).
//!
//! Properties, against the evaluator: counterexamples replay and lie in the universe; a pass
//! survives a search of requests built from the pair's own templates (values substituted,
//! wildcards filled, case variants with KELVIN SIGN, two values for multi-valued keys); no
//! domain lemma of the query is false on the searched requests.
//!
//! `KEYAKI_DIFF_CASES=N` sets the number of cases, `KEYAKI_DIFF_FIRST_CASE=N` the first one,
//! `KEYAKI_DIFF_TIMEOUT=S` the check timeout (10 s by default), `KEYAKI_LEMMA_SEARCH=N` the
//! requests per pass (300); `KEYAKI_DIFF_SHOW_UNKNOWN=1` prints every pair that ended unknown.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../fuzz/gen/chained_keys.rs"]
mod chained_keys;
#[path = "../fuzz/gen/mod.rs"]
mod gen;
#[path = "../fuzz/gen/multi_templates.rs"]
mod multi_templates;
#[path = "../fuzz/gen/oracles.rs"]
mod oracles;
#[path = "../fuzz/gen/run.rs"]
mod run;
#[path = "../fuzz/gen/templated.rs"]
mod templated;

use gen::{ByteChoices, Choices};
use keyaki::eval::{evaluate, Decision, PolicyType};
use keyaki::explain::check_no_new_access;
use keyaki::request::Request;
use keyaki::CheckOptions;
use run::{in_universe, run_cases, Tally};
use serde_json::Value;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Requests searched per pass.
fn search_size() -> usize {
    usize::try_from(env_number("KEYAKI_LEMMA_SEARCH", 300)).unwrap_or(300)
}

fn options(c: &mut dyn Choices) -> CheckOptions {
    let (action_universe, resource_universe) = run::choose_universes(c);
    CheckOptions {
        timeout: std::time::Duration::from_secs(env_number("KEYAKI_DIFF_TIMEOUT", 10)),
        resource_universe,
        action_universe,
        ..oracles::options(PolicyType::Identity)
    }
}

type Pair = fn(&mut dyn Choices) -> (Value, Value);
type Requests = fn(&mut dyn Choices, &[&Value]) -> Value;

/// The family's requests that parse and lie in the universe (a request the parser refuses,
/// a single-valued key with two values say, is counted, not searched).
fn searched(
    request: Requests,
    policies: &[&Value],
    options: &CheckOptions,
    seed: &[u8],
    tally: &Tally,
) -> Vec<(Value, Request)> {
    let mut source = run::Seeded::from_bytes(seed);
    let mut out = Vec::new();
    for _ in 0..search_size() {
        let json = request(&mut source, policies);
        let Ok(r) = keyaki::parse::parse_request(&serde_json::to_vec(&json).unwrap(), "r.json")
        else {
            tally.count("request refused by the parser");
            continue;
        };
        if in_universe(options.action_universe, options.resource_universe, &r) {
            out.push((json, r));
        }
    }
    out
}

fn check_family(name: &'static str, default: u32, pair: Pair, request: Requests) {
    let tally = Tally::new(name);
    let wrong = run::Wrong::new(name);
    run_cases(default, &tally, &|data| {
        let mut c = ByteChoices::new(data);
        let options = options(&mut c);
        let (proposed, baseline) = pair(&mut c);
        let p = oracles::parse_generated_policy(&proposed);
        let b = oracles::parse_generated_policy(&baseline);
        let verdict = check_no_new_access(&p, &b, &options);
        let text = format!(
            "{:?}/{:?}\n  proposed: {proposed}\n  baseline: {baseline}",
            options.action_universe, options.resource_universe
        );
        oracles::assert_replays(&verdict, &p, &b, PolicyType::Identity);
        let requests = searched(request, &[&proposed, &baseline], &options, data, &tally);
        let query =
            keyaki::encode::verify_no_new_access_pruned(&p, &b, PolicyType::Identity, false).ok();
        if let Some(query) = &query {
            for (json, r) in requests.iter().take(search_size() / 4) {
                if let Some(lemma) = oracles::false_lemma(query, r) {
                    let line = format!("{text}\n  lemma: {lemma}\n  request: {json}");
                    wrong.found(&tally, "FALSE lemma", line);
                    break;
                }
            }
        }
        let refutation = || {
            requests
                .iter()
                .find(|(_, r)| {
                    evaluate(&p, r, PolicyType::Identity).decision == Decision::Allow
                        && evaluate(&b, r, PolicyType::Identity).decision != Decision::Allow
                })
                .map(|(json, _)| json.to_string())
        };
        let admitted =
            |r: &Request| in_universe(options.action_universe, options.resource_universe, r);
        run::tally_verdict(&tally, &wrong, &verdict, &text, &admitted, &refutation);
    });
    tally.require(default, &["pass", "fail", "fail found by the search"]);
    wrong.assert_none();
}

#[test]
fn chained_single_valued_pairs_replay_and_passes_survive_templated_requests() {
    check_family(
        "chained single-valued keys",
        20,
        chained_keys::pair,
        chained_keys::request,
    );
}

#[test]
fn multi_valued_template_pairs_replay_and_passes_survive_templated_requests() {
    check_family(
        "multi-valued keys in templates",
        20,
        multi_templates::pair,
        multi_templates::request,
    );
}

/// The searched requests find a wrong pass of each family's shape: ignore-case against
/// case-sensitive over a chained template (KELVIN SIGN and case variants needed), and a
/// default read when a multi-valued key has two values (two values needed).
#[test]
fn the_templated_requests_refute_wrong_passes() {
    let chained = (
        serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEqualsIgnoreCase":
            {"aws:PrincipalTag/team": "${aws:PrincipalTag/dept}k"}}}]}),
        serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals":
            {"aws:PrincipalTag/team": "${aws:PrincipalTag/dept}k"}}}]}),
        chained_keys::request as Requests,
    );
    let multi = (
        serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${custom:m, 'none'}"}]}),
        serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${custom:m}"}]}),
        multi_templates::request as Requests,
    );
    let tally = Tally::new("wrong passes");
    let options = oracles::options(PolicyType::Identity);
    for (proposed, baseline, request) in [chained, multi] {
        let p = oracles::parse_generated_policy(&proposed);
        let b = oracles::parse_generated_policy(&baseline);
        let requests = searched(request, &[&proposed, &baseline], &options, b"seed", &tally);
        let refuting = requests.iter().find(|(_, r)| {
            evaluate(&p, r, PolicyType::Identity).decision == Decision::Allow
                && evaluate(&b, r, PolicyType::Identity).decision != Decision::Allow
        });
        assert!(refuting.is_some(), "not refuted:\n{proposed}\n{baseline}");
    }
    assert_eq!(
        tally.get("request refused by the parser"),
        0,
        "{}",
        tally.text()
    );
}
