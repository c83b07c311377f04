//! Template- and ignore-case-heavy policies (`fuzz/gen/guardrails.rs`: Deny guard-rails with
//! templates in `NotResource` and ignore-case template conditions, set operators over template
//! values with `IfExists`, the combined family's statements) asked every question the tool
//! answers, against the evaluator:
//!
//! - `check` (identity and resource policies, open and catalog universes): counterexamples
//!   replay and lie in the universe; a pass survives requests aimed at the proposal.
//! - `diff` in both directions: the relation agrees with which directions have examples; each
//!   example replays with the evaluator's own decisions; sampled requests never contradict it.
//! - `check-access-not-granted`, `access` (trust zone), `check-no-public-access` on resource
//!   policies: findings replay (and are for the target, from outside the zone); a "no" survives
//!   sampled requests AWS could send.
//!
//! `KEYAKI_DIFF_CASES=N` runs every family with N cases; `KEYAKI_DIFF_SHOW_UNKNOWN=1` prints
//! every unknown as it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../fuzz/gen/access.rs"]
mod access;
#[path = "../fuzz/gen/combined.rs"]
mod combined;
#[path = "../fuzz/gen/mod.rs"]
mod gen;
#[path = "../fuzz/gen/guardrails.rs"]
mod guardrails;
#[path = "../fuzz/gen/mixed.rs"]
mod mixed;
#[path = "../fuzz/gen/oracles.rs"]
mod oracles;
#[path = "../fuzz/gen/run.rs"]
mod run;

use access::{assert_no_internal_error, count, granted_target, sendable, show};
use gen::{ByteChoices, Choices};
use keyaki::eval::{evaluate, Decision, PolicyType};
use keyaki::request::callers::caller_inconsistency;
use keyaki::TrustZone;
use keyaki::{ActionUniverse, CheckResult, NotGranted, PolicyFile, Relation, ResourceUniverse};
use run::{in_universe, run_cases, Tally};
use serde_json::Value;

const SAMPLES: usize = 96;

/// A request aimed at one of the policies (most often the first), or a plain sampled one.
fn aimed(s: &mut run::Seeded, policies: &[&Value]) -> Value {
    let i = s.below(policies.len() + 2);
    match policies.get(i) {
        Some(p) => combined::aimed_request(s, p),
        None if i == policies.len() => combined::aimed_request(s, policies[0]),
        None => combined::request(s),
    }
}

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
        let (proposed, baseline) = guardrails::pair(&mut c, ty == PolicyType::Resource);
        let options = keyaki::CheckOptions {
            action_universe: actions,
            resource_universe: resources,
            ..oracles::options(ty)
        };
        let ended = oracles::check_sampled(
            &proposed,
            &baseline,
            &options,
            &|r| in_universe(actions, resources, r),
            &mut || aimed(&mut s, &[&proposed, &baseline]),
            SAMPLES,
        );
        tally.count(ended.label());
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
fn guardrail_identity_pairs_replay_and_passes_survive_sampling() {
    check_family("guardrails identity", 40, PolicyType::Identity);
}

#[test]
fn guardrail_resource_pairs_replay_and_passes_survive_sampling() {
    check_family("guardrails resource", 40, PolicyType::Resource);
}

fn file(json: &Value, name: &str) -> PolicyFile {
    PolicyFile {
        path: name.into(),
        policy: oracles::parse_generated_policy(json),
    }
}

