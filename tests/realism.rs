//! Printed counterexamples are requests AWS could receive (encodings/counterexample-realism.md):
//! the caller agrees with the keys AWS sets from it, accounts have 12 digits, resources are
//! well-formed ARNs of the action's resource types, values read as values. Polishing never
//! changes a verdict or the actions shown, and every polished request still replays.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{keyaki, policy};
use keyaki::automata::Witness;
use keyaki::eval::{evaluate, Decision, PolicyType};
use keyaki::explain::{check_no_new_access, CheckOptions, Counterexample, Verdict};
use keyaki::model::Policy;
use keyaki::model::{Effect, ResourceClause};
use keyaki::pattern::Glob;
use keyaki::request::realism::{problems, problems_of, Property};
use keyaki::request::{Principal, Request};

fn statement(action: &str, resource: &str, condition: &str) -> String {
    let condition = if condition.is_empty() {
        String::new()
    } else {
        format!(r#","Condition":{condition}"#)
    };
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":{resource}{condition}}}]}}"#
    )
}

fn violated(proposed: &Policy, baseline: &Policy) -> Vec<Counterexample> {
    let options = CheckOptions {
        policy_type: PolicyType::Identity,
        ..CheckOptions::default()
    };
    match check_no_new_access(proposed, baseline, &options) {
        Verdict::Violated(list) => list,
        other => panic!("expected a counterexample, got {other:?}"),
    }
}

/// Replays and has no realism problem at all.
fn assert_realistic(proposed: &Policy, baseline: &Policy, c: &Counterexample) {
    let r = &c.request;
    assert_eq!(
        evaluate(proposed, r, PolicyType::Identity).decision,
        Decision::Allow
    );
    assert_ne!(
        evaluate(baseline, r, PolicyType::Identity).decision,
        Decision::Allow
    );
    assert_eq!(problems(r), vec![], "{}", serde_json::to_string(r).unwrap());
}

/// The issue's example: a role pattern in any account against one account. The caller is a
/// role matching the pattern in another 12-digit account, with the keys AWS sets for it.
#[test]
fn principal_arn_pattern_against_an_account() {
    let proposed = policy(&statement(
        "s3:GetObject",
        r#""*""#,
        r#"{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/ops-*"}}"#,
    ));
    let baseline = policy(&statement(
        "s3:GetObject",
        r#""*""#,
        r#"{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}"#,
    ));
    let list = violated(&proposed, &baseline);
    for c in &list {
        assert_realistic(&proposed, &baseline, c);
        let Principal::Aws(arn) = &c.request.principal else {
            panic!("{:?}", c.request.principal)
        };
        assert!(
            arn.starts_with("arn:aws:iam::") && arn.contains(":role/ops-"),
            "{arn}"
        );
        assert!(!arn.contains("111122223333"), "{arn}");
        let account = &arn["arn:aws:iam::".len().."arn:aws:iam::".len() + 12];
        assert_eq!(
            c.request.context_values("aws:principalaccount"),
            Some(&[account.to_string()][..]),
            "aws:PrincipalAccount is the caller's account"
        );
    }
}

