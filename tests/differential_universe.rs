//! `--action-universe catalog` and `--resource-universe catalog` combined with templates,
//! NotAction/NotResource, wildcards in service names and ARN segments; and `diff` (both
//! directions, the relation, the statements each counterexample names) against the evaluator.
//!
//! Universe family: every counterexample replays and lies in the chosen universe (a catalog
//! action; a well-formed ARN of one of the action's resource types, `*` for an action with
//! none); a pass survives requests sampled from the catalog (actions of the services the
//! policies mention, resources filled into their ARN formats), those outside the universe
//! skipped.
//!
//! Diff family: the relation agrees with which directions have counterexamples; widened
//! requests are allowed by NEW and not OLD, narrowed ones the other way, and each carries the
//! evaluator's own decision and statement list; sampled requests never contradict the
//! relation. `KEYAKI_DIFF_CASES=N` runs every family with N cases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../fuzz/gen/mod.rs"]
mod gen;
#[path = "../fuzz/gen/mixed.rs"]
mod mixed;
#[path = "../fuzz/gen/oracles.rs"]
mod oracles;
#[path = "../fuzz/gen/run.rs"]
mod run;

use gen::{ByteChoices, Choices};
use keyaki::catalog::catalog;
use keyaki::eval::{evaluate, Decision, PolicyType};
use keyaki::{ActionUniverse, PolicyFile, Relation, ResourceUniverse};
use run::{in_universe, run_cases, Tally};
use serde_json::{json, Value};

const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:Get*",
    "s3*:Get*",
    "*:GetObject",
    "s?:*",
    "s3:*",
    "s3:ListBucket",
    "sqs:*",
    "sqs:Send*",
    "ec2:Describe*",
    "ec2:RunInstances",
    "iam:PassRole",
    "iam:*",
    "kms:*crypt",
    "*",
];

