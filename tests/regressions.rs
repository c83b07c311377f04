//! Every failure the fuzz targets and the differential tests found, as a minimal test.
//!
//! Tests marked `#[ignore = "bug: ..."]` reproduce engine bugs the lead must fix (engine files
//! are not ours); they fail today and pass once fixed — run them with `--ignored`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::policy;
use keyaki::eval::{evaluate, Decision, PolicyType};
use keyaki::explain::{check_no_new_access, CheckOptions, Verdict};
use keyaki::request::{Principal, Request};

fn options() -> CheckOptions {
    CheckOptions {
        policy_type: PolicyType::Identity,
        ..CheckOptions::default()
    }
}

/// Every counterexample prints to JSON that `parse_request` reads back, and replays.
fn assert_counterexamples_replay(verdict: &Verdict, proposed: &str, baseline: &str) {
    let (p, b) = (policy(proposed), policy(baseline));
    let Verdict::Violated(list) = verdict else {
        return;
    };
    for c in list {
        let json = serde_json::to_vec(&c.request).unwrap();
        let request = keyaki::parse::parse_request(&json, "counterexample.json")
            .unwrap_or_else(|e| panic!("printed counterexample does not parse back: {e}"));
        assert_eq!(
            evaluate(&p, &request, PolicyType::Identity).decision,
            Decision::Allow
        );
        assert_ne!(
            evaluate(&b, &request, PolicyType::Identity).decision,
            Decision::Allow
        );
    }
}

/// Found by `differential::counterexamples_replay_and_passes_are_never_refuted`.
/// `keyaki check p.json --baseline b.json` with an IPv6 network in an IpAddress condition
/// ends `unknown` (exit 3): "internal error: a counterexample did not replay through the
/// evaluator: ... "aws:SourceIp":"0.0.0.0"". Cause: the encoder never creates the
/// `Atom::IsIpv6` atom, so `solve` invents a private v6 flag and the concretizer
/// (`explain::typed_value`) finds no atom, assumes IPv4 and prints the low 32 bits.
/// Fix (engine): create the `IsIpv6` atom for every IP slot in the encoder (or read the
/// solver's v6 flag in the concretizer).
#[test]
fn ipv6_condition_counterexample_replays() {
    let proposed = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}}]}"#;
    let baseline = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    let verdict = check_no_new_access(&policy(proposed), &policy(baseline), &options());
    assert!(
        matches!(verdict, Verdict::Violated(_)),
        "expected a replayed counterexample, got {verdict:?}"
    );
    assert_counterexamples_replay(&verdict, proposed, baseline);
}

/// The IPv4 half of the same shape works: the bug is specific to IPv6.
#[test]
fn ipv4_condition_counterexample_replays() {
    let proposed = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}"#;
    let baseline = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    let verdict = check_no_new_access(&policy(proposed), &policy(baseline), &options());
    assert!(matches!(verdict, Verdict::Violated(_)), "{verdict:?}");
    assert_counterexamples_replay(&verdict, proposed, baseline);
}

/// A FALSE PASS. Found by reading the encoder against `encodings/eval-resourceless-requests.md`
/// after the differential agreement test disagreed on a request without a resource.
/// `keyaki check r1.json --baseline r2.json` prints `"result": "pass"` (exit 0), yet
/// `keyaki eval r1.json --request req.json` is Allow and `keyaki eval r2.json --request
/// req.json` is ImplicitDeny for `{"principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},
/// "action":"s3:ListAllMyBuckets"}`. Cause: the encoding gives the symbolic request a resource
/// whenever a statement has a Resource/NotResource element (`Query::uses_resource`), while
/// the evaluator says a request without a resource matches every NotResource and only
/// universal Resource patterns. Fix (engine): a `resource present` atom in the encoding —
/// absent ⇒ NotResource applies, Resource applies iff a pattern is universal — or, if
/// resourceless requests are out of scope, the evaluator and the docs must say so.
#[test]
fn resourceless_request_behind_not_resource_star() {
    let proposed = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","NotResource":"*"}]}"#;
    let baseline = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"arn:aws:s3:::*"}]}"#;
    let (p, b) = (policy(proposed), policy(baseline));
    let request = Request::new(
        Principal::Aws("arn:aws:iam::111122223333:user/alice".into()),
        "s3:ListAllMyBuckets",
        None,
    );
    // The evaluator's reading: the proposal grants something the baseline does not.
    assert_eq!(
        evaluate(&p, &request, PolicyType::Identity).decision,
        Decision::Allow
    );
    assert_eq!(
        evaluate(&b, &request, PolicyType::Identity).decision,
        Decision::ImplicitDeny
    );
    // So check must not pass.
    let verdict = check_no_new_access(&p, &b, &options());
    assert_ne!(verdict, Verdict::Holds, "false pass");
    assert_counterexamples_replay(&verdict, proposed, baseline);
}