/// Account conditions both ways: the caller's account, `aws:PrincipalAccount` and
/// `aws:PrincipalArn` name the same 12-digit account.
#[test]
fn account_conditions_give_a_caller_in_that_account() {
    let pairs = [
        (
            r#"{"StringNotEquals":{"aws:PrincipalAccount":"111122223333"}}"#,
            r#"{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}"#,
        ),
        (
            r#"{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/*"}}"#,
            r#"{"StringEquals":{"aws:PrincipalType":"AssumedRole"}}"#,
        ),
        (
            r#"{"StringEquals":{"aws:username":"alice"}}"#,
            r#"{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/*"}}"#,
        ),
        (
            r#"{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::4444*:role/*"}}"#,
            r#"{"StringNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/admin-*"}}"#,
        ),
    ];
    for (granted, allowed) in pairs {
        let proposed = policy(&statement("s3:GetObject", r#""*""#, granted));
        let baseline = policy(&statement("s3:GetObject", r#""*""#, allowed));
        for c in &violated(&proposed, &baseline) {
            assert_realistic(&proposed, &baseline, c);
        }
    }
}

/// A word equation's witness (`aws:username` `/`, which no IAM user name holds) becomes a user
/// whose name AWS sets, moved into the resource the template builds from it.
#[test]
fn user_names_in_templates_are_names() {
    let left = policy(&statement(
        "s3:GetObject",
        r#""arn:aws:s3:::b/a${aws:username}""#,
        "",
    ));
    let right = policy(&statement(
        "s3:GetObject",
        r#""arn:aws:s3:::b/${aws:username}a""#,
        "",
    ));
    for (proposed, baseline) in [(&left, &right), (&right, &left)] {
        for c in &violated(proposed, baseline) {
            assert_realistic(proposed, baseline, c);
            let name = c.request.context_values("aws:username").unwrap()[0].clone();
            assert!(!name.contains('/') && name.len() >= 2, "{name}");
        }
    }
}

/// Resources: well-formed ARNs of the action's resource types with a real partition, region
/// and account, when the policies admit one.
#[test]
fn resources_follow_the_catalog_formats() {
    let nothing = policy(&statement("s3:GetObject", r#""arn:aws:s3:::b/*""#, ""));
    for (action, resource) in [
        ("autoscaling:PutWarmPool", r#""*""#),
        (
            "dms:StartReplicationTaskAssessmentRun",
            r#""arn:*:dms:*:*:task:*""#,
        ),
        ("sqs:SendMessage", r#""arn:aws:sqs:*:*:q*""#),
        ("logs:GetDelivery", r#""*""#),
    ] {
        let proposed = policy(&statement(action, resource, ""));
        for c in &violated(&proposed, &nothing) {
            assert_realistic(&proposed, &nothing, c);
        }
    }
}

/// ARN-valued context keys and account keys get 12-digit accounts and real regions.
#[test]
fn arns_in_the_context_are_well_formed() {
    let proposed = policy(&statement(
        "iam:PassRole",
        r#""*""#,
        r#"{"StringLike":{"iam:AssociatedResourceARN":"arn:aws:ssm:*:*:automation-definition/Quick*"}}"#,
    ));
    let baseline = policy(&statement("s3:GetObject", r#""*""#, ""));
    for c in &violated(&proposed, &baseline) {
        assert_realistic(&proposed, &baseline, c);
    }
}

/// Values the word-equation procedure or a pattern's literal pieces leave (`3`, `none-`) are
/// replaced by readable ones that still meet the patterns.
#[test]
fn values_read_as_values() {
    let proposed = policy(&statement(
        "s3:GetObject",
        r#""*""#,
        r#"{"StringLike":{"aws:PrincipalTag/team":"none-*"}}"#,
    ));
    let baseline = policy(&statement(
        "s3:GetObject",
        r#""*""#,
        r#"{"StringEquals":{"aws:PrincipalTag/team":"none"}}"#,
    ));
    for c in &violated(&proposed, &baseline) {
        assert_realistic(&proposed, &baseline, c);
        assert!(problems_of(&c.request, Property::Readable).is_empty());
    }
}

/// When no realistic request exists, the counterexample stays (the verdict never changes):
/// AWS always sets `aws:PrincipalAccount`, yet the evaluator also reads requests without it.
#[test]
fn unrealistic_only_violations_still_fail() {
    let proposed = policy(&statement("s3:GetObject", r#""*""#, ""));
    let baseline = policy(&statement(
        "s3:GetObject",
        r#""*""#,
        r#"{"Null":{"aws:PrincipalAccount":"false"}}"#,
    ));
    let list = violated(&proposed, &baseline);
    assert!(!list.is_empty());
    for c in &list {
        assert!(!problems_of(&c.request, Property::Principal).is_empty());
    }
}

/// `KEYAKI_POLISH=off` prints the unpolished witnesses: the exit code, the relation and the
/// actions are the same with and without polishing.
#[test]
fn polishing_changes_no_verdict_and_no_action() {
    let dir = std::env::temp_dir().join(format!("keyaki-realism-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let old = dir.join("old.json");
    let new = dir.join("new.json");
    std::fs::write(
        &old,
        statement(
            "s3:GetObject",
            r#""*""#,
            r#"{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}"#,
        ),
    )
    .unwrap();
    std::fs::write(
        &new,
        statement(
            "s3:*",
            r#""*""#,
            r#"{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/ops-*"}}"#,
        ),
    )
    .unwrap();
    let run = |polish: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_keyaki"))
            .args(["diff", old.to_str().unwrap(), new.to_str().unwrap()])
            .args(["--format", "json"])
            .env("KEYAKI_POLISH", polish)
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code(), json)
    };
    let (code_on, on) = run("on");
    let (code_off, off) = run("off");
    assert_eq!(code_on, code_off);
    assert_eq!(on["relation"], off["relation"]);
    let actions = |v: &serde_json::Value, way: &str| -> Vec<String> {
        v[way]
            .as_array()
            .map(|l| {
                l.iter()
                    .map(|c| c["request"]["action"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    for way in ["widened", "narrowed"] {
        assert_eq!(actions(&on, way), actions(&off, way), "{way}");
        for c in on[way].as_array().into_iter().flatten() {
            let r = common::request(&c["request"]);
            assert_eq!(problems(&r), vec![], "{c}");
        }
    }
    // Unpolished, today's witness shows a caller the keys contradict.
    let unpolished: Vec<_> = off["widened"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| problems(&common::request(&c["request"])).len())
        .collect();
    assert!(unpolished.iter().any(|n| *n > 0), "{off}");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = keyaki;
}

/// The 100 managed-policy version pairs, both directions (what `keyaki diff` prints): every
/// counterexample replays, and all but the listed ones meet every property.
#[test]
fn version_pair_counterexamples_are_realistic() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let mut dirs: Vec<_> = std::fs::read_dir(corpus.join("managed-policy-versions"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    dirs.sort();
    let load = |p: std::path::PathBuf| {
        std::fs::read(&p)
            .ok()
            .and_then(|b| keyaki::parse::parse_policy(&b, &p.display().to_string()).ok())
    };
    let mut total = 0;
    let mut unrealistic = Vec::new();
    for dir in dirs {
        let (Some(old), Some(new)) = (load(dir.join("old.json")), load(dir.join("new.json")))
        else {
            continue;
        };
        let ty = keyaki::query::resolve_policy_type(None, &[&old, &new]);
        let options = CheckOptions {
            policy_type: ty,
            ..CheckOptions::default()
        };
        for (proposed, baseline) in [(&new, &old), (&old, &new)] {
            let Verdict::Violated(list) = check_no_new_access(proposed, baseline, &options) else {
                continue;
            };
            for c in list {
                total += 1;
                let r = &c.request;
                assert_eq!(evaluate(proposed, r, ty).decision, Decision::Allow);
                assert_ne!(evaluate(baseline, r, ty).decision, Decision::Allow);
                let found = problems(r);
                if !found.is_empty() {
                    println!("{}: {found:?}", dir.display());
                    unrealistic.push((
                        proposed.clone(),
                        baseline.clone(),
                        ty,
                        c.request.clone(),
                        found,
                    ));
                }
            }
        }
    }
    println!(
        "{total} counterexamples, {} not realistic",
        unrealistic.len()
    );
    assert!(total >= 150, "{total}");
    // A resource outside the catalog formats stays only where no request with a resource in
    // the action's formats, meeting a Resource pattern of the proposal, is a counterexample.
    for (proposed, baseline, ty, r, found) in &unrealistic {
        assert!(
            found.iter().all(|p| p.property == Property::Resource)
                && !catalog_resource_replays(proposed, baseline, *ty, r),
            "{found:?}\n{}",
            serde_json::to_string(r).unwrap()
        );
    }
}

/// Is some request that differs only in its resource, a resource in one of the action's
/// catalog formats (`*` for an action with none) meeting one of the proposal's Resource
/// patterns, a counterexample?
fn catalog_resource_replays(
    proposed: &Policy,
    baseline: &Policy,
    ty: PolicyType,
    r: &Request,
) -> bool {
    let Some(formats) = keyaki::catalog::catalog().resource_formats(&r.action.to_lowercase())
    else {
        return false;
    };
    let ctx = keyaki::eval::effective_context(r);
    let mut candidates: Vec<String> = Vec::new();
    if formats.is_empty() {
        candidates.push("*".into());
    }
    for s in proposed
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
    {
        let ResourceClause::Resource(patterns) = &s.resource else {
            continue;
        };
        for p in patterns {
            let Some(chars) = keyaki::eval::resolve_template(&p.template, &ctx, proposed.version)
            else {
                continue;
            };
            let g = Glob::from_chars(&chars, true);
            for f in &formats {
                if let Witness::Found(w) = keyaki::automata::witness(&[&f.glob, &g], &[]) {
                    candidates.push(w);
                }
            }
        }
    }
    candidates.into_iter().any(|resource| {
        let mut c = r.clone();
        c.resource = Some(resource);
        evaluate(proposed, &c, ty).decision == Decision::Allow
            && evaluate(baseline, &c, ty).decision != Decision::Allow
    })
}
