//! Session 13's soundness review: refuted passes found on main and fixed. Each test names the
//! request that refuted the old "pass" and asserts the decision both policies give it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../fuzz/gen/findings.rs"]
mod findings;
#[path = "../fuzz/gen/mod.rs"]
mod gen;
#[path = "../fuzz/gen/oracles.rs"]
mod oracles;

use findings::{open_identity, policy};
use keyaki::eval::{evaluate, Decision, PolicyType};
use keyaki::explain::Verdict;
use serde_json::json;

fn decision(statements: serde_json::Value, request: serde_json::Value) -> Decision {
    let p = oracles::parse_generated_policy(&policy(statements));
    let r = keyaki::parse::parse_request(request.to_string().as_bytes(), "request.json")
        .expect("the request parses");
    evaluate(&p, &r, PolicyType::Identity).decision
}

fn assert_unknown_naming_the_reserved_character(
    proposed: serde_json::Value,
    baseline: serde_json::Value,
) {
    match findings::check(proposed, baseline, &open_identity()) {
        Verdict::Unknown(reason) => {
            let text = reason.to_string();
            assert!(text.contains("U+FDD0"), "{text}");
        }
        other => panic!("expected unknown (reserved character), got {other:?}"),
    }
}

/// The automata stand for holes with U+FDD0..U+FDEF: a policy's own U+FDD0 was read as a hole
/// that only a variable fills, so `b/\u{FDD0}` matched nothing and the pair was "proved". The
/// evaluator reads it as text: alice on `b/\u{FDD0}` is allowed by the proposal only. Now the
/// prover refuses such a policy (unknown, naming the character), on either side.
#[test]
fn a_policy_literal_holding_a_hole_character_is_not_read_as_a_hole() {
    let proposed = json!([{"Effect":"Allow","Action":"s3:GetObject",
        "Resource":"arn:aws:s3:::b/\u{FDD0}"}]);
    let baseline = json!([{"Effect":"Allow","Action":"s3:GetObject",
        "Resource":"arn:aws:s3:::b/${aws:username, '\u{FDD0}'}"}]);
    let request = json!({"principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},
        "action":"s3:GetObject","resource":"arn:aws:s3:::b/\u{FDD0}","context":{}});
    assert_eq!(decision(proposed.clone(), request.clone()), Decision::Allow);
    assert_eq!(decision(baseline.clone(), request), Decision::ImplicitDeny);
    assert_unknown_naming_the_reserved_character(proposed, baseline);
}

