//! Session 13's two ARN regressions (`encodings/arn-template-classes.md`, section 4): pairs
//! main 8a021db decided that went unknown once ARN templates with always-free wildcards became
//! Like atoms. `/tmp/arns/new3/3227` (a pass): the pin of `pins.rs` (`${u}` fills segment 0 of
//! `${u}:${p}`, which `arn:aws:iam::${p}:user/*` fixes to `arn`) now reads Like templates too.
//! `/tmp/arns/new/1031` (a fail): an ARN template that stays ARN (`?${dept}`) implies its Like
//! atom, which the word equations read. Passes are confirmed by brute force (the evaluator on
//! requests built from the pair's values); every counterexample is replayed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../fuzz/gen/findings.rs"]
mod findings;
#[path = "../fuzz/gen/mod.rs"]
mod gen;
#[path = "../fuzz/gen/oracles.rs"]
mod oracles;

use findings::{allow_get_object as allow, assert_fails, open_identity};
use keyaki::eval::{evaluate, Decision, PolicyType};
use keyaki::explain::Verdict;
use serde_json::{json, Map, Value};

/// Every request giving `keys` one value each from `values` (a key's list may be built from
/// the others' values by `derived`): the proposal allows some, and the baseline every one the
/// proposal allows.
fn assert_no_new_access_by_brute_force(
    proposed: &[Value],
    baseline: &[Value],
    keys: &[(&str, Vec<String>)],
    derived: (&str, Derived),
) {
    let p = oracles::parse_generated_policy(&findings::policy(allow(proposed)));
    let b = oracles::parse_generated_policy(&findings::policy(allow(baseline)));
    let mut contexts = vec![Map::new()];
    for (key, values) in keys {
        contexts = contexts
            .into_iter()
            .flat_map(|c| {
                values.iter().map(move |v| {
                    let mut c = c.clone();
                    c.insert((*key).to_string(), json!(v));
                    c
                })
            })
            .collect();
    }
    let mut allowed = 0usize;
    for context in contexts {
        for value in (derived.1)(&context) {
            let mut context = context.clone();
            context.insert(derived.0.to_string(), json!(value));
            let request = oracles::parse_generated_request(&json!({
                "principal": {"AWS": "arn:aws:iam::111122223333:user/alice"},
                "action": "s3:GetObject",
                "resource": "arn:aws:s3:::example-bucket-name/example-object-name",
                "context": context,
            }));
            if evaluate(&p, &request, PolicyType::Identity).decision != Decision::Allow {
                continue;
            }
            allowed += 1;
            assert_eq!(
                evaluate(&b, &request, PolicyType::Identity).decision,
                Decision::Allow,
                "brute force refutes the pass: {context:?}"
            );
        }
    }
    assert!(allowed > 0, "the brute force never met the proposal");
}

/// The values of a key built from a request's other values.
type Derived<'a> = &'a dyn Fn(&Map<String, Value>) -> Vec<String>;

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(ToString::to_string).collect()
}

/// The team is ARN-equal to `${u}:${p}` and ARN-like `arn:aws:iam::${p}:user/*`.
fn team_is_user_and_prefix_and_an_iam_arn() -> Value {
    json!({"ArnEquals":{"aws:PrincipalTag/team":"${aws:username}:${s3:prefix}"},
        "ArnLike":{"aws:PrincipalTag/team":"arn:aws:iam::${s3:prefix}:user/*"}})
}

/// Brute force for the team pair: user names and prefixes around the pair's text, teams built
/// from them (`u:p`, the iam ARN on `p`) and a few others.
fn brute_force_team_pair(baseline: &[Value]) {
    let users = strings(&[
        "",
        "a",
        "arn",
        "arn:aws",
        "arn:aws:iam:",
        "arn:aws:iam::",
        "arn:aws:iam:::user/",
        "arn:aws:iam:::user/x",
        "arn:aws:iam::a:user/x:b",
        "b:c",
    ]);
    let prefixes = strings(&["", "a", ":", "x:y", "user/"]);
    let teams = |c: &Map<String, Value>| {
        let u = c["aws:username"].as_str().unwrap_or_default();
        let p = c["s3:prefix"].as_str().unwrap_or_default();
        vec![
            format!("{u}:{p}"),
            format!("arn:aws:iam::{p}:user/x"),
            format!("arn:aws:iam::{p}:user/x:{p}"),
            "arn:aws:iam:::user/:".to_string(),
        ]
    };
    assert_no_new_access_by_brute_force(
        &[team_is_user_and_prefix_and_an_iam_arn()],
        baseline,
        &[("aws:username", users), ("s3:prefix", prefixes)],
        ("aws:PrincipalTag/team", &teams),
    );
}