/// `diff` both ways on guard-rail pairs: examples replay with the evaluator's decisions and
/// statement lists; sampled requests never contradict the relation.
#[test]
fn guardrail_diff_agrees_with_evaluator_in_both_directions() {
    let tally = Tally::new("guardrails diff");
    run_cases(40, &tally, &|data| {
        let mut c = ByteChoices::new(data);
        let mut s = run::Seeded::from_bytes(data);
        let ty = if c.one_in(3) {
            PolicyType::Resource
        } else {
            PolicyType::Identity
        };
        let (a, b) = guardrails::pair(&mut c, ty == PolicyType::Resource);
        let (new_json, old_json) = if c.flip() { (a, b) } else { (b, a) };
        let (old, new) = (file(&old_json, "old.json"), file(&new_json, "new.json"));
        let diff = keyaki::diff(&old, &new, &oracles::options(ty));
        let pair = || format!("{ty:?}\nold: {old_json}\nnew: {new_json}");
        tally.count(&format!("{:?}", diff.relation));
        if let Some(reason) = &diff.reason {
            assert!(
                !reason.contains("internal error") && !reason.contains("did not replay"),
                "internal error: {reason}\n{}",
                pair()
            );
        }
        if diff.relation == Relation::Unknown {
            let reason = diff.reason.clone().unwrap_or_default();
            tally.example("unknown", format!("{reason}\n    {}", pair()));
        }
        let (w, n) = (!diff.widened.is_empty(), !diff.narrowed.is_empty());
        match diff.relation {
            Relation::Equivalent => assert!(!w && !n, "equivalent with examples\n{}", pair()),
            Relation::MorePermissive => assert!(w && !n, "{:?}\n{}", diff.relation, pair()),
            Relation::LessPermissive => assert!(!w && n, "{:?}\n{}", diff.relation, pair()),
            Relation::Incomparable => assert!(w && n, "{:?}\n{}", diff.relation, pair()),
            Relation::Unknown => assert!(diff.reason.is_some(), "unknown without a reason"),
        }
        for (list, first, second, what) in [
            (&diff.widened, &new, &old, "widened"),
            (&diff.narrowed, &old, &new, "narrowed"),
        ] {
            for ce in list.iter() {
                let allowed = evaluate(&first.policy, &ce.request, ty);
                let other = evaluate(&second.policy, &ce.request, ty);
                let text = show(&ce.request);
                assert_eq!(
                    allowed.decision,
                    Decision::Allow,
                    "{what}: {text}\n{}",
                    pair()
                );
                assert_ne!(
                    other.decision,
                    Decision::Allow,
                    "{what}: {text}\n{}",
                    pair()
                );
                assert_eq!(
                    ce.proposed,
                    allowed,
                    "{what} attribution: {text}\n{}",
                    pair()
                );
                assert_eq!(ce.baseline, other, "{what} attribution: {text}\n{}", pair());
            }
        }
        let (no_widening, no_narrowing) = match diff.relation {
            Relation::Equivalent => (true, true),
            Relation::MorePermissive => (false, true),
            Relation::LessPermissive => (true, false),
            _ => (false, false),
        };
        for _ in 0..SAMPLES {
            let r = oracles::parse_generated_request(&aimed(&mut s, &[&new_json, &old_json]));
            let o = evaluate(&old.policy, &r, ty).decision == Decision::Allow;
            let n = evaluate(&new.policy, &r, ty).decision == Decision::Allow;
            assert!(
                !(no_widening && n && !o),
                "REFUTED: diff says {:?}, but NEW allows and OLD does not: {}\n{}",
                diff.relation,
                show(&r),
                pair()
            );
            assert!(
                !(no_narrowing && o && !n),
                "REFUTED: diff says {:?}, but OLD allows and NEW does not: {}\n{}",
                diff.relation,
                show(&r),
                pair()
            );
        }
    });
    tally.require(40, &["Equivalent", "Incomparable"]);
}