/// Found by the limits review of the request shape. `Deny "*:*"` denies every real action
/// (every AWS action is `service:name`), yet check reports `fail` with counterexamples whose
/// action is `""`, `"3"` or `"b"`; `keyaki eval` rejects those printed requests ("`action`
/// must be `service:action`"), so the user cannot replay them. Cause: the open action universe
/// ranges over every string. Fix (engine): constrain the action variable to `?*:?*` (a lemma
/// on `StrVar::Action`), so this pair passes.
#[test]
fn counterexample_actions_have_a_service_prefix() {
    let proposed = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*:*","Resource":"*"}]}"#;
    let baseline = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/k"}]}"#;
    let verdict = check_no_new_access(&policy(proposed), &policy(baseline), &options());
    assert_counterexamples_replay(&verdict, proposed, baseline);
    assert_eq!(verdict, Verdict::Holds);
}

/// Found by `differential::counterexamples_replay_and_passes_are_never_refuted` (3,000-case
/// run). `keyaki check n2.json --baseline b.json` ends `unknown` (exit 3) with "internal error:
/// a counterexample did not replay": the model wants `aws:username` absent (Null = true) and
/// picks an `aws:PrincipalArn` value; `explain::identity_principal_hint` returns that user ARN
/// as the principal, and the evaluator derives `aws:username` from it, so the Null condition
/// fails on replay. A valid counterexample exists: the same request with `"aws:username": []`
/// in its context (given keys win over derived ones, an empty array meaning absent), or a
/// role-session principal. Fix (engine): when a derived key is absent in the model, write it
/// as an explicit empty array, or pick a principal that does not derive it.
#[test]
fn absent_username_counterexample_replays() {
    let proposed = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*","Condition":{"Null":{"aws:username":"true"},"StringNotEquals":{"aws:PrincipalArn":"alice"}}}]}"#;
    let baseline = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    let verdict = check_no_new_access(&policy(proposed), &policy(baseline), &options());
    assert!(
        matches!(verdict, Verdict::Violated(_)),
        "expected a replayed counterexample, got {verdict:?}"
    );
    assert_counterexamples_replay(&verdict, proposed, baseline);
}

/// The request the prover should have printed does show the new access: the bug above is in
/// concretization, not in the claim.
#[test]
fn absent_username_counterexample_exists() {
    let proposed = policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*","Condition":{"Null":{"aws:username":"true"},"StringNotEquals":{"aws:PrincipalArn":"alice"}}}]}"#,
    );
    let request = keyaki::parse::parse_request(
        br#"{"principal":{"AWS":"arn:aws:iam::111122223333:user/example"},"action":"ec2:RunInstances","resource":"arn:aws:ec2:us-east-1::image/ami-1","context":{"aws:username":[]}}"#,
        "request.json",
    )
    .unwrap();
    assert_eq!(
        evaluate(&proposed, &request, PolicyType::Identity).decision,
        Decision::Allow
    );
}

/// The same IPv6 bug reached through NotIpAddress (3,000-case differential run): outside
/// `0.0.0.0/0` only IPv6 addresses remain, and the model is printed as `"0.0.0.0"`.
#[test]
fn not_ip_address_everything_v4_counterexample_replays() {
    let proposed = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:DeleteObject","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"0.0.0.0/0"}}}]}"#;
    let baseline = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    let verdict = check_no_new_access(&policy(proposed), &policy(baseline), &options());
    assert!(
        matches!(verdict, Verdict::Violated(_)),
        "expected a replayed counterexample, got {verdict:?}"
    );
    assert_counterexamples_replay(&verdict, proposed, baseline);
}