/// `/tmp/arns/new3/3227`: a team equal to `u:p` and like an iam ARN starts with `arn:`, so the
/// user name (filling segment 0 of `u:p`) is `arn` or starts with `arn:` (the pin): like `a*`.
/// Main 8a021db: pass 0.03 s; main 3eb907a: timeout; now pass 0.07 s (CLI, loaded).
#[test]
fn team_equal_to_user_and_prefix_and_like_an_iam_arn_names_a_user_like_a_star() {
    let baseline = [
        json!({"ArnEqualsIfExists":{"aws:PrincipalTag/team":"*:${aws:username}"}}),
        json!({"StringLike":{"aws:username":"a*"}}),
    ];
    brute_force_team_pair(&baseline);
    let verdict = findings::check(
        allow(&[team_is_user_and_prefix_and_an_iam_arn()]),
        allow(&baseline),
        &open_identity(),
    );
    assert_eq!(verdict, Verdict::Holds);
}

/// The pin's other readings: the name starts with `arn` (pass; main 0.11 s) and, the team being
/// 18 characters longer than the name's colon, with `arn:` (pass; main timeout).
#[test]
fn the_pinned_user_name_starts_like_the_iam_arn() {
    for pattern in ["arn*", "arn:*"] {
        let baseline = [json!({"StringLike":{"aws:username": pattern}})];
        brute_force_team_pair(&baseline);
        let verdict = findings::check(
            allow(&[team_is_user_and_prefix_and_an_iam_arn()]),
            allow(&baseline),
            &open_identity(),
        );
        assert_eq!(verdict, Verdict::Holds, "{pattern}");
    }
}

/// Near variants that fail (main: timeout on both): the first baseline statement alone, and a
/// name like `b*`.
#[test]
fn the_team_pair_fails_without_the_user_name_statement() {
    for baseline in [
        json!({"ArnEqualsIfExists":{"aws:PrincipalTag/team":"*:${aws:username}"}}),
        json!({"StringLike":{"aws:username":"b*"}}),
    ] {
        assert_fails(
            allow(&[team_is_user_and_prefix_and_an_iam_arn()]),
            allow(&[baseline]),
            &open_identity(),
        );
    }
}

/// The prefix ARN-equal to `?${dept}` and to `${u}:${dept}`: one character then the
/// department, so the user name is empty and the prefix `:`.
fn prefix_is_one_character_then_dept() -> Value {
    json!({"ArnEquals":{"s3:prefix":"?${aws:PrincipalTag/dept}"},
        "ArnLikeIfExists":{"s3:prefix":"${aws:username}:${aws:PrincipalTag/dept}"}})
}

/// `/tmp/arns/new/1031`: the baseline wants the department ARN-equal to `?${u}`, one character
/// when the name is empty; `dept = ""` breaks it. Main 8a021db: fail 0.07 s; session 13:
/// timeout; now fail 0.08 s (the Like atom of `?${dept}` meets the word equations).
#[test]
fn prefix_one_character_then_dept_is_not_inside_dept_one_character_then_user() {
    assert_fails(
        allow(&[prefix_is_one_character_then_dept()]),
        allow(&[json!({"ArnEquals":{"aws:PrincipalTag/dept":"?${aws:username}"}})]),
        &open_identity(),
    );
}

/// Its near variant: a baseline wanting a non-empty name fails on the empty one (main: fail).
#[test]
fn prefix_one_character_then_dept_allows_the_empty_user_name() {
    assert_fails(
        allow(&[prefix_is_one_character_then_dept()]),
        allow(&[json!({"StringLike":{"aws:username":"?*"}})]),
        &open_identity(),
    );
}
