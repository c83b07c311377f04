//! Pairs the session-6 and session-7 differential runs left undecided, shrunk by greedy deletion
//! (`fuzz/gen/shrink.py`: a deletion is kept while the check still runs to its timeout).
//! Each must decide within 10 s with the verdict it states (most are obvious failures whose
//! counterexamples the CLI's probe fallback prints; a few are passes, one a refuted pass of
//! `external_access`). The unfixed ones are `#[ignore]`d with their state in
//! the sessions' coordination notes (outside the repository); the fixed ones run (session 7: 20 decided by decide @ 521f43d and
//! icase @ eee3c80, un-ignored). Family and run are named on every test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../fuzz/gen/mod.rs"]
mod gen;
#[path = "../fuzz/gen/oracles.rs"]
mod oracles;

use keyaki::eval::PolicyType;
use keyaki::explain::{check_no_new_access, CheckOptions, Verdict};
use keyaki::ResourceUniverse;
use serde_json::{json, Value};
use std::time::Duration;

fn policy(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn check(proposed: &Value, baseline: &Value, options: &CheckOptions) -> Verdict {
    let p = oracles::parse_generated_policy(proposed);
    let b = oracles::parse_generated_policy(baseline);
    let verdict = check_no_new_access(&p, &b, options);
    oracles::assert_replays(&verdict, &p, &b, options.policy_type);
    verdict
}

fn options(universe: ResourceUniverse) -> CheckOptions {
    CheckOptions {
        timeout: Duration::from_secs(10),
        resource_universe: universe,
        ..oracles::options(PolicyType::Identity)
    }
}

/// Fails with a replayed counterexample (not unknown) in the open universe.
fn assert_fails(proposed: Value, baseline: Value) {
    let verdict = check(
        &policy(proposed),
        &policy(baseline),
        &options(ResourceUniverse::Open),
    );
    assert!(matches!(verdict, Verdict::Violated(_)), "{verdict:?}");
}

/// Template family, 30k run, case 1 of 9 unknowns: an ignore-case template equality on
/// s3:prefix beside Like templates of two keys on the same key. 120 s timeout: still unknown.
#[test]
fn template_ignore_case_prefix_beside_like_templates_is_decided() {
    assert_fails(
        json!([{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::b/none/*","arn:aws:s3:::b/${aws:username}*"],"Condition":{"StringEqualsIgnoreCase":{"s3:prefix":"${aws:PrincipalTag/team, 'none'}"}}}]),
        json!([
            {"Effect":"Deny","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/*-x-${aws:username}"],"Condition":{"StringLike":{"s3:prefix":"${aws:PrincipalTag/team}/*"}}},
            {"Effect":"Allow","Action":"s3:ListBucket","Resource":["arn:aws:s3:::b/${aws:PrincipalTag/team, 'none'}/*"],"Condition":{"StringLike":{"s3:prefix":"a${AWS:UserName}"}}}
        ]),
    );
}

/// Template family, 30k run, case 2: three templates of one key at three offsets on the
/// resource (`b/${u}*`, `b/a${u}`, the Deny's `b/${u}a`), prefix templates of two keys.
#[test]
fn template_three_offsets_of_one_key_is_decided() {
    assert_fails(
        json!([
            {"Effect":"Allow","Action":"s3:ListBucket","Resource":["arn:aws:s3:::b/${aws:username}*","arn:aws:s3:::b/a${aws:username}"],"Condition":{"StringLike":{"s3:prefix":"${AWS:UserName}a"}}},
            {"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:iam::*:user/${aws:username}"],"Condition":{"StringLike":{"s3:prefix":"${AWS:UserName}/*"}}}
        ]),
        json!([{"Effect":"Deny","Action":"s3:ListBucket","Resource":["arn:aws:s3:::b/${aws:username}a"],"Condition":{"StringLike":{"s3:prefix":"${aws:PrincipalTag/team}a"}}}]),
    );
}

/// Template family, 30k run, case 3: `*-${u}?` alone in one statement; a second key's
/// template on the resource and the prefix in the other.
#[test]
fn template_shifted_suffix_beside_a_second_key_is_decided() {
    assert_fails(
        json!([
            {"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/*-${AWS:UserName}?"]},
            {"Effect":"Allow","Action":"s3:ListBucket","Resource":["arn:aws:s3:::b/a${aws:PrincipalTag/team}"],"Condition":{"StringLike":{"s3:prefix":"${AWS:UserName}a"}}}
        ]),
        json!([{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::b/a*","arn:aws:s3:::b/a${aws:username}"],"Condition":{"StringLike":{"s3:prefix":"${aws:PrincipalTag/team}*"}}}]),
    );
}

/// Template family, 30k run, case 4 (unknown even through the CLI's probe fallback).
#[test]
fn template_team_prefix_against_username_deny_is_decided() {
    assert_fails(
        json!([{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:iam::*:user/${AWS:UserName}","arn:aws:s3:::b/${aws:PrincipalTag/team}a"],"Condition":{"StringLike":{"s3:prefix":"${aws:PrincipalTag/team}*"}}}]),
        json!([
            {"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::b/none/*","arn:aws:s3:::b/${aws:username}*"]},
            {"Effect":"Deny","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/*-x-${AWS:UserName}"],"Condition":{"StringNotLike":{"s3:prefix":"${AWS:UserName}/*"}}}
        ]),
    );
}

/// Template family, 30k run, case 5: a default template and the plain one of the same key
/// on the resource and the prefix, a Deny with a two-offset pair of another key.
#[test]
fn template_default_beside_plain_against_two_offsets_is_decided() {
    assert_fails(
        json!([
            {"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/a*","arn:aws:s3:::b/a${aws:PrincipalTag/team, 'none'}"],"Condition":{"StringLike":{"s3:prefix":"${aws:PrincipalTag/team}a"}}},
            {"Effect":"Deny","Action":"s3:*","Resource":["arn:aws:s3:::b/${aws:PrincipalTag/team}a","arn:aws:iam::*:user/*/${aws:username}"]}
        ]),
        json!([{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::b/${AWS:UserName}*","arn:aws:iam::*:user/${aws:username}"],"Condition":{"StringNotLike":{"s3:prefix":"${aws:username}/*"}}}]),
    );
}

/// Combined family (new), 300-case run: a template in the *account* segment of an ARN. The
/// baseline allows nothing (`Deny NotAction *` matches no action), yet the check takes
/// 5-7 s CPU and 556 MB peak RSS (the default 512 MB budget ends it `unknown` when two
/// checks run in one process). Same in the open and the catalog resource universe.
#[test]
fn template_in_the_account_segment_is_decided_quickly() {
    let proposed = policy(
        json!([{"Effect":"Allow","Action":["iam:ChangePassword"],"Resource":["arn:aws:iam::${aws:PrincipalTag/team}:user/*"]}]),
    );
    let baseline = policy(
        json!([{"Effect":"Deny","NotAction":"*","Resource":"arn:aws:iam::${aws:PrincipalTag/team,'eng'}:user/*"}]),
    );
    for universe in [ResourceUniverse::Open, ResourceUniverse::Catalog] {
        // A bound, not a timing: the check grows past 256 MB today.
        let options = CheckOptions {
            memory_budget_mb: 256,
            ..options(universe)
        };
        let verdict = check(&proposed, &baseline, &options);
        assert!(
            matches!(verdict, Verdict::Violated(_)),
            "{universe:?}: {verdict:?}"
        );
    }
}

/// Fails with a replayed counterexample (not unknown) in the given universes.
fn assert_fails_in(
    proposed: Value,
    baseline: Value,
    actions: keyaki::ActionUniverse,
    resources: ResourceUniverse,
) {
    let options = CheckOptions {
        action_universe: actions,
        ..options(resources)
    };
    let verdict = check(&policy(proposed), &policy(baseline), &options);
    assert!(matches!(verdict, Verdict::Violated(_)), "{verdict:?}");
}

/// Combined family, 2k run: the baseline allows nothing when `aws:username` is present (it
/// is never unequal to itself), the proposal asks `aws:TagKeys` to hold the user name:
/// `{"aws:username": "x", "aws:TagKeys": ["x"]}` is a counterexample. Library: "cycle through
/// key aws:tagkeys, and the value chosen to break it does not fit" in 0.1 s.
#[test]
fn tag_keys_like_the_user_name_against_a_self_compare_is_decided() {
    assert_fails_in(
        json!([{"Effect":"Allow","Action":["iam:ChangePassword"],"Condition":{"ForAnyValue:StringLike":{"aws:TagKeys":["${aws:username}"]}}}]),
        json!([{"Effect":"Deny","NotAction":["s3:Get*"],"Condition":{"StringNotEqualsIgnoreCase":{"aws:username":["${AWS:UserName}"]}}}]),
        keyaki::ActionUniverse::Catalog,
        ResourceUniverse::Catalog,
    );
}

/// Combined family, 2k run: `aws:PrincipalArn` like `user/${aws:username}` or
/// `user/${aws:PrincipalTag/team}`, the resource named by the team. Library: "cycle through
/// key aws:principalarn".
#[test]
fn principal_arn_like_two_templates_is_decided() {
    assert_fails_in(
        json!([{"Effect":"Allow","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::${aws:principaltag/TEAM}/*"],"Condition":{"ArnLike":{"aws:PrincipalArn":["arn:aws:iam::*:user/${aws:username}","arn:aws:iam::*:user/${aws:PrincipalTag/team}"]}}}]),
        json!([{"Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:::b/${aws:username}*"]}]),
        keyaki::ActionUniverse::Open,
        ResourceUniverse::Open,
    );
}

/// Combined family, 2k run: a resourceless `s3:Get*` Allow whose `aws:ResourceTag/owner` is
/// like `${aws:username}*`, in the catalog resource universe. Library: "cycle through key
/// aws:resourcetag/owner".
#[test]
fn resource_tag_like_the_user_name_is_decided() {
    assert_fails_in(
        json!([
            {"Effect":"Allow","NotAction":["s3:Get*"],"Resource":"arn:aws:iam::111122223333:user/*","Condition":{"StringEquals":{"aws:ResourceTag/env":["PROD"]},"StringNotLike":{"s3:prefix":"${aws:principaltag/TEAM}*"}}},
            {"Effect":"Allow","Action":["s3:Get*"],"Condition":{"StringEquals":{"aws:ResourceAccount":["${aws:PrincipalAccount}"]},"StringLike":{"aws:ResourceTag/owner":["${AWS:UserName}*"]}}}
        ]),
        json!([
            {"Effect":"Allow","NotAction":["s3:Get*"]},
            {"Effect":"Deny","NotAction":["s3:*"],"Resource":["arn:aws:s3:::${AWS:UserName}"],"Condition":{"StringNotEqualsIgnoreCase":{"aws:username":["${aws:PrincipalTag/team}","${AWS:UserName}"]}}}
        ]),
        keyaki::ActionUniverse::Open,
        ResourceUniverse::Catalog,
    );
}

/// Combined family, 2k run (shrunk from a memory-budget unknown): the baseline denies
/// s3:GetObject and allows everything else; the proposal's Deny of s3:GetObject lets an owner
/// tag equal (ignoring case) to the team tag, or to the default `eng`, through, and its Allow
/// needs `aws:PrincipalArn` like `arn:aws:iam::${aws:PrincipalAccount}:*`. Library: 10 s CPU,
/// then `unknown` (memory budget of 512 MB, or the timeout), in both resource universes.
#[test]
fn ignore_case_owner_beside_principal_account_template_is_decided() {
    assert_fails_in(
        json!([
            {"Effect":"Deny","Action":["s3:GetObject"],"Condition":{"StringNotEqualsIgnoreCaseIfExists":{"aws:ResourceTag/owner":["${aws:principaltag/TEAM}","${aws:PrincipalTag/team,'eng'}"]}}},
            {"Effect":"Allow","Action":["*"],"Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::${aws:PrincipalAccount}:*"}}}
        ]),
        json!([
            {"Effect":"Deny","Action":["s3:GetObject"]},
            {"Effect":"Allow","Action":["s3:Get*"]},
            {"Effect":"Allow","Action":["*"]}
        ]),
        keyaki::ActionUniverse::Open,
        ResourceUniverse::Open,
    );
}

/// Combined family, 2k run: the plain template inside the default one, under an
/// ignore-case set operator with IfExists. A pass (with the tag single-valued both read it;
/// without, the plain one matches nothing), which the library cannot prove: it runs to the
/// timeout (catalog actions here; the open universe is the same question).
#[test]
fn plain_template_inside_default_under_ignore_case_set_operator_passes() {
    let allow = |variable: &str| {
        policy(
            json!([{"Effect":"Allow","Action":["iam:GetUser"],"Condition":{"ForAnyValue:StringEqualsIgnoreCaseIfExists":{"aws:TagKeys":[variable]}}}]),
        )
    };
    let options = CheckOptions {
        action_universe: keyaki::ActionUniverse::Catalog,
        ..options(ResourceUniverse::Open)
    };
    let verdict = check(
        &allow("${aws:PrincipalTag/team}"),
        &allow("${aws:PrincipalTag/team, 'none'}"),
        &options,
    );
    assert_eq!(verdict, Verdict::Holds);
}

/// Combined family, 2k run: `Allow *` on `b/a${aws:PrincipalAccount}` against an `Allow *`
/// with a `Deny NotAction` on `b/${team}*` (team `a` denies s3:PutObject there) and a Deny
/// comparing `aws:username` ignoring case with the plain and the default team template.
#[test]
fn principal_account_resource_against_team_deny_is_decided() {
    assert_fails_in(
        json!([{"Effect":"Allow","Action":["*"],"Resource":"arn:aws:s3:::b/a${aws:PrincipalAccount}"}]),
        json!([
            {"Effect":"Deny","NotAction":["s3:GetObject"],"Resource":"arn:aws:s3:::b/${aws:principaltag/TEAM}*"},
            {"Effect":"Allow","Action":["*"]},
            {"Effect":"Deny","Action":["s3:GetObject","s3:*"],"Condition":{"StringNotEqualsIgnoreCaseIfExists":{"aws:username":["${aws:PrincipalTag/team,'eng'}","${aws:PrincipalTag/team}"]},"ForAllValues:StringEquals":{"aws:TagKeys":"Env"}}}
        ]),
        keyaki::ActionUniverse::Open,
        ResourceUniverse::Catalog,
    );
}

/// Mixed family, 5k identity run (1 unknown in 5,000): the baseline allows only
/// s3:GetObject, so any other action the proposal allows is a counterexample. Needs all three:
/// templates in the proposal's Resource, `NotIpAddress` on a multivalued key (IPv4 or IPv6
/// network), a template in the baseline's `aws:TagKeys` condition; without any one it fails
/// in 0.2 s. Library: timeout (30 s, 14 s CPU).
#[test]
fn not_ip_address_on_a_set_key_beside_templates_is_decided() {
    assert_fails(
        json!([{"Effect":"Allow","NotAction":["kms:Decrypt"],"Resource":["arn:aws:s3:::bucket/${aws:PrincipalTag/team, 'none'}/*","arn:aws:s3:::bucket/${aws:username}/*"],"Condition":{"StringEquals":{"aws:TagKeys":["team","Env"]},"NotIpAddress":{"custom:ips":["2001:db8::/32"]}}}]),
        json!([{"Effect":"Allow","Action":"s3:GetObject","Condition":{"StringNotLike":{"aws:TagKeys":["team","${aws:PrincipalTag/team}"]}}}]),
    );
}

/// A resource-policy check in the open universes.
fn check_resource_policy(proposed: Value, baseline: Value) -> Verdict {
    let options = CheckOptions {
        policy_type: PolicyType::Resource,
        ..options(ResourceUniverse::Open)
    };
    check(&policy(proposed), &policy(baseline), &options)
}

/// Combined family, 2k resource run (`solver returned unknown: canceled` there; alone: the
/// 30 s timeout, 9 s CPU, 294 MB). A MISSED PASS: `aws:username` unequal (ignoring case) to
/// `${team, 'none'}` implies unequal to `${team}` (with no team tag the plain template matches
/// nothing, so the negated condition holds).
#[test]
fn not_equals_ignore_case_default_template_inside_plain_passes() {
    let allow = |variable: &str| json!([{"Effect":"Allow","Principal":{"Federated":["arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"]},"Action":"*","Condition":{"StringNotEqualsIgnoreCase":{"aws:username":[variable]}}}]);
    let verdict = check_resource_policy(
        allow("${aws:PrincipalTag/team, 'none'}"),
        allow("${aws:PrincipalTag/team}"),
    );
    assert_eq!(verdict, Verdict::Holds);
}

/// Combined family, 2k resource run: a user whose name equals its team tag is denied by the
/// baseline's Deny on `${aws:username}/*` and allowed by the proposal on `${team}/*`.
/// Library: "cycle through key aws:principaltag/team" in 0.1 s.
#[test]
fn team_resource_against_user_name_deny_is_decided() {
    let verdict = check_resource_policy(
        json!([{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::444455556666:root"]},"Action":"*","Resource":["arn:aws:s3:::${aws:PrincipalTag/team}/*"]}]),
        json!([
            {"Effect":"Deny","NotPrincipal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"NotAction":["iam:*"],"Resource":["arn:aws:s3:::${aws:username}/*"]},
            {"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::444455556666:root"]},"Action":["*"],"Condition":{"StringLike":{"aws:PrincipalTag/team":["${aws:PrincipalTag/team}","${aws:username}"]}}}
        ]),
    );
    assert!(matches!(verdict, Verdict::Violated(_)), "{verdict:?}");
}

/// Access family (`access_not_granted`), 5k run (1 unknown in 5,000): is kms:Decrypt
/// granted? No: the owner tag would have to be like `${aws:username}` (or `alice`) and equal,
/// ignoring case, to the user name followed by a literal `*` (an ignore-case template with
/// text around the variable). Runs to the timeout.
#[test]
fn not_granted_ignore_case_template_with_a_literal_star_passes() {
    let json = policy(json!([
        {"Effect":"Allow","NotAction":["s3:GetObject","s3:Get*"],"Resource":["arn:aws:s3:::bucket/*"],"Condition":{"StringLike":{"aws:ResourceTag/owner":["${aws:username}","alice"]},"StringEqualsIgnoreCase":{"aws:ResourceTag/owner":"${aws:username}*"}}}
    ]));
    let question = keyaki::NotGranted {
        actions: vec!["kms:Decrypt".into()],
        resources: vec![],
        allow_unknown_actions: false,
    };
    let report = keyaki::access_not_granted(
        &oracles::parse_generated_policy(&json),
        &question,
        &options(ResourceUniverse::Open),
    )
    .unwrap();
    assert_eq!(report.result, keyaki::CheckResult::Pass, "{report:?}");
}

/// Access family, 5k external-access run: a REFUTED PASS. The policy lets the account root
/// in when `aws:PrincipalArn` is ArnLike `111122223333` (a bare account id, not an ARN);
/// `external_access` (zone: organization o-abc123) answers "no external access", but the
/// root of 111122223333 outside the organization, with `aws:PrincipalArn` = `111122223333`
/// given, is allowed by the evaluator, and `caller_inconsistency` calls that request one
/// AWS could send. One of the two must change (a universe that makes `aws:PrincipalArn` the
/// caller's ARN, or a prover that reads ArnLike on a bare id as the evaluator does).
#[test]
fn external_access_arn_like_bare_account_id_is_not_a_pass() {
    let json = json!({"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root"]},"NotAction":["s3:GetObject"],"Condition":{"ArnLike":{"aws:PrincipalArn":["o-*","111122223333"]}}}
    ]});
    let policy = oracles::parse_generated_policy(&json);
    let zone = keyaki::TrustZone::parse(&["org:o-abc123"]).unwrap();
    let request = oracles::parse_generated_request(&json!({
        "principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "action": "kms:Decrypt",
        "context": {"aws:PrincipalArn": "111122223333"}
    }));
    let allowed = keyaki::eval::evaluate(&policy, &request, PolicyType::Resource).decision
        == keyaki::eval::Decision::Allow;
    // What AWS sends: the root of 111122223333 has an aws:PrincipalArn in its own account.
    let own = std::collections::BTreeSet::from(["111122223333".to_string()]);
    let sendable = keyaki::request::callers::caller_inconsistency(&request).is_none()
        && keyaki::access::callers::account_inconsistency(&request, &own).is_none();
    assert!(
        !sendable,
        "AWS never sends a bare account id as aws:PrincipalArn"
    );
    let report = keyaki::external_access(
        &policy,
        &zone,
        &[],
        &CheckOptions {
            policy_type: PolicyType::Resource,
            ..options(ResourceUniverse::Open)
        },
    );
    assert!(
        !(allowed && sendable && !zone.contains(&request))
            || report.result != keyaki::CheckResult::Pass,
        "external access says pass; evaluator allows {request:?}: {report:?}"
    );
}

/// Universe family, 5k run (3 unknowns in 5,000, catalog/catalog): in the catalog resource
/// universe `arn:aws:s3:::${aws:PrincipalTag/team}` is an object ARN when the team tag holds
/// a slash (`b/k`), so s3:GetObject on it is a counterexample against a baseline that grants
/// s3:GetObject only on ARNs no object has. Runs to the timeout (30 s alone, 15 s CPU).
#[test]
fn catalog_universe_template_bucket_holding_a_key_is_decided() {
    assert_fails_in(
        json!([{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::${aws:PrincipalTag/team}"]}]),
        json!([{"Effect":"Allow","Action":["iam:PassRole","s3:GetObject"],"Resource":["arn:aws:sqs:us-east-1:*:q","arn:aws:iam::111122223333:role/*"]}]),
        keyaki::ActionUniverse::Catalog,
        ResourceUniverse::Catalog,
    );
}

/// Combined family, lead's 2k identity run on main @ a57b6ac (the `memory budget of 512 MB`
/// pair, shrunk; notes.md 17:22, to icase): a template in the account segment of a
/// NotResource, `user*` in the proposal against `user/*` in the baseline. A pass (the
/// proposal excludes more; with no team tag neither pattern matches anything). Library: the
/// 30 s timeout in all four universe combinations (9-11 s CPU on a loaded machine).
#[test]
fn account_segment_template_in_not_resource_user_star_passes() {
    let allow = |resource: &str| {
        policy(json!([{"Effect":"Allow","NotAction":["s3:Get*"],"NotResource":[resource]}]))
    };
    for universe in [ResourceUniverse::Open, ResourceUniverse::Catalog] {
        let verdict = check(
            &allow("arn:aws:iam::${aws:principaltag/TEAM}:user*"),
            &allow("arn:aws:iam::${aws:principaltag/TEAM}:user/*"),
            &options(universe),
        );
        assert_eq!(verdict, Verdict::Holds, "{universe:?}");
    }
}

/// Combined family, lead's 2k identity run on main @ a57b6ac (shrunk; notes.md 17:22, to
/// decide): the team tag like `${aws:username}` beside the baseline's default template of the
/// team. Fails: s3:GetObject on `b/alice/x` for user alice with team alice (the baseline's
/// NotAction leaves s3:GetObject out). Library: the 30 s timeout in all four universes.
#[test]
fn team_like_user_name_beside_default_team_resource_is_decided() {
    for universe in [ResourceUniverse::Open, ResourceUniverse::Catalog] {
        assert_fails_in(
            json!([{"Effect":"Allow","Action":["*"],"Resource":["arn:aws:s3:::b/${aws:username}/*"],"Condition":{"StringLike":{"aws:PrincipalTag/team":["${aws:username}"]}}}]),
            json!([{"Effect":"Allow","NotAction":["s3:GetObject"],"Resource":["arn:aws:s3:::b/${aws:PrincipalTag/team, 'none'}/*"]}]),
            keyaki::ActionUniverse::Open,
            universe,
        );
    }
}

/// Combined family, lead's 2k resource run on main @ a57b6ac (shrunk; notes.md 17:27, to
/// icase): the baseline allows nothing, the proposal s3:PutObject on `arn:aws:s3:::${team}`,
/// an object ARN when the team tag holds a slash. Open universes: fail in 0.2 s; catalog
/// resources: the timeout (20 s, 5 s CPU).
#[test]
fn catalog_universe_template_bucket_resource_policy_is_decided() {
    let options = CheckOptions {
        policy_type: PolicyType::Resource,
        action_universe: keyaki::ActionUniverse::Catalog,
        ..options(ResourceUniverse::Catalog)
    };
    let verdict = check(
        &policy(
            json!([{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":["arn:aws:s3:::${aws:PrincipalTag/team}"]}]),
        ),
        &policy(json!([{"Effect":"Deny","Principal":"*","NotAction":"s3:ListBucket"}])),
        &options,
    );
    assert!(matches!(verdict, Verdict::Violated(_)), "{verdict:?}");
}

/// Combined family, lead's 2k identity run on main @ a57b6ac (shrunk; notes.md 17:33, to
/// icase): the template is in the baseline's Deny, bucket-shaped; s3:GetObject takes object
/// ARNs in the catalog universe, so the Deny bites only for a user name holding a slash. Open
/// universe: fail in 0.1 s. Catalog: the timeout. Not unknown, whichever way the universe reads
/// such user names.
#[test]
fn catalog_universe_user_name_template_in_a_deny_is_decided() {
    let verdict = check(
        &policy(json!([{"Effect":"Allow","Action":["s3:GetObject"]}])),
        &policy(json!([
            {"Effect":"Deny","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::${AWS:UserName}"]},
            {"Effect":"Allow","Action":["s3:Get*"]}
        ])),
        &options(ResourceUniverse::Catalog),
    );
    assert!(!matches!(verdict, Verdict::Unknown(_)), "{verdict:?}");
}

/// Combined family, lead's 2k resource run (shrunk; notes.md 17:33, to icase): a default
/// template as the bucket, a baseline that allows nothing. Fails (team `b/k`). Open universe:
/// 0.1 s; catalog: the timeout.
#[test]
fn catalog_universe_default_template_bucket_is_decided() {
    let options = CheckOptions {
        policy_type: PolicyType::Resource,
        ..options(ResourceUniverse::Catalog)
    };
    let verdict = check(
        &policy(
            json!([{"Effect":"Allow","Principal":{"Federated":["accounts.google.com"]},"Action":["s3:GetObject"],"Resource":"arn:aws:s3:::${aws:PrincipalTag/team,'eng'}"}]),
        ),
        &policy(json!([{"Effect":"Allow","Principal":"*","NotAction":"*"}])),
        &options,
    );
    assert!(matches!(verdict, Verdict::Violated(_)), "{verdict:?}");
}

/// Access family (`no_public_access`), 2k run on main @ a57b6ac (1 unknown in 2,000; shrunk;
/// to icase): statement 2 lets any AWS caller whose team tag is one of its `custom:labels` do
/// s3:Get*, so the policy is public; an ignore-case `ForAllValues` over the same template in
/// statement 1 makes the query run to the timeout (without it: decided).
#[test]
fn public_access_ignore_case_set_template_beside_like_template_is_decided() {
    let json = policy(json!([
        {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/admin"},"NotAction":"kms:Decrypt","Condition":{"ForAllValues:StringNotEqualsIgnoreCaseIfExists":{"custom:labels":["${aws:PrincipalTag/team}"]}}},
        {"Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:Get*"],"Condition":{"StringLike":{"custom:labels":["${aws:PrincipalTag/team}"]}}}
    ]));
    let options = CheckOptions {
        policy_type: PolicyType::Resource,
        ..options(ResourceUniverse::Open)
    };
    let policy = oracles::parse_generated_policy(&json);
    let report = keyaki::no_public_access(&policy, None, &[], &options).unwrap();
    assert_eq!(report.result, keyaki::CheckResult::Fail, "{report:?}");
    for f in &report.findings {
        let decision = keyaki::eval::evaluate(&policy, &f.request, PolicyType::Resource).decision;
        assert_eq!(decision, keyaki::eval::Decision::Allow, "{:?}", f.request);
    }
}

/// Combined family, lead's 2k resource run on main @ a57b6ac (shrunk; to icase): the owner tag
/// equal to `${team}` and unequal, ignoring case, to `${team, 'eng'}`: with a team tag the two
/// contradict, without one the equality is false, so the proposal allows nothing. A pass; the
/// library runs to the timeout (identity and resource policy alike).
#[test]
fn owner_equal_and_unequal_ignoring_case_to_one_team_passes() {
    let verdict = check(
        &policy(
            json!([{"Effect":"Allow","NotAction":"iam:ChangePassword","Condition":{"StringNotEqualsIgnoreCase":{"aws:ResourceTag/owner":["${aws:PrincipalTag/team,'eng'}"]},"StringEquals":{"aws:ResourceTag/owner":["${aws:PrincipalTag/team}"]}}}]),
        ),
        &policy(json!([{"Effect":"Allow","Action":["s3:PutObject"]}])),
        &options(ResourceUniverse::Open),
    );
    assert_eq!(verdict, Verdict::Holds);
}

/// Guard-rail family (`tests/differential_guardrails.rs`), 600 identity cases on main @
/// a57b6ac (shrunk; to decide): the team tag like itself with a default or like the user name,
/// a Deny NotAction s3:* when the user name differs (ignoring case) from the team. The baseline
/// allows nothing; s3:GetObject with team `x` and no user name is a counterexample. Library:
/// "cycle through key aws:principaltag/team, and the value chosen to break it does not fit"
/// in 0.1 s.
#[test]
fn team_like_itself_or_user_name_beside_ignore_case_deny_is_decided() {
    assert_fails(
        json!([
            {"Effect":"Allow","Action":["*"],"Condition":{"StringLike":{"aws:PrincipalTag/team":["${aws:PrincipalTag/team,'eng'}","${aws:username}"]}}},
            {"Effect":"Deny","NotAction":["s3:*"],"Condition":{"StringNotEqualsIgnoreCase":{"aws:username":["${aws:PrincipalTag/team}"]}}}
        ]),
        json!([{"Effect":"Deny","Action":["iam:GetUser"]}]),
    );
}

/// Combined family, lead's 2k identity run on main @ a57b6ac (shrunk; to icase): s3:prefix
/// equal to the user name ignoring case against a Deny for prefixes like `${u}/*`. A pass by
/// length (|u| characters against at least |u|+1); the library runs to the timeout.
#[test]
fn ignore_case_prefix_equal_to_user_name_against_like_deny_passes() {
    let verdict = check(
        &policy(
            json!([{"Effect":"Allow","NotAction":"iam:GetUser","Condition":{"StringEqualsIgnoreCase":{"s3:prefix":["${AWS:UserName}"]}}}]),
        ),
        &policy(json!([
            {"Effect":"Deny","NotAction":["s3:ListBucket"],"Condition":{"StringLikeIfExists":{"s3:prefix":["${AWS:UserName}/*"]}}},
            {"Effect":"Allow","NotAction":"iam:GetUser"}
        ])),
        &options(ResourceUniverse::Open),
    );
    assert_eq!(verdict, Verdict::Holds);
}

/// Combined family, lead's 2k identity run on main @ a57b6ac (shrunk; to icase): `Allow *` on
/// IAM user ARNs named by a default template, against `Allow iam:*`. In the catalog action
/// and resource universes only IAM actions take IAM user ARNs (no other service in the
/// catalog has such a resource type): a pass. Open universes: fail in 0.5 s; catalog: timeout.
#[test]
fn catalog_universe_default_template_user_path_passes() {
    let options = CheckOptions {
        action_universe: keyaki::ActionUniverse::Catalog,
        ..options(ResourceUniverse::Catalog)
    };
    let verdict = check(
        &policy(
            json!([{"Effect":"Allow","Action":"*","Resource":["arn:aws:iam::*:user/*/${aws:PrincipalTag/team, 'none'}"]}]),
        ),
        &policy(json!([{"Effect":"Allow","Action":["iam:*"]}])),
        &options,
    );
    assert_eq!(verdict, Verdict::Holds);
}

/// Combined family, lead's 2k resource run (shrunk; to icase): s3:prefix equal, ignoring case,
/// to `${team, 'eng'}` and like `home/${team, 'none'}/*`: never both, so the proposal allows
/// nothing. A pass; the library runs to the timeout in the open universes too.
#[test]
fn ignore_case_prefix_default_against_like_home_default_passes() {
    let verdict = check_resource_policy(
        json!([{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":["*"],"Condition":{"StringEqualsIgnoreCase":{"s3:prefix":["${aws:PrincipalTag/team,'eng'}"]},"StringLike":{"s3:prefix":["home/${aws:PrincipalTag/team, 'none'}/*"]}}}]),
        json!([{"Effect":"Allow","Principal":"*","Action":["s3:ListBucket"]}]),
    );
    assert_eq!(verdict, Verdict::Holds);
}

/// Guard-rail family, 600 identity cases on main @ a57b6ac (shrunk; to icase): ignore-case
/// templates with text around the value (`home/${team, 'eng'}`, `home/${account}`) beside set
/// operators over templates. Fails: s3:GetObject on `arn:aws:iam::1:user/none`, no team tag,
/// s3:prefix `home/eng` (the baseline never allows s3:GetObject). Library: the timeout (30 s,
/// 7 s CPU, 295 MB); without the baseline's conditions, 0.4 s.
#[test]
fn guardrail_ignore_case_home_prefix_against_set_operators_is_decided() {
    assert_fails(
        json!([
            {"Effect":"Deny","NotAction":["s3:PutObject"],"Condition":{"StringNotEqualsIgnoreCaseIfExists":{"s3:prefix":["home/${aws:PrincipalTag/team,'eng'}"]}}},
            {"Effect":"Deny","Action":["s3:PutObject"],"Condition":{"StringNotEqualsIgnoreCase":{"aws:ResourceTag/owner":["${aws:PrincipalAccount}"]}}},
            {"Effect":"Allow","Action":["s3:*"],"Resource":"arn:aws:iam::*:user/${aws:PrincipalTag/team, 'none'}","Condition":{"ForAllValues:StringLike":{"custom:labels":""}}}
        ]),
        json!([{"Effect":"Allow","Action":["s3:ListBucket","s3:PutObject"],"Condition":{"ForAnyValue:StringNotEqualsIfExists":{"custom:labels":["${AWS:UserName}-*","${aws:PrincipalTag/team, 'none'}*"]},"ForAllValues:StringNotEqualsIgnoreCase":{"custom:labels":[""]},"StringNotEqualsIgnoreCase":{"s3:prefix":"home/${aws:PrincipalAccount}"}}}]),
    );
}

/// Guard-rail family's diff test, 600 cases on main @ a57b6ac (shrunk; to decide): the
/// baseline's Deny needs the team equal to the user name and the user name unequal to the team
/// (ignoring case both), never both when both exist; the proposal needs the team tag. A pass;
/// the library gives up on the cycle through the team tag in 0.1 s.
#[test]
fn ignore_case_equal_and_unequal_between_team_and_user_name_passes() {
    let verdict = check_resource_policy(
        json!([{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":["iam:GetUser"],"Resource":"arn:aws:iam::*:user/${aws:PrincipalTag/team}"}]),
        json!([
            {"Effect":"Allow","Principal":{"Federated":["cognito-identity.amazonaws.com"]},"NotAction":["iam:ChangePassword"]},
            {"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:root"]},"NotAction":["s3:*"],"Condition":{"StringEqualsIgnoreCaseIfExists":{"aws:PrincipalTag/team":"${AWS:UserName}"},"StringNotEqualsIgnoreCaseIfExists":{"aws:username":["${aws:PrincipalTag/team, 'none'}"]}}}
        ]),
    );
    assert_eq!(verdict, Verdict::Holds);
}

/// Guard-rail family, 600 identity cases on main @ a57b6ac (shrunk; to decide): set operators
/// over templates with text around the value (`x-${u}`, `x-${team}`, `${account}*`). Fails:
/// s3:ListBucket on `arn:aws:s3:::other`, user `a`, tag keys `["x-a"]`. Library: the timeout.
#[test]
fn set_operators_over_prefixed_templates_of_three_keys_is_decided() {
    assert_fails(
        json!([{"Effect":"Allow","Action":["s3:ListBucket","s3:PutObject"],"Condition":{"ForAnyValue:StringNotEqualsIgnoreCase":{"aws:TagKeys":["cost*"]},"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":"x-${AWS:UserName}"}}}]),
        json!([{"Effect":"Allow","Action":["*"],"Resource":"arn:aws:s3:::${aws:username}/*","Condition":{"ForAllValues:StringNotLikeIfExists":{"aws:TagKeys":["${aws:PrincipalAccount}*",""]},"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":["","x-${aws:PrincipalTag/team}"]}}}]),
    );
}

/// Combined family, lead's 2k resource run (shrunk; to icase): tag keys like `${team, 'eng'}`
/// against tag keys equal to `${team}` ignoring case, beside a team tag like itself. Fails
/// (444455556666, iam:ChangePassword on a user ARN, tag keys `["eng"]`, no team tag). Library:
/// the timeout in the open universes too.
#[test]
fn ignore_case_tag_keys_template_against_like_default_is_decided() {
    let verdict = check_resource_policy(
        json!([
            {"Effect":"Allow","Principal":{"Service":["s3.amazonaws.com"]},"Action":["s3:ListBucket"],"Condition":{"StringLike":{"aws:PrincipalTag/team":["${aws:PrincipalTag/team}"]}}},
            {"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"iam:ChangePassword","Condition":{"ForAnyValue:StringLike":{"aws:TagKeys":["${aws:PrincipalTag/team,'eng'}"]}}}
        ]),
        json!([
            {"Effect":"Deny","Principal":{"AWS":["arn:aws:iam::111122223333:root"]},"Action":["iam:*"]},
            {"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"iam:ChangePassword","Resource":["arn:aws:s3:::b/home/${aws:username}"],"Condition":{"ForAnyValue:StringEqualsIgnoreCase":{"aws:TagKeys":["${aws:PrincipalTag/team}"]}}}
        ]),
    );
    assert!(matches!(verdict, Verdict::Violated(_)), "{verdict:?}");
}

/// Guard-rail family, 600 identity cases on main @ a57b6ac (shrunk; to icase): a Deny that
/// spares users whose name equals the team tag ignoring case, an Allow whose tag keys must
/// equal `${u}-*` ignoring case. Fails: iam:GetUser on `arn:aws:s3:::b`, user `a`, team `a`,
/// no tag keys (the baseline's Deny of GetUser holds then). Library: the timeout (catalog
/// actions), "solver returned unknown: canceled" (open).
#[test]
fn guardrail_user_name_unequal_to_team_ignoring_case_is_decided() {
    assert_fails_in(
        json!([
            {"Effect":"Deny","Action":["iam:GetUser"],"NotResource":["arn:aws:s3:::b/home/${aws:PrincipalTag/team}"],"Condition":{"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":["cost*"]},"StringNotEqualsIgnoreCase":{"aws:username":["${aws:principaltag/TEAM}"]}}},
            {"Effect":"Allow","Action":["*"],"Resource":["arn:aws:s3:::b"],"Condition":{"ForAllValues:StringEqualsIgnoreCaseIfExists":{"aws:TagKeys":"${AWS:UserName}-*"}}}
        ]),
        json!([
            {"Effect":"Deny","Action":["iam:GetUser"],"Condition":{"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":["cost*"]}}},
            {"Effect":"Allow","Action":["*"],"Resource":["arn:aws:iam::*:user/*/${aws:PrincipalTag/team}","arn:aws:s3:::b"]}
        ]),
        keyaki::ActionUniverse::Catalog,
        ResourceUniverse::Open,
    );
}

/// Guard-rail family, 600 identity cases on main @ a57b6ac (shrunk; to icase): the minimal
/// length pass. s3:prefix equal to the user name ignoring case and like `${u}/*` is
/// impossible (|u| characters against at least |u|+1), so the proposal allows nothing, as the
/// baseline does. Library: the timeout (open and catalog universes).
#[test]
fn user_name_prefix_equal_and_like_slash_allows_nothing() {
    let verdict = check(
        &policy(
            json!([{"Effect":"Allow","Action":"s3:Get*","Condition":{"StringEqualsIgnoreCase":{"s3:prefix":"${aws:username}"},"StringLikeIfExists":{"s3:prefix":"${AWS:UserName}/*"}}}]),
        ),
        &policy(json!([{"Effect":"Deny","NotAction":["s3:ListBucket"]}])),
        &options(ResourceUniverse::Open),
    );
    assert_eq!(verdict, Verdict::Holds);
}

/// Guard-rail family, 600 identity cases (shrunk; to icase): `b/${team}a` inside the Deny's
/// `b/${u}/*` needs the team to be `u/...`, never equal to `u` ignoring case. A pass; the
/// library ran to the timeout (decided by lemmas @ session 8: the equality lemma).
#[test]
fn team_resource_inside_user_deny_equal_ignoring_case_passes() {
    let verdict = check(
        &policy(
            json!([{"Effect":"Allow","Action":["s3:PutObject"],"Resource":["arn:aws:s3:::b/${aws:PrincipalTag/team}a"]}]),
        ),
        &policy(json!([
            {"Effect":"Deny","Action":["*"],"Resource":["arn:aws:s3:::b/${aws:username}/*"],"Condition":{"StringEqualsIgnoreCaseIfExists":{"aws:PrincipalTag/team":["${aws:username}"]}}},
            {"Effect":"Allow","Action":["s3:PutObject"]}
        ])),
        &options(ResourceUniverse::Open),
    );
    assert_eq!(verdict, Verdict::Holds);
}

/// Guard-rail family, access_not_granted, 600 cases on main @ a57b6ac (shrunk; to icase): is
/// s3:Get* granted? Yes: s3:GetObject with team and owner tags equal (the Deny is on
/// ListBucket only, its ignore-case default template irrelevant). Library: the timeout.
#[test]
fn not_granted_owner_equal_to_team_beside_ignore_case_list_deny_is_decided() {
    let json = policy(json!([
        {"Effect":"Deny","Action":["s3:ListBucket"],"Condition":{"StringNotEqualsIgnoreCaseIfExists":{"aws:ResourceTag/owner":["${aws:PrincipalTag/team, 'none'}"]}}},
        {"Effect":"Allow","Action":"s3:GetObject","Condition":{"StringEquals":{"aws:ResourceTag/owner":["${aws:PrincipalTag/team}"]}}}
    ]));
    let question = keyaki::NotGranted {
        actions: vec!["s3:Get*".into()],
        resources: vec![],
        allow_unknown_actions: false,
    };
    let policy = oracles::parse_generated_policy(&json);
    let report =
        keyaki::access_not_granted(&policy, &question, &options(ResourceUniverse::Open)).unwrap();
    assert_eq!(report.result, keyaki::CheckResult::Fail, "{report:?}");
    for f in &report.findings {
        let decision = keyaki::eval::evaluate(&policy, &f.request, PolicyType::Identity).decision;
        assert_eq!(decision, keyaki::eval::Decision::Allow, "{:?}", f.request);
    }
}

/// Guard-rail family, external_access on 600 resource policies, main @ a57b6ac (shrunk; to
/// decide): bob of 444455556666 with team tag `bob` gets iam:GetUser (the Deny spares users
/// whose name equals the team ignoring case). Library: "cycle through key
/// aws:principaltag/team, and the value chosen to break it does not fit" in 0.1 s.
#[test]
fn external_access_user_equal_to_team_ignoring_case_is_decided() {
    let json = policy(json!([
        {"Effect":"Deny","Principal":"*","NotAction":["s3:*"],"Condition":{"StringNotEqualsIgnoreCaseIfExists":{"aws:username":["${aws:principaltag/TEAM}"]}}},
        {"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":["s3:PutObject"],"Condition":{"StringLike":{"aws:PrincipalTag/team":["${AWS:UserName}"]}}},
        {"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::444455556666:user/bob"]},"Action":["iam:GetUser"]}
    ]));
    let policy = oracles::parse_generated_policy(&json);
    let zone = keyaki::TrustZone::parse(&["account:111122223333", "org:o-abc123"]).unwrap();
    let options = CheckOptions {
        policy_type: PolicyType::Resource,
        ..options(ResourceUniverse::Open)
    };
    let report = keyaki::external_access(&policy, &zone, &[], &options);
    assert_eq!(report.result, keyaki::CheckResult::Fail, "{report:?}");
    for f in &report.findings {
        let decision = keyaki::eval::evaluate(&policy, &f.request, PolicyType::Resource).decision;
        assert_eq!(decision, keyaki::eval::Decision::Allow, "{:?}", f.request);
        assert!(!zone.contains(&f.request), "{:?}", f.request);
    }
}

/// Guard-rail family's diff test on main @ a57b6ac (shrunk; to icase): the baseline allows
/// nothing; the proposal allows s3:GetObject on `b/none/*` to user `none` when the owner tag
/// equals both the account and the user name ignoring case. A fail or a pass depending on
/// whether `aws:PrincipalAccount` may be `none`, but not unknown. Library: the timeout.
/// Session 10 (icase): the timeout -> 0.02 s (the cycle's first key is the user name, which
/// the resource's template reads, `concretize.rs`).
#[test]
fn owner_equal_to_account_and_user_name_ignoring_case_is_decided() {
    let verdict = check(
        &policy(json!([
            {"Effect":"Allow","Action":["s3:GetObject"],"Resource":"arn:aws:s3:::b/none/*","Condition":{"StringEqualsIgnoreCase":{"aws:ResourceTag/owner":"${aws:PrincipalAccount}"},"StringEqualsIgnoreCaseIfExists":{"aws:ResourceTag/owner":["${aws:username}"]}}},
            {"Effect":"Deny","Action":["s3:GetObject"],"NotResource":["arn:aws:s3:::b/${aws:username}/*"]}
        ])),
        &policy(json!([{"Effect":"Deny","Action":["s3:GetObject"]}])),
        &options(ResourceUniverse::Open),
    );
    assert!(!matches!(verdict, Verdict::Unknown(_)), "{verdict:?}");
}

/// Guard-rail family's diff test on main @ a57b6ac (shrunk; to icase): a tag key equal,
/// ignoring case, to the user name followed by a literal `*` always differs from the user name
/// (one character longer), so the proposal's ForAnyValue implies the baseline's. A pass; the
/// library runs to the timeout (30 s alone, 7 s CPU).
#[test]
fn tag_key_equal_to_user_name_star_ignoring_case_passes() {
    let allow = |condition: Value| json!([{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::444455556666:root"]},"Action":"*","Condition":condition}]);
    let verdict = check_resource_policy(
        allow(json!({"ForAnyValue:StringEqualsIgnoreCase":{"aws:TagKeys":["${aws:username}*"]}})),
        allow(json!({"ForAnyValue:StringNotEquals":{"aws:TagKeys":["${AWS:UserName}"]}})),
    );
    assert_eq!(verdict, Verdict::Holds);
}

/// A tool, not a property: checks the pair in the file `KEYAKI_PAIR` through the library as
/// the families do (`{"proposed", "baseline", "type", "resource_universe", "action_universe"}`,
/// the fields `fuzz/gen/shrink.py` reads; `KEYAKI_PAIR_TIMEOUT` seconds, default 30) and
/// prints `verdict: pass|fail|unknown <reason>`. With `"query": "public"`, `"external"`
/// (`"zone": [...]`) or `"not_granted"` (`"actions"`, `"resources"`) it asks that access
/// question of `proposed` instead (the access families' unknowns shrink the same way); with
/// `"query": "diff"`, `diff` from `baseline` (old) to `proposed` (new). The CLI's probe fallback hides library
/// unknowns, so `shrink.py --library` shrinks through this.
#[test]
#[ignore = "tool for fuzz/gen/shrink.py --library (needs KEYAKI_PAIR)"]
fn check_pair_file() {
    let Some(path) = std::env::var_os("KEYAKI_PAIR") else {
        println!("SKIPPED: KEYAKI_PAIR not set");
        return;
    };
    let pair: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let field = |name: &str, default: &str| pair[name].as_str().unwrap_or(default).to_string();
    let ty = if field("type", "identity") == "resource" {
        PolicyType::Resource
    } else {
        PolicyType::Identity
    };
    let timeout = std::env::var("KEYAKI_PAIR_TIMEOUT")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(30.0);
    let options = CheckOptions {
        timeout: Duration::from_secs_f64(timeout),
        resource_universe: if field("resource_universe", "open") == "catalog" {
            ResourceUniverse::Catalog
        } else {
            ResourceUniverse::Open
        },
        action_universe: if field("action_universe", "open") == "catalog" {
            keyaki::ActionUniverse::Catalog
        } else {
            keyaki::ActionUniverse::Open
        },
        ..oracles::options(ty)
    };
    // An access query asks about `proposed` alone (the baseline is ignored).
    let strings = |name: &str| -> Vec<String> {
        pair[name]
            .as_array()
            .map(|l| {
                l.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let policy = || oracles::parse_generated_policy(&pair["proposed"]);
    let report = match field("query", "check").as_str() {
        "public" => keyaki::no_public_access(&policy(), None, &[], &options).unwrap(),
        "external" => {
            let entries = strings("zone");
            let zone = keyaki::TrustZone::parse(&entries).unwrap();
            keyaki::external_access(&policy(), &zone, &[], &options)
        }
        "not_granted" => {
            let question = keyaki::NotGranted {
                actions: strings("actions"),
                resources: strings("resources"),
                allow_unknown_actions: false,
            };
            keyaki::access_not_granted(&policy(), &question, &options).unwrap()
        }
        "diff" => {
            // `baseline` is OLD, `proposed` NEW; unknown when either direction is.
            let file = |side: &str| keyaki::PolicyFile {
                path: format!("{side}.json"),
                policy: oracles::parse_generated_policy(&pair[side]),
            };
            let diff = keyaki::diff(&file("baseline"), &file("proposed"), &options);
            match diff.relation {
                keyaki::Relation::Unknown => {
                    println!("verdict: unknown {}", diff.reason.unwrap_or_default())
                }
                keyaki::Relation::Equivalent => println!("verdict: pass"),
                _ => println!("verdict: fail"),
            }
            return;
        }
        _ => {
            match check(&pair["proposed"], &pair["baseline"], &options) {
                Verdict::Holds => println!("verdict: pass"),
                Verdict::Violated(_) => println!("verdict: fail"),
                Verdict::Unknown(reason) => println!("verdict: unknown {reason}"),
            }
            return;
        }
    };
    for f in &report.findings {
        let decision = keyaki::eval::evaluate(&policy(), &f.request, ty).decision;
        assert_eq!(
            decision,
            keyaki::eval::Decision::Allow,
            "finding does not replay"
        );
    }
    match report.result {
        keyaki::CheckResult::Pass => println!("verdict: pass"),
        keyaki::CheckResult::Fail => println!("verdict: fail"),
        _ => println!("verdict: unknown {}", report.reason.unwrap_or_default()),
    }
}