/// The same concretization bug without a Null condition (10,000-case differential run): an
/// IfExists condition on `aws:username` is met by absence, the default `aws:PrincipalArn` is a
/// user ARN, and the user's derived name `example` then fails `StringEqualsIgnoreCase alice`.
#[test]
fn if_exists_username_counterexample_replays() {
    let proposed = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*","Condition":{"StringEqualsIgnoreCaseIfExists":{"aws:username":"alice"},"Null":{"aws:PrincipalArn":"false"}}}]}"#;
    let baseline = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    let verdict = check_no_new_access(&policy(proposed), &policy(baseline), &options());
    assert!(
        matches!(verdict, Verdict::Violated(_)),
        "expected a replayed counterexample, got {verdict:?}"
    );
    assert_counterexamples_replay(&verdict, proposed, baseline);
}

/// Found by `keyaki scan --spec` on the managed policies: AWSControlTowerAccountServiceRolePolicy
/// has `aws:PrincipalAccount = ${aws:ResourceAccount}` in one statement and
/// `aws:ResourceAccount = ${aws:PrincipalAccount}` in others. The concretizer waited on each
/// key for the other and ended `unknown` ("policy variables refer to each other in a cycle").
/// Now one key of the cycle is chosen first and its templates checked afterwards, and the
/// encoding knows that the two equalities are the same one.
#[test]
fn policy_variables_that_read_each_other_are_decided() {
    let proposed = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"sns:Publish","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"${aws:ResourceAccount}"}}},
        {"Effect":"Allow","Action":"config:PutAggregator","Resource":"*","Condition":{"StringEquals":{"aws:ResourceAccount":"${aws:PrincipalAccount}"}}}]}"#;
    let baseline = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    let many = CheckOptions {
        counterexamples: 3,
        ..options()
    };
    let verdict = check_no_new_access(&policy(proposed), &policy(baseline), &many);
    let Verdict::Violated(list) = &verdict else {
        panic!("expected counterexamples, got {verdict:?}");
    };
    // Both statements are reached, each with the two accounts equal.
    assert_eq!(list.len(), 2, "{list:?}");
    for c in list {
        let values = |key: &str| c.request.context.get(key).map(|v| v.values.clone());
        assert!(values("aws:principalaccount").is_some(), "{:?}", c.request);
        assert_eq!(
            values("aws:principalaccount"),
            values("aws:resourceaccount")
        );
    }
    assert_counterexamples_replay(&verdict, proposed, baseline);
    // Against itself: a proof, not unknown.
    let verdict = check_no_new_access(&policy(proposed), &policy(proposed), &options());
    assert!(matches!(verdict, Verdict::Holds), "{verdict:?}");
}

/// The symbolic request universe and the evaluator's were different for multi-valued
/// context: keys the catalog does not know got one value slot unless a ForAll/ForAny
/// operator touched them, while the evaluator accepted any number of values. With
/// `custom:k = ["a", "b"]` the proposal allows (some value is "a") and the baseline denies
/// (StringNotEquals: no value may be "b"), yet check said "pass".
#[test]
fn unknown_keys_may_carry_several_values() {
    let proposed = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"custom:k":"a"}}}]}"#;
    let baseline = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"custom:k":"a"},"StringNotEquals":{"custom:k":"b"}}}]}"#;
    let verdict = check_no_new_access(&policy(proposed), &policy(baseline), &options());
    let Verdict::Violated(list) = &verdict else {
        panic!("expected the two-valued counterexample, got {verdict:?}");
    };
    assert_eq!(list[0].request.context["custom:k"].values.len(), 2);
    assert_counterexamples_replay(&verdict, proposed, baseline);
}