const RESOURCES: &[&str] = &[
    "*",
    "arn:aws:s3:::*",
    "arn:aws:s3:::*/*",
    "arn:aws:s3:::bucket",
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::bucket/${aws:username}/*",
    "arn:aws:s3:::bucket/${aws:PrincipalTag/team, 'none'}/*",
    "arn:aws:s3:::${aws:PrincipalTag/team}",
    "arn:*:s3:::*",
    "arn:aws:ec2:*:*:instance/*",
    "arn:aws:ec2:*:111122223333:*",
    "arn:aws:sqs:*:111122223333:*",
    "arn:aws:sqs:us-east-1:*:q",
    "arn:aws:iam::*:role/${aws:username}",
    "arn:aws:iam::111122223333:role/*",
    "arn:aws:kms:*:*:key/*",
    "arn:aws:*:*:*:*",
    "arn:aws:*:*:111122223333:*",
];

fn list(c: &mut dyn Choices, pool: &[&str], max: usize) -> Value {
    let mut items: Vec<&str> = Vec::new();
    for _ in 0..1 + c.below(max) {
        let v = mixed::choose(c, pool);
        if !items.contains(&v) {
            items.push(v);
        }
    }
    json!(items)
}

fn statement(c: &mut dyn Choices) -> Value {
    let effect = if c.one_in(3) { "Deny" } else { "Allow" };
    let action_key = if c.one_in(5) { "NotAction" } else { "Action" };
    let resource_key = if c.one_in(5) {
        "NotResource"
    } else {
        "Resource"
    };
    let mut s = json!({
        "Effect": effect,
        action_key: list(c, ACTIONS, 2),
        resource_key: list(c, RESOURCES, 2),
    });
    if c.one_in(4) {
        if let Some(block) = mixed::conditions(c, 1) {
            s["Condition"] = block;
        }
    }
    s
}

fn policy(c: &mut dyn Choices) -> Value {
    let n = 1 + c.below(3);
    let statements: Vec<Value> = (0..n).map(|_| statement(c)).collect();
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// A pair: independent, or the proposal a variation of the baseline (so passes occur).
fn pair(c: &mut dyn Choices) -> (Value, Value) {
    let baseline = policy(c);
    let mut proposed = baseline.clone();
    let list = proposed["Statement"].as_array_mut().unwrap();
    match c.below(3) {
        0 => return (policy(c), baseline),
        1 => {
            let mut deny = statement(c);
            deny["Effect"] = json!("Deny");
            list.push(deny);
        }
        _ => {
            let i = c.below(list.len());
            list[i] = statement(c);
        }
    }
    (proposed, baseline)
}

const SERVICES: &[&str] = &["s3", "sqs", "ec2", "iam", "kms", "sts", "s3express"];
const FILLERS: &[&str] = &[
    "bucket", "alice", "none/x", "eng", "q", "i-0abc", "key", "a/b",
];

/// A catalog action of a service the pools mention, and a resource filled into one of its ARN
/// formats (sometimes `*` or a wrong shape, which the universe filter skips).
fn catalog_request(c: &mut dyn Choices) -> Value {
    let cat = catalog();
    let service = mixed::choose(c, SERVICES);
    let actions = cat.service_actions(service);
    let action = if actions.is_empty() || c.one_in(12) {
        // Outside the catalog: only the open action universe admits it.
        format!("{service}:FutureAction")
    } else {
        actions[c.below(actions.len())].full_name.clone()
    };
    let formats = cat
        .resource_formats(&action.to_lowercase())
        .unwrap_or_default();
    let resource = if formats.is_empty() || c.one_in(8) {
        mixed::choose(c, &["*", "arn:aws:s3:::bucket/key", "arn:aws:s3:::bucket"]).to_string()
    } else {
        let example = &formats[c.below(formats.len())].example;
        fill_example(c, example)
    };
    let mut request = json!({
        "principal": {"AWS": mixed::choose(c, &[
            "arn:aws:iam::111122223333:user/alice",
            "arn:aws:iam::444455556666:user/bob",
        ])},
        "action": action,
        "resource": resource,
    });
    if c.flip() {
        request["context"] =
            json!({"aws:PrincipalTag/team": mixed::choose(c, &["eng", "none", "alice"])});
    }
    // Every universe admits a request without a resource (NotResource statements apply to it).
    if c.one_in(10) {
        if let Some(r) = request.as_object_mut() {
            r.remove("resource");
        }
    }
    request
}

/// The catalog's example ARN with its readable filler replaced, segment by segment, by values
/// the policies name (account, region, bucket, user).
fn fill_example(c: &mut dyn Choices, example: &str) -> String {
    let mut parts: Vec<String> = example.splitn(6, ':').map(String::from).collect();
    if parts.len() == 6 {
        if !parts[3].is_empty() && c.flip() {
            parts[3] = mixed::choose(c, &["us-east-1", "eu-west-1"]).into();
        }
        if !parts[4].is_empty() && c.flip() {
            parts[4] = mixed::choose(c, &["111122223333", "444455556666"]).into();
        }
        if c.flip() {
            // Keep the resource type prefix (`instance/`, `role/`), replace what follows.
            let rest = &parts[5];
            let filler = mixed::choose(c, FILLERS);
            parts[5] = match rest.split_once('/') {
                Some((kind, _)) if c.flip() => format!("{kind}/{filler}"),
                Some(_) | None => filler.to_string(),
            };
        }
    }
    parts.join(":")
}

#[test]
fn catalog_universes_replay_and_passes_survive_sampling() {
    let tally = Tally::new("catalog universes");
    run_cases(40, &tally, &|data| {
        let mut c = ByteChoices::new(data);
        let mut s = run::Seeded::from_bytes(data);
        let actions = if c.flip() {
            ActionUniverse::Catalog
        } else {
            ActionUniverse::Open
        };
        let resources = if c.one_in(4) {
            ResourceUniverse::Open
        } else {
            ResourceUniverse::Catalog
        };
        let (proposed, baseline) = pair(&mut c);
        let options = keyaki::CheckOptions {
            action_universe: actions,
            resource_universe: resources,
            // 5 s keeps the unknowns (catalog universe + template resource, see below) from dominating.
            timeout: std::time::Duration::from_secs(5),
            ..oracles::options(PolicyType::Identity)
        };
        let ended = oracles::check_sampled(
            &proposed,
            &baseline,
            &options,
            &|r| in_universe(actions, resources, r),
            &mut || catalog_request(&mut s),
            96,
        );
        tally.count(&format!("{:?}/{:?} {}", actions, resources, ended.label()));
        tally.count(ended.label());
        if let oracles::Sampled::Unknown(reason) = &ended {
            tally.example(
                "unknown",
                format!("{actions:?}/{resources:?} {reason}\n    {proposed}\n    {baseline}"),
            );
        }
    });
    tally.require(40, &["pass", "fail"]);
}

fn file(json: &Value, name: &str) -> PolicyFile {
    PolicyFile {
        path: name.into(),
        policy: oracles::parse_generated_policy(json),
    }
}

#[test]
fn diff_agrees_with_evaluator_in_both_directions() {
    let tally = Tally::new("diff");
    run_cases(40, &tally, &|data| {
        let mut c = ByteChoices::new(data);
        let mut s = run::Seeded::from_bytes(data);
        let ty = if c.one_in(3) {
            PolicyType::Resource
        } else {
            PolicyType::Identity
        };
        let (new_json, old_json) = if c.flip() {
            mixed::pair(&mut c, ty == PolicyType::Resource, 2)
        } else {
            let (a, b) = pair(&mut c);
            // These pools have no Principal: read them as identity policies.
            if ty == PolicyType::Resource {
                return;
            }
            (a, b)
        };
        // Either version may be the wider one.
        let (new_json, old_json) = if c.flip() {
            (old_json, new_json)
        } else {
            (new_json, old_json)
        };
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
        let (w, n) = (!diff.widened.is_empty(), !diff.narrowed.is_empty());
        match diff.relation {
            Relation::Equivalent => assert!(!w && !n, "equivalent with examples\n{}", pair()),
            Relation::MorePermissive => assert!(w && !n, "{:?}\n{}", diff.relation, pair()),
            Relation::LessPermissive => assert!(!w && n, "{:?}\n{}", diff.relation, pair()),
            Relation::Incomparable => assert!(w && n, "{:?}\n{}", diff.relation, pair()),
            Relation::Unknown => assert!(diff.reason.is_some(), "unknown without a reason"),
        }
        // Widened: NEW allows, OLD does not; narrowed: OLD allows, NEW does not. Each carries
        // the evaluator's own decisions (and so its statement attribution).
        for (list, first, second, what) in [
            (&diff.widened, &new, &old, "widened"),
            (&diff.narrowed, &old, &new, "narrowed"),
        ] {
            for ce in list.iter() {
                let a = evaluate(&first.policy, &ce.request, ty);
                let b = evaluate(&second.policy, &ce.request, ty);
                let text = serde_json::to_string(&ce.request).unwrap();
                assert_eq!(
                    a.decision,
                    Decision::Allow,
                    "{what} not allowed: {text}\n{}",
                    pair()
                );
                assert_ne!(
                    b.decision,
                    Decision::Allow,
                    "{what} allowed by the other: {text}\n{}",
                    pair()
                );
                assert_eq!(
                    ce.proposed,
                    a,
                    "{what}: attribution differs: {text}\n{}",
                    pair()
                );
                assert_eq!(
                    ce.baseline,
                    b,
                    "{what}: attribution differs: {text}\n{}",
                    pair()
                );
            }
        }
        let (no_widening, no_narrowing) = match diff.relation {
            Relation::Equivalent => (true, true),
            Relation::MorePermissive => (false, true),
            Relation::LessPermissive => (true, false),
            _ => (false, false),
        };
        for _ in 0..64 {
            let r = oracles::parse_generated_request(&if s.flip() {
                mixed::request(&mut s, None)
            } else {
                catalog_request(&mut s)
            });
            let o = evaluate(&old.policy, &r, ty).decision == Decision::Allow;
            let n = evaluate(&new.policy, &r, ty).decision == Decision::Allow;
            let text = serde_json::to_string(&r).unwrap();
            assert!(
                !(no_widening && n && !o),
                "REFUTED PASS: diff says {:?}, but NEW allows and OLD does not: {text}\n{}",
                diff.relation,
                pair()
            );
            assert!(
                !(no_narrowing && o && !n),
                "diff says {:?}, but OLD allows and NEW does not: {text}\n{}",
                diff.relation,
                pair()
            );
        }
    });
    tally.require(40, &["Equivalent", "Incomparable"]);
}

/// Minimal pair (notes.md 11:43 and 12:32, to decide): in the catalog resource universe the
/// proposal allows nothing (iam:PassRole takes only role ARNs), but a template in its Resource
/// makes the check run to the timeout. 3% of the pairs of this family end so.
#[test]
fn catalog_universe_with_template_resource_is_decided() {
    let proposed = json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:s3:::${aws:PrincipalTag/team}"}]});
    let baseline = json!({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}]});
    let options = keyaki::CheckOptions {
        resource_universe: ResourceUniverse::Catalog,
        timeout: std::time::Duration::from_secs(10),
        ..oracles::options(PolicyType::Identity)
    };
    let verdict = keyaki::explain::check_no_new_access(
        &oracles::parse_generated_policy(&proposed),
        &oracles::parse_generated_policy(&baseline),
        &options,
    );
    assert_eq!(verdict, keyaki::Verdict::Holds);
}