/// The same in a condition value, and the character in the baseline alone.
#[test]
fn a_condition_value_holding_a_hole_character_is_refused_on_either_side() {
    let proposed = json!([{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
        "Condition":{"StringEquals":{"s3:prefix":"\u{FDEF}"}}}]);
    let baseline = json!([{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
        "Condition":{"StringEquals":{"s3:prefix":"${aws:username, '\u{FDD0}'}"}}}]);
    let request = json!({"principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},
        "action":"s3:GetObject","resource":"arn:aws:s3:::b/o","context":{"s3:prefix":"\u{FDEF}"}});
    assert_eq!(decision(proposed.clone(), request.clone()), Decision::Allow);
    assert_eq!(decision(baseline.clone(), request), Decision::ImplicitDeny);
    assert_unknown_naming_the_reserved_character(proposed.clone(), baseline);
    let plain = json!([{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]);
    assert_unknown_naming_the_reserved_character(plain, proposed);
}

/// The character just outside the range is ordinary text: decided as usual.
#[test]
fn the_character_after_the_reserved_range_is_ordinary_text() {
    let proposed = json!([{"Effect":"Allow","Action":"s3:GetObject",
        "Resource":"arn:aws:s3:::b/\u{FDF0}"}]);
    let baseline = json!([{"Effect":"Allow","Action":"s3:GetObject",
        "Resource":"arn:aws:s3:::b/${aws:username, '\u{FDF0}'}"}]);
    findings::assert_fails(proposed, baseline, &open_identity());
}

/// Tags a..: `a` is `z`'s default (`x` × 65, `z` absent), each next tag doubles the one before,
/// and the last may equal `h`: `links` doublings.
fn doubling_chain(links: usize) -> serde_json::Value {
    let tag = |i: usize| format!("aws:PrincipalTag/t{i}");
    let mut equals = serde_json::Map::new();
    equals.insert(
        tag(0),
        json!(format!("${{aws:PrincipalTag/z, '{}'}}", "x".repeat(65))),
    );
    for i in 1..=links {
        let before = tag(i - 1);
        equals.insert(tag(i), json!(format!("${{{before}}}${{{before}}}")));
    }
    json!([{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{
        "StringEquals": equals,
        "StringEqualsIfExists": {tag(links): "${aws:PrincipalTag/h}"},
        "Null": {"aws:PrincipalTag/z": "true"}}}])
}

/// The equality seeds gave up past 4,096 characters a value, and that give-up was learned as
/// "these equations contradict each other": six doublings of 65 characters (4,160) were
/// "proved" to allow nothing. Tags of 65, 130, ..., 4,160 `x`s (and `h` the last) are allowed.
/// Now the budget gives up without a lemma: a replayed counterexample or unknown, never a pass.
#[test]
fn equations_whose_values_pass_the_length_budget_are_not_a_contradiction() {
    let nothing = json!([{"Effect":"Allow","Action":"s3:GetObject",
        "Resource":"arn:aws:s3:::nothing"}]);
    let mut context = serde_json::Map::new();
    for i in 0..=6 {
        context.insert(format!("aws:PrincipalTag/t{i}"), json!("x".repeat(65 << i)));
    }
    context.insert("aws:PrincipalTag/h".into(), json!("x".repeat(65 << 6)));
    let request = json!({"principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},
        "action":"s3:GetObject","resource":"arn:aws:s3:::b/o","context":context});
    assert_eq!(
        decision(doubling_chain(6), request.clone()),
        Decision::Allow
    );
    assert_eq!(decision(nothing.clone(), request), Decision::ImplicitDeny);
    for links in [6, 30] {
        let verdict = findings::check(doubling_chain(links), nothing.clone(), &open_identity());
        assert!(
            !matches!(verdict, Verdict::Holds),
            "{links} doublings: a pass claimed"
        );
    }
}

/// A listed resource is not policy text: it reached the automata without the policy check,
/// and `b/\u{FDD0}` (read as a hole) made the Deny on `b/${aws:username}` cover it, so "not
/// granted" was proved while alice is allowed. Every pattern entering the prover is checked.
#[test]
fn a_listed_resource_holding_a_hole_character_is_refused() {
    let statements = json!([
        {"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},
        {"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}"},
        {"Effect":"Deny","Action":"s3:GetObject","Resource":"*",
         "Condition":{"Null":{"aws:username":"true"}}}]);
    let request = json!({"principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},
        "action":"s3:GetObject","resource":"arn:aws:s3:::b/\u{FDD0}",
        "context":{"aws:username":"alice"}});
    assert_eq!(decision(statements.clone(), request), Decision::Allow);
    let question = keyaki::NotGranted {
        actions: vec!["s3:GetObject".into()],
        resources: vec!["arn:aws:s3:::b/\u{FDD0}".into()],
        allow_unknown_actions: false,
    };
    let policy = oracles::parse_generated_policy(&policy(statements));
    let report = keyaki::access_not_granted(&policy, &question, &open_identity()).unwrap();
    assert_eq!(report.result, keyaki::CheckResult::Unknown, "{report:?}");
    assert!(
        report.reason.as_deref().unwrap_or("").contains("U+FDD0"),
        "{report:?}"
    );
}

/// The emptied-key lemma (`cancelled_ends.rs`) said `x ~ "" ∧ x single → (T ↔ T without
/// ${x})` for a template `T` on another string: `s3:prefix like *${aws:username}` without the
/// user name is `*`, folded to true, while the atom is false where `s3:prefix` is absent.
/// Found by the chained family on merged main (cases 0-1999): the lemma now needs the string
/// present. Each request below made one lemma of its pair's query false.
#[test]
fn the_emptied_key_lemma_speaks_only_of_present_strings() {
    let pairs = [
        (
            json!({"StringLike":{"aws:PrincipalTag/dept":"${s3:prefix}${aws:username}"},
                   "StringNotLike":{"aws:PrincipalTag/dept":"*${aws:username}"}}),
            json!({"ArnEquals":{"aws:PrincipalTag/dept":"${s3:prefix}"}}),
            json!({"aws:PrincipalTag/dept":"ak","aws:PrincipalTag/team":"a/b","aws:username":""}),
        ),
        (
            json!({"StringLike":{"aws:PrincipalTag/team":"${aws:username}*"},
                   "StringNotEqualsIgnoreCase":{"aws:PrincipalTag/team":"${s3:prefix}${aws:username}"}}),
            json!({"StringNotLike":{"aws:PrincipalTag/team":"${s3:prefix}"}}),
            json!({"aws:PrincipalTag/dept":"k","aws:PrincipalTag/team":"D","aws:username":""}),
        ),
    ];
    for (proposed, baseline, context) in pairs {
        let statement = |condition: &serde_json::Value| {
            policy(
                json!([{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
                "Condition":condition}]),
            )
        };
        let p = oracles::parse_generated_policy(&statement(&proposed));
        let b = oracles::parse_generated_policy(&statement(&baseline));
        let query = keyaki::encode::verify_no_new_access(&p, &b, PolicyType::Identity).unwrap();
        let request = oracles::parse_generated_request(&json!({
            "principal":{"AWS":"arn:aws:iam::111122223333:user/u"},"action":"s3:GetObject",
            "resource":"arn:aws:s3:::b/o","context":context}));
        assert_eq!(oracles::false_lemma(&query, &request), None, "{proposed}");
    }
}