/// The other half: a key the catalog types single-valued has one value in every request,
/// whatever operator a policy uses on it. ForAllValues on `aws:username` then only restricts
/// that one value, and the request that would refute the pass (two user names) is refused
/// by the request parser as input AWS never sends.
#[test]
fn single_valued_keys_have_one_value_even_under_set_operators() {
    let proposed = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:username":"a"}}}]}"#;
    let baseline = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:username":"a"}}}]}"#;
    let verdict = check_no_new_access(&policy(proposed), &policy(baseline), &options());
    assert!(matches!(verdict, Verdict::Holds), "{verdict:?}");
    let two = br#"{"principal":{"AWS":"arn:aws:iam::111122223333:user/a"},"action":"s3:GetObject","resource":"arn:aws:s3:::b/k","context":{"aws:username":["a","b"]}}"#;
    let err = keyaki::parse::parse_request(two, "request.json")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("single-valued") && err.contains("aws:username"),
        "{err}"
    );
    // One value in an array is still one value; multi-valued keys take several.
    let one = br#"{"principal":"anonymous","action":"s3:GetObject","context":{"aws:username":["a"],"aws:TagKeys":["x","y"],"custom:k":["a","b"]}}"#;
    assert!(keyaki::parse::parse_request(one, "request.json").is_ok());
}

/// Found in review: a resource template can resolve to `*` (here with the tag absent and
/// an empty default), and then the evaluator matches a request without a resource. The
/// encoder demanded a resource for every template, so this pair was reported as a pass
/// while the request below refutes it.
#[test]
fn a_template_resolving_to_star_matches_resourceless_requests() {
    let proposed = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetCallerIdentity","Resource":"*${aws:PrincipalTag/x, ''}"}]}"#;
    let baseline = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetCallerIdentity","Resource":"*${aws:PrincipalTag/x, ''}"},{"Effect":"Deny","Action":"sts:GetCallerIdentity","NotResource":"*"}]}"#;
    let refuting = br#"{"principal":{"AWS":"arn:aws:iam::111122223333:user/a"},"action":"sts:GetCallerIdentity"}"#;
    let request = keyaki::parse::parse_request(refuting, "request.json").unwrap();
    assert_eq!(
        evaluate(&policy(proposed), &request, PolicyType::Identity).decision,
        Decision::Allow
    );
    assert_ne!(
        evaluate(&policy(baseline), &request, PolicyType::Identity).decision,
        Decision::Allow
    );
    for prune in [true, false] {
        let options = CheckOptions { prune, ..options() };
        let verdict = check_no_new_access(&policy(proposed), &policy(baseline), &options);
        let Verdict::Violated(list) = &verdict else {
            panic!("prune {prune}: expected a counterexample, got {verdict:?}");
        };
        assert_eq!(list[0].request.resource, None);
        assert_counterexamples_replay(&verdict, proposed, baseline);
    }
    // With a non-empty tag value the pattern needs a resource: against itself, a proof.
    let verdict = check_no_new_access(
        &policy(proposed),
        &policy(proposed),
        &CheckOptions {
            prune: false,
            ..options()
        },
    );
    assert!(matches!(verdict, Verdict::Holds), "{verdict:?}");
}

/// Found by the 4,000-pair differential run (3 unknowns): a key compared with a template
/// that reads the key itself. The atom "username matches `${aws:username}*`" was free, so
/// the solver could ask for a user name that does not match itself; the concretizer gave up
/// ("policy variables refer to each other in a cycle through key aws:username").
#[test]
fn a_key_compared_with_a_template_of_itself_is_decided() {
    let nothing = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"}]}"#;
    // Always true for a present user name: a counterexample.
    let tautology = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringLike":{"aws:username":"${aws:username}*"}}}]}"#;
    let verdict = check_no_new_access(&policy(tautology), &policy(nothing), &options());
    assert!(matches!(verdict, Verdict::Violated(_)), "{verdict:?}");
    assert_counterexamples_replay(&verdict, tautology, nothing);
    // Never true: the user name would have to be longer than itself. A proof.
    let contradiction = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:username":"x${aws:username}"}}}]}"#;
    let verdict = check_no_new_access(&policy(contradiction), &policy(nothing), &options());
    assert!(matches!(verdict, Verdict::Holds), "{verdict:?}");
    // A Deny that always applies to a named user leaves only callers without one.
    let denied = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},{"Effect":"Deny","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:username":"${aws:username}"}}}]}"#;
    let verdict = check_no_new_access(&policy(denied), &policy(nothing), &options());
    let Verdict::Violated(list) = &verdict else {
        panic!("expected a caller without a user name, got {verdict:?}");
    };
    assert_counterexamples_replay(&verdict, denied, nothing);
    assert!(list.iter().all(|c| c
        .request
        .context
        .get("aws:username")
        .is_none_or(|v| v.values.is_empty())));
}