const QUESTION_ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:Get*",
    "s3:ListBucket",
    "iam:ChangePassword",
    "iam:*",
    "sqs:SendMessage",
];
const QUESTION_RESOURCES: &[&str] = &[
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b/home/*",
    "arn:aws:s3:::b",
    "arn:aws:iam::111122223333:user/*",
];

/// `check-access-not-granted` on template-heavy resource and identity policies.
#[test]
fn guardrail_access_not_granted_agrees_with_evaluator() {
    let tally = Tally::new("guardrails not granted");
    run_cases(40, &tally, &|data| {
        let mut c = ByteChoices::new(data);
        let mut s = run::Seeded::from_bytes(data);
        let ty = if c.flip() {
            PolicyType::Resource
        } else {
            PolicyType::Identity
        };
        let json = guardrails::policy(&mut c, ty == PolicyType::Resource);
        let policy = oracles::parse_generated_policy(&json);
        let actions: Vec<String> = (0..1 + c.below(2))
            .map(|_| mixed::choose(&mut c, QUESTION_ACTIONS).to_string())
            .collect();
        let resources: Vec<String> = if c.flip() {
            vec![mixed::choose(&mut c, QUESTION_RESOURCES).to_string()]
        } else {
            vec![]
        };
        let question = NotGranted {
            actions: actions.clone(),
            resources: resources.clone(),
            allow_unknown_actions: false,
        };
        let report = keyaki::access_not_granted(&policy, &question, &oracles::options(ty)).unwrap();
        assert_no_internal_error(&report, &json);
        let asked = format!("{ty:?} actions {actions:?} resources {resources:?}");
        access::count_asked(&tally, &report, &asked, &json);
        let context = || format!("{asked}\npolicy: {json}");
        for f in &report.findings {
            let r = &f.request;
            let d = evaluate(&policy, r, ty).decision;
            assert_eq!(
                d,
                Decision::Allow,
                "finding does not replay: {}\n{}",
                show(r),
                context()
            );
            assert!(
                granted_target(&actions, &resources, r),
                "off target: {}\n{}",
                show(r),
                context()
            );
        }
        if report.result == CheckResult::Pass {
            for _ in 0..SAMPLES {
                let mut r = oracles::parse_generated_request(&aimed(&mut s, &[&json]));
                if s.flip() {
                    r.action = mixed::choose(&mut s, QUESTION_ACTIONS).replace('*', "Object");
                }
                let sendable = ty == PolicyType::Identity || sendable(&r);
                if sendable
                    && granted_target(&actions, &resources, &r)
                    && evaluate(&policy, &r, ty).decision == Decision::Allow
                {
                    panic!(
                        "REFUTED PASS: \"not granted\", but allowed: {}\n{}",
                        show(&r),
                        context()
                    );
                }
            }
        }
    });
    tally.require(40, &["pass", "fail"]);
}

const ZONES: &[&[&str]] = &[
    &["account:111122223333"],
    &["account:444455556666"],
    &["account:111122223333", "org:o-abc123"],
];

/// `access` (trust zone) and `check-no-public-access` on template-heavy resource policies.
#[test]
fn guardrail_external_and_public_access_agree_with_evaluator() {
    let external = Tally::new("guardrails external access");
    let public = Tally::new("guardrails public access");
    run_cases(40, &external, &|data| {
        let mut c = ByteChoices::new(data);
        let mut s = run::Seeded::from_bytes(data);
        let json = guardrails::policy(&mut c, true);
        let policy = oracles::parse_generated_policy(&json);
        let zone_entries = ZONES[c.below(ZONES.len())];
        let zone = TrustZone::parse(zone_entries).unwrap();
        let options = oracles::options(PolicyType::Resource);
        let ty = PolicyType::Resource;
        let report = keyaki::external_access(&policy, &zone, &[], &options);
        assert_no_internal_error(&report, &json);
        access::count_asked(&external, &report, &format!("zone {zone_entries:?}"), &json);
        let context = || format!("zone {zone_entries:?}\npolicy: {json}");
        for f in &report.findings {
            let r = &f.request;
            let d = evaluate(&policy, r, ty).decision;
            assert_eq!(
                d,
                Decision::Allow,
                "finding does not replay: {}\n{}",
                show(r),
                context()
            );
            assert!(
                !zone.contains(r) && caller_inconsistency(r).is_none(),
                "finding inside the zone or not sendable: {}\n{}",
                show(r),
                context()
            );
            // The prover states account agreement for named accounts only: count the rest.
            if !sendable(r) {
                external.count("finding: keys disagree with the caller's account");
            }
        }
        let report_public = keyaki::no_public_access(&policy, None, &[], &options).unwrap();
        assert_no_internal_error(&report_public, &json);
        count(&public, &report_public, &json);
        for f in &report_public.findings {
            let d = evaluate(&policy, &f.request, ty).decision;
            assert_eq!(
                d,
                Decision::Allow,
                "public finding: {}\n{}",
                show(&f.request),
                context()
            );
        }
        if report.result == CheckResult::Pass {
            for _ in 0..SAMPLES {
                let r = oracles::parse_generated_request(&aimed(&mut s, &[&json]));
                if sendable(&r)
                    && !zone.contains(&r)
                    && evaluate(&policy, &r, ty).decision == Decision::Allow
                {
                    panic!(
                        "REFUTED PASS: \"no external access\", allowed from outside: {}\n{}",
                        show(&r),
                        context()
                    );
                }
            }
        }
    });
    external.require(40, &["pass", "fail"]);
    public.print();
}

/// `check --spec` on guard-rail pairs: a baseline, maybe a trust zone, no public access and
/// access never granted. Findings replay (a new-access one is not allowed by the baseline);
/// the spec fails whenever one of its parts, asked alone, fails; a passing spec survives
/// requests aimed at the policy and its baseline.
#[test]
fn guardrail_spec_agrees_with_its_parts_and_the_evaluator() {
    let tally = Tally::new("guardrails spec");
    run_cases(30, &tally, &|data| {
        let mut c = ByteChoices::new(data);
        let mut s = run::Seeded::from_bytes(data);
        let resource = c.flip();
        let ty = if resource {
            PolicyType::Resource
        } else {
            PolicyType::Identity
        };
        let (json, baseline_json) = guardrails::pair(&mut c, resource);
        let policy = oracles::parse_generated_policy(&json);
        let mut spec = serde_json::json!({"name": "generated", "baseline": baseline_json});
        if resource && c.flip() {
            spec["trust_zone"] = serde_json::json!(ZONES[c.below(ZONES.len())]);
        }
        if resource && c.flip() {
            spec["no_public_access"] = serde_json::json!(true);
        }
        if c.flip() {
            let action = mixed::choose(&mut c, QUESTION_ACTIONS);
            spec["never_granted"] = serde_json::json!([{"actions": [action]}]);
        }
        let parsed = keyaki::parse_spec(&serde_json::to_vec(&spec).unwrap(), "spec.json").unwrap();
        let options = oracles::options(ty);
        let report = keyaki::check_spec(&policy, &parsed, &options);
        let context = || format!("{ty:?}\nspec: {spec}\npolicy: {json}");
        assert_no_internal_error(&report, &json);
        access::count_asked(&tally, &report, &format!("{ty:?} spec {spec}"), &json);
        let baseline = parsed.baseline.as_ref().map(|(_, b)| b);
        for f in &report.findings {
            let r = &f.request;
            let d = evaluate(&policy, r, ty).decision;
            assert_eq!(
                d,
                Decision::Allow,
                "{:?}: {}\n{}",
                f.kind,
                show(r),
                context()
            );
            if let (keyaki::access::FindingKind::NewAccess, Some(b)) = (f.kind, baseline) {
                let d = evaluate(b, r, ty).decision;
                assert_ne!(
                    d,
                    Decision::Allow,
                    "new access allowed: {}\n{}",
                    show(r),
                    context()
                );
            }
        }
        if let Some(b) = baseline {
            if keyaki::check(&policy, b, &options).result == CheckResult::Fail {
                assert_eq!(
                    report.result,
                    CheckResult::Fail,
                    "check fails alone\n{}",
                    context()
                );
            }
        }
        for item in &parsed.never_granted {
            let question = NotGranted {
                actions: item.actions.clone(),
                resources: item.resources.clone(),
                allow_unknown_actions: true,
            };
            let part = keyaki::access_not_granted(&policy, &question, &options).unwrap();
            if part.result == CheckResult::Fail {
                assert_eq!(
                    report.result,
                    CheckResult::Fail,
                    "part fails alone\n{}",
                    context()
                );
            }
        }
        if let (CheckResult::Pass, Some(b)) = (report.result, baseline) {
            for _ in 0..SAMPLES {
                let r = oracles::parse_generated_request(&aimed(&mut s, &[&json, &baseline_json]));
                let p = evaluate(&policy, &r, ty).decision == Decision::Allow;
                let q = evaluate(b, &r, ty).decision == Decision::Allow;
                assert!(
                    !p || q,
                    "REFUTED PASS: the spec passes, the policy allows what its baseline does not: {}\n{}",
                    show(&r),
                    context()
                );
            }
        }
    });
    tally.require(30, &["pass", "fail"]);
}