/// Found by the 100k differential run (session 4): `ForAnyValue:StringLike custom:team ""`
/// holds for `custom:team = ["", "x"]` (some value is empty, and the set is not a null data
/// set since "x" is not), but the key got one value slot, in which the condition can never
/// hold (an empty value alone is a null data set). The check said "pass" against a baseline
/// that allows nothing. A set operator needs one more slot for a non-empty value.
#[test]
fn set_operators_get_a_slot_for_a_non_empty_value() {
    let proposed = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"ForAnyValue:StringLike":{"custom:team":""}}}]}"#;
    let baseline = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}]}"#;
    let verdict = check_no_new_access(&policy(proposed), &policy(baseline), &options());
    let Verdict::Violated(list) = &verdict else {
        panic!("expected a counterexample with an empty and a non-empty value, got {verdict:?}");
    };
    let values = &list[0].request.context["custom:team"].values;
    assert!(
        values.iter().any(|v| v.is_empty()) && values.iter().any(|v| !v.is_empty()),
        "{values:?}"
    );
    assert_counterexamples_replay(&verdict, proposed, baseline);
    // The negated ForAllValues form: not a null data set, and some value is not "a".
    let proposed = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    let baseline = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"ForAllValues:StringEquals":{"custom:team":""}}}]}"#;
    let verdict = check_no_new_access(&policy(proposed), &policy(baseline), &options());
    assert!(matches!(verdict, Verdict::Violated(_)), "{verdict:?}");
    assert_counterexamples_replay(&verdict, proposed, baseline);
}

/// When the search gives up (here: no time at all), `check` still shows a counterexample the
/// solver-free probe finds and the evaluator confirms; a pair that holds stays unknown.
#[test]
fn check_falls_back_to_replayed_probe_counterexamples_never_to_a_pass() {
    let options = CheckOptions {
        timeout: std::time::Duration::ZERO,
        ..CheckOptions::default()
    };
    let wide = policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
    );
    let narrow = policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#,
    );
    let report = keyaki::check(&wide, &narrow, &options);
    assert_eq!(
        report.result,
        keyaki::CheckResult::Fail,
        "{:?}",
        report.reason
    );
    for c in &report.counterexamples {
        assert_eq!(
            evaluate(&wide, &c.request, PolicyType::Identity).decision,
            Decision::Allow
        );
        assert_ne!(
            evaluate(&narrow, &c.request, PolicyType::Identity).decision,
            Decision::Allow
        );
    }
    let all_of_s3 = policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
    );
    let report = keyaki::check(&wide, &all_of_s3, &options);
    assert_eq!(report.result, keyaki::CheckResult::Unknown);
    assert_eq!(
        keyaki::check(&wide, &all_of_s3, &CheckOptions::default()).result,
        keyaki::CheckResult::Pass
    );
}

/// An embedder's `check_spec` with default options (identity type) on a bucket policy used to
/// skip the spec's trust-zone and public-access requirements silently: a public bucket passed.
/// A policy with a `Principal` element is a resource policy whatever the options say.
#[test]
fn check_spec_with_default_options_reads_a_principal_policy_as_a_resource_policy() {
    let bucket = keyaki::parse_policy(
        br#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",
            "Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#,
        "bucket.json",
    )
    .unwrap();
    let spec = keyaki::parse_spec(
        br#"{"name":"org","trust_zone":["account:111122223333"],"no_public_access":true}"#,
        "spec.json",
    )
    .unwrap();
    let report = keyaki::check_spec(&bucket, &spec, &CheckOptions::default());
    assert_eq!(report.result, keyaki::CheckResult::Fail, "{report:?}");
    assert!(!report.findings.is_empty());
}
